/**
 * The programmatic API (docs/api.md) used as a supplier's own test would use it: everything from
 * the package entry (simulator/api/index.ts, which package.json `exports["."]` compiles from), SOAP
 * over fetch, the answer read as XML. test/e2e/package.test.ts does the same from an installed tarball.
 */
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimError, SimErrorCode, startNirSim, type NirSim } from '../../simulator/api/index.js';
import { findDocuments as findDocumentsEnv } from '../helpers/requests.js';
import {
  mintCertDir,
  postTls,
  supplierAssertion,
  withSecurity,
  type CertDir,
} from '../helpers/security-fixtures.js';

const RS = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';
/** The default pack's patient held by every community (data-packs/default/pack.json examples). */
const NHS = '9995649284';
/** Generous: only the community with the `timeout` fault may miss it, however busy the machine. */
const DEADLINE_MS = 4_000;

/** An ITI-38 FindDocuments request (IHE ITI TF-2 3.38, SOAP 1.2 with WS-Addressing). */
function findDocuments(nhs: string, to: string): string {
  return `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <wsa:Action soap:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>
    <wsa:MessageID>urn:uuid:${crypto.randomUUID()}</wsa:MessageID>
    <wsa:To soap:mustUnderstand="1">${to}</wsa:To>
    <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>
  </soap:Header>
  <soap:Body>
    <query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
      <query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/>
      <rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">
        <rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'${nhs}^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'</rim:Value></rim:ValueList></rim:Slot>
        <rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>
      </rim:AdhocQuery>
    </query:AdhocQueryRequest>
  </soap:Body>
</soap:Envelope>`;
}

/** POST an ITI-38 and read the HTTP status, ResponseStatus and every RegistryError's attributes. */
async function iti38(url: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    body: findDocuments(NHS, url),
  });
  const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
  const response = doc.getElementsByTagNameNS(
    'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
    'AdhocQueryResponse',
  )[0]!;
  const errors = Array.from(doc.getElementsByTagNameNS(RS, 'RegistryError')).map((e) => ({
    errorCode: e.getAttribute('errorCode'),
    codeContext: e.getAttribute('codeContext'),
    severity: e.getAttribute('severity'),
    location: e.getAttribute('location'),
  }));
  return { http: res.status, status: response.getAttribute('status'), errors };
}

