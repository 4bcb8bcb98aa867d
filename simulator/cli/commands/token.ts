/**
 * `sim token issue --patient <nhs> [--role --purpose --org --org-id --user --lifetime --audience
 * --scope --client-id] [--json]`: print an IHE IUA access token (a JWT signed with the supplier
 * test signing key, IHE ITI TF-2 3.71.4.2.2) to send as `Authorization: Bearer <token>` (ITI-72),
 * the FHIR counterpart of `sim saml issue`; `--json` prints the token with its decoded header and
 * claims.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Argv } from 'yargs';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
} from '../../security/iua-claims.js';
import { issueAccessToken } from '../../security/iua-token.js';
import { SUPPLIER_TEST_IDENTITY } from '../../security/saml.js';
import {
  certsFlag,
  lifetimeMs,
  patientCx,
  purposeOf,
  requesterFlags,
  roleOf,
  supplierSigner,
} from '../requester-flags.js';

/** The longest lifetime minted, seconds: IUA access tokens "SHOULD be short-lived with a lifetime of 1 hour or less" (ITI TF-2 3.71.5). */
const MAX_LIFETIME_S = 3_600;

/** Register `token issue`. */
export function tokenCommand(y: Argv): Argv {
  return y.command(
    'token <action>',
    'IUA access tokens (signed JWT bearer) for the FHIR endpoints of the integration port: issue',
    (a) =>
      certsFlag(
        requesterFlags(a.positional('action', { choices: ['issue'] as const, demandOption: true }), {
          patient: 'NHS number the token is for (person_id)',
          user: 'user (subject_name; also sub)',
        })
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
          }),
      ),
    async (argv) => {
      const personId = patientCx(argv.patient);
      const lifetime = lifetimeMs(argv.lifetime, MAX_LIFETIME_S, 'IUA: access tokens live an hour or less');
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
          purposeOfUse: purposeOf(argv.purpose),
          personId,
          audiences: [argv.audience],
          now: new Date(),
          lifetimeMs: lifetime,
        },
        supplierSigner(argv.certs),
      );
      const out = argv.json
        ? JSON.stringify({ token, header: decodeProtectedHeader(token), claims: decodeJwt(token) }, null, 2)
        : token;
      process.stdout.write(out + '\n');
    },
  );
}
