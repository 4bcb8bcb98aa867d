/**
 * The broker's FHIR face on the sandbox port over real HTTP (IHE MHD 4.2.x ITI-67, FHIR R4;
 * docs/mhd.md "The broker's FHIR face"): the CapabilityStatement, ITI-67 holding exactly what
 * ITI-38 holds for every patient of the default pack, partial answers, every community down,
 * refused searches, target communities, POST _search, content negotiation, and the records. Every
 * resource that comes back validates against the FHIR R4 schema (and DocumentReferences against
 * MHD Comprehensive).
 */
import type {
  Bundle,
  CapabilityStatement,
  DocumentReference,
  FhirResource,
  OperationOutcome,
  OperationOutcomeIssue,
} from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultEvent } from '../../simulator/events/transaction-events.js';
import { validateFhirResource, type FhirResourceType } from '../../simulator/fhir/schema-validator.js';
import { documentResponderCapabilityStatement } from '../../simulator/mhd/capability-statement.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { checkComprehensiveDocumentReference } from '../../simulator/mhd/mhd-profile-check.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { decodeExtrinsicObject } from '../../simulator/xca/document-entry.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import {
  blackHole,
  external,
  refusingUrl,
  startTestTopology,
  type TestTopology,
} from '../helpers/topology.js';

const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

interface FhirAnswer {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
  json: FhirResource;
}

async function fhir(url: string, init: RequestInit = {}): Promise<FhirAnswer> {
  const r = await fetch(url, init);
  const text = await r.text();
  return {
    status: r.status,
    contentType: r.headers.get('content-type'),
    headers: r.headers,
    text,
    json: JSON.parse(text) as FhirResource,
  };
}

/** The resource passes the FHIR R4 schema; a DocumentReference also MHD Comprehensive. */
function expectValid(resource: FhirResource): void {
  expect(validateFhirResource(resource.resourceType as FhirResourceType, resource)).toEqual({ ok: true });
  if (resource.resourceType === 'Bundle')
    for (const e of resource.entry ?? []) {
      expect(validateFhirResource(e.resource!.resourceType as FhirResourceType, e.resource)).toEqual({
        ok: true,
      });
      if (e.resource!.resourceType === 'DocumentReference')
        expect(checkComprehensiveDocumentReference(e.resource as DocumentReference)).toEqual([]);
    }
}

const docsOf = (b: Bundle): DocumentReference[] =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as DocumentReference);
const outcomeOf = (b: Bundle): OperationOutcome | undefined =>
  b.entry?.find((e) => e.search?.mode === 'outcome')?.resource as OperationOutcome | undefined;
const homeOf = (d: DocumentReference): string | undefined =>
  d.extension?.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;
