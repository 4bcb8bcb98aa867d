/**
 * `sim saml issue --patient <nhs> [--role --purpose --org --user --lifetime] [--header]`: print a
 * signed XUA `saml2:Assertion` (IHE ITI-40) made with the supplier test signing key, or with
 * `--header` a whole `wsse:Security` element to paste into a SOAP Header (curl, Postman).
 */
import type { Argv } from 'yargs';
import { NIR_BROKER_AUDIENCE, SUPPLIER_TEST_IDENTITY } from '../../security/saml.js';
import { issueAssertion } from '../../security/xua-issue.js';
import { buildSecurityHeader } from '../../security/wss-header.js';
import {
  certsFlag,
  lifetimeMs,
  patientCx,
  purposeOf,
  requesterFlags,
  roleOf,
  supplierSigner,
} from '../requester-flags.js';

/** The longest lifetime minted, seconds (one day). */
const MAX_LIFETIME_S = 86_400;

/** Register `saml issue`. */
export function samlCommand(y: Argv): Argv {
  return y.command(
    'saml <action>',
    'XUA assertions for the integration port: issue',
    (a) =>
      certsFlag(
        requesterFlags(a.positional('action', { choices: ['issue'] as const, demandOption: true }), {
          patient: 'NHS number the assertion is for (resource-id)',
          user: 'user (subject-id)',
        })
          .option('audience', {
            type: 'string',
            default: NIR_BROKER_AUDIENCE,
            describe: 'AudienceRestriction',
          })
          .option('header', {
            type: 'boolean',
            default: false,
            describe: 'print a whole wsse:Security header',
          }),
      ),
    (argv) => {
      const resourceId = patientCx(argv.patient);
      const lifetime = lifetimeMs(argv.lifetime, MAX_LIFETIME_S);
      const now = new Date();
      const assertion = issueAssertion(
        {
          issuer: SUPPLIER_TEST_IDENTITY.issuer,
          subjectId: argv.user,
          organization: argv.org,
          organizationId: argv['org-id'],
          homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
          role: roleOf(argv.role),
          purposeOfUse: purposeOf(argv.purpose),
          resourceId,
          audiences: [argv.audience],
          now,
          lifetimeMs: lifetime,
        },
        supplierSigner(argv.certs),
      );
      const out = argv.header ? buildSecurityHeader(assertion, now, lifetime) : assertion;
      process.stdout.write(out + '\n');
    },
  );
}
