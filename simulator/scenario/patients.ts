/**
 * Choosing a query's patient from the data pack by role ("known to all" / "known to one" / "known to
 * none", docs/scenarios.md), against the communities of the running topology. The first patient of
 * patients.csv that fits is used, so a scenario always sends the same NHS number for a given pack.
 */
import { nhsNumberToCx } from '../xca/patient-id.js';
import type { EnvironmentCommunity, EnvironmentPatient } from './environment.js';
import type { PatientSpec } from './scenario-spec.js';

/**
 * A ten-digit number whose Modulus 11 check digit is wrong (NHS Data Dictionary), in the test
 * range: the broker answers Failure XDSUnknownPatientId without fanning out.
 */
export const INVALID_NHS_NUMBER = '9999999991';

/**
 * The patient id to send (a CX), the NHS number when the patient is one (ITI-67 sends it as a
 * token), and how to describe it.
 */
type ChosenPatient = { patientId: string; nhsNumber?: string; label: string } | { problem: string };

/**
 * The patient for a query step.
 * - `known-to-all`: documents in every community of the topology;
 * - `known-to-one`: in exactly one (`community` says which, else any);
 * - `known-to-none`: in none of them;
 * - `invalid-nhs-number`: {@link INVALID_NHS_NUMBER};
 * - `{ nhsNumber }` as given (check digit not verified), `{ patientId }` a raw CX sent verbatim.
 * @returns a problem when no patient of the pack fits.
 */
export function choosePatient(
  spec: PatientSpec,
  patients: readonly EnvironmentPatient[],
  communities: readonly EnvironmentCommunity[],
): ChosenPatient {
  const p = typeof spec === 'string' ? { role: spec } : spec;
  if ('patientId' in p) return { patientId: p.patientId, label: `patient id '${p.patientId}'` };
  if ('nhsNumber' in p)
    return { patientId: nhsNumberToCx(p.nhsNumber), nhsNumber: p.nhsNumber, label: p.nhsNumber };
  if (p.role === 'invalid-nhs-number')
    return {
      patientId: nhsNumberToCx(INVALID_NHS_NUMBER),
      nhsNumber: INVALID_NHS_NUMBER,
      label: `${INVALID_NHS_NUMBER} (invalid-nhs-number)`,
    };
  const ids = communities.map((c) => c.homeCommunityId);
  const only = p.community === undefined ? undefined : communities.find((c) => c.name === p.community);
  if (p.community !== undefined && !only)
    return { problem: `no community named '${p.community}' in the topology` };
  const fits = (x: EnvironmentPatient): boolean => {
    const known = ids.filter((id) => x.homeCommunityIds.includes(id));
    if (p.role === 'known-to-all') return known.length === ids.length;
    if (p.role === 'known-to-none') return known.length === 0;
    return known.length === 1 && (only === undefined || known[0] === only.homeCommunityId);
  };
  const found = patients.find(fits);
  const role = only ? `${p.role} ${only.name}` : p.role;
  if (!found) return { problem: `no patient in the data pack is ${role} of the topology's communities` };
  return {
    patientId: nhsNumberToCx(found.nhsNumber),
    nhsNumber: found.nhsNumber,
    label: `${found.nhsNumber} (${role})`,
  };
}
