/**
 * The provider run against a simulated responding gateway of the default pack: clean, the
 * robustness checks pass; a `malformed-xml` fault fails ROB-SCHEMA, a `latency` fault on a virtual
 * clock fails ROB-LATENCY (no wall-clock dependence), a purpose-built gateway answering an
 * AdhocQueryResponse that ebRS 3.0 forbids fails ROB-SCHEMA against the IHE schemas; the same seed
 * gives the same requests; the run carries the AuditEvents NIR would send.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robustnessChecksWith } from '../../simulator/conformance/robustness-checks.js';
import { latencyCheck } from '../../simulator/conformance/robustness-latency.js';
import { schemaCheck } from '../../simulator/conformance/robustness-schema.js';
import { runProvider } from '../../simulator/conformance/provider-run.js';
import type { ProviderTarget } from '../../simulator/conformance/provider-check.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { referenceDir, skipWithoutReference } from '../helpers/repo-root.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';
import { timersWhen } from '../helpers/virtual-time.js';

let topo: TestTopology;
let target: ProviderTarget;
beforeAll(async () => {
  topo = await startTestTopology({ simulated: 1 });
  const c = topo.running.communities[0]!;
  target = {
    iti38Url: c.endpoints['ITI-38']!,
    iti39Url: c.endpoints['ITI-39']!,
    rad75Url: c.endpoints['RAD-75']!,
    homeCommunityId: c.homeCommunityId,
  };
});
afterAll(async () => {
  await topo.running.stop();
});

const structural = robustnessChecksWith({ schemasDir: null });

describe('runProvider', () => {
  it('passes the robustness checks against a clean simulated community, with audit and latency', async () => {
    topo.faults.reset();
    const run = await runProvider({ target, checks: structural, seed: 7 });
    expect(run.results.map((r) => [r.id, r.outcome])).toEqual([
      ['ROB-SCHEMA', 'passed'],
      ['ROB-LATENCY', 'passed'],
    ]);
    expect(run.results[0]!.message).toMatch(
      /^all 3 answers are valid SOAP 1\.2 responses; checked with nir-sim's structural checks \(IHE schemas not configured/,
    );
    expect(run.exchanges.map((e) => e.name)).toEqual([
      'ROB-SCHEMA-01-find-documents',
      'ROB-SCHEMA-02-retrieve-document',
      'ROB-SCHEMA-03-retrieve-imaging',
    ]);
    expect(run.results[1]!.measurements).toMatchObject({ count: 3, deadlineMs: 10_000 });
    expect(run.latency).toMatchObject({ count: 3, deadlineMs: 10_000 });
    expect(run).toMatchObject({
      tool: { name: 'nir-sim', version: '0.1.0' },
      mode: 'provider',
      seed: 7,
      target,
    });
    expect(run.testDataSource).toContain(`community ${topo.pack.communities[0]!.name}`);
    const subtypes = run.auditEvents.map((e) => (e as { subtype: { code: string }[] }).subtype[0]!.code);
    expect(subtypes).toEqual(['ITI-38', 'ITI-39', 'RAD-75']);
    const query = run.auditEvents[0] as {
      outcome: string;
      entity: { what?: { identifier?: { value?: string } }; type?: { code?: string } }[];
    };
    expect(query.outcome).toBe('0');
    const nhs = run.exchanges[0]!.request.body.toString('utf8').match(/(\d{10})\^\^\^/)![1];
    expect(query.entity.some((e) => e.what?.identifier?.value === nhs)).toBe(true);
  });

  it('repeats exactly: the same seed gives the same requests, another seed other message ids', async () => {
    topo.faults.reset();
    const bodies = async (seed: number) =>
      (await runProvider({ target, checks: [latencyCheck], seed })).exchanges.map((e) =>
        e.request.body.toString('utf8'),
      );
    const [a, b, c] = [await bodies(3), await bodies(3), await bodies(4)];
    expect(a).toEqual(b);
    expect(a.length).toBe(3);
    const ids = (xs: string[]) => xs.map((x) => /<wsa:MessageID>([^<]+)</.exec(x)![1]);
    expect(new Set([...ids(a), ...ids(c)]).size).toBe(6);
  });

  it('fails ROB-SCHEMA when the gateway answers ITI-38 with XML that is not well-formed', async () => {
    topo.faults.reset();
    const gateway = topo.pack.communities[0]!.name;
    expect(
      topo.faults.add({
        name: 'bad-xml',
        gateway,
        transaction: 'ITI-38',
        kind: 'malformed-xml',
        variant: 'not-well-formed',
      }).ok,
    ).toBe(true);
    const run = await runProvider({ target, checks: structural });
    topo.faults.reset();
    const schema = run.results[0]!;
    expect(schema).toMatchObject({
      id: 'ROB-SCHEMA',
      outcome: 'failed',
      exchanges: ['ROB-SCHEMA-01-find-documents'],
    });
    expect(schema.message).toMatch(
      /^1 of 3 answers are not valid \(checked with nir-sim's structural checks .*\); ROB-SCHEMA-01-find-documents: HTTP 200 with Content-Type application\/soap\+xml.* is not a SOAP 1\.2 message: XML is not well-formed$/,
    );
    expect(run.results[1]).toMatchObject({ id: 'ROB-LATENCY', outcome: 'passed' });
  });

  it('fails ROB-LATENCY when an answer comes after the deadline (latency fault, virtual clock)', async () => {
    topo.faults.reset();
    const clock = virtualClock(Date.parse('2026-01-01T00:00:00Z'));
    const slow = await startTestTopology({ simulated: 1, clock });
    try {
      const c = slow.running.communities[0]!;
      slow.faults.add({
        name: 'slow',
        gateway: c.name,
        transaction: 'ITI-38',
        kind: 'latency',
        latencyMs: 2_500,
      });
      const running = runProvider({
        target: {
          iti38Url: c.endpoints['ITI-38']!,
          iti39Url: c.endpoints['ITI-39']!,
          homeCommunityId: c.homeCommunityId,
        },
        checks: [latencyCheck],
        clock,
        deadlineMs: 2_000,
      });
      // The gateway's latency timer (2 500 ms) waits beside the exchange's own deadline (10 s).
      await timersWhen(clock, (due) => due.includes(2_500));
      clock.advance(2_500);
      const run = await running;
      const r = run.results[0]!;
      expect(r).toMatchObject({
        id: 'ROB-LATENCY',
        outcome: 'failed',
        exchanges: ['ROB-LATENCY-01-find-documents'],
        measurements: { count: 2, maxMs: 2_500, p95Ms: 2_500, deadlineMs: 2_000 },
      });
      expect(r.message).toBe(
        `1 answer(s) came later than NIR's deadline of 2000 ms (slowest: ROB-LATENCY-01-find-documents in 2500 ms); p50 ${r.measurements!['p50Ms']} ms, p95 2500 ms, max 2500 ms over 2 answers`,
      );
      expect(r.measurements!['p50Ms']).toBeLessThan(2_000);
    } finally {
      await slow.running.stop();
    }
  });
});

describe.skipIf(skipWithoutReference)('ROB-SCHEMA with the IHE schemas', () => {
  let bad: Server;
  let badUrl: string;
  beforeAll(async () => {
    // A responding gateway whose AdhocQueryResponse holds a rim:Slot without its required @name
    // (ebRS 3.0 rim.xsd SlotType): well-formed SOAP 1.2 that nir-sim's decoder reads, invalid XML Schema.
    bad = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
        res.end(
          '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>' +
            '<query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">' +
            '<rim:RegistryObjectList><rim:ObjectRef id="urn:uuid:8d2c1a3e-2b6f-4d1e-9a3b-0c1d2e3f4a5b"><rim:Slot><rim:ValueList/></rim:Slot></rim:ObjectRef></rim:RegistryObjectList>' +
            '</query:AdhocQueryResponse></env:Body></env:Envelope>',
        );
      });
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    badUrl = `http://127.0.0.1:${(bad.address() as AddressInfo).port}/xca`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => bad.close(() => r()));
  });

  it('passes against the clean simulated community', async () => {
    topo.faults.reset();
    const run = await runProvider({ target, checks: [schemaCheck({ schemasDir: referenceDir })] });
    expect(run.results[0]).toMatchObject({ id: 'ROB-SCHEMA', outcome: 'passed' });
    expect(run.results[0]!.message).toBe(
      `all 3 answers are valid SOAP 1.2 responses; checked with nir-sim's structural checks and the IHE schemas in ${path.join(referenceDir, 'xsd')}`,
    );
  });

  it('fails when an answer is not valid against ebRS 3.0', async () => {
    const run = await runProvider({
      target: { iti38Url: badUrl, iti39Url: target.iti39Url, homeCommunityId: target.homeCommunityId },
      checks: [schemaCheck({ schemasDir: path.join(referenceDir, 'xsd') })],
    });
    const r = run.results[0]!;
    expect(r).toMatchObject({
      id: 'ROB-SCHEMA',
      outcome: 'failed',
      exchanges: ['ROB-SCHEMA-01-find-documents'],
    });
    expect(r.message).toMatch(
      /^1 of 2 answers are not valid \(checked with nir-sim's structural checks and the IHE schemas in .*\); ROB-SCHEMA-01-find-documents: line 1: .*Slot.*'name' is required/,
    );
  });
});
