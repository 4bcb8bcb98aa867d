/**
 * The minted certificate set: the documented layout (certs/README.md), plain PEM that openssl
 * accepts, `openssl verify -crl_check` passing the good chain and failing each negative client
 * for its own reason, idempotence, and CRL refresh before nextUpdate.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/helpers/system-tools.js';
import { ensureCertificateSet, reissueCrl } from './cert-mint.js';
import { NirFiles, SupplierFiles, communityFiles } from './cert-layout.js';
import { crlNextUpdate, crlSerials, serialOf } from './pki.js';
import { COMMUNITIES, mintCertDir, runTool, type CertDir } from '../../test/helpers/security-fixtures.js';

let certs: CertDir;
beforeAll(async () => {
  certs = await mintCertDir(COMMUNITIES, { fresh: true });
});
afterAll(() => certs.remove());

function files(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base)).flatMap((f) => {
    const rel = base ? `${base}/${f}` : f;
    return statSync(path.join(dir, rel)).isDirectory() ? files(dir, rel) : [rel];
  });
}

/** `openssl verify -crl_check` of a supplier client certificate against the supplier chain in `dir`. */
function verifySupplier(pem: string, dir = certs.dir): { status: number; output: string } {
  return runTool(
    'openssl',
    [
      'verify',
      '-crl_check',
      '-CAfile',
      SupplierFiles.rootCa,
      '-untrusted',
      SupplierFiles.intermediateCa,
      '-CRLfile',
      SupplierFiles.intermediateCrl,
      pem,
    ],
    dir,
  );
}

