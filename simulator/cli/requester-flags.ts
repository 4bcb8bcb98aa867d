/**
 * The requester flags `sim saml issue` (XUA, IHE ITI-40) and `sim token issue` (IUA, ITI-71/72)
 * share: who asks (user, organisation, role, purpose of use), for which patient, for how long,
 * signed with which supplier test key; and the checks and reads behind them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { SupplierFiles } from '../security/cert-layout.js';
import { CodeSystem, DEFAULT_ROLES, SUPPLIER_TEST_IDENTITY, type CodedValue } from '../security/saml.js';
import type { SigningCredential } from '../security/xua-issue.js';
import { defaultCertsDir } from '../runtime/security-runtime.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import { nhsNumberToCx } from '../xca/patient-id.js';

/**
 * Add the shared flags: `--patient` (required), `--role`, `--purpose`, `--org`, `--org-id`,
 * `--user`, `--lifetime` (seconds) and `--certs`; `patient` and `user` describe what the
 * credential calls them (e.g. resource-id / person_id).
 */
export function requesterFlags<T>(a: Argv<T>, describe: { patient: string; user: string }) {
  return a
    .option('patient', { type: 'string', demandOption: true, describe: describe.patient })
    .option('role', { type: 'string', default: DEFAULT_ROLES[0]!.code, describe: 'SNOMED CT role code' })
    .option('purpose', { type: 'string', default: 'TREATMENT', describe: 'purpose of use code' })
    .option('org', {
      type: 'string',
      default: SUPPLIER_TEST_IDENTITY.organization,
      describe: 'organisation name',
    })
    .option('org-id', {
      type: 'string',
      default: SUPPLIER_TEST_IDENTITY.organizationId,
      describe: 'organisation id (URI)',
    })
    .option('user', { type: 'string', default: SUPPLIER_TEST_IDENTITY.subjectId, describe: describe.user })
    .option('lifetime', { type: 'number', default: 300, describe: 'validity in seconds from now' });
}

/** The `--certs` flag; add it last, where each command had it. */
export function certsFlag<T>(a: Argv<T>) {
  return a.option('certs', { type: 'string', describe: 'certificate directory (default: certs/out)' });
}

/** The role CE for a code: SNOMED CT, with the display name of the default roles when known. */
export function roleOf(code: string): CodedValue {
  const known = DEFAULT_ROLES.find((r) => r.code === code);
  return { code, codeSystem: CodeSystem.snomedCt, ...(known ? { displayName: known.displayName } : {}) };
}

/** The purpose of use CE for a code (NHIN PurposeOfUse). */
export function purposeOf(code: string): CodedValue {
  return { code, codeSystem: CodeSystem.nhinPurpose };
}

/**
 * `--patient` as the NHS-number CX (spaces dropped). @throws SimError BadArgument when it is not
 * 10 digits with a valid Modulus 11 check digit (NHS Data Dictionary, NHS Number).
 */
export function patientCx(patient: string): string {
  const nhs = patient.replace(/\s+/g, '');
  if (!/^\d{10}$/.test(nhs) || !isValidNhsNumber(nhs))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--patient ${patient} is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. 9995649284`,
    );
  return nhsNumberToCx(nhs);
}

/**
 * `--lifetime` in ms. @throws SimError BadArgument unless it is whole seconds from 1 to `maxS`;
 * `why` (e.g. the standard's bound) follows the message in brackets.
 */
export function lifetimeMs(lifetimeS: number, maxS: number, why?: string): number {
  if (!Number.isInteger(lifetimeS) || lifetimeS < 1 || lifetimeS > maxS)
    throw new SimError(
      SimErrorCode.BadArgument,
      `--lifetime ${lifetimeS} must be whole seconds from 1 to ${maxS}${why ? ` (${why})` : ''}`,
    );
  return lifetimeS * 1000;
}

/**
 * The supplier test signing credential in `certs` (default certs/out), as `sim certs generate`
 * writes it (security/cert-layout.ts). @throws SimError BadArgument naming a missing file.
 */
export function supplierSigner(certs: string | undefined): SigningCredential {
  const dir = path.resolve(certs ?? defaultCertsDir());
  return {
    certPem: read(path.join(dir, SupplierFiles.signing)),
    keyPem: read(path.join(dir, SupplierFiles.signingKey)),
  };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new SimError(
      SimErrorCode.BadArgument,
      `${file} is missing: run npm run sim certs generate first (or pass --certs with the directory it wrote)`,
    );
  }
}
