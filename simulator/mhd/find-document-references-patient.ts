/**
 * The patient and status of an ITI-67 search (ITI TF-2 3.67.4.1.2.1: both required): the NHS
 * number of `patient` / `patient.identifier` as the affinity domain's CX
 * (ITI TF-3 4.2.3.2.16; NHS Data Dictionary "NHS NUMBER"), and DocumentReference.status as XDS
 * availabilityStatus URNs (MHD DocumentEntry mapping).
 */
import { EntryStatus } from '../xca/constants.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import {
  problem,
  type Occurrence,
  type Occurrences,
  type ReadContext,
} from './find-document-references-params.js';
import { DOCUMENT_REFERENCE_STATUS_SYSTEM, NHS_NUMBER_SYSTEM } from './search-parameters.js';
import { SearchValueError, parseToken } from './search-parameters-values.js';

/** The patient of a search: the NHS number and its affinity-domain CX (ITI TF-3 4.2.3.2.16). */
export interface SearchPatient {
  nhsNumber: string;
  patientId: string;
}

/** The XDS status each DocumentReference.status stands for (MHD DocumentEntry mapping). */
const STATUS_URN: Readonly<Record<string, string | null>> = {
  current: EntryStatus.Approved,
  superseded: EntryStatus.Deprecated,
  // No XDS availabilityStatus: an entered-in-error entry is deleted from the registry.
  'entered-in-error': null,
};

/** The one patient of the search; every problem pushed to `ctx`. */
export function readPatient(occ: Occurrences, ctx: ReadContext): SearchPatient | undefined {
  const found: { nhs: string; sentName: string }[] = [];
  const all: Occurrence[] = [...(occ.get('patient') ?? []), ...(occ.get('patient.identifier') ?? [])];
  if (all.length === 0) {
    ctx.problems.push({
      severity: 'error',
      code: 'required',
      diagnostics:
        'patient or patient.identifier is required (ITI TF-2 3.67.4.1.2.1), e.g. patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919',
      expression: ['http.patient', 'http.patient.identifier'],
    });
    return undefined;
  }
  let bad = false;
  for (const o of all) {
    if (o.items.length > 1) {
      ctx.problems.push(
        problem(
          o.sentName,
          'not-supported',
          `${o.sentName} names ${o.items.length} patients; an ITI-67 search through XCA is for one patient ($XDSDocumentEntryPatientId, ITI TF-2 3.18.4.1.2.3.7.1)`,
        ),
      );
      bad = true;
      continue;
    }
    const nhs = nhsFrom(o, ctx);
    if (nhs === undefined) bad = true;
    else found.push({ nhs, sentName: o.sentName });
  }
  if (bad) return undefined;
  const first = found[0]!;
  const other = found.find((f) => f.nhs !== first.nhs);
  if (other !== undefined) {
    ctx.problems.push(
      problem(
        other.sentName,
        'not-supported',
        `${other.sentName} names NHS number ${other.nhs} but ${first.sentName} names ${first.nhs}; one patient per search`,
      ),
    );
    return undefined;
  }
  return { nhsNumber: first.nhs, patientId: nhsNumberToCx(first.nhs) };
}

/** The NHS number of one patient occurrence (reference `Patient/<nhs>` or identifier token). */
function nhsFrom(o: Occurrence, ctx: ReadContext): string | undefined {
  const item = o.items[0]!;
  let value: string;
  try {
    if (o.sentName === 'patient') {
      const ref = parseToken(item).code;
      const m = /(?:^|\/)Patient\/([^/]+)$/.exec(ref);
      if (!m) throw new SearchValueError(`'${ref}' is not a Patient reference (Patient/<NHS number>)`);
      value = m[1]!;
    } else {
      const t = parseToken(item);
      if (
        t.system === '' ||
        (t.system !== undefined &&
          t.system !== NHS_NUMBER_SYSTEM &&
          t.system !== 'urn:oid:2.16.840.1.113883.2.1.4.1')
      ) {
        ctx.problems.push(
          problem(
            o.sentName,
            'not-supported',
            `${o.sentName}: system '${t.system}' is not the NHS number (${NHS_NUMBER_SYSTEM}), the only patient identifier of this affinity domain`,
          ),
        );
        return undefined;
      }
      value = t.code;
    }
  } catch (e) {
    if (!(e instanceof SearchValueError)) throw e;
    ctx.problems.push(problem(o.sentName, 'value', `${o.sentName}: ${e.message}`));
    return undefined;
  }
  const digits = value.replace(/ /g, '');
  if (!isValidNhsNumber(digits)) {
    const why = /^\d{10}$/.test(digits) ? 'fails the Modulus 11 check' : 'is not ten digits';
    ctx.problems.push(
      problem(
        o.sentName,
        'value',
        `${o.sentName}: '${value}' is not a valid NHS number: it ${why} (NHS Data Dictionary "NHS NUMBER")`,
      ),
    );
    return undefined;
  }
  return digits;
}

/** The EntryStatus URNs asked for (empty with a no-match reason when only entered-in-error). */
export function readStatus(occ: Occurrences, ctx: ReadContext): string[] | undefined {
  const all = occ.get('status');
  if (all === undefined) {
    ctx.problems.push({
      severity: 'error',
      code: 'required',
      diagnostics: 'status is required (ITI TF-2 3.67.4.1.2.1), e.g. status=current',
      expression: ['http.status'],
    });
    return undefined;
  }
  const sets: (string | null)[][] = [];
  for (const o of all) {
    const set: (string | null)[] = [];
    for (const item of o.items) {
      let t;
      try {
        t = parseToken(item);
      } catch (e) {
        if (!(e instanceof SearchValueError)) throw e;
        ctx.problems.push(problem(o.sentName, 'value', `status: ${e.message}`));
        return undefined;
      }
      const urn = STATUS_URN[t.code];
      if ((t.system !== undefined && t.system !== DOCUMENT_REFERENCE_STATUS_SYSTEM) || urn === undefined) {
        ctx.problems.push(
          problem(
            o.sentName,
            'value',
            `status: '${item}' is not a DocumentReference status (current, superseded, entered-in-error; system ${DOCUMENT_REFERENCE_STATUS_SYSTEM})`,
          ),
        );
        return undefined;
      }
      set.push(urn);
    }
    sets.push(set);
  }
  const common = sets.reduce((acc, s) => acc.filter((u) => s.includes(u)));
  const urns = [...new Set(common.filter((u): u is string => u !== null))];
  if (urns.length === 0) {
    ctx.noMatch ??=
      'status: only entered-in-error (or no common status) is asked for; XDS keeps no entered-in-error entries';
  }
  return urns;
}