describe('certificate set layout', () => {
  it('holds exactly the documented files', () => {
    const pair = (p: string): string[] => [`${p}.pem`, `${p}.key`];
    const community = (n: string): string[] => {
      const f = communityFiles(n);
      return [
        f.ca,
        f.caKey,
        f.crl,
        ...(['good', 'expired', 'revoked', 'untrusted'] as const).flatMap((v) => [
          f.server(v).cert,
          f.server(v).key,
        ]),
      ];
    };
    expect(files(certs.dir).sort()).toEqual(
      [
        'manifest.json',
        ...Object.values(NirFiles),
        ...Object.values(SupplierFiles),
        ...[
          'client-revoked',
          'client-expired',
          'client-not-yet-valid',
          'client-untrusted',
          'client-self-signed',
        ].flatMap((k) => pair(`supplier/${k}`)),
        'untrusted/ca.pem',
        'untrusted/ca.key',
        ...COMMUNITIES.flatMap(community),
      ].sort(),
    );
  });

  it('writes private keys readable by the owner only, and client.pem as leaf + intermediate', () => {
    expect(statSync(path.join(certs.dir, SupplierFiles.clientKey)).mode & 0o777).toBe(0o600);
    const client = certs.read(SupplierFiles.client);
    expect(client.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(client.endsWith(certs.read(SupplierFiles.intermediateCa))).toBe(true);
    expect(certs.read(SupplierFiles.intermediateCrl)).toMatch(
      /^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n$/,
    );
  });

  it.skipIf(skipWithoutTool('openssl'))(
    'gives the broker a server certificate for localhost, broker (its container name) and 127.0.0.1, from the NIR root',
    () => {
      const out = runTool(
        'openssl',
        ['x509', '-in', NirFiles.brokerServer, '-noout', '-ext', 'subjectAltName,extendedKeyUsage'],
        certs.dir,
      );
      expect(out.output.replace(/\s+/g, ' ').trim()).toBe(
        'X509v3 Extended Key Usage: TLS Web Server Authentication X509v3 Subject Alternative Name: DNS:localhost, DNS:broker, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      );
      const chain = runTool(
        'openssl',
        [
          'verify',
          '-crl_check',
          '-CAfile',
          NirFiles.rootCa,
          '-CRLfile',
          NirFiles.rootCrl,
          NirFiles.brokerServer,
        ],
        certs.dir,
      );
      expect(chain).toEqual({ status: 0, output: `${NirFiles.brokerServer}: OK\n` });
    },
  );
});

describe.skipIf(skipWithoutTool('openssl'))('openssl verify -crl_check on the supplier chain', () => {
  it('accepts the good client and signing certificates', () => {
    expect(verifySupplier(SupplierFiles.client)).toEqual({
      status: 0,
      output: `${SupplierFiles.client}: OK\n`,
    });
    expect(verifySupplier(SupplierFiles.signing)).toEqual({
      status: 0,
      output: `${SupplierFiles.signing}: OK\n`,
    });
  });

  it.each([
    ['client-revoked', 'error 23 at 0 depth lookup: certificate revoked'],
    ['client-expired', 'error 10 at 0 depth lookup: certificate has expired'],
    ['client-not-yet-valid', 'error 9 at 0 depth lookup: certificate is not yet valid'],
    ['client-untrusted', 'error 20 at 0 depth lookup: unable to get local issuer certificate'],
    ['client-self-signed', 'error 18 at 0 depth lookup: self-signed certificate'],
  ])('rejects %s: %s', (kind, reason) => {
    const r = verifySupplier(`supplier/${kind}.pem`);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(reason);
    expect(r.output).toContain(`error supplier/${kind}.pem: verification failed`);
  });

  it('lists the revoked client, and only it, in the intermediate CRL', () => {
    expect(crlSerials(certs.read(SupplierFiles.intermediateCrl))).toEqual([
      serialOf(certs.read('supplier/client-revoked.pem')),
    ]);
    expect(crlSerials(certs.read(SupplierFiles.rootCrl))).toEqual([]);
  });
});

describe.skipIf(skipWithoutTool('openssl'))('community certificates', () => {
  it.each([
    ['good', 0, 'OK'],
    ['revoked', 2, 'certificate revoked'],
    ['expired', 2, 'certificate has expired'],
    ['untrusted', 2, 'unable to get local issuer certificate'],
  ] as const)('%s: openssl verify -crl_check says %s', (variant, status, text) => {
    const f = communityFiles(COMMUNITIES[0]!);
    const r = runTool(
      'openssl',
      ['verify', '-crl_check', '-CAfile', f.ca, '-CRLfile', f.crl, f.server(variant).cert],
      certs.dir,
    );
    expect(r.status).toBe(status);
    expect(r.output).toContain(text);
  });
});

describe.skipIf(skipWithoutTool('openssl'))('community server certificates name their container', () => {
  it.each(['good', 'revoked', 'expired', 'untrusted'] as const)(
    '%s: DNS localhost and the community name (its service name in the container stack)',
    (variant) => {
      const name = COMMUNITIES[0]!;
      const out = runTool(
        'openssl',
        ['x509', '-in', communityFiles(name).server(variant).cert, '-noout', '-ext', 'subjectAltName'],
        certs.dir,
      );
      expect(out.output.replace(/\s+/g, ' ').trim()).toBe(
        `X509v3 Subject Alternative Name: DNS:localhost, DNS:${name}, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
      );
    },
  );
});

describe('idempotence and CRL refresh', () => {
  it('a second run mints nothing and refreshes nothing', async () => {
    const before = certs.read(SupplierFiles.client);
    const r = await ensureCertificateSet(certs.dir, { communities: COMMUNITIES });
    expect(r).toEqual({ dir: certs.dir, minted: [], refreshedCrls: [], communities: COMMUNITIES });
    expect(certs.read(SupplierFiles.client)).toBe(before);
  });

  it('re-issues every CRL within 3 days of its nextUpdate, keeping the revoked serials', async () => {
    const later = new Date(Date.now() + 5 * 86_400_000);
    const revoked = crlSerials(certs.read(SupplierFiles.intermediateCrl));
    const r = await ensureCertificateSet(certs.dir, { communities: COMMUNITIES, now: later });
    expect(r.minted).toEqual([]);
    expect(r.refreshedCrls.sort()).toEqual(
      [
        NirFiles.rootCrl,
        SupplierFiles.rootCrl,
        SupplierFiles.intermediateCrl,
        ...COMMUNITIES.map((n) => communityFiles(n).crl),
      ].sort(),
    );
    expect(crlSerials(certs.read(SupplierFiles.intermediateCrl))).toEqual(revoked);
    expect(crlNextUpdate(certs.read(SupplierFiles.intermediateCrl))!.getTime()).toBeGreaterThan(
      later.getTime(),
    );
  });

  it.skipIf(skipWithoutTool('openssl'))(
    'reissueCrl adds a serial: the good client then fails openssl verify as revoked',
    async () => {
      const dir = await mintCertDir([]);
      try {
        const serial = serialOf(dir.read(SupplierFiles.client));
        await reissueCrl(
          dir.dir,
          {
            cert: SupplierFiles.intermediateCa,
            key: SupplierFiles.intermediateCaKey,
            crl: SupplierFiles.intermediateCrl,
          },
          [serial],
        );
        const r = verifySupplier(SupplierFiles.client, dir.dir);
        expect(r.status).toBe(2);
        expect(r.output).toContain('certificate revoked');
      } finally {
        dir.remove();
      }
    },
  );
});
