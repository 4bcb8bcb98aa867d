/**
 * `sim saml issue --patient <nhs> [--role --purpose --org --user --lifetime] [--header]`: print a
 * signed XUA `saml2:Assertion` (IHE ITI-40) made with the supplier test signing key, or with
 * `--header` a whole `wsse:Security` element to paste into a SOAP Header (curl, Postman).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { SupplierFiles } from '../../security/cert-layout.js';
import {
  CodeSystem,
  DEFAULT_ROLES,
  NIR_BROKER_AUDIENCE,
  SUPPLIER_TEST_IDENTITY,
  type CodedValue,
} from '../../security/saml.js';
import { issueAssertion } from '../../security/xua-issue.js';
import { buildSecurityHeader } from '../../security/wss-header.js';
import { defaultCertsDir } from '../../runtime/security-runtime.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { isValidNhsNumber } from '../../xca/nhs-number.js';
import { nhsNumberToCx } from '../../xca/patient-id.js';

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

/** Register `saml issue`. */
export function samlCommand(y: Argv): Argv {
  return y.command(
    'saml <action>',
    'XUA assertions for the integration port: issue',
    (a) =>
      a
        .positional('action', { choices: ['issue'] as const, demandOption: true })
        .option('patient', {
          type: 'string',
          demandOption: true,
          describe: 'NHS number the assertion is for (resource-id)',
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
          describe: 'user (subject-id)',
        })
        .option('lifetime', { type: 'number', default: 300, describe: 'validity in seconds from now' })
        .option('audience', { type: 'string', default: NIR_BROKER_AUDIENCE, describe: 'AudienceRestriction' })
        .option('header', { type: 'boolean', default: false, describe: 'print a whole wsse:Security header' })
        .option('certs', { type: 'string', describe: 'certificate directory (default: certs/out)' }),
    (argv) => {
      const nhs = argv.patient.replace(/\s+/g, '');
      if (!/^\d{10}$/.test(nhs) || !isValidNhsNumber(nhs))
        throw new SimError(
          SimErrorCode.BadArgument,
          `--patient ${argv.patient} is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. 9995649284`,
        );
      if (!Number.isInteger(argv.lifetime) || argv.lifetime < 1 || argv.lifetime > 86_400)
        throw new SimError(
          SimErrorCode.BadArgument,
          `--lifetime ${argv.lifetime} must be whole seconds from 1 to 86400`,
        );
      const dir = path.resolve(argv.certs ?? defaultCertsDir());
      const now = new Date();
      const assertion = issueAssertion(
        {
          issuer: SUPPLIER_TEST_IDENTITY.issuer,
          subjectId: argv.user,
          organization: argv.org,
          organizationId: argv['org-id'],
          homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
          role: roleOf(argv.role),
          purposeOfUse: { code: argv.purpose, codeSystem: CodeSystem.nhinPurpose },
          resourceId: nhsNumberToCx(nhs),
          audiences: [argv.audience],
          now,
          lifetimeMs: argv.lifetime * 1000,
        },
        {
          certPem: read(path.join(dir, SupplierFiles.signing)),
          keyPem: read(path.join(dir, SupplierFiles.signingKey)),
        },
      );
      const out = argv.header ? buildSecurityHeader(assertion, now, argv.lifetime * 1000) : assertion;
      process.stdout.write(out + '\n');
    },
  );
}
