/**
 * `sim token issue` as a user runs it: an IUA access token that nir-sim's validator accepts for the
 * patient, whose RS256 signature a second implementation (openssl) verifies over the JWS signing
 * input with the supplier signing certificate's public key, `--json` with the decoded header and
 * claims, and one-line errors with exit 64 for what the user can fix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIR_FHIR_AUDIENCE, iuaPolicy } from '../../../simulator/security/iua-claims.js';
import { createIuaValidator } from '../../../simulator/security/iua-validate.js';
import { SUPPLIER_TEST_IDENTITY } from '../../../simulator/security/saml.js';
import {
  nhsNumberFromPatientId,
  nhsNumberToCx,
  patientIdProblemText,
} from '../../../simulator/xca/patient-id.js';
import { runSim, type SimRun } from '../../helpers/sim-cli.js';
import { skipWithoutTool } from '../../helpers/system-tools.js';
import { mintCertDir, runTool, type CertDir } from '../../helpers/security-fixtures.js';

let certs: CertDir;
let work: string;
beforeAll(async () => {
  certs = await mintCertDir([]);
  work = mkdtempSync(path.join(tmpdir(), 'nir-sim-token-cli-'));
});
afterAll(() => {
  certs.remove();
  rmSync(work, { recursive: true, force: true });
});

function sim(...args: string[]): SimRun {
  return runSim(args, { env: { ...process.env, NIR_SIM_CERTS_DIR: certs.dir, NIR_SIM_LOG_LEVEL: 'warn' } });
}

/** The validator the broker's FHIR endpoints will use, over this set's supplier signing certificate. */
function validator(audience = NIR_FHIR_AUDIENCE) {
  return createIuaValidator(
    iuaPolicy({
      issuers: [SUPPLIER_TEST_IDENTITY.issuer],
      audiences: [audience],
      trustedSigners: [certs.read('supplier/signing.pem')],
      personIdProblem: (v) => {
        const r = nhsNumberFromPatientId(v);
        return r.ok ? undefined : patientIdProblemText[r.reason];
      },
    }),
  );
}

describe('sim token issue', () => {
  it('prints a token that validates for the patient, and whose signature openssl verifies', async () => {
    const r = sim('token', 'issue', '--patient', '999 564 9284', '--user', 'Dr Test');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const token = r.stdout.trim();
    const claims = await validator().validate(token, new Date());
    expect([
      claims.resourceId,
      claims.subjectId,
      claims.role.code,
      claims.purposeOfUse.code,
      claims.notOnOrAfter.getTime() - claims.issuedAt.getTime(),
      claims.algorithm,
    ]).toEqual([nhsNumberToCx('9995649284'), 'Dr Test', '158965000', 'TREATMENT', 300_000, 'RS256']);

    if (skipWithoutTool('openssl')) return; // the global setup names the package to install
    const signingInput = path.join(work, 'signing-input');
    const signature = path.join(work, 'signature.bin');
    const tampered = path.join(work, 'tampered-input');
    const [h, p, s] = token.split('.') as [string, string, string];
    writeFileSync(signingInput, `${h}.${p}`);
    writeFileSync(tampered, `${h}.${p.slice(0, -2)}`);
    writeFileSync(signature, Buffer.from(s, 'base64url'));
    const pub = runTool('openssl', [
      'x509',
      '-pubkey',
      '-noout',
      '-in',
      path.join(certs.dir, 'supplier/signing.pem'),
    ]);
    expect(pub.status).toBe(0);
    writeFileSync(path.join(work, 'pub.pem'), pub.output);
    const dgst = (input: string) =>
      runTool(
        'openssl',
        ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'signature.bin', input],
        work,
      );
    expect(dgst('signing-input')).toEqual({ status: 0, output: 'Verified OK\n' });
    expect(dgst('tampered-input').status).toBe(1);
  });

  it('--json prints the token with its decoded header and claims; --audience and --lifetime apply', async () => {
    const aud = 'https://127.0.0.1:9443/fhir';
    const r = sim(
      'token',
      'issue',
      '--patient',
      '9995649284',
      '--json',
      '--audience',
      aud,
      '--lifetime',
      '60',
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as {
      token: string;
      header: Record<string, unknown>;
      claims: Record<string, unknown> & { iat: number; exp: number };
    };
    expect(Object.keys(out)).toEqual(['token', 'header', 'claims']);
    expect([
      out.header['alg'],
      out.header['typ'],
      out.claims['aud'],
      out.claims.exp - out.claims.iat,
    ]).toEqual(['RS256', 'at+jwt', aud, 60]);
    const claims = await validator(aud).validate(out.token, new Date());
    expect(claims.tokenId).toBe(out.claims['jti']);
  });

  it.each([
    [
      ['--patient', '9995649285'],
      'nir-sim: --patient 9995649285 is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. 9995649284',
    ],
    [
      ['--patient', '9995649284', '--lifetime', '3601'],
      'nir-sim: --lifetime 3601 must be whole seconds from 1 to 3600 (IUA: access tokens live an hour or less)',
    ],
    [
      ['--patient', '9995649284', '--certs', path.join(tmpdir(), 'nir-sim-no-such-certs')],
      `nir-sim: ${path.join(tmpdir(), 'nir-sim-no-such-certs', 'supplier/signing.pem')} is missing: run npm run sim certs generate first (or pass --certs with the directory it wrote)`,
    ],
  ])('%j: one line, exit 64', (args, line) => {
    const r = sim('token', 'issue', ...args);
    expect([r.code, r.stderr, r.stdout]).toEqual([64, line, '']);
  });
});
