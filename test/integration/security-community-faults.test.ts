/**
 * Community-side certificate faults (docs/security.md): `cert-expired`, `cert-revoked` and
 * `cert-untrusted` re-provision that community's gateway with such a certificate; the broker, as
 * TLS client checking the community CAs and CRLs, refuses the handshake and reports the community
 * as XDSUnavailableCommunity, location = its homeCommunityId, codeContext naming the problem.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { postTls, supplierAssertion, withSecurity, useSecureTopology } from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const t = useSecureTopology();
afterEach(() => t.faults.reset());

const target = () => t.pack.communities[1]!;
const homes = (objects: readonly { home?: string }[]): string[] =>
  [...new Set(objects.map((o) => o.home ?? ''))].sort();
const others = (): string[] =>
  t.pack.communities
    .filter((c) => c !== target())
    .map((c) => c.homeCommunityId)
    .sort();
const unavailable = (why: string, suffix = '') => ({
  errorCode: 'XDSUnavailableCommunity',
  codeContext: `community ${target().homeCommunityId} (${target().name}) presented a server certificate that is ${why}, so the broker refused the TLS connection${suffix}`,
  severity: ErrorSeverity.Error,
  location: target().homeCommunityId,
});

describe('certificate faults on a community, through the sandbox port', () => {
  it.each([
    ['cert-expired', 'expired (CERT_HAS_EXPIRED)'],
    ['cert-revoked', 'revoked by its CA (CERT_REVOKED)'],
    ['cert-untrusted', 'from a CA that is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
  ] as const)('%s: PartialSuccess, XDSUnavailableCommunity at that community', async (kind, why) => {
    const added = t.faults.add({ name: 'cert', gateway: target().name, kind });
    expect(added.ok).toBe(true);
    const q = readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(NHS)));
    expect([q.response.status, q.response.errors, homes(q.response.objects)]).toEqual([
      ResponseStatus.PartialSuccess,
      [unavailable(why)],
      others(),
    ]);
    const leg = t.transactions.at(-1)!.legs.find((l) => l.homeCommunityId === target().homeCommunityId)!;
    expect([leg.outcome, leg.failure?.reason]).toEqual(['failed', 'refused']);
  });

  it('removing the fault restores the good certificate: Success from every community', async () => {
    t.faults.add({ name: 'cert', gateway: target().name, kind: 'cert-revoked' });
    expect(
      readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(NHS))).response.status,
    ).toBe(ResponseStatus.PartialSuccess);
    t.faults.reset();
    const q = readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(NHS)));
    expect([q.response.status, q.response.errors]).toEqual([ResponseStatus.Success, []]);
  });
});

describe('certificate faults on a community, other ways in', () => {
  it('ITI-39 from the faulty community: Failure, XDSUnavailableCommunity at its location', async () => {
    t.faults.add({ name: 'cert', gateway: target().name, kind: 'cert-expired' });
    const c = target();
    const doc = c.entries[0]!;
    const r = readRetrieveResponse(
      await post(
        t.running.broker.endpoints['ITI-39'],
        retrieve([
          {
            homeCommunityId: c.homeCommunityId,
            repositoryUniqueId: c.repositoryUniqueId,
            documentUniqueId: doc.uniqueId,
          },
        ]),
      ),
    );
    expect([r.response.status, r.response.errors, r.response.documents]).toEqual([
      ResponseStatus.Failure,
      [unavailable('expired (CERT_HAS_EXPIRED)', ` for document(s) ${doc.uniqueId}`)],
      [],
    ]);
  });

  it('through the integration port with a valid assertion: the same PartialSuccess', async () => {
    t.faults.add({ name: 'cert', gateway: target().name, kind: 'cert-untrusted' });
    const env = withSecurity(findDocuments(NHS), supplierAssertion(t.certs, nhsNumberToCx(NHS)));
    const r = await postTls(t.certs, t.running.broker.integration!.endpoints['ITI-38'], env);
    if (!('status' in r)) throw new Error(r.error);
    const q = readQueryResponse({
      status: r.status,
      contentType: 'application/soap+xml',
      body: Buffer.from(r.body),
    });
    expect([q.response.status, q.response.errors]).toEqual([
      ResponseStatus.PartialSuccess,
      [unavailable('from a CA that is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)')],
    ]);
  });
});
