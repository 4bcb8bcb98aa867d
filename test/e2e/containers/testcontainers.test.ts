/**
 * The Testcontainers module (docs/testcontainers.md) used the way a supplier's own test uses it:
 * everything from the package subpath `nir-sim/testcontainers` (simulator/testcontainers/index.ts),
 * SOAP over fetch and node:https, the answers read as XML. Runs under `npm run test:containers`
 * on the engine of DOCKER_HOST with the image of NIR_SIM_IMAGE (default nir-sim:local, which
 * scripts/containers/test-containers.sh builds). Outside CI it is skipped when no engine answers;
 * under CI (`CI` set) that is a failure.
 *
 * There is no registry here, so Testcontainers' reaper (Ryuk) image cannot be pulled: it is
 * disabled, and each container is stopped in afterAll.
 */
import https from 'node:https';
import { DOMParser } from '@xmldom/xmldom';
import type { Bundle, DocumentReference } from 'fhir/r4.js';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NirSimContainer,
  SimError,
  SimErrorCode,
  type NirSimCertificates,
  type StartedNirSimContainer,
} from '../../../simulator/testcontainers/index.js';
import { inCi } from '../../helpers/system-tools.js';

process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
// URLs name 127.0.0.1 (a name in the broker's server certificate), not `localhost`.
process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';

const IMAGE = process.env['NIR_SIM_IMAGE'] ?? 'nir-sim:local';
const RS = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';
const QUERY = 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0';
/** The default pack's patient held by every community (data-packs/default/pack.json examples). */
const NHS = '9995649284';
/** Generous: only the community with the `timeout` fault may miss it, however loaded the engine's host. */
const DEADLINE_MS = 10_000;
const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';

/** Whether a container engine answers (DOCKER_HOST, else Testcontainers' own discovery). */
async function engineAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch (err) {
    if (inCi())
      throw new Error(
        `CI must not skip the Testcontainers test: no container engine answers (${String(err)})`,
      );
    return false;
  }
}
const noEngine = !(await engineAnswers());

/** An ITI-38 FindDocuments (IHE ITI TF-2 3.38, SOAP 1.2 + WS-Addressing), with an optional wsse:Security header. */
function findDocuments(to: string, securityHeader = ''): string {
  return `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <wsa:Action soap:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>
    <wsa:MessageID>urn:uuid:${crypto.randomUUID()}</wsa:MessageID>
    <wsa:To soap:mustUnderstand="1">${to}</wsa:To>
    <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>
    ${securityHeader}
  </soap:Header>
  <soap:Body>
    <query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
      <query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/>
      <rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">
        <rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'${NHS}^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'</rim:Value></rim:ValueList></rim:Slot>
        <rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>
      </rim:AdhocQuery>
    </query:AdhocQueryRequest>
  </soap:Body>
</soap:Envelope>`;
}

/** The HTTP status, ResponseStatus and every RegistryError of an AdhocQueryResponse. */
function readAnswer(http: number, xml: string) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const errors = Array.from(doc.getElementsByTagNameNS(RS, 'RegistryError')).map((e) => ({
    errorCode: e.getAttribute('errorCode'),
    codeContext: e.getAttribute('codeContext'),
    severity: e.getAttribute('severity'),
    location: e.getAttribute('location'),
  }));
  const response = doc.getElementsByTagNameNS(QUERY, 'AdhocQueryResponse')[0];
  return { http, status: response?.getAttribute('status'), errors };
}

/** POST an ITI-38 to the sandbox port. */
async function iti38(url: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    body: findDocuments(url),
    signal: AbortSignal.timeout(60_000),
  });
  return readAnswer(res.status, await res.text());
}

