/**
 * `sim certs generate` and `sim saml issue` as a user runs them: the set minted once and then kept
 * (idempotent), a signed assertion or wsse:Security header that validates and that xmlsec1
 * verifies, and one-line errors with a non-zero exit for what the user can fix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../helpers/system-tools.js';
import { nhsNumberToCx } from '../../../simulator/xca/patient-id.js';
import { findDocuments } from '../../helpers/requests.js';
import { runSim, type SimRun } from '../../helpers/sim-cli.js';
import { repoDir } from '../../helpers/topology.js';
import { runTool, xuaHarness, type CertDir } from '../../helpers/security-fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-cli-certs-'));
const env = { ...process.env, NIR_SIM_CERTS_DIR: dir, NIR_SIM_LOG_LEVEL: 'warn' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sim(...args: string[]): SimRun {
  return runSim(args, { env });
}

const certs: CertDir = {
  dir,
  read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
  remove: () => undefined,
};

describe('sim certs generate', () => {
  it('mints the set, then finds it up to date', () => {
    const first = sim('certs', 'generate');
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/^certificates in .+: 64 files minted, 0 CRLs re-issued\n/);
    const again = sim('certs', 'generate');
    expect([again.code, again.stdout.split('\n')[0]]).toEqual([
      0,
      `certificates in ${path.relative(repoDir, dir)} are up to date (add --force to re-mint)`,
    ]);
  });
});

describe('sim saml issue', () => {
  it('prints a signed assertion that validates for the patient, and that xmlsec1 verifies', () => {
    const r = sim('saml', 'issue', '--patient', '999 564 9284', '--purpose', 'TREATMENT');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const claims = xuaHarness(certs, '9995649284').validate(r.stdout.trim());
    expect([claims.resourceId, claims.subjectId, claims.role.code, claims.purposeOfUse.code]).toEqual([
      nhsNumberToCx('9995649284'),
      'Dr Alex Example',
      '158965000',
      'TREATMENT',
    ]);
    const file = path.join(dir, 'issued.xml');
    writeFileSync(file, r.stdout);
    if (skipWithoutTool('xmlsec1')) return; // the global setup names the package to install
    const v = runTool('xmlsec1', [
      '--verify',
      '--trusted-pem',
      path.join(dir, 'supplier/root-ca.pem'),
      '--trusted-pem',
      path.join(dir, 'supplier/intermediate-ca.pem'),
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
      file,
    ]);
    expect(v.status).toBe(0);
  });

  it('--header prints a whole wsse:Security element to paste into a SOAP Header', () => {
    const r = sim(
      'saml',
      'issue',
      '--patient',
      '9995649284',
      '--header',
      '--user',
      'Dr Test',
      '--lifetime',
      '60',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<wsse:Security [^>]*env:mustUnderstand="true"><wsu:Timestamp /);
    const envelope = findDocuments('9995649284').replace('</env:Header>', `${r.stdout.trim()}</env:Header>`);
    const claims = xuaHarness(certs, '9995649284').validate('', new Date(), envelope);
    expect([claims.subjectId, claims.notOnOrAfter.getTime() - claims.notBefore.getTime()]).toEqual([
      'Dr Test',
      60_000,
    ]);
  });

  it.each([
    [
      ['--patient', '9995649285'],
      'nir-sim: --patient 9995649285 is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. 9995649284',
    ],
    [
      ['--patient', '9995649284', '--lifetime', '0'],
      'nir-sim: --lifetime 0 must be whole seconds from 1 to 86400',
    ],
    [
      ['--patient', '9995649284', '--certs', path.join(tmpdir(), 'nir-sim-no-such-certs')],
      `nir-sim: ${path.join(tmpdir(), 'nir-sim-no-such-certs', 'supplier/signing.pem')} is missing: run npm run sim certs generate first (or pass --certs with the directory it wrote)`,
    ],
  ])('%j: one line, exit 64', (args, line) => {
    const r = sim('saml', 'issue', ...args);
    expect([r.code, r.stderr, r.stdout]).toEqual([64, line, '']);
  });
});
