/**
 * The control API's transaction log over real HTTP on port 0: each consumer request the broker
 * answered, newest first, with its per-community legs; the bodies by id; the ring's bounds.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/loader.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { call, startWithControl } from '../helpers/control-api.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { envelopeText, post, readQueryResponse } from '../helpers/soap-http.js';

describe('control API transaction log', () => {
  let pack: DataPack;
  let running: RunningTopology;
  let api: string;
  let ne: DataPack['communities'][number];
  const req = (method: string, path: string, body?: unknown) =>
    call(api, method, path, body === undefined ? undefined : JSON.stringify(body));

  beforeAll(async () => {
    ({ running, pack, api } = await startWithControl());
    ne = pack.communities[0]!;
  });
  afterAll(() => running.stop());

  it('logs each consumer request with its legs; bodies by id, newest first', async () => {
    const nhs = pack.manifest.examples.inAllCommunities!;
    const messageId = 'urn:uuid:0c1e2d3f-4a5b-4c6d-8e7f-8091a2b3c4d5';
    const request = findDocuments(nhs, { messageId });
    await req('POST', '/faults', { name: 'err', gateway: ne.name, kind: 'soap-fault', reason: 'busy' });
    const raw = await post(running.broker.endpoints['ITI-38'], request);
    const { response } = readQueryResponse(raw);

    const list = await req('GET', '/transactions?limit=1');
    expect(list.status).toBe(200);
    const [t] = (list.json as { transactions: Record<string, unknown>[] }).transactions;
    expect(t).toEqual({
      id: expect.any(String) as string,
      transaction: 'ITI-38',
      messageId,
      patient: nhs,
      startedAt: expect.any(Number) as number,
      durationMs: expect.any(Number) as number,
      status: ResponseStatus.PartialSuccess,
      errors: response.errors,
      resultCount: response.objects.length,
      legs: pack.communities.map((c, i) => ({
        community: c.name,
        homeCommunityId: c.homeCommunityId,
        startedAt: expect.any(Number) as number,
        durationMs: expect.any(Number) as number,
        httpStatus: i === 0 ? 500 : 200,
        outcome: i === 0 ? 'failed' : 'answered',
        ...(i === 0 ? { failure: { reason: 'soap-fault', detail: 'Receiver: busy' } } : {}),
        errorCodes: [],
      })),
    });
    const id = t!['id'] as string;

    const full = (await req('GET', `/transactions/${id}`)).json as {
      requestXml: string;
      responseXml: string;
      legs: { requestXml?: string; responseXml?: string }[];
    };
    expect(full.requestXml).toBe(request);
    expect(raw.body.toString('utf8')).toContain(full.responseXml);
    // The broker records every leg's exchange, a failed one's too (its request and the fault it got).
    expect(full.legs.map((l) => [typeof l.requestXml, typeof l.responseXml])).toEqual(
      pack.communities.map(() => ['string', 'string']),
    );

    const xmlOf = async (path: string) => {
      const res = await fetch(api + path);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    expect(await xmlOf(`/transactions/${id}/request`)).toEqual({
      status: 200,
      type: 'application/xml; charset=utf-8',
      text: request,
    });
    expect(await xmlOf(`/transactions/${id}/response`)).toMatchObject({
      status: 200,
      text: full.responseXml,
    });
    const leg1 = await xmlOf(`/transactions/${id}/legs/1/request`);
    expect(leg1).toMatchObject({
      status: 200,
      type: 'application/xml; charset=utf-8',
      text: full.legs[1]!.requestXml,
    });
    expect(leg1.text).toContain('AdhocQueryRequest');
    const leg2 = await xmlOf(`/transactions/${id}/legs/2/response`);
    expect(leg2).toMatchObject({ status: 200, text: full.legs[2]!.responseXml });
    expect(leg2.text).toContain('AdhocQueryResponse');
    const fault = await xmlOf(`/transactions/${id}/legs/0/response`);
    expect(fault).toMatchObject({ status: 200, type: 'application/xml; charset=utf-8' });
    expect(fault.text).toMatch(/<env:Fault>.*<env:Text xml:lang="en">busy<\/env:Text>/);
    expect(fault.text).toBe(full.legs[0]!.responseXml);
    expect(await req('GET', `/transactions/${id}/legs/3/request`)).toMatchObject({
      status: 404,
      json: { error: `transaction ${id} has no leg 3 (it has 3, numbered from 0)` },
    });
    expect(await req('GET', '/transactions/nope')).toMatchObject({
      status: 404,
      json: { error: "no transaction 'nope' in the log (it keeps the last 500)" },
    });
    expect(await req('GET', '/transactions?limit=0')).toMatchObject({
      status: 400,
      json: { error: 'invalid query', problems: ['limit: expected a whole number of at least 1, got "0"'] },
    });

    await post(running.broker.endpoints['ITI-38'], findDocuments(nhs));
    const two = (await req('GET', '/transactions?limit=2')).json as { transactions: { id: string }[] };
    expect(two.transactions).toHaveLength(2);
    expect(two.transactions[1]!.id).toBe(id);
  });
});
describe('control API transaction log: whole envelopes and MTOM parts by reference', () => {
  let pack: DataPack;
  let running: RunningTopology;
  let api: string;
  beforeAll(async () => {
    ({ running, pack, api } = await startWithControl());
  });
  afterAll(() => running.stop());

  it('keeps the consumer and leg envelopes whole, and each MTOM part as Content-ID, type, size and SHA-256', async () => {
    const c = pack.communities[0]!;
    const entry = c.entries[0]!;
    const request = retrieve([
      {
        homeCommunityId: c.homeCommunityId,
        repositoryUniqueId: c.repositoryUniqueId,
        documentUniqueId: entry.uniqueId,
      },
    ]);
    const raw = await post(running.broker.endpoints['ITI-39'], request);
    expect(raw.status).toBe(200);
    const { xml, parts } = envelopeText(raw);
    const refs = (m: typeof parts) =>
      [...m].map(([contentId, p]) => ({
        contentId,
        contentType: p.contentType,
        bytes: p.body.length,
        sha256: createHash('sha256').update(p.body).digest('hex'),
      }));
    expect(parts.size).toBe(1);
    const list = (await call(api, 'GET', '/transactions?limit=1')).json as { transactions: { id: string }[] };
    const full = (await call(api, 'GET', `/transactions/${list.transactions[0]!.id}`)).json as {
      requestXml: string;
      responseXml: string;
      responseAttachments: unknown[];
      legs: { requestXml: string; responseXml: string; responseAttachments?: unknown[] }[];
    };
    expect(full.requestXml).toBe(request);
    expect(full.responseXml).toBe(xml); // the envelope as sent, wsa:MessageID and RelatesTo included
    expect(full.responseAttachments).toEqual(refs(parts));
    const legs = full.legs.filter((l) => l.requestXml !== undefined);
    expect(legs).toHaveLength(1);
    const leg = legs[0]!;
    expect(leg.requestXml).toMatch(/^<(?:\?xml|[\w-]+:Envelope)/);
    expect(leg.requestXml).toMatch(/<wsa:MessageID>urn:uuid:[0-9a-f-]{36}<\/wsa:MessageID>/);
    expect(leg.requestXml).toMatch(/<wsa:Action[^>]*>urn:ihe:iti:2007:CrossGatewayRetrieve<\/wsa:Action>/);
    expect(leg.requestXml).toContain(entry.uniqueId);
    expect(leg.responseXml).toContain('RetrieveDocumentSetResponse');
    const [legPart] = leg.responseAttachments as { bytes: number; sha256: string }[];
    expect(legPart).toMatchObject({ bytes: refs(parts)[0]!.bytes, sha256: refs(parts)[0]!.sha256 });
  });
});

describe('control API transaction log bounds', () => {
  let running: RunningTopology;
  beforeAll(async () => {
    ({ running } = await startWithControl({ capacity: 2, maxBodyBytes: 100 }));
  });
  afterAll(() => running.stop());

  it('keeps the newest transactions only and cuts bodies with a marker', async () => {
    const url = running.broker.endpoints['ITI-38'];
    for (const m of ['1', '2', '3'])
      await post(
        url,
        findDocuments('9995649284', { messageId: `urn:uuid:00000000-0000-4000-8000-00000000000${m}` }),
      );
    const list = (await call(running.control!.url, 'GET', '/transactions')).json as {
      transactions: { id: string; messageId: string }[];
    };
    expect(list.transactions.map((t) => t.messageId)).toEqual([
      'urn:uuid:00000000-0000-4000-8000-000000000003',
      'urn:uuid:00000000-0000-4000-8000-000000000002',
    ]);
    const res = await fetch(`${running.control!.url}/transactions/${list.transactions[0]!.id}/request`);
    const text = await res.text();
    const bytes = Buffer.byteLength(
      findDocuments('9995649284', { messageId: 'urn:uuid:00000000-0000-4000-8000-000000000003' }),
    );
    expect(text).toBe(
      `${findDocuments('9995649284', { messageId: 'urn:uuid:00000000-0000-4000-8000-000000000003' }).slice(0, 100)}\n<!-- nir-sim: body truncated: ${bytes} bytes, the first 100 kept -->`,
    );
  });
});
