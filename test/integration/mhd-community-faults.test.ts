/**
 * Every fault kind on a simulated MHD community (docs/faults.md "MHD communities"): the whole
 * HTTP outcome an MHD client sees, for ITI-67 and ITI-68. Latency runs on a virtual clock; a
 * `timeout` is shown by a request that is still unanswered when the client gives up.
 */
import http from 'node:http';
import type { Bundle, DocumentReference, OperationOutcome } from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import type { FaultSpecInput } from '../../simulator/faults/fault-spec.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { validateFhirResource } from '../../simulator/fhir/schema-validator.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';
import { timersAre } from '../helpers/virtual-time.js';

type FaultBody = FaultSpecInput extends infer F
  ? F extends unknown
    ? Omit<F, 'name' | 'gateway'>
    : never
  : never;

interface Got {
  status?: number | undefined;
  type?: string | undefined;
  body: Buffer;
  /** Data events received (a throttled body comes in several). */
  chunks: number;
  complete: boolean;
  /** The socket error's code (ECONNRESET, ECONNREFUSED), when the exchange failed. */
  error?: string;
}

/** GET with node:http (fetch hides cut-off bodies and resets), giving up after `giveUpMs` (then `error` = 'gave-up'). */
function get(url: string, headers: Record<string, string> = {}, giveUpMs = 30_000): Promise<Got> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let settled = false;
    const done = (g: Got) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(g);
    };
    const req = http.get(url, { headers, agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += 1;
      });
      res.on('error', () => undefined);
      res.on('close', () =>
        done({
          status: res.statusCode,
          type: res.headers['content-type'],
          body: Buffer.concat(chunks),
          chunks: n,
          complete: res.complete,
        }),
      );
    });
    const timer = setTimeout(() => {
      done({ body: Buffer.concat(chunks), chunks: n, complete: false, error: 'gave-up' });
      req.destroy();
    }, giveUpMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ body: Buffer.concat(chunks), chunks: n, complete: false, error: err.code ?? err.message }),
    );
  });
}

/** The `entry` of a JSON answer. */
const entriesOf = (g: Got): unknown => (JSON.parse(g.body.toString()) as { entry?: unknown }).entry;
const JSON_TYPE = 'application/fhir+json; charset=utf-8';
const oo = (issue: OperationOutcome['issue']): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue,
});

