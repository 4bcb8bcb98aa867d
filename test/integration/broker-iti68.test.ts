/**
 * ITI-68 Retrieve Document on the broker (IHE MHD ITI TF-2 3.68), served by ITI-39 legs to the
 * default pack's simulated communities: the bytes of every document of one patient hash to its
 * DocumentEntry's hash; 400 / 404 / 410 / 406 / 502 / 504 answered with their whole
 * OperationOutcome; every answer recorded (TransactionEvent or FaultEvent) before it left.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { EntryStatus, ResponseStatus } from '../../simulator/xca/constants.js';
import type { DocumentEntry } from '../../simulator/xca/document-entry-model.js';
import { startRetrieveBroker, type RetrieveBroker } from '../helpers/mhd-retrieve.js';
import {
  blackHole,
  external,
  refusingUrl,
  startTestTopology,
  type TestTopology,
} from '../helpers/topology.js';
import { timersAre } from '../helpers/virtual-time.js';

const PATIENT = '9995649284'; // the default pack's patient with documents in every community
const HUNG = 'urn:oid:2.25.143717819127266221728204988935439350416.99.2';
const DOWN = 'urn:oid:2.25.143717819127266221728204988935439350416.99.3';
const UNKNOWN = 'urn:oid:2.25.143717819127266221728204988935439350416.99.9';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const documentUrl = (base: string, home: string, repository: string, uniqueId: string) =>
  `${base}${FhirPath.iti68}?${new URLSearchParams({ homeCommunityId: home, repositoryUniqueId: repository, uniqueId }).toString()}`;

const xdsIssue = (
  code: string,
  errorCode: string,
  diagnostics: string,
  home: string,
  severity = 'error',
) => ({
  severity,
  code,
  extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: home }],
  details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: errorCode }], text: errorCode },
  diagnostics,
});

describe('ITI-68 Retrieve Document on the broker', () => {
  let t: TestTopology;
  let b: RetrieveBroker;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let deprecated: DocumentEntry;
  // Deadlines on virtual time: the hung community's legs run out only when a test moves time on.
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
  beforeAll(async () => {
    hole = await blackHole();
    t = await startTestTopology({
      clock,
      deadlineMs: 300,
      externals: [
        external('hung-network', HUNG.slice(8), hole.url),
        external('down-network', DOWN.slice(8), await refusingUrl()),
      ],
    });
    // One document made Deprecated in the community's entries, which its gateway queries per request.
    const entries = t.pack.communities[1]!.entries;
    const k = entries.findIndex((e) => e.mimeType === 'application/pdf');
    deprecated = { ...entries[k]!, availabilityStatus: EntryStatus.Deprecated };
    entries[k] = deprecated;
    b = await startRetrieveBroker(t.running, {
      clock,
      deadlineMs: 300,
      consumers: { 'no-north-east': { exclude: [t.pack.communities[0]!.homeCommunityId] } },
    });
  });
  afterAll(async () => {
    await b.close();
    await t.running.stop();
    await hole.close();
  });

  it("serves every document of a patient in every community: bytes hashing to the DocumentEntry's hash, each recorded", async () => {
    const docs = t.pack.communities.flatMap((c) =>
      c.entries.filter((e) => e.patientId.startsWith(`${PATIENT}^`) && e !== deprecated),
    );
    expect(new Set(docs.map((d) => d.homeCommunityId)).size).toBe(3);
    expect(new Set(docs.map((d) => d.mimeType))).toEqual(new Set(['application/pdf', 'application/dicom']));
    for (const d of docs) {
      const before = b.records.length;
      const res = await fetch(documentUrl(b.url, d.homeCommunityId, d.repositoryUniqueId, d.uniqueId));
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(d.mimeType);
      expect(res.headers.get('content-length')).toBe(String(d.size));
      expect(createHash('sha1').update(bytes).digest('hex')).toBe(d.hash);
      expect(res.headers.get('etag')).toBe(`"${d.hash}"`);
      const [rec] = b.records.slice(before);
      expect(b.records.length).toBe(before + 1);
      expect(rec?.kind).toBe('transaction');
      if (rec?.kind !== 'transaction') continue;
      const e = rec.event;
      expect(e).toMatchObject({
        transaction: 'ITI-68',
        protocol: 'mhd',
        requestLine: `GET ${documentUrl('', d.homeCommunityId, d.repositoryUniqueId, d.uniqueId)}`,
        status: ResponseStatus.Success,
        errors: [],
        resultCount: 1,
        patient: PATIENT,
        patientId: d.patientId,
        documents: [
          {
            homeCommunityId: d.homeCommunityId,
            repositoryUniqueId: d.repositoryUniqueId,
            documentUniqueId: d.uniqueId,
            patient: PATIENT,
          },
        ],
      });
      expect(e.responseBody).toBeUndefined();
      expect(e.legs.map((l) => [l.transaction, l.homeCommunityId, l.outcome])).toEqual([
        ['ITI-39', d.homeCommunityId, 'answered'],
        ['ITI-38', d.homeCommunityId, 'answered'],
      ]);
    }
  });

  it('400 names each parameter at fault, recorded as a FaultEvent', async () => {
    const res = await fetch(
      `${b.url}${FhirPath.iti68}?homeCommunityId=1.2.3&uniqueId=a&uniqueId=b&format=pdf`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe(FHIR_JSON);
    expect(await res.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics:
            "unknown parameter 'format': ITI-68 on the broker takes homeCommunityId, repositoryUniqueId, uniqueId (the DocumentReference's attachment.url)",
          expression: ['format'],
        },
        {
          severity: 'error',
          code: 'invalid',
          diagnostics:
            "homeCommunityId '1.2.3' is not valid: expected urn:oid:<OID>, at most 64 characters (the ihe-HomeCommunityId of the DocumentReference)",
          expression: ['homeCommunityId'],
        },
        {
          severity: 'error',
          code: 'required',
          diagnostics: 'repositoryUniqueId is required: an OID (dotted digits), at most 64 characters',
          expression: ['repositoryUniqueId'],
        },
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: 'uniqueId is given 2 times: ITI-68 retrieves one document, send it once',
          expression: ['uniqueId'],
        },
      ],
    });
    expect(b.records.at(-1)).toMatchObject({
      kind: 'fault',
      event: {
        transaction: 'ITI-68',
        httpStatus: 400,
        code: 'not-supported',
        reason:
          "unknown parameter 'format': ITI-68 on the broker takes homeCommunityId, repositoryUniqueId, uniqueId (the DocumentReference's attachment.url)",
        endpoint: `${b.url}${FhirPath.iti68}`,
      },
    });
  });

  it('404 with the XDSUnknownCommunity coding for an unknown or excluded homeCommunityId', async () => {
    const c = t.pack.communities[0]!;
    const e = c.entries[0]!;
    const unknown = await fetch(documentUrl(b.url, UNKNOWN, c.repositoryUniqueId, e.uniqueId));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        xdsIssue(
          'not-found',
          'XDSUnknownCommunity',
          `homeCommunityId ${UNKNOWN} is not a community NIR knows`,
          UNKNOWN,
        ),
      ],
    });
    const excluded = await fetch(documentUrl(b.url, c.homeCommunityId, c.repositoryUniqueId, e.uniqueId), {
      headers: { 'X-NIR-Consumer': 'no-north-east' },
    });
    expect(excluded.status).toBe(404);
    expect(await excluded.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        xdsIssue(
          'not-found',
          'XDSUnknownCommunity',
          `homeCommunityId ${c.homeCommunityId} is excluded by the profile of consumer 'no-north-east'`,
          c.homeCommunityId,
        ),
      ],
    });
    expect(b.records.at(-1)).toMatchObject({
      kind: 'fault',
      event: { transaction: 'ITI-68', httpStatus: 404, code: 'not-found', consumerId: 'no-north-east' },
    });
  });

  it('404 for a document its community does not hold, with the community error', async () => {
    const c = t.pack.communities[0]!;
    const res = await fetch(documentUrl(b.url, c.homeCommunityId, c.repositoryUniqueId, '1.2.3.4.5.6'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        xdsIssue(
          'not-found',
          'XDSDocumentUniqueIdError',
          `document 1.2.3.4.5.6 is not in repository ${c.repositoryUniqueId}`,
          c.homeCommunityId,
        ),
      ],
    });
    const e = b.transactions().at(-1)!;
    expect(e).toMatchObject({ transaction: 'ITI-68', status: ResponseStatus.Failure, resultCount: 0 });
    expect(JSON.parse(e.responseBody!)).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('410 for a Deprecated document (its status read with an ITI-38 GetDocuments at its home)', async () => {
    const d = deprecated;
    const res = await fetch(documentUrl(b.url, d.homeCommunityId, d.repositoryUniqueId, d.uniqueId));
    expect(res.status).toBe(410);
    expect(await res.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'deleted',
          diagnostics: `document ${d.uniqueId} in repository ${d.repositoryUniqueId} of ${d.homeCommunityId} is Deprecated (DocumentReference.status superseded): search ITI-67 with status=current for its replacement`,
        },
      ],
    });
    expect(b.transactions().at(-1)).toMatchObject({
      transaction: 'ITI-68',
      patient: PATIENT,
      resultCount: 0,
    });
  });

  it("406 when Accept excludes the document's mimeType; */* and the type itself are served", async () => {
    const d = t.pack.communities[0]!.entries.find((e) => e.mimeType === 'application/pdf')!;
    const url = documentUrl(b.url, d.homeCommunityId, d.repositoryUniqueId, d.uniqueId);
    const res = await fetch(url, { headers: { Accept: 'application/fhir+json, application/dicom' } });
    expect(res.status).toBe(406);
    expect(await res.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: `document ${d.uniqueId} in repository ${d.repositoryUniqueId} of ${d.homeCommunityId} is application/pdf, which the Accept header 'application/fhir+json, application/dicom' excludes: accept application/pdf (or */*)`,
        },
      ],
    });
    for (const accept of ['application/pdf', '*/*', 'application/*;q=0.5, application/fhir+json'])
      expect((await fetch(url, { headers: { Accept: accept } })).status).toBe(200);
  });

  it('502 when the community refuses the connection, 504 when it does not answer before its deadline', async () => {
    const down = await fetch(documentUrl(b.url, DOWN, '1.2.3', '1.2.3.4'));
    expect(down.status).toBe(502);
    const downBody = (await down.json()) as {
      issue: { code: string; details: unknown; diagnostics: string }[];
    };
    expect(downBody.issue).toHaveLength(1);
    expect(downBody.issue[0]).toMatchObject({
      severity: 'error',
      code: 'transient',
      details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSUnavailableCommunity' }] },
      extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: DOWN }],
    });
    expect(downBody.issue[0]!.diagnostics).toMatch(
      /^community urn:oid:\S+ \(down-network\) refused the connection/,
    );

    const pending = fetch(documentUrl(b.url, HUNG, '1.2.3', '1.2.3.4'));
    await timersAre(clock, [300, 300]); // the ITI-39 and ITI-38 legs to the hung community
    clock.advance(300);
    const hung = await pending;
    expect(hung.status).toBe(504);
    expect(await hung.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        xdsIssue(
          'timeout',
          'XDSUnavailableCommunity',
          `community ${HUNG} (hung-network) did not answer within 300 ms for document(s) 1.2.3.4`,
          HUNG,
        ),
      ],
    });
    const e = b.transactions().at(-1)!;
    expect(e.legs.map((l) => [l.transaction, l.outcome, l.failure?.reason])).toEqual([
      ['ITI-39', 'failed', 'timeout'],
      ['ITI-38', 'failed', 'timeout'],
    ]);
  });

  describe('with a recorder that holds or fails', () => {
    let gate: { held: Promise<void>; release: () => void; fail?: Error } | undefined;
    let b2: RetrieveBroker;
    let called: () => void = () => undefined;
    beforeAll(async () => {
      b2 = await startRetrieveBroker(t.running, {
        clock,
        deadlineMs: 300,
        beforeRecord: async () => {
          called();
          if (!gate) return;
          await gate.held;
          if (gate.fail) throw gate.fail;
        },
      });
    });
    afterAll(() => b2.close());

    it('sends nothing until the record is kept, and a 500 OperationOutcome instead of the bytes when it cannot be', async () => {
      const d = t.pack.communities[0]!.entries[0]!;
      const url = documentUrl(b2.url, d.homeCommunityId, d.repositoryUniqueId, d.uniqueId);
      let release = (): void => undefined;
      gate = { held: new Promise<void>((r) => (release = r)), release: () => release() };
      const recording = new Promise<void>((r) => (called = r));
      let answered = false;
      const pending = fetch(url).then((res) => {
        answered = true;
        return res;
      });
      await recording;
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false);
      gate.release();
      const ok = await pending;
      expect(ok.status).toBe(200);
      expect(
        createHash('sha1')
          .update(Buffer.from(await ok.arrayBuffer()))
          .digest('hex'),
      ).toBe(d.hash);

      gate = { held: Promise.resolve(), release: () => undefined, fail: new Error('audit disk full') };
      const failed = await fetch(url);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'exception',
            diagnostics:
              'the broker could not record this request in its audit trail, so it does not answer it: try again later',
          },
        ],
      });
      gate = undefined;
    });
  });
});