/** What identifies a document across the two faces: uniqueId, homeCommunityId, SHA-1 (hex). */
const fromFhir = (d: DocumentReference): [string, string | undefined, string] => [
  d.masterIdentifier!.value!.replace(/^urn:oid:/, ''),
  homeOf(d),
  Buffer.from(d.content[0]!.attachment.hash!, 'base64').toString('hex'),
];
const outcomeIssue = (severity: string, code: string, diagnostics: string, expression?: string[]) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }],
});
const registryIssue = (
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

describe('ITI-67 on the sandbox port, every community up', () => {
  let t: TestTopology;
  let base: string;
  const faults: FaultEvent[] = [];
  beforeAll(async () => {
    t = await startTestTopology();
    base = `${t.running.broker.url}/fhir`;
    t.running.events.on('fault', (e) => faults.push(e));
  });
  afterAll(() => t.running.stop());

  /** The XDSUnknownPatientId Warnings of communities that do not know `nhs`, as issues. */
  const unknownPatientIssues = (nhs: string) =>
    t.pack.communities
      .filter(
        (c) =>
          c.unknownPatientPolicy === 'XDSUnknownPatientId' &&
          !c.entries.some((e) => e.patientId.startsWith(`${nhs}^`)),
      )
      .map((c) =>
        registryIssue(
          'not-found',
          'XDSUnknownPatientId',
          `patient ${nhs}^^^&2.16.840.1.113883.2.1.4.1&ISO is not known to ${c.displayName} (community does not know the patient; nir-sim reports this as a Warning)`,
          c.homeCommunityId,
          'warning',
        ),
      );

  it('GET metadata: the CapabilityStatement of an open MHD Document Responder, valid R4', async () => {
    const r = await fhir(`${base}/metadata`);
    expect([r.status, r.contentType]).toEqual([200, FHIR_JSON]);
    const cs = r.json as CapabilityStatement;
    expectValid(cs);
    expect(cs).toEqual(
      documentResponderCapabilityStatement({
        fhirBase: base,
        date: cs.date,
        version: cs.software!.version!,
        integration: false,
      }),
    );
    expect(Number.isNaN(Date.parse(cs.date))).toBe(false);
  });

  it('for every patient of the default pack, ITI-67 holds exactly the documents ITI-38 holds (uniqueId, home, hash)', async () => {
    expect(t.pack.patients.length).toBeGreaterThanOrEqual(30);
    for (const p of t.pack.patients) {
      const soap = readQueryResponse(
        await post(t.running.broker.endpoints['ITI-38'], findDocuments(p.nhsNumber)),
      );
      const viaXca = soap.response.objects.map((o) => {
        const e = decodeExtrinsicObject(parseXml(o.xml).documentElement!);
        return [e.uniqueId, o.home, e.hash];
      });
      const r = await fhir(
        `${base}/DocumentReference?patient.identifier=${encodeURIComponent(`${NHS_SYSTEM}|${p.nhsNumber}`)}&status=current`,
      );
      expect([r.status, r.contentType], p.nhsNumber).toEqual([200, FHIR_JSON]);
      const bundle = r.json as Bundle;
      expectValid(bundle);
      expect(bundle.total).toBe(viaXca.length);
      expect(docsOf(bundle).map(fromFhir), p.nhsNumber).toEqual(viaXca);
      const warnings = unknownPatientIssues(p.nhsNumber);
      expect(outcomeOf(bundle)?.issue ?? [], p.nhsNumber).toEqual(warnings);
    }
  });

  it('records the answer before it leaves: ITI-67, protocol mhd, request line, body, search parameters, legs, patient', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const before = t.transactions.length;
    const url = `${base}/DocumentReference?patient=Patient/${nhs}&status=current`;
    const r = await fhir(url, { headers: { 'X-Request-Id': 'req-1' } });
    expect(r.status).toBe(200);
    const tx = t.transactions[before]!;
    expect(t.transactions.length).toBe(before + 1);
    expect(tx).toMatchObject({
      transaction: 'ITI-67',
      protocol: 'mhd',
      messageId: 'req-1',
      patient: nhs,
      requestLine: `GET ${url}`,
      responseBody: r.text,
      searchParameters: [
        ['patient', `Patient/${nhs}`],
        ['status', 'current'],
      ],
      endpoint: `${base}/DocumentReference`,
      resultCount: docsOf(r.json as Bundle).length,
      requester: { assurance: 'unknown' },
    });
    expect(tx.legs.map((l) => [l.homeCommunityId, l.outcome])).toEqual(
      t.pack.communities.map((c) => [c.homeCommunityId, 'answered']),
    );
  });

  it('POST _search answers what GET answers, and records the form body', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const form = `patient.identifier=${encodeURIComponent(`${NHS_SYSTEM}|${nhs}`)}&status=current`;
    const got = await fhir(`${base}/DocumentReference?${form}`);
    const before = t.transactions.length;
    const posted = await fhir(`${base}/DocumentReference/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect([posted.status, posted.contentType]).toEqual([200, FHIR_JSON]);
    expectValid(posted.json);
    const strip = (b: Bundle) => ({ ...b, id: undefined, timestamp: undefined });
    expect(strip(posted.json as Bundle)).toEqual(strip(got.json as Bundle));
    expect(t.transactions[before]!.requestLine).toBe(`POST ${base}/DocumentReference/_search\n${form}`);
  });

  it('an invalid NHS number: 400 with the OperationOutcome, recorded as a fault, no community asked', async () => {
    const before = t.transactions.length;
    const r = await fhir(
      `${base}/DocumentReference?patient.identifier=${encodeURIComponent(`${NHS_SYSTEM}|1234567890`)}&status=current`,
    );
    expect([r.status, r.contentType]).toEqual([400, FHIR_JSON]);
    expectValid(r.json);
    expect(r.json).toEqual(
      outcomeIssue('error', 'value', expect.stringContaining('1234567890') as unknown as string, [
        'http.patient.identifier',
      ]),
    );
    expect(t.transactions.length).toBe(before);
    const f = faults.at(-1)!;
    expect(f).toMatchObject({
      transaction: 'ITI-67',
      httpStatus: 400,
      code: 'value',
      reason: (r.json as OperationOutcome).issue[0]!.diagnostics,
    });
  });

  it('a missing status and an unknown parameter: 400 listing both problems', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&colour=blue`);
    expect(r.status).toBe(400);
    expectValid(r.json);
    const o = r.json as OperationOutcome;
    expect(o.issue.map((i) => [i.severity, i.code, i.expression])).toEqual([
      ['error', 'not-supported', ['http.colour']],
      ['error', 'required', ['http.status']],
    ]);
  });

  it('Prefer: handling=lenient: the unknown parameter is ignored and named in a warning', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&status=current&colour=blue`, {
      headers: { Prefer: 'handling=lenient' },
    });
    expect(r.status).toBe(200);
    expectValid(r.json);
    const o = outcomeOf(r.json as Bundle)!;
    expect(o.issue.map((i) => [i.severity, i.code, i.expression])).toEqual([
      ['warning', 'not-supported', ['http.colour']],
    ]);
    expect(docsOf(r.json as Bundle).length).toBeGreaterThan(0);
  });

  it('target communities: only the named community is asked, an unknown one reported', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const c = t.pack.communities[1]!;
    const before = t.transactions.length;
    const r = await fhir(
      `${base}/DocumentReference?patient=Patient/${nhs}&status=current&targetCommunityIdList=${encodeURIComponent(`${c.homeCommunityId},urn:oid:1.2.3.999`)}`,
    );
    expect(r.status).toBe(200);
    expectValid(r.json);
    const bundle = r.json as Bundle;
    expect(docsOf(bundle).map(homeOf)).toEqual(
      c.entries
        .filter((e) => e.patientId.startsWith(`${nhs}^`) && e.availabilityStatus.endsWith('Approved'))
        .map(() => c.homeCommunityId),
    );
    expect(
      outcomeOf(bundle)!.issue.map((i) => [i.severity, i.code, i.details?.text, homeFromIssue(i)]),
    ).toEqual([['error', 'not-found', 'XDSUnknownCommunity', 'urn:oid:1.2.3.999']]);
    expect(t.transactions[before]!.legs.map((l) => l.homeCommunityId)).toEqual([c.homeCommunityId]);
  });

  it('XML is not served: 406 for Accept application/fhir+xml and for _format=xml', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const q = `${base}/DocumentReference?patient=Patient/${nhs}&status=current`;
    const byAccept = await fhir(q, { headers: { Accept: 'application/fhir+xml' } });
    expect([byAccept.status, byAccept.contentType]).toEqual([406, FHIR_JSON]);
    expect(byAccept.json).toEqual(
      outcomeIssue(
        'error',
        'not-supported',
        'Accept application/fhir+xml is not served: this server answers application/fhir+json only',
      ),
    );
    const byFormat = await fhir(`${q}&_format=xml`);
    expect(byFormat.status).toBe(406);
    expect(byFormat.json).toEqual(
      outcomeIssue(
        'error',
        'not-supported',
        '_format xml is not served: this server answers JSON only (_format=json or application/fhir+json)',
      ),
    );
    const meta = await fhir(`${base}/metadata`, { headers: { Accept: 'application/xml' } });
    expect(meta.status).toBe(406);
    expect(faults.at(-1)).toMatchObject({ httpStatus: 406, code: 'not-supported' });
  });

  it('a recorder that rejects: 500 with an OperationOutcome, never the unrecorded answer', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const stop = t.running.events.subscribe({
      record: (rec) =>
        rec.kind === 'transaction' ? Promise.reject(new Error('disk full')) : Promise.resolve(),
    });
    try {
      const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&status=current`);
      expect([r.status, r.json]).toEqual([
        500,
        outcomeIssue(
          'error',
          'exception',
          'the answer could not be recorded (audit); nothing was sent: try again',
        ),
      ]);
    } finally {
      stop();
    }
  });
});