/** POST over mutual TLS with the returned certificate set (`client: false`: no client certificate). */
function postTls(
  url: string,
  body: string,
  certs: NirSimCertificates,
  client = true,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
        ca: certs.ca,
        crl: certs.crl,
        ...(client ? { cert: certs.clientCert, key: certs.clientKey } : {}),
        agent: false,
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(noEngine)('NirSimContainer, as a supplier uses it', () => {
  let sim: StartedNirSimContainer;
  beforeAll(async () => {
    sim = await new NirSimContainer(IMAGE)
      .withGateways(3)
      .withDeadlineMs(DEADLINE_MS)
      .withLoopbackPorts()
      .start();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('URLs on the mapped host ports; ITI-38 Success, a timeout fault on one community PartialSuccess, cleared Success', async () => {
    const urls = sim.getUrls();
    expect(urls.broker.url).toBe(sim.getBrokerUrl());
    expect(sim.getBrokerUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.getBrokerUrl()).not.toBe('http://127.0.0.1:8080'); // a mapped port, not the container's
    expect(sim.getFhirBaseUrl()).toBe(`${sim.getBrokerUrl()}/fhir`);
    const communities = await sim.communities();
    expect(communities.map((c) => [c.name, c.protocol, c.kind, c.down])).toEqual([
      ['north-east-imaging-network', 'xca', 'simulated', false],
      ['north-west-imaging-network', 'xca', 'simulated', false],
      ['yorkshire-imaging-network', 'xca', 'simulated', false],
    ]);
    const url = urls.broker.endpoints['ITI-38'];
    expect(await iti38(url)).toEqual({ http: 200, status: SUCCESS, errors: [] });

    const [north] = communities;
    const added = await sim.faults.add({ name: 'north-hangs', gateway: north!.name, kind: 'timeout' });
    expect(added).toMatchObject({
      name: 'north-hangs',
      gateway: north!.name,
      kind: 'timeout',
      probability: 1,
    });
    expect(await iti38(url)).toEqual({
      http: 200,
      status: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
      errors: [
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: `community ${north!.homeCommunityId} (${north!.name}) did not answer within ${DEADLINE_MS} ms`,
          severity: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
          location: north!.homeCommunityId,
        },
      ],
    });
    expect((await sim.faults.list()).map((f) => [f.fault.name, f.matched, f.applied])).toEqual([
      ['north-hangs', 1, 1],
    ]);
    await sim.faults.clear();
    expect(await sim.faults.list()).toEqual([]);
    expect(await iti38(url)).toEqual({ http: 200, status: SUCCESS, errors: [] });

    const txs = await sim.transactions({ transaction: 'ITI-38' });
    expect(txs.map((t) => [t.status, t.patient, t.legs.length])).toEqual([
      [SUCCESS, NHS, 3],
      ['urn:ihe:iti:2007:ResponseStatusType:PartialSuccess', NHS, 3],
      [SUCCESS, NHS, 3],
    ]);
    const audit = await sim.auditEvents({ atLeast: 3 });
    expect(audit.map((e) => [e.resourceType, e.type.code, e.subtype?.[0]?.code])).toEqual(
      Array(3).fill(['AuditEvent', '110112', 'ITI-38']),
    );
  });

  it('ITI-67 through the mapped port: the Bundle and every document URL name the mapped port, and ITI-68 fetches one', async () => {
    const nhs = encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${NHS}`);
    const res = await fetch(
      `${sim.getFhirBaseUrl()}/DocumentReference?patient.identifier=${nhs}&status=current`,
      {
        headers: { accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(60_000),
      },
    );
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as Bundle<DocumentReference>;
    expect(bundle.resourceType).toBe('Bundle');
    const urls = (bundle.entry ?? []).flatMap((e) => e.resource!.content.map((c) => c.attachment.url!));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u.startsWith(`${sim.getFhirBaseUrl()}/`)).toBe(true);
    const doc = await fetch(urls[0]!, { signal: AbortSignal.timeout(60_000) });
    expect(doc.status).toBe(200);
    expect((await doc.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('a fault the catalogue refuses is a SimError listing the problem; nothing is added', async () => {
    const err = await sim.faults.add({ name: 'x', gateway: 'no-such-community', kind: 'timeout' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.BadArgument);
    expect((err as SimError).message).toMatch(/^the control API refused the request .*\n.*no-such-community/);
    expect(await sim.faults.list()).toEqual([]);
  });
});

describe.skipIf(noEngine)('NirSimContainer withSecurity()', () => {
  let sim: StartedNirSimContainer;
  beforeAll(async () => {
    sim = await new NirSimContainer(IMAGE)
      .withGateways(2)
      .withSecurity()
      .withFaults([{ name: 'ne-1ms', gateway: 'north-east-imaging-network', kind: 'latency', latencyMs: 1 }])
      .withLoopbackPorts()
      .start();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('ITI-38 over mutual TLS with the returned certificates and a signed XUA assertion is a Success; no client certificate is refused at the handshake', async () => {
    // withFaults: in force once start() resolved
    expect((await sim.faults.list()).map((f) => [f.fault.name, f.fault.kind, f.matched])).toEqual([
      ['ne-1ms', 'latency', 0],
    ]);
    const url = sim.getUrls().integration!.endpoints['ITI-38'];
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/xca\/iti38$/);
    const certs = sim.certificates;
    expect(certs.clientKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certs.crl).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const header = await sim.xuaSecurityHeader(NHS);
    expect(header).toMatch(/^<wsse:Security /);

    const r = await postTls(url, findDocuments(url, header), certs);
    expect(readAnswer(r.status, r.body)).toEqual({ http: 200, status: SUCCESS, errors: [] });

    const refused = await postTls(url, findDocuments(url, header), certs, false).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(refused?.code).toMatch(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/);

    expect((await sim.faults.list()).map((f) => f.applied)).toEqual([1]); // the leg over mutual TLS met it
    // The sandbox port stays open access beside it.
    expect(await iti38(sim.getUrls().broker.endpoints['ITI-38'])).toEqual({
      http: 200,
      status: SUCCESS,
      errors: [],
    });
  });
});
