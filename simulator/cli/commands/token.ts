/**
 * `sim token issue --patient <nhs> [--role --purpose --org --org-id --user --lifetime --audience
 * --scope --client-id] [--json]`: print an IHE IUA access token (a JWT signed with the supplier
 * test signing key, IHE ITI TF-2 3.71.4.2.2) to send as `Authorization: Bearer <token>` (ITI-72),
 * the FHIR counterpart of `sim saml issue`; `--json` prints the token with its decoded header and
 * claims.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Argv } from 'yargs';
import { SupplierFiles } from '../../security/cert-layout.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
} from '../../security/iua-claims.js';
import { issueAccessToken } from '../../security/iua-token.js';
import { CodeSystem, DEFAULT_ROLES, SUPPLIER_TEST_IDENTITY, type CodedValue } from '../../security/saml.js';
import { defaultCertsDir } from '../../runtime/security-runtime.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { isValidNhsNumber } from '../../xca/nhs-number.js';
import { nhsNumberToCx } from '../../xca/patient-id.js';

/** The longest lifetime minted, seconds: IUA access tokens "SHOULD be short-lived with a lifetime of 1 hour or less" (ITI TF-2 3.71.5). */
const MAX_LIFETIME_S = 3_600;

/** The role CE for a code: SNOMED CT, with the display name of the default roles when known. */
function roleOf(code: string): CodedValue {
  const known = DEFAULT_ROLES.find((r) => r.code === code);
  return { code, codeSystem: CodeSystem.snomedCt, ...(known ? { displayName: known.displayName } : {}) };
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

/** Register `token issue`. */
export function tokenCommand(y: Argv): Argv {
  return y.command(
    'token <action>',
    'IUA access tokens (signed JWT bearer) for the FHIR endpoints of the integration port: issue',
    (a) =>
      a
        .positional('action', { choices: ['issue'] as const, demandOption: true })
        .option('patient', {
          type: 'string',
          demandOption: true,
          describe: 'NHS number the token is for (person_id)',
        })
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
        .option('user', {
          type: 'string',
          default: SUPPLIER_TEST_IDENTITY.subjectId,
          describe: 'user (subject_name; also sub)',
        })
        .option('lifetime', { type: 'number', default: 300, describe: 'validity in seconds from now' })
        .option('audience', {
          type: 'string',
          default: NIR_FHIR_AUDIENCE,
          describe: "aud: the broker's FHIR base",
        })
        .option('scope', {
          type: 'string',
          default: SUPPLIER_TEST_SCOPE,
          describe: 'scope (space-separated)',
        })
        .option('client-id', { type: 'string', default: SUPPLIER_TEST_CLIENT_ID, describe: 'client_id' })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the token, its header and claims as JSON',
        })
        .option('certs', { type: 'string', describe: 'certificate directory (default: certs/out)' }),
    async (argv) => {
      const nhs = argv.patient.replace(/\s+/g, '');
      if (!/^\d{10}$/.test(nhs) || !isValidNhsNumber(nhs))
        throw new SimError(
          SimErrorCode.BadArgument,
          `--patient ${argv.patient} is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. 9995649284`,
        );
      if (!Number.isInteger(argv.lifetime) || argv.lifetime < 1 || argv.lifetime > MAX_LIFETIME_S)
        throw new SimError(
          SimErrorCode.BadArgument,
          `--lifetime ${argv.lifetime} must be whole seconds from 1 to ${MAX_LIFETIME_S} (IUA: access tokens live an hour or less)`,
        );
      const dir = path.resolve(argv.certs ?? defaultCertsDir());
      const token = await issueAccessToken(
        {
          issuer: SUPPLIER_TEST_IDENTITY.issuer,
          clientId: argv['client-id'],
          scope: argv.scope,
          subjectName: argv.user,
          organization: argv.org,
          organizationId: argv['org-id'],
          homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
          role: roleOf(argv.role),
          purposeOfUse: { code: argv.purpose, codeSystem: CodeSystem.nhinPurpose },
          personId: nhsNumberToCx(nhs),
          audiences: [argv.audience],
          now: new Date(),
          lifetimeMs: argv.lifetime * 1000,
        },
        {
          certPem: read(path.join(dir, SupplierFiles.signing)),
          keyPem: read(path.join(dir, SupplierFiles.signingKey)),
        },
      );
      const out = argv.json
        ? JSON.stringify({ token, header: decodeProtectedHeader(token), claims: decodeJwt(token) }, null, 2)
        : token;
      process.stdout.write(out + '\n');
    },
  );
}
