/**
 * XUA on the integration port over real mutual TLS (IHE ITI-40, docs/security.md): a valid supplier
 * assertion is admitted and forwarded (the gateways validate the broker's own); every refusal is a
 * SOAP Fault with the WS-Security subcode and the WSS fault string only, audited as a `fault`
 * event, with no transaction and no leg (no gateway saw a request).
 */
import { describe, expect, it } from 'vitest';
import { mintLeaf } from '../../simulator/security/pki.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import { buildAssertionXml, signAssertion } from '../../simulator/security/xua-issue.js';
import { WSSE_NS } from '../../simulator/soap/namespaces.js';
import { parseSoapFault } from '../../simulator/soap/fault.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { rad75Envelope, wholeStudyRequest } from '../helpers/imaging-fixtures.js';
import { readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import {
  assertionInput,
  postTls,
  startSecureTopology,
  supplierAssertion,
  withSecurity,
  useSecureTopology,
} from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const INVALID = 'An error was discovered processing the <wsse:Security> header';
const FAILED = 'The security token could not be authenticated or authorized';
const t = useSecureTopology();

const raw = (body: string) => ({ status: 200, contentType: 'application/soap+xml', body: Buffer.from(body) });
/** SOAP exchanges the simulated gateways logged (debug), i.e. legs that reached a community. */
const gatewayExchanges = (): number =>
  t.lines.filter((l) => l['msg'] === 'SOAP exchange' && 'community' in l).length;

async function send(
  envelope: string,
  url = t.running.broker.integration!.endpoints['ITI-38'],
): Promise<{ status: number; body: string }> {
  const r = await postTls(t.certs, url, envelope);
  if (!('status' in r)) throw new Error(`connection refused: ${r.error}`);
  return r;
}

describe('integration port: valid assertions', () => {
  it('ITI-38: admitted, fanned out with a broker-signed assertion each gateway accepts; requester validated', async () => {
    const legsBefore = gatewayExchanges();
    const r = await send(withSecurity(findDocuments(NHS), supplierAssertion(t.certs, CX, { id: '_ok' })));
    expect(gatewayExchanges() - legsBefore).toBe(3);
    const q = readQueryResponse(raw(r.body));
    expect([r.status, q.response.status, q.response.errors]).toEqual([200, ResponseStatus.Success, []]);
    const tx = t.transactions.at(-1)!;
    expect(tx.legs.map((l) => [l.outcome, l.httpStatus])).toEqual([
      ['answered', 200],
      ['answered', 200],
      ['answered', 200],
    ]);
    expect(tx.requester).toEqual({
      assurance: 'validated',
      callingSystem: { id: 'supplier-system', source: 'tls-certificate' },
      user: { id: 'Dr Alex Example', display: 'Dr Alex Example', issuer: 'urn:nir-sim:supplier-idp' },
      organisation: {
        id: 'urn:oid:2.25.147690889658333950155957183334533996289',
        display: 'Example Supplier Imaging Service (synthetic)',
      },
      role: { code: '158965000', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Medical practitioner' },
      purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
      homeCommunityId: 'urn:oid:2.25.147690889658333950155957183334533996289.1',
      patientId: CX,
      assertionId: '_ok',
    });
  });

  it('ITI-39: admitted; the document comes back from its community', async () => {
    const c = t.pack.communities[0]!;
    const doc = c.entries.find((e) => e.patientId === CX)!;
    const env = retrieve([
      {
        homeCommunityId: c.homeCommunityId,
        repositoryUniqueId: c.repositoryUniqueId,
        documentUniqueId: doc.uniqueId,
      },
    ]);
    const r = await postTls(
      t.certs,
      t.running.broker.integration!.endpoints['ITI-39'],
      withSecurity(env, supplierAssertion(t.certs, CX)),
    );
    if (!('status' in r)) throw new Error(r.error);
    expect(r.status).toBe(200);
    expect(t.transactions.at(-1)!.legs.map((l) => l.outcome)).toEqual(['answered']);
    expect(t.transactions.at(-1)!.resultCount).toBe(1);
  });
});

describe('assertion validity is judged on the topology clock', () => {
  it('a topology 10 minutes behind admits an assertion issued then, and its gateways accept the broker assertions of that time', async () => {
    const then = new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000); // within the certificates' validity
    const behind = await startSecureTopology(t.certs, 5_000, fixedClock(then.getTime()));
    try {
      const envelope = withSecurity(findDocuments(NHS), supplierAssertion(t.certs, CX, { now: then }), then);
      const r = await postTls(t.certs, behind.running.broker.integration!.endpoints['ITI-38'], envelope);
      if (!('status' in r)) throw new Error(`connection refused: ${r.error}`);
      const q = readQueryResponse(raw(r.body));
      // On the system clock the supplier's assertion would be expired at the broker, and the
      // broker's (NotOnOrAfter then + 5 min) expired at every gateway: legs would be SOAP Faults.
      expect([r.status, q.response.status, q.response.errors]).toEqual([200, ResponseStatus.Success, []]);
      expect(behind.transactions.at(-1)!.legs.map((l) => [l.outcome, l.httpStatus])).toEqual([
        ['answered', 200],
        ['answered', 200],
        ['answered', 200],
      ]);
    } finally {
      await behind.running.stop();
    }
  });
});

describe('integration port: every refusal is a SOAP Fault and nothing is fanned out', () => {
  const now = (): Date => new Date();
  const past = (): Date => new Date(Date.now() - 600_000);
  const future = (): Date => new Date(Date.now() + 600_000);
  const xsw = (): string => {
    const genuine = supplierAssertion(t.certs, nhsNumberToCx('9995527421'));
    return buildAssertionXml(assertionInput(CX, now(), { subjectId: 'Mallory', id: '_evil' })).replace(
      '<saml2:Conditions',
      `<saml2:Advice>${genuine}</saml2:Advice><saml2:Conditions`,
    );
  };
  const commentInjection = (): string => {
    const esc = CX.replace(/&/g, '&amp;');
    return supplierAssertion(t.certs, `${CX}.evil`).replace(`${esc}.evil`, `${esc}<!---->.evil`);
  };
  const cases: [string, 'InvalidSecurity' | 'FailedAuthentication', () => Promise<string> | string][] = [
    ['no wsse:Security header', 'InvalidSecurity', () => findDocuments(NHS)],
    ['expired', 'FailedAuthentication', () => supplierAssertion(t.certs, CX, { now: past() })],
    ['not yet valid', 'FailedAuthentication', () => supplierAssertion(t.certs, CX, { now: future() })],
    ['unsigned', 'FailedAuthentication', () => buildAssertionXml(assertionInput(CX))],
    [
      'signed by an untrusted key',
      'FailedAuthentication',
      async () =>
        signAssertion(
          buildAssertionXml(assertionInput(CX)),
          await mintLeaf({ subject: 'CN=rogue', usage: 'signing' }),
        ),
    ],
    [
      'wrong audience',
      'FailedAuthentication',
      () => supplierAssertion(t.certs, CX, { audiences: ['urn:someone-else'] }),
    ],
    [
      'missing AuthnStatement',
      'InvalidSecurity',
      () =>
        supplierAssertion(t.certs, CX, {}, (x) =>
          x.replace(/<saml2:AuthnStatement[\s\S]*<\/saml2:AuthnStatement>/, ''),
        ),
    ],
    [
      'two roles',
      'InvalidSecurity',
      () =>
        supplierAssertion(t.certs, CX, {}, (x) =>
          x.replace(/(<saml2:AttributeValue><Role [^>]*\/><\/saml2:AttributeValue>)/, '$1$1'),
        ),
    ],
    [
      'two purposes of use',
      'InvalidSecurity',
      () =>
        supplierAssertion(t.certs, CX, {}, (x) =>
          x.replace(/(<saml2:AttributeValue><PurposeOfUse [^>]*\/><\/saml2:AttributeValue>)/, '$1$1'),
        ),
    ],
    [
      'resource-id for another patient',
      'FailedAuthentication',
      () => supplierAssertion(t.certs, nhsNumberToCx('9995527421')),
    ],
    ['a signature-wrapping attack', 'InvalidSecurity', xsw],
    ['a comment-injection attack', 'FailedAuthentication', commentInjection],
  ];

  it.each(cases)('%s: Sender fault, subcode wsse:%s', async (_name, subcode, make) => {
    const made = await make();
    const envelope = made.startsWith('<?xml') ? made : withSecurity(findDocuments(NHS), made);
    const before = { tx: t.transactions.length, faults: t.faultEvents.length, legs: gatewayExchanges() };
    const r = await send(envelope);
    const fault = parseSoapFault(
      parseXml(r.body).getElementsByTagNameNS('http://www.w3.org/2003/05/soap-envelope', 'Fault')[0]!,
    );
    expect([r.status, fault.code, fault.subcodeQName, fault.reason]).toEqual([
      400,
      'Sender',
      { ns: WSSE_NS, local: subcode },
      subcode === 'InvalidSecurity' ? INVALID : FAILED,
    ]);
    expect(t.transactions.length).toBe(before.tx);
    expect(gatewayExchanges()).toBe(before.legs);
    expect(t.faultEvents.slice(before.faults)).toEqual([
      expect.objectContaining({
        transaction: 'ITI-38',
        httpStatus: 400,
        code: 'Sender',
        reason: subcode === 'InvalidSecurity' ? INVALID : FAILED,
      }),
    ]);
  });

  it('the same assertion sent twice: the first is admitted and fanned out, the replay refused (wsse:InvalidSecurity), no leg', async () => {
    const envelope = withSecurity(findDocuments(NHS), supplierAssertion(t.certs, CX, { id: '_once' }));
    const legs = gatewayExchanges();
    const first = await send(envelope);
    expect([first.status, readQueryResponse(raw(first.body)).response.status]).toEqual([
      200,
      ResponseStatus.Success,
    ]);
    expect(gatewayExchanges() - legs).toBe(3); // each community accepted the broker's forwarded assertion
    const before = { tx: t.transactions.length, faults: t.faultEvents.length };
    const again = await send(envelope);
    const fault = parseSoapFault(
      parseXml(again.body).getElementsByTagNameNS('http://www.w3.org/2003/05/soap-envelope', 'Fault')[0]!,
    );
    expect([again.status, fault.code, fault.subcodeQName, fault.reason]).toEqual([
      400,
      'Sender',
      { ns: WSSE_NS, local: 'InvalidSecurity' },
      INVALID,
    ]);
    expect(gatewayExchanges() - legs).toBe(3);
    expect(t.transactions.length).toBe(before.tx);
    expect(t.faultEvents.slice(before.faults)).toEqual([
      expect.objectContaining({ transaction: 'ITI-38', httpStatus: 400, code: 'Sender', reason: INVALID }),
    ]);
    expect(t.lines.filter((l) => l['msg'] === 'XUA: request refused').at(-1)).toMatchObject({
      failure: 'replayed',
    });
  });

  it('ITI-39 without an assertion: the same fault, no leg', async () => {
    const c = t.pack.communities[0]!;
    const env = retrieve([
      {
        homeCommunityId: c.homeCommunityId,
        repositoryUniqueId: c.repositoryUniqueId,
        documentUniqueId: c.entries[0]!.uniqueId,
      },
    ]);
    const legs = gatewayExchanges();
    const r = await send(env, t.running.broker.integration!.endpoints['ITI-39']);
    const fault = parseSoapFault(
      parseXml(r.body).getElementsByTagNameNS('http://www.w3.org/2003/05/soap-envelope', 'Fault')[0]!,
    );
    expect([r.status, fault.subcodeQName, fault.reason]).toEqual([
      400,
      { ns: WSSE_NS, local: 'InvalidSecurity' },
      INVALID,
    ]);
    expect(gatewayExchanges()).toBe(legs);
    expect(() => readRetrieveResponse(raw(r.body))).toThrow();
  });
});

describe('integration port: RAD-75 under XUA', () => {
  it('a study retrieve is admitted, forwarded with the broker-signed assertion, and streamed back', async () => {
    const c = t.pack.communities.find((x) => x.imaging.some((s) => s.patientId === NHS))!;
    const studyIndex = c.imaging.findIndex((s) => s.patientId === NHS);
    const request = wholeStudyRequest(c, studyIndex);
    const instances = request.studies.flatMap((s) => s.series.flatMap((se) => se.documents)).length;
    const legsBefore = gatewayExchanges();
    const r = await send(
      withSecurity(rad75Envelope(request), supplierAssertion(t.certs, CX, { id: '_rad75' })),
      t.running.broker.integration!.endpoints['RAD-75'],
    );
    expect(r.status).toBe(200);
    expect(gatewayExchanges() - legsBefore).toBe(1);
    expect(r.body).toContain(`status="${ResponseStatus.Success}"`);
    expect(r.body.match(/<(\w+:)?mimeType>application\/dicom<\/(\w+:)?mimeType>/g)).toHaveLength(instances);
    expect(r.body.match(/Content-Type: application\/dicom/g)).toHaveLength(instances);
  });

  it('without an assertion: the default-deny fault, and no community sees the request', async () => {
    const c = t.pack.communities.find((x) => x.imaging.length > 0)!;
    const legsBefore = gatewayExchanges();
    const r = await send(
      rad75Envelope(wholeStudyRequest(c, 0)),
      t.running.broker.integration!.endpoints['RAD-75'],
    );
    expect(r.status).toBe(400);
    expect(
      parseSoapFault(
        parseXml(r.body).getElementsByTagNameNS('http://www.w3.org/2003/05/soap-envelope', 'Fault')[0]!,
      ).reason,
    ).toBe(INVALID);
    expect(gatewayExchanges() - legsBefore).toBe(0);
  });
});
