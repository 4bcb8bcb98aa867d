/**
 * The certificate set of the container stack with security (simulator/containers/container-certs.ts): a
 * freshly minted set carries the DNS names the containers verify (each gateway certificate its
 * community's name, the broker's server certificate `broker`), a set without them (as an older
 * nir-sim minted) is refused in one line naming the command that re-mints it, a missing set is
 * minted, and the containers' user comes from the process or NIR_SIM_UID / NIR_SIM_GID.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateDnsNames,
  checkContainerCertificates,
  composeCertificatesNote,
  containerSanProblems,
  ensureContainerCertificates,
  hostUser,
} from './container-certs.js';
import { NirFiles, communityFiles } from '../security/cert-layout.js';
import { ensureCertificateSet } from '../security/cert-mint.js';
import { loadCredential, mintLeaf } from '../security/pki.js';
import { SimError } from '../shared/errors.js';

const NAMES = ['north-east-imaging-network', 'north-west-imaging-network'];
const work = mkdtempSync(path.join(tmpdir(), 'nir-sim-container-certs-'));
const fresh = path.join(work, 'fresh');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await ensureCertificateSet(fresh, { communities: NAMES });
}, 60_000);

const read = (dir: string, rel: string): string => readFileSync(path.join(dir, rel), 'utf8');

const threw = (f: () => unknown): SimError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    return e as SimError;
  }
  throw new Error('expected a SimError');
};

/** A copy of the fresh set whose `rel` certificate is re-issued by `ca` with only the loopback names. */
async function olderSet(name: string, ca: { cert: string; key: string }, rel: string): Promise<string> {
  const dir = mkdtempSync(path.join(work, `${name}-`));
  cpSync(fresh, dir, { recursive: true });
  const issuer = await loadCredential(read(dir, ca.cert), read(dir, ca.key));
  const old = await mintLeaf({
    subject: 'CN=localhost, O=nir-sim synthetic test PKI',
    usage: 'server',
    issuer,
    dns: ['localhost'],
    ips: ['127.0.0.1', '::1'],
  });
  writeFileSync(path.join(dir, rel), old.certPem);
  return dir;
}

describe('a freshly minted set', () => {
  it('names each community on its gateway certificates and broker on the broker server certificate', () => {
    expect(certificateDnsNames(read(fresh, NirFiles.brokerServer))).toEqual(['localhost', 'broker']);
    for (const name of NAMES) {
      for (const v of ['good', 'expired', 'revoked', 'untrusted'] as const)
        expect(certificateDnsNames(read(fresh, communityFiles(name).server(v).cert))).toEqual([
          'localhost',
          name,
        ]);
    }
    expect(certificateDnsNames(read(fresh, NirFiles.brokerClient))).toEqual(['localhost']);
  });

  it('fits the container stack', () => {
    expect(containerSanProblems(fresh, NAMES)).toEqual([]);
    expect(() => checkContainerCertificates(fresh, NAMES)).not.toThrow();
    expect(composeCertificatesNote(fresh, NAMES)).toBeUndefined();
  });
});

describe("a set without the containers' DNS names", () => {
  it('is refused in one line: which file lacks which name, and the command that re-mints', async () => {
    const f = communityFiles(NAMES[1]!);
    const dir = await olderSet('gateway', { cert: f.ca, key: f.caKey }, f.server('good').cert);
    expect(containerSanProblems(dir, NAMES)).toEqual([
      `communities/${NAMES[1]}/server.pem has no DNS name ${NAMES[1]} (it has localhost)`,
    ]);
    const e = threw(() => checkContainerCertificates(dir, NAMES));
    expect([e.code, e.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      `the certificates in ${dir} do not fit the container stack: communities/${NAMES[1]}/server.pem has no DNS name ${NAMES[1]} (it has localhost); a set minted by an older nir-sim lacks the containers' DNS names: run npm run sim certs generate -- --force --out ${dir}`,
    ]);
    expect(composeCertificatesNote(dir, NAMES)).toBe(
      `the certificates in ${dir} lack the containers' DNS names (communities/${NAMES[1]}/server.pem has no DNS name ${NAMES[1]} (it has localhost)): run npm run sim certs generate -- --force --out ${dir} before docker compose up`,
    );
  }, 60_000);

  it('counts the broker server certificate and missing files too', async () => {
    const dir = await olderSet(
      'broker',
      { cert: NirFiles.rootCa, key: NirFiles.rootCaKey },
      NirFiles.brokerServer,
    );
    rmSync(path.join(dir, communityFiles(NAMES[0]!).server('revoked').cert));
    const problems = containerSanProblems(dir, NAMES);
    expect(problems[0]).toBe('nir/broker-server.pem has no DNS name broker (it has localhost)');
    expect(problems[1]).toMatch(
      new RegExp(`^communities/${NAMES[0]}/server-revoked\\.pem cannot be read \\(ENOENT: `),
    );
    expect(problems).toHaveLength(2);
    expect(threw(() => checkContainerCertificates(dir, NAMES)).message).toContain(
      'nir/broker-server.pem has no DNS name broker (it has localhost) (and 1 more);',
    );
  }, 60_000);
});

describe('ensureContainerCertificates', () => {
  it('mints a missing set, then reuses it', async () => {
    const dir = path.join(work, 'minted');
    const first = await ensureContainerCertificates(dir, NAMES);
    expect(first.minted).toBeGreaterThan(0);
    expect(containerSanProblems(dir, NAMES)).toEqual([]);
    expect(await ensureContainerCertificates(dir, NAMES)).toEqual({ minted: 0 });
  }, 60_000);

  it('says in one line when the directory cannot be written', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const e = await ensureContainerCertificates(path.join(file, 'certs'), NAMES).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SimError);
    expect((e as SimError).message).toMatch(
      new RegExp(
        `^--security: cannot mint certificates into ${file}/certs \\(ENOTDIR: .*\\): fix the directory or run npm run sim certs generate$`,
      ),
    );
  });

  it('says there is no set yet for compose, which does not mint', () => {
    const dir = path.join(work, 'empty');
    expect(composeCertificatesNote(dir, NAMES)).toBe(
      `there is no certificate set in ${dir} yet: mint it with npm run sim certs generate before docker compose up`,
    );
  });
});

describe('hostUser', () => {
  it("is this process's uid:gid, or NIR_SIM_UID / NIR_SIM_GID when set", () => {
    expect(hostUser({})).toBe(`${process.getuid!()}:${process.getgid!()}`);
    expect(hostUser({ NIR_SIM_UID: '0', NIR_SIM_GID: '0' })).toBe('0:0');
    expect(hostUser({ NIR_SIM_UID: '1234', NIR_SIM_GID: '' })).toBe(`1234:${process.getgid!()}`);
  });

  it('refuses an id that is not a number, in one line', () => {
    expect(threw(() => hostUser({ NIR_SIM_UID: 'me' })).message).toBe(
      'NIR_SIM_UID=me is not a numeric id: set it to a number, e.g. $(id -u)',
    );
    expect(threw(() => hostUser({ NIR_SIM_GID: '-1' })).message).toBe(
      'NIR_SIM_GID=-1 is not a numeric id: set it to a number, e.g. $(id -g)',
    );
  });
});