describe('faults on a simulated MHD community', () => {
  let c: CommunityData;
  let g: RunningGateway;
  let faults: FaultStore;
  let nhs: string;
  let search: string;
  let docUrl: string;
  let docType: string;
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    c = pack.communities[0]!;
    nhs = pack.manifest.examples.inAllCommunities!;
    faults = new FaultStore(1, () => [c.name]);
    g = await startRespondingGateway({
      community: c,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
      faults,
      clock,
      protocol: 'mhd',
    });
    search = `${g.url}${FhirPath.documentReference}?patient.identifier=${nhs}&status=current`;
    const e = c.entries.find((x) => x.patientId.startsWith(`${nhs}^`))!;
    docType = e.mimeType;
    docUrl = `${g.url}${FhirPath.iti68}?${new URLSearchParams({
      homeCommunityId: c.homeCommunityId,
      repositoryUniqueId: c.repositoryUniqueId,
      uniqueId: e.uniqueId,
    }).toString()}`;
  });
  afterAll(() => g.stop());
  afterEach(() => faults.reset());

  const fault = (f: FaultBody) => {
    const r = faults.add({ name: 'f', gateway: c.name, ...f });
    if (!r.ok) throw new Error(r.problems.join('; '));
  };
  const bundleOf = (got: Got): Bundle => {
    expect(got.status).toBe(200);
    expect(got.type).toBe(JSON_TYPE);
    const b = JSON.parse(got.body.toString()) as Bundle;
    expect(validateFhirResource('Bundle', b)).toEqual({ ok: true });
    return b;
  };
  const matches = (b: Bundle) =>
    (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as DocumentReference);
  const outcome = (b: Bundle) =>
    (b.entry ?? []).filter((e) => e.search?.mode === 'outcome').map((e) => e.resource as OperationOutcome);
  const xds = (code: string) => ({ coding: [{ system: XDS_ERROR_CODE_SYSTEM, code }], text: code });
  const at = () => [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: c.homeCommunityId }];
  const own = () => c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`)).length;

  it('without faults: every match, no outcome', async () => {
    const b = bundleOf(await get(search));
    expect(matches(b)).toHaveLength(own());
    expect(outcome(b)).toEqual([]);
  });

  it('latency: the answer waits for the fault, on the clock', async () => {
    fault({ kind: 'latency', latencyMs: 5_000 });
    const pending = get(search);
    await timersAre(clock, [5_000]);
    clock.advance(5_000);
    expect(matches(bundleOf(await pending))).toHaveLength(own());
  });

  it('timeout: no answer at all', async () => {
    fault({ kind: 'timeout' });
    const got = await get(search, {}, 500);
    expect(got).toEqual({ body: Buffer.alloc(0), chunks: 0, complete: false, error: 'gave-up' });
  });

  it('connection-reset: before any byte, and after 300 bytes', async () => {
    fault({ kind: 'connection-reset' });
    expect(await get(search)).toEqual({
      body: Buffer.alloc(0),
      chunks: 0,
      complete: false,
      error: 'ECONNRESET',
    });
    faults.reset();
    fault({ kind: 'connection-reset', afterBytes: 300 });
    const got = await get(search);
    // At most 300 bytes of the 200 answer, then the reset (the client may see only the reset, as
    // the XCA gateway's callers do: "closed the connection before answering").
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThanOrEqual(300);
    expect([undefined, 200]).toContain(got.status);
    if (got.status === undefined) expect(got.error).toBe('ECONNRESET');
  });

  it('refuse: conditional resets the request; unconditional closes the listener until cleared', async () => {
    fault({ kind: 'refuse', transaction: 'ITI-67' });
    expect(await get(search)).toMatchObject({ error: 'ECONNRESET' });
    expect((await get(docUrl)).status).toBe(200); // ITI-68 is not targeted
    faults.reset();
    fault({ kind: 'refuse' });
    let got = await get(search);
    while (got.error !== 'ECONNREFUSED') got = await get(search);
    faults.reset();
    while ((got = await get(search)).error !== undefined);
    expect(matches(bundleOf(got))).toHaveLength(own());
  });

  it('http-status: the status with an OperationOutcome, or the body given', async () => {
    fault({ kind: 'http-status', status: 503 });
    let got = await get(search);
    expect([got.status, got.type]).toEqual([503, JSON_TYPE]);
    const body = JSON.parse(got.body.toString()) as OperationOutcome;
    expect(validateFhirResource('OperationOutcome', body)).toEqual({ ok: true });
    expect(body).toEqual(oo([{ severity: 'error', code: 'transient', diagnostics: 'simulated HTTP 503' }]));
    faults.reset();
    fault({ kind: 'http-status', status: 502, contentType: 'text/plain', body: 'upstream down' });
    got = await get(docUrl);
    expect([got.status, got.type, got.body.toString()]).toEqual([502, 'text/plain', 'upstream down']);
  });

  it('slow-body: the whole answer, in slices', async () => {
    const whole = await get(search);
    fault({ kind: 'slow-body', bytesPerSecond: Math.ceil(whole.body.length * 2) });
    const got = await get(search);
    expect(got.complete).toBe(true);
    expect(entriesOf(got)).toEqual(entriesOf(whole));
    expect(got.chunks).toBeGreaterThanOrEqual(3);
  });

  it('empty-body: the status with no body', async () => {
    fault({ kind: 'empty-body', status: 200 });
    expect(await get(search)).toEqual({
      status: 200,
      type: JSON_TYPE,
      body: Buffer.alloc(0),
      chunks: 0,
      complete: true,
    });
  });

  it('malformed-json (and malformed-xml): truncated, not JSON, wrong resourceType', async () => {
    const whole = await get(search);
    fault({ kind: 'malformed-json' });
    let got = await get(search);
    expect([got.status, got.complete]).toEqual([200, true]);
    expect(got.body).toEqual(whole.body.subarray(0, Math.floor(whole.body.length / 2)));
    expect(() => void JSON.parse(got.body.toString())).toThrow(SyntaxError);
    faults.reset();
    fault({ kind: 'malformed-json', variant: 'not-well-formed' });
    got = await get(search);
    expect([got.status, got.type, got.body.toString()]).toEqual([
      200,
      JSON_TYPE,
      '{"resourceType":"Bundle","type":"searchset","entry":[}',
    ]);
    for (const f of [
      { kind: 'malformed-json', variant: 'wrong-resource-type' },
      { kind: 'malformed-xml', variant: 'wrong-namespace' },
    ] as const) {
      faults.reset();
      fault(f);
      got = await get(search);
      const wrong = JSON.parse(got.body.toString()) as { resourceType: string; entry: unknown };
      expect(wrong.resourceType).toBe('Parameters');
      expect(wrong.entry).toEqual(entriesOf(whole));
    }
  });

  it('soap-fault: Receiver is a 500, Sender a 400, each with an OperationOutcome', async () => {
    fault({ kind: 'soap-fault', reason: 'registry on fire' });
    let got = await get(search);
    expect([got.status, JSON.parse(got.body.toString())]).toEqual([
      500,
      oo([{ severity: 'error', code: 'exception', diagnostics: 'registry on fire' }]),
    ]);
    faults.reset();
    fault({ kind: 'soap-fault', code: 'Sender', reason: 'bad request' });
    got = await get(docUrl);
    expect([got.status, JSON.parse(got.body.toString())]).toEqual([
      400,
      oo([{ severity: 'error', code: 'invalid', diagnostics: 'bad request' }]),
    ]);
  });

  it('registry-error: an Error issue instead of the matches; a Warning beside them', async () => {
    fault({ kind: 'registry-error', errorCode: 'XDSRegistryBusy', codeContext: 'busy' });
    let b = bundleOf(await get(search));
    expect(b.total).toBe(0);
    expect(matches(b)).toEqual([]);
    expect(outcome(b)).toEqual([
      oo([
        {
          severity: 'error',
          code: 'transient',
          extension: at(),
          details: xds('XDSRegistryBusy'),
          diagnostics: 'busy',
        },
      ]),
    ]);
    faults.reset();
    fault({
      kind: 'registry-error',
      errorCode: 'XDSRegistryError',
      severity: 'Warning',
      withDocuments: true,
    });
    b = bundleOf(await get(search));
    expect(matches(b)).toHaveLength(own());
    expect(outcome(b)).toEqual([
      oo([
        {
          severity: 'warning',
          code: 'exception',
          extension: at(),
          details: xds('XDSRegistryError'),
          diagnostics: `simulated XDSRegistryError from ${c.displayName}`,
        },
      ]),
    ]);
  });

  it('registry-error and unknown-patient on ITI-68: the OperationOutcome with the status of its issue', async () => {
    fault({ kind: 'registry-error', errorCode: 'XDSRepositoryError', transaction: 'ITI-68' });
    let got = await get(docUrl);
    expect([got.status, JSON.parse(got.body.toString())]).toEqual([
      500,
      oo([
        {
          severity: 'error',
          code: 'exception',
          extension: at(),
          details: xds('XDSRepositoryError'),
          diagnostics: `simulated XDSRepositoryError from ${c.displayName}`,
        },
      ]),
    ]);
    expect(matches(bundleOf(await get(search)))).toHaveLength(own()); // ITI-67 untouched
    faults.reset();
    fault({ kind: 'unknown-patient', patient: nhs });
    got = await get(docUrl);
    expect([got.status, JSON.parse(got.body.toString())]).toEqual([
      404,
      oo([
        {
          severity: 'error',
          code: 'not-found',
          extension: at(),
          details: xds('XDSUnknownPatientId'),
          diagnostics: `simulated: the patient is not known to ${c.displayName}`,
        },
      ]),
    ]);
    faults.reset();
    fault({ kind: 'drop-documents', keepFraction: 0.5, transaction: 'ITI-68' });
    got = await get(docUrl);
    expect(got.status).toBe(404);
    expect(JSON.parse(got.body.toString())).toEqual(
      oo([
        {
          severity: 'error',
          code: 'not-found',
          extension: at(),
          details: xds('XDSDocumentUniqueIdError'),
          diagnostics: expect.stringMatching(/^simulated: /) as string,
        },
      ]),
    );
  });

  it('unknown-patient: no matches and an XDSUnknownPatientId issue', async () => {
    fault({ kind: 'unknown-patient' });
    const b = bundleOf(await get(search));
    expect(b.total).toBe(0);
    expect(outcome(b)).toEqual([
      oo([
        {
          severity: 'error',
          code: 'not-found',
          extension: at(),
          details: xds('XDSUnknownPatientId'),
          diagnostics: `simulated: the patient is not known to ${c.displayName}`,
        },
      ]),
    ]);
  });

  it('drop-documents: the kept fraction of the matches', async () => {
    const all = matches(bundleOf(await get(search)));
    fault({ kind: 'drop-documents', keepFraction: 0.5 });
    const b = bundleOf(await get(search));
    expect(matches(b)).toEqual(all.slice(0, Math.floor(all.length / 2)));
    expect(b.total).toBe(Math.floor(all.length / 2));
  });

  it('missing-home and wrong-home: the ihe-HomeCommunityId extension absent, or another community', async () => {
    fault({ kind: 'missing-home' });
    let docs = matches(bundleOf(await get(search)));
    expect(docs).toHaveLength(own());
    for (const d of docs) expect(d.extension).toBeUndefined();
    faults.reset();
    fault({ kind: 'wrong-home', home: 'urn:oid:1.2.3.4' });
    docs = matches(bundleOf(await get(search)));
    for (const d of docs)
      expect(d.extension).toEqual([{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: 'urn:oid:1.2.3.4' }]);
    // The bytes of ITI-68 carry no homeCommunityId: unchanged.
    const got = await get(docUrl);
    expect([got.status, got.type]).toEqual([200, docType]);
  });

  it('status-mismatch: HTTP 200 whose body is an OperationOutcome error, not a Bundle', async () => {
    fault({ kind: 'status-mismatch' });
    for (const url of [search, docUrl]) {
      const got = await get(url);
      expect([got.status, got.type, JSON.parse(got.body.toString())]).toEqual([
        200,
        JSON_TYPE,
        oo([
          {
            severity: 'error',
            code: 'exception',
            extension: at(),
            details: xds('XDSRegistryError'),
            diagnostics: 'simulated: an Error entry under status Success',
          },
        ]),
      ]);
    }
  });
});
