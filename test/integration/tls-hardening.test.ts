/**
 * TLS hardening of the mTLS listeners, checked with OpenSSL's own client: only AEAD suites with
 * forward secrecy are accepted (a TLS 1.2 CBC suite, CCM8 and static RSA are refused in the
 * handshake), and the minted certificates carry the X.509 extensions RFC 5280 / RFC 5480 ask for.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityFiles, NirFiles, SupplierFiles } from '../../simulator/security/cert-layout.js';
import { listenHttps, type HttpsListener } from '../../simulator/security/https-listen.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';

let certs: CertDir;
let listener: HttpsListener;

/** Run `openssl` without blocking the event loop (the listener is in this process). */
function openssl(args: string[], input = ''): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT')
        reject(new Error('openssl is not installed, and this test needs it: apt-get install openssl'));
      else
        resolve({ status: typeof err?.code === 'number' ? err.code : err ? 1 : 0, output: stdout + stderr });
    });
    child.stdin?.end(input);
  });
}

const f = (rel: string): string => path.join(certs.dir, rel);

/** `openssl s_client` to the listener with the supplier's good client certificate, plus `extra`. */
const sClient = (extra: string[], input = '') =>
  openssl(
    [
      's_client',
      '-connect',
      `127.0.0.1:${listener.port}`,
      '-CAfile',
      f(NirFiles.rootCa),
      '-cert',
      f(SupplierFiles.client),
      '-key',
      f(SupplierFiles.clientKey),
      ...extra,
    ],
    input,
  );

beforeAll(async () => {
  certs = await mintCertDir(['north-east-imaging-network'], { fresh: true });
  listener = await listenHttps({
    app: (_req, res) => res.end('ok\n'),
    host: '127.0.0.1',
    port: 0,
    what: 'test integration',
    logger: silentLogger(),
    material: {
      certPem: certs.read(NirFiles.brokerServer),
      keyPem: certs.read(NirFiles.brokerServerKey),
      caPem: [certs.read(SupplierFiles.rootCa), certs.read(SupplierFiles.intermediateCa)],
      crlFiles: [f(SupplierFiles.rootCrl), f(SupplierFiles.intermediateCrl)],
    },
  });
});
afterAll(async () => {
  await listener.close();
  certs.remove();
});

describe('cipher suites', () => {
  it.each([
    [
      'TLS 1.2 ECDHE + AES-GCM',
      ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
      'ECDHE-ECDSA-AES128-GCM-SHA256',
    ],
    [
      'TLS 1.2 ECDHE + ChaCha20-Poly1305',
      ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ],
    ['TLS 1.3 AES-256-GCM', ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'], 'TLS_AES_256_GCM_SHA384'],
  ])('%s is accepted', async (_name, args, suite) => {
    const r = await sClient([...args, '-brief'], 'Q\n');
    expect(r.output).toContain(`Ciphersuite: ${suite}`);
  });

  it.each([
    ['a TLS 1.2 CBC suite (Lucky13)', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256']],
    ['a TLS 1.2 CBC suite with SHA-1', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA']],
    ['CCM8', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-CCM8']],
    ['ARIA', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-ARIA128-GCM-SHA256']],
    ['TLS 1.3 CCM8', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_8_SHA256']],
  ])('%s is refused in the handshake', async (_name, args) => {
    const r = await sClient([...args, '-brief'], 'Q\n');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/alert handshake failure|no cipher|no ciphers available/);
    expect(r.output).not.toContain('Ciphersuite:');
  });
});

describe('minted certificates (X.509 extensions)', () => {
  const text = async (rel: string): Promise<string> =>
    (
      await openssl([
        'x509',
        '-in',
        f(rel),
        '-noout',
        '-ext',
        'keyUsage,extendedKeyUsage,crlDistributionPoints',
      ])
    ).output;

  it.each([
    [NirFiles.brokerServer, 'TLS Web Server Authentication', NirFiles.rootCrl],
    [NirFiles.brokerClient, 'TLS Web Client Authentication', NirFiles.rootCrl],
    [SupplierFiles.client, 'TLS Web Client Authentication', SupplierFiles.intermediateCrl],
    [communityFiles('north-east-imaging-network').server('good').cert, 'TLS Web Server Authentication', null],
  ])(
    "%s: EC key with keyUsage digitalSignature only (RFC 5480), and its CA's CRL as distribution point",
    async (rel, eku, crl) => {
      const cert = new X509Certificate(certs.read(rel));
      expect(cert.publicKey.asymmetricKeyType).toBe('ec');
      const out = await text(rel);
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
      expect(out).not.toContain('Key Encipherment');
      expect(out).toContain(eku);
      const crlRel = crl ?? communityFiles('north-east-imaging-network').crl;
      expect(out).toContain(`URI:${pathToFileURL(f(crlRel)).href}`);
    },
  );
});