const homeFromIssue = (i: OperationOutcomeIssue) =>
  i.extension?.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;

describe('ITI-67 with communities down', () => {
  let t: TestTopology;
  let base: string;
  let hang: Awaited<ReturnType<typeof blackHole>>;
  const DOWN = 'urn:oid:1.2.826.0.1.99.1';
  const HANG = 'urn:oid:1.2.826.0.1.99.2';
  beforeAll(async () => {
    hang = await blackHole();
    t = await startTestTopology({
      deadlineMs: 3_000,
      externals: [
        external('down', DOWN.slice(8), await refusingUrl()),
        external('hang', HANG.slice(8), hang.url),
      ],
      consumers: { 'only-down': { include: [DOWN] }, 'only-hang': { include: [HANG] } },
    });
    base = `${t.running.broker.url}/fhir`;
  });
  afterAll(async () => {
    await t.running.stop();
    await hang.close();
  });

  it('one community refusing, one hanging: 200 with every document that arrived and an issue for each', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&status=current`);
    expect(r.status).toBe(200);
    expectValid(r.json);
    const bundle = r.json as Bundle;
    const expected = t.pack.communities.flatMap((c) =>
      c.entries
        .filter((e) => e.patientId.startsWith(`${nhs}^`) && e.availabilityStatus.endsWith('Approved'))
        .map((e) => [e.uniqueId, c.homeCommunityId]),
    );
    expect(docsOf(bundle).map((d) => fromFhir(d).slice(0, 2))).toEqual(expected);
    expect(
      outcomeOf(bundle)!.issue.map((i) => [i.severity, i.code, i.details?.text, homeFromIssue(i)]),
    ).toEqual([
      ['error', 'transient', 'XDSUnavailableCommunity', DOWN],
      ['error', 'timeout', 'XDSUnavailableCommunity', HANG],
    ]);
  });

  it('the only community refuses: 502 with the OperationOutcome', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&status=current`, {
      headers: { 'X-NIR-Consumer': 'only-down' },
    });
    expect([r.status, r.contentType]).toEqual([502, FHIR_JSON]);
    expectValid(r.json);
    expect(
      (r.json as OperationOutcome).issue.map((i) => [i.severity, i.code, i.details?.text, homeFromIssue(i)]),
    ).toEqual([['error', 'transient', 'XDSUnavailableCommunity', DOWN]]);
  });

  it('the only community never answers: 504 with the OperationOutcome', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const r = await fhir(`${base}/DocumentReference?patient=Patient/${nhs}&status=current`, {
      headers: { 'X-NIR-Consumer': 'only-hang' },
    });
    expect([r.status, r.contentType]).toEqual([504, FHIR_JSON]);
    expectValid(r.json);
    expect(r.json).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        registryIssue(
          'timeout',
          'XDSUnavailableCommunity',
          `community ${HANG} (hang) did not answer within 3000 ms`,
          HANG,
        ),
      ],
    });
  });
});
