/**
 * The integration port's mutual TLS over real sockets (docs/security.md): the good chain
 * is accepted; revoked, expired, not-yet-valid, untrusted-CA, self-signed and absent client
 * certificates are refused at the handshake (the client learns nothing, the log says why, no
 * request reaches the broker); a CRL that revokes the good certificate takes effect without a
 * restart. Also: the sandbox port stays open, and a gateway admits only NIR's broker.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { reissueCrl } from '../../simulator/security/cert-mint.js';
import { SupplierFiles } from '../../simulator/security/cert-layout.js';
import { serialOf } from '../../simulator/security/pki.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readFault, readQueryResponse } from '../helpers/soap-http.js';
import {
  postTls,
  supplierAssertion,
  waitFor,
  withSecurity,
  useSecureTopology,
} from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const t = useSecureTopology();
let url: string;
beforeAll(() => {
  url = t.running.broker.integration!.endpoints['ITI-38'];
});

const request = (): string =>
  withSecurity(findDocuments(NHS), supplierAssertion(t.certs, nhsNumberToCx(NHS)));
const refusals = (): Record<string, unknown>[] => t.lines.filter((l) => l['msg'] === 'TLS client refused');

describe('integration port: mutual TLS', () => {
  it('reports its URL beside the sandbox port, which stays plain HTTP', () => {
    expect(t.running.broker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.running.broker.integration!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const gateways = t.running.communities.map((c) => c.endpoints['ITI-38']!);
    expect(gateways.filter((u) => /^https:\/\/127\.0\.0\.1:\d+\/xca\/iti38$/.test(u))).toEqual(gateways);
    expect(gateways).toHaveLength(3);
  });

  it('accepts the good chain (leaf + intermediate): Success from every community', async () => {
    const r = await postTls(t.certs, url, request());
    if (!('status' in r)) throw new Error(`refused: ${r.error}`);
    const q = readQueryResponse({
      status: r.status,
      contentType: 'application/soap+xml',
      body: Buffer.from(r.body),
    });
    expect([r.status, q.response.status, q.response.errors]).toEqual([200, ResponseStatus.Success, []]);
    const tx = t.transactions.at(-1)!;
    expect(tx.legs.map((l) => l.outcome)).toEqual(['answered', 'answered', 'answered']);
    expect(tx.requester?.callingSystem).toEqual({ id: 'supplier-system', source: 'tls-certificate' });
  });

  it.each([
    ['supplier/client-revoked', 'revoked', 'CERT_REVOKED'],
    ['supplier/client-expired', 'expired', 'CERT_HAS_EXPIRED'],
    ['supplier/client-not-yet-valid', 'not-yet-valid', 'CERT_NOT_YET_VALID'],
    ['supplier/client-untrusted', 'unknown-ca', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['supplier/client-self-signed', 'self-signed', 'UNABLE_TO_GET_CRL'],
    [null, 'no-certificate', 'NO_PEER_CERTIFICATE'],
  ])(
    'refuses %s at the handshake: the log says %s (%s), nothing reaches the broker',
    async (client, problem, code) => {
      const before = { tx: t.transactions.length, faults: t.faultEvents.length, refused: refusals().length };
      const r = await postTls(t.certs, url, request(), { client });
      expect(r).toEqual({ error: 'ECONNRESET' });
      expect(refusals().slice(before.refused)).toEqual([
        expect.objectContaining({
          listener: 'broker integration',
          problem,
          code,
          remoteAddress: '127.0.0.1',
        }),
      ]);
      expect([t.transactions.length, t.faultEvents.length]).toEqual([before.tx, before.faults]);
    },
  );

  it('refuses TLS 1.1: protocol_version alert, logged', async () => {
    const failed = (): Record<string, unknown>[] =>
      t.lines.filter((l) => l['msg'] === 'TLS handshake failed');
    const before = failed().length;
    const r = await postTls(t.certs, url, request(), { maxVersion: 'TLSv1.1' });
    expect(r).toEqual({ error: 'EPROTO' });
    expect(failed().slice(before)).toEqual([
      expect.objectContaining({ listener: 'broker integration', code: 'ERR_SSL_UNSUPPORTED_PROTOCOL' }),
    ]);
  });

  it('the sandbox port stays open (no certificate, no assertion): Success over mTLS legs', async () => {
    const q = readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(NHS)));
    expect([q.response.status, q.response.errors]).toEqual([ResponseStatus.Success, []]);
  });

  it("a gateway refuses a supplier's certificate, and NIR's without an assertion", async () => {
    const gw = t.running.communities[0]!.endpoints['ITI-38']!;
    const ca = `communities/${t.running.communities[0]!.name}/ca.pem`;
    expect(await postTls(t.certs, gw, findDocuments(NHS), { ca })).toEqual({ error: 'ECONNRESET' });
    const r = await postTls(t.certs, gw, findDocuments(NHS), { ca, client: 'nir/broker-client' });
    if (!('status' in r)) throw new Error(`refused: ${r.error}`);
    const f = readFault({ status: r.status, contentType: 'application/soap+xml', body: Buffer.from(r.body) });
    expect([r.status, f.code, f.reason]).toEqual([
      400,
      'env:Sender',
      'An error was discovered processing the <wsse:Security> header',
    ]);
  });

  it('a CRL update that revokes the good client takes effect without a restart', async () => {
    const serial = serialOf(t.certs.read(SupplierFiles.client));
    const reloads = (): number =>
      t.lines.filter((l) => l['msg'] === 'integration port: CRLs reloaded').length;
    const before = reloads();
    await reissueCrl(
      t.certs.dir,
      {
        cert: SupplierFiles.intermediateCa,
        key: SupplierFiles.intermediateCaKey,
        crl: SupplierFiles.intermediateCrl,
      },
      [serial],
    );
    await waitFor('the integration port to reload its CRLs', () => reloads() > before);
    const refused = refusals().length;
    expect(await postTls(t.certs, url, request())).toEqual({ error: 'ECONNRESET' });
    expect(refusals().slice(refused)).toEqual([
      expect.objectContaining({ problem: 'revoked', code: 'CERT_REVOKED', subject: 'supplier-system' }),
    ]);
  });
});