describe('the programmatic API, as a supplier uses it', () => {
  let sim: NirSim;
  beforeAll(async () => {
    sim = await startNirSim({ communities: 2, deadlineMs: DEADLINE_MS });
  });
  afterAll(() => sim.stop());

  it('gives typed URLs of the broker, the control API, PARS and both communities', async () => {
    const { broker, control, pars, communities } = sim.urls;
    expect(broker.endpoints['ITI-38']).toBe(`${broker.url}/xca/iti38`);
    expect(broker.fhirBase).toBe(`${broker.url}/fhir`);
    expect(sim.urls.integration).toBeUndefined();
    expect(communities.map((c) => [c.name, c.homeCommunityId, c.protocol, c.kind])).toEqual([
      [
        'north-east-imaging-network',
        'urn:oid:2.25.143717819127266221728204988935439350416.1.1',
        'xca',
        'simulated',
      ],
      [
        'north-west-imaging-network',
        'urn:oid:2.25.143717819127266221728204988935439350416.1.2',
        'xca',
        'simulated',
      ],
    ]);
    for (const u of [broker.url, control, pars]) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const topology = (await (await fetch(`${control}/topology`)).json()) as { communities: unknown[] };
    // The control API says the same, plus whether a `refuse` fault has taken each one down.
    expect(topology.communities).toEqual(communities.map((c) => ({ ...c, down: false })));
  });

  it('ITI-38 is a Success; a timeout fault on one community makes it a PartialSuccess; clearing it restores Success', async () => {
    const url = sim.urls.broker.endpoints['ITI-38'];
    expect(await iti38(url)).toEqual({
      http: 200,
      status: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
      errors: [],
    });

    const [a] = sim.urls.communities;
    const added = sim.faults.add({ name: 'a-hangs', gateway: a!.name, kind: 'timeout' });
    expect(added).toMatchObject({
      name: 'a-hangs',
      gateway: a!.name,
      kind: 'timeout',
      probability: 1,
      after: 0,
    });
    expect(await iti38(url)).toEqual({
      http: 200,
      status: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
      errors: [
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: `community ${a!.homeCommunityId} (${a!.name}) did not answer within ${DEADLINE_MS} ms`,
          severity: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
          location: a!.homeCommunityId,
        },
      ],
    });
    expect(sim.faults.list().map((f) => [f.fault.name, f.matched, f.applied])).toEqual([['a-hangs', 1, 1]]);

    expect(sim.faults.remove('a-hangs')).toBe(true);
    expect(sim.faults.remove('a-hangs')).toBe(false);
    sim.faults.add({ name: 'b', gateway: a!.name, kind: 'refuse' });
    sim.faults.clear();
    expect(sim.faults.list()).toEqual([]);
    expect((await iti38(url)).status).toBe('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success');

    const txs = sim.transactions({ transaction: 'ITI-38' });
    expect(txs.map((t) => t.status)).toEqual([
      'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
      'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
      'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
    ]);
    expect(txs.every((t) => t.patient === NHS && t.legs.length === 2)).toBe(true);
    expect(sim.transaction(txs[1]!.id)?.responseXml).toContain('XDSUnavailableCommunity');
    expect(sim.transactions({ transaction: 'ITI-39' })).toEqual([]);

    // One AuditEvent per ITI-38 and patient (docs/audit.md), delivered to the simulated PARS.
    const audit = await sim.auditEvents();
    expect(audit.map((e) => [e.resourceType, e.type.code, e.subtype?.[0]?.code])).toEqual(
      Array(3).fill(['AuditEvent', '110112', 'ITI-38']),
    );
  });

  it('a bad fault is a SimError naming the problem; nothing is added', () => {
    let err: unknown;
    try {
      sim.faults.add({ name: 'x', gateway: 'no-such-community', kind: 'timeout' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.BadArgument);
    expect((err as SimError).message).toMatch(/^invalid fault: gateway: .*no-such-community/);
    expect(sim.faults.list()).toEqual([]);
  });
});

describe('startNirSim options', () => {
  it.each([
    [{ communities: 0 }, 'communities 0 must be a whole number from 1 to 200'],
    [
      { communities: 150, mhdCommunities: 60 },
      'communities and mhdCommunities make 210 communities: at most 200 in all',
    ],
    [{ deadlineMs: 0.5 }, 'deadlineMs 0.5 must be a positive whole number of milliseconds'],
    [{ port: 70_000 }, 'port 70000 must be a whole number from 0 to 65535'],
    [
      { topology: { schemaVersion: 1 }, communities: 2 },
      'topology cannot be combined with communities: set gateways, mhdGateways and dataPack in the topology instead',
    ],
    [
      { faults: [{ name: 'f', gateway: 'nowhere', kind: 'timeout' as const }] },
      /^invalid faults: faults\[0\]\.gateway: /,
    ],
  ])('%j is refused with a SimError saying what to fix', async (options, message) => {
    const err = await startNirSim(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.BadArgument);
    expect((err as SimError).message).toMatch(message);
  });

  it('starts an inline topology with its faults and stops twice without error', async () => {
    const sim = await startNirSim({
      topology: {
        schemaVersion: 1,
        gateways: 1,
        faults: [{ name: 'slow', gateway: 'north-east-imaging-network', kind: 'latency', latencyMs: 1 }],
      },
    });
    try {
      expect(sim.urls.communities.map((c) => c.name)).toEqual(['north-east-imaging-network']);
      expect(sim.faults.list().map((f) => f.fault.name)).toEqual(['slow']);
    } finally {
      await sim.stop();
      await sim.stop();
    }
  });
});

describe('startNirSim with security', () => {
  let certs: CertDir;
  let sim: NirSim;
  beforeAll(async () => {
    certs = await mintCertDir(); // a copy of the run's shared set: nothing left to mint
    sim = await startNirSim({ communities: 2, security: { certsDir: certs.dir } });
  });
  afterAll(async () => {
    await sim?.stop();
    certs?.remove();
  });

  it('adds the integration port: mutual TLS required, a signed XUA assertion answered with Success', async () => {
    expect(sim.certsDir).toBe(certs.dir);
    const url = sim.urls.integration!.endpoints['ITI-38'];
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/xca\/iti38$/);
    const cx = `${NHS}^^^&2.16.840.1.113883.2.1.4.1&ISO`;
    const body = withSecurity(findDocumentsEnv(NHS), supplierAssertion(certs, cx));
    // No client certificate: the TLS handshake is refused (docs/security.md).
    expect(await postTls(certs, url, body, { client: null })).toHaveProperty('error');
    const r = await postTls(certs, url, body);
    expect(r).toMatchObject({ status: 200 });
    const doc = new DOMParser().parseFromString((r as { body: string }).body, 'application/xml');
    const response = doc.getElementsByTagNameNS(
      'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
      'AdhocQueryResponse',
    )[0]!;
    expect(response.getAttribute('status')).toBe(
      'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
    );
    expect(doc.getElementsByTagNameNS(RS, 'RegistryError')).toHaveLength(0);
  });
});

describe('startNirSim with security on every interface (host 0.0.0.0, as in a container)', () => {
  let certs: CertDir;
  let sim: NirSim;
  beforeAll(async () => {
    certs = await mintCertDir();
    sim = await startNirSim({ communities: 2, host: '0.0.0.0', security: { certsDir: certs.dir } });
  });
  afterAll(async () => {
    await sim?.stop();
    certs?.remove();
  });

  it('the broker reaches its communities at 127.0.0.1, a name their server certificates hold: Success', async () => {
    // The broker dials each community at its advertised URL over mutual TLS; 0.0.0.0 is in no SAN.
    expect(sim.urls.communities.map((c) => c.endpoints['ITI-38'])).toEqual([
      expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/xca\/iti38$/),
      expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/xca\/iti38$/),
    ]);
    const url = sim.urls.integration!.endpoints['ITI-38'];
    const cx = `${NHS}^^^&2.16.840.1.113883.2.1.4.1&ISO`;
    const r = await postTls(certs, url, withSecurity(findDocumentsEnv(NHS), supplierAssertion(certs, cx)));
    expect(r).toMatchObject({ status: 200 });
    const doc = new DOMParser().parseFromString((r as { body: string }).body, 'application/xml');
    const response = doc.getElementsByTagNameNS(
      'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
      'AdhocQueryResponse',
    )[0]!;
    expect(
      Array.from(doc.getElementsByTagNameNS(RS, 'RegistryError')).map((e) => e.getAttribute('codeContext')),
    ).toEqual([]);
    expect(response.getAttribute('status')).toBe(
      'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
    );
  });
});
