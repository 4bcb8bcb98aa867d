/**
 * The broker's `mhd` CommunityCodec (broker/mhd-community-client.ts) against a real HTTP server
 * on 127.0.0.1:0 that serves FHIR JSON built with the mhd codecs from the default pack: ITI-67
 * FindDocuments, GetDocuments and ITI-39 -> ITI-67 + ITI-68, then every broken variant the leg must
 * survive (docs/mhd.md "MHD communities"), each outcome asserted whole.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentReference, FhirResource, OperationOutcome } from 'fhir/r4.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mhdCodec } from '../../simulator/broker/mhd-community-client.js';
import type { MhdLegTransport } from '../../simulator/broker/mhd-leg-http.js';
import { forwardedAccessToken } from '../../simulator/broker/mhd-leg-token.js';
import { iuaPolicy } from '../../simulator/security/iua-claims.js';
import { createIuaValidator } from '../../simulator/security/iua-validate.js';
import { CodeSystem, NIR_SANDBOX_IDENTITY } from '../../simulator/security/saml.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import type { CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import type { LegTransport } from '../../simulator/broker/community-client.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData, DataPack } from '../../simulator/data-pack/pack-format.js';
import { searchsetBundle } from '../../simulator/fhir/bundle.js';
import { validateFhirResource, warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { HOME_COMMUNITY_ID_EXTENSION, toDocumentReference } from '../../simulator/mhd/document-reference.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { mhdEndpoints } from '../../simulator/shared/fhir-endpoints.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import {
  EntryStatus,
  ErrorCode,
  ErrorSeverity,
  ResponseStatus,
  StoredQueryId,
} from '../../simulator/xca/constants.js';
import type { DocumentEntry } from '../../simulator/xca/document-entry-model.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { listenOnPort0, type Listening } from '../helpers/listen.js';
import { mintCertDir } from '../helpers/security-fixtures.js';

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data-packs/default');

/** What the test server answers to one request: a whole response, or a handler of its own. */
type Reply = { status: number; type?: string; body: string | Buffer } | ((res: http.ServerResponse) => void);

let pack: DataPack;
let c: CommunityData;
let nhs: string;
let mine: DocumentEntry[];
let server: Listening;
let foreign: Listening;
let community: CommunityEndpoint;
let seen: string[];
let authorizations: (string | undefined)[];
let foreignHits: number;
/** Replaces the ITI-67 answer when set (receives the default Bundle's matches). */
let iti67: ((matches: DocumentReference[]) => Reply) | undefined;
/** Replaces the ITI-68 answer when set. */
let iti68: ((uniqueId: string) => Reply | undefined) | undefined;
const agent = new HttpAgent({ connections: 8 });
const transport: LegTransport = { agent, maxResponseBytes: 8 * 1024 * 1024 };

const iti68Url = (base: string) => (e: DocumentEntry) =>
  `${base}/fhir/document?homeCommunityId=${encodeURIComponent(e.homeCommunityId)}&repositoryUniqueId=${encodeURIComponent(e.repositoryUniqueId)}&uniqueId=${encodeURIComponent(e.uniqueId)}`;

function docRef(e: DocumentEntry): DocumentReference {
  return toDocumentReference(e, { attachmentUrl: iti68Url(server.url) }).value;
}

function bundleOf(matches: readonly FhirResource[], outcome?: OperationOutcome): string {
  return JSON.stringify(
    searchsetBundle({
      self: `${server.url}/fhir/DocumentReference`,
      matches: matches.map((m, k) => ({
        fullUrl: `${server.url}/fhir/DocumentReference/${m.id ?? k}`,
        resource: m,
      })),
      ...(outcome
        ? { outcome: { fullUrl: 'urn:uuid:6d1c1c4e-9b4e-4a57-9d0b-2f1f1f1f1f1f', resource: outcome } }
        : {}),
    }),
  );
}

/** The default ITI-67 answer: the community's entries for the search's identifiers or patient. */
function defaultMatches(q: URLSearchParams): DocumentReference[] {
  const ids = q.get('identifier');
  if (ids !== null) {
    const wanted = new Set(ids.split(',').map((t) => t.replace(/^urn:ietf:rfc:3986\|urn:oid:/, '')));
    return c.entries.filter((e) => wanted.has(e.uniqueId)).map(docRef);
  }
  const nhsOf = q.get('patient.identifier')?.split('|')[1];
  return c.entries
    .filter(
      (e) => e.patientId === nhsNumberToCx(nhsOf ?? '') && e.availabilityStatus === EntryStatus.Approved,
    )
    .map(docRef);
}

function send(res: http.ServerResponse, r: Reply): void {
  if (typeof r === 'function') return r(res);
  res.writeHead(r.status, { 'content-type': r.type ?? 'application/fhir+json' });
  res.end(r.body);
}

const findDocuments = (returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass'): AdhocQueryRequest => ({
  returnType,
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
    { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
  ],
});

const expectedSearch = () =>
  `GET ${server.url}/fhir/DocumentReference?patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhs}`)}&status=current`;

const signal = () => AbortSignal.timeout(20_000);

beforeAll(async () => {
  // Compiling the FHIR R4 validators without dist/ takes seconds: done here, under the hook's timeout.
  warmFhirValidators();
  pack = await loadDataPack(packDir);
  c = pack.communities[0]!;
  const withDocs = pack.patients.find(
    (p) => c.entries.filter((e) => e.patientId === nhsNumberToCx(p.nhsNumber)).length >= 3,
  )!;
  nhs = withDocs.nhsNumber;
  mine = c.entries.filter(
    (e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved,
  );
  server = await listenOnPort0(
    http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      authorizations.push(req.headers.authorization);
      if (url.pathname === '/fhir/DocumentReference') {
        const matches = defaultMatches(url.searchParams);
        return send(res, iti67 ? iti67(matches) : { status: 200, body: bundleOf(matches) });
      }
      if (url.pathname === '/fhir/document') {
        const uid = url.searchParams.get('uniqueId') ?? '';
        const own = iti68?.(uid);
        if (own) return send(res, own);
        const e = c.entries.find((x) => x.uniqueId === uid);
        void (e ? c.readDocument(uid) : Promise.resolve(undefined)).then((bytes) =>
          bytes
            ? send(res, { status: 200, type: e!.mimeType, body: bytes })
            : send(res, { status: 404, body: JSON.stringify(notFound()) }),
        );
        return;
      }
      send(res, { status: 404, body: JSON.stringify(notFound()) });
    }),
  );
  foreign = await listenOnPort0(
    http.createServer((_req, res) => {
      foreignHits += 1;
      res.end('nothing here');
    }),
  );
  community = {
    name: 'mhd-north',
    homeCommunityId: c.homeCommunityId,
    protocol: 'mhd',
    endpoints: mhdEndpoints(server.url),
    fhirBase: `${server.url}/fhir`,
  };
});

afterAll(async () => {
  await agent.close();
  await server.close();
  await foreign.close();
});

beforeEach(() => {
  seen = [];
  authorizations = [];
  foreignHits = 0;
  iti67 = undefined;
  iti68 = undefined;
});

function notFound(): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-found', diagnostics: 'no such document' }],
  };
}

/** Run a query leg and classify what it threw as the core would. */
async function queryLeg(req: AdhocQueryRequest = findDocuments(), t: LegTransport = transport) {
  try {
    return { answer: await mhdCodec.query(community, req, signal(), t) };
  } catch (err) {
    return { failure: mhdCodec.classify(err, false, 20_000) };
  }
}

describe('mhd codec: ITI-67 query over a real HTTP server', () => {
  it('FindDocuments -> one ITI-67 search; each DocumentReference as the pack entry it was made from', async () => {
    const { answer } = await queryLeg();
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(answer!.value.errors).toEqual([]);
    expect(answer!.value.objects).toEqual(
      mine.map((e) => ({
        form: 'fhir',
        id: e.entryUUID,
        home: c.homeCommunityId,
        resource: JSON.parse(JSON.stringify(docRef(e))) as DocumentReference,
        entry: e,
        entryIds: {
          uniqueId: e.uniqueId,
          patientId: e.patientId,
          repositoryUniqueId: e.repositoryUniqueId,
          referenceIdList: e.referenceIdList,
        },
      })),
    );
    expect(answer!.exchange).toEqual({
      httpStatus: 200,
      requestLine: expectedSearch(),
      responseBody: bundleOf(mine.map(docRef)),
    });
    expect(seen).toEqual([`GET ${expectedSearch().slice(4 + server.url.length)}`]);
  });

  it('ObjectRef returnType sends the same search and returns the entries (the core writes the ObjectRefs)', async () => {
    const { answer } = await queryLeg(findDocuments('ObjectRef'));
    expect(answer!.value.objects.map((o) => o.form === 'fhir' && o.entry.uniqueId)).toEqual(
      mine.map((e) => e.uniqueId),
    );
    expect(answer!.exchange.requestLine).toBe(expectedSearch());
  });

  it('GetDocuments by uniqueId -> an identifier search without patient', async () => {
    const req: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      home: c.homeCommunityId,
      slots: [
        { name: '$XDSDocumentEntryUniqueId', values: [`('${mine[0]!.uniqueId}','${mine[1]!.uniqueId}')`] },
      ],
    };
    const { answer } = await queryLeg(req);
    expect(answer!.value.errors).toEqual([]);
    expect(answer!.value.objects.map((o) => o.form === 'fhir' && o.entry)).toEqual([mine[0], mine[1]]);
    const q = new URLSearchParams(seen[0]!.split('?')[1]);
    expect([...q]).toEqual([
      ['status', 'current,superseded'],
      [
        'identifier',
        `urn:ietf:rfc:3986|urn:oid:${mine[0]!.uniqueId},urn:ietf:rfc:3986|urn:oid:${mine[1]!.uniqueId}`,
      ],
    ]);
  });

  it('a stored query ITI-67 cannot carry is a RegistryError located at the community, and no HTTP call', async () => {
    const submissionSets: AdhocQueryRequest = {
      ...findDocuments(),
      queryId: StoredQueryId.FindSubmissionSets,
      slots: [
        { name: '$XDSSubmissionSetPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
        { name: '$XDSSubmissionSetStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    };
    const authorLike: AdhocQueryRequest = {
      ...findDocuments(),
      slots: [...findDocuments().slots, { name: '$XDSDocumentEntryAuthorPerson', values: [`('Sm_th%')`] }],
    };
    const unknown: AdhocQueryRequest = {
      ...findDocuments(),
      queryId: 'urn:uuid:00000000-0000-0000-0000-000000000000',
    };
    const [a, b, u] = await Promise.all([queryLeg(submissionSets), queryLeg(authorLike), queryLeg(unknown)]);
    expect(a.answer).toEqual({
      value: {
        objects: [],
        errors: [
          {
            errorCode: ErrorCode.XDSUnknownStoredQuery,
            codeContext: `the MHD community cannot be asked this stored query: ${StoredQueryId.FindSubmissionSets}: stored query ${StoredQueryId.FindSubmissionSets} is about SubmissionSets or Folders; ITI-67 finds DocumentReferences only`,
            severity: ErrorSeverity.Error,
            location: c.homeCommunityId,
          },
        ],
      },
      exchange: { httpStatus: 0 },
    });
    expect(b.answer!.value).toEqual({
      objects: [],
      errors: [
        {
          errorCode: ErrorCode.XDSRegistryError,
          codeContext:
            'the MHD community cannot be asked this stored query: $XDSDocumentEntryAuthorPerson: authorPerson Sm_th%: only %^family%, %^%^given% or one %^family%^given% pattern has an ITI-67 author.family / author.given search',
          severity: ErrorSeverity.Error,
          location: c.homeCommunityId,
        },
      ],
    });
    expect(u.answer!.value.errors).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.XDSUnknownStoredQuery, location: c.homeCommunityId }),
    ]);
    expect(seen).toEqual([]);
  });

  it("the searchset's OperationOutcome issues become RegistryErrors located at the community, documents kept", async () => {
    iti67 = (m) => ({
      status: 200,
      body: bundleOf(m, {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'transient',
            details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: ErrorCode.XDSRegistryBusy }] },
            diagnostics: 'the archive is busy',
          },
          { severity: 'warning', code: 'incomplete', diagnostics: 'older documents are being migrated' },
        ],
      }),
    });
    const { answer } = await queryLeg();
    expect(answer!.value.objects).toHaveLength(mine.length);
    expect(answer!.value.errors).toEqual([
      {
        errorCode: ErrorCode.XDSRegistryBusy,
        codeContext: 'the archive is busy',
        severity: ErrorSeverity.Error,
        location: c.homeCommunityId,
      },
      {
        errorCode: ErrorCode.XDSRegistryError,
        codeContext: 'older documents are being migrated',
        severity: ErrorSeverity.Warning,
        location: c.homeCommunityId,
      },
    ]);
  });

  it('4xx with an OperationOutcome is an answer (its issues as errors); 5xx with one is an http-status failure', async () => {
    const oo: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', diagnostics: `no patient ${nhs} here` }],
    };
    iti67 = () => ({ status: 404, body: JSON.stringify(oo) });
    expect(await queryLeg()).toEqual({
      answer: {
        value: {
          objects: [],
          errors: [
            {
              errorCode: ErrorCode.XDSUnknownPatientId,
              codeContext: `no patient ${nhs} here`,
              severity: ErrorSeverity.Error,
              location: c.homeCommunityId,
            },
          ],
        },
        exchange: { httpStatus: 404, requestLine: expectedSearch(), responseBody: JSON.stringify(oo) },
      },
    });
    const boom: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'exception', diagnostics: 'database unavailable' }],
    };
    iti67 = () => ({ status: 500, body: JSON.stringify(boom) });
    expect(await queryLeg()).toEqual({
      failure: {
        reason: 'http-status',
        httpStatus: 500,
        detail: 'fatal exception: database unavailable',
      },
    });
    iti67 = () => ({ status: 400, type: 'text/html', body: '<h1>Bad Request</h1>' });
    expect(await queryLeg()).toEqual({
      failure: {
        reason: 'http-status',
        httpStatus: 400,
        detail: 'the body is not an OperationOutcome (text/html, 20 bytes)',
      },
    });
  });

  it('malformed or truncated JSON is `malformed`; a body cut short on the wire is `reset`', async () => {
    iti67 = () => ({ status: 200, body: '{"resourceType": "Bundle", "type": "searchset", "entry": [' });
    expect(await queryLeg()).toEqual({
      failure: {
        reason: 'malformed',
        detail: expect.stringMatching(
          /^the ITI-67 answer is not FHIR JSON \(the body is not JSON: /,
        ) as string,
      },
    });
    iti67 = () => ({ status: 200, body: '' });
    expect((await queryLeg()).failure).toMatchObject({ reason: 'malformed' });
    iti67 = (m) => (res) => {
      const body = bundleOf(m);
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(body.length) });
      res.write(body.slice(0, 100));
      setImmediate(() => res.destroy());
    };
    expect(await queryLeg()).toEqual({
      failure: { reason: 'reset', detail: 'the connection closed before the response was complete' },
    });
  });

  it('valid JSON that is not a searchset Bundle is `invalid-response`', async () => {
    iti67 = () => ({ status: 200, body: JSON.stringify({ resourceType: 'Patient', id: 'x' }) });
    expect(await queryLeg()).toEqual({
      failure: {
        reason: 'invalid-response',
        detail:
          'the searchset Bundle is not usable: Bundle.resourceType: the body is a Patient, not a Bundle',
      },
    });
    iti67 = () => ({ status: 200, body: JSON.stringify({ resourceType: 'Bundle', type: 'collection' }) });
    expect(await queryLeg()).toEqual({
      failure: {
        reason: 'invalid-response',
        detail:
          'the searchset Bundle is not usable: Bundle.type: the Bundle\'s type is "collection", not "searchset" (a search answer)',
      },
    });
  });

  it('a body over maxResponseBytes is `too-large`', async () => {
    const small = { ...transport, maxResponseBytes: 4096 };
    expect(await queryLeg(findDocuments(), small)).toEqual({
      failure: { reason: 'too-large', detail: 'the response exceeds 4096 bytes' },
    });
  });

  it('missing ihe-HomeCommunityId: home undefined (the core sets it); a wrong one is reported as it came', async () => {
    const strip = (d: DocumentReference) => ({ ...d, extension: [] as DocumentReference['extension'] });
    iti67 = (m) => ({ status: 200, body: bundleOf([strip(m[0]!), ...m.slice(1)]) });
    const missing = (await queryLeg()).answer!.value;
    expect(missing.errors).toEqual([]);
    const first = missing.objects[0]!;
    expect(first.form === 'fhir' && { home: first.home, hcid: first.entry.homeCommunityId }).toEqual({
      home: undefined,
      hcid: c.homeCommunityId,
    });
    const other = 'urn:oid:1.2.3.4.5';
    iti67 = (m) => ({
      status: 200,
      body: bundleOf([
        { ...m[0]!, extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: other }] },
        ...m.slice(1),
      ]),
    });
    const wrong = (await queryLeg()).answer!.value;
    expect(wrong.errors).toEqual([]);
    expect(wrong.objects.map((o) => o.form === 'fhir' && o.home)).toEqual([
      other,
      ...mine.slice(1).map(() => c.homeCommunityId),
    ]);
  });

  it('a DocumentReference that is no DocumentEntry is left out with an Error; unmapped elements are one Warning', async () => {
    iti67 = (m) => {
      const broken = { ...m[0]!, masterIdentifier: undefined } as DocumentReference;
      const extra = { ...m[1]!, docStatus: 'final' } as DocumentReference;
      return { status: 200, body: bundleOf([broken, extra, ...m.slice(2)]) };
    };
    const { answer } = await queryLeg();
    expect(answer!.value.objects.map((o) => o.form === 'fhir' && o.entry.uniqueId)).toEqual(
      mine.slice(1).map((e) => e.uniqueId),
    );
    expect(answer!.value.errors).toEqual([
      {
        errorCode: ErrorCode.XDSRegistryError,
        codeContext: `DocumentReference/${mine[0]!.entryUUID.slice(9)} is not a usable DocumentEntry and was left out: DocumentReference.masterIdentifier (missing: DocumentEntry requires it)`,
        severity: ErrorSeverity.Error,
        location: c.homeCommunityId,
      },
      {
        errorCode: ErrorCode.XDSRegistryError,
        codeContext: `DocumentReference/${mine[1]!.entryUUID.slice(9)} (urn:oid:${mine[1]!.uniqueId}): not carried to XDS metadata: DocumentReference.docStatus (no DocumentEntry attribute (MHD maps it to none))`,
        severity: ErrorSeverity.Warning,
        location: c.homeCommunityId,
      },
    ]);
  });

  it('refused, and a deadline that fired, classify as on an XCA leg', async () => {
    const gone = await listenOnPort0(http.createServer());
    await gone.close();
    const down: CommunityEndpoint = { ...community, endpoints: mhdEndpoints(gone.url) };
    const err = await mhdCodec.query(down, findDocuments(), signal(), transport).catch((e: unknown) => e);
    expect(mhdCodec.classify(err, false, 5000)).toEqual({
      reason: 'refused',
      detail: 'connection failed: ECONNREFUSED',
    });
    expect(mhdCodec.classify(err, true, 5000)).toEqual({ reason: 'timeout', deadlineMs: 5000 });
    const ac = new AbortController();
    iti67 = () => () => ac.abort(new Error('deadline'));
    const late = await mhdCodec
      .query(community, findDocuments(), ac.signal, transport)
      .catch((e: unknown) => e);
    expect(mhdCodec.classify(late, false, 5000)).toEqual({ reason: 'timeout', deadlineMs: 5000 });
  });
});

describe('mhd codec: ITI-39 as ITI-67 by identifier + ITI-68', () => {
  const request = (e: DocumentEntry) => ({
    homeCommunityId: e.homeCommunityId,
    repositoryUniqueId: e.repositoryUniqueId,
    documentUniqueId: e.uniqueId,
  });

  it("retrieves each document's bytes with its mimeType; an unknown one is XDSDocumentUniqueIdError", async () => {
    const r = await mhdCodec.retrieve(
      community,
      {
        documents: [
          request(mine[0]!),
          { ...request(mine[1]!), documentUniqueId: '1.2.3.999' },
          request(mine[2]!),
        ],
      },
      signal(),
      transport,
    );
    const bytes = await Promise.all([c.readDocument(mine[0]!.uniqueId), c.readDocument(mine[2]!.uniqueId)]);
    expect(r.value).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [
        {
          errorCode: ErrorCode.XDSDocumentUniqueIdError,
          codeContext:
            'document 1.2.3.999: the MHD community mhd-north does not know it (ITI-67 found no DocumentReference with that masterIdentifier)',
          severity: ErrorSeverity.Error,
          location: c.homeCommunityId,
        },
      ],
      documents: [0, 2].map((k, i) => ({
        homeCommunityId: c.homeCommunityId,
        repositoryUniqueId: mine[k]!.repositoryUniqueId,
        documentUniqueId: mine[k]!.uniqueId,
        mimeType: mine[k]!.mimeType,
        content: bytes[i],
      })),
    });
    for (const d of r.value.documents)
      expect(createHash('sha1').update(d.content).digest('hex')).toBe(
        mine.find((e) => e.uniqueId === d.documentUniqueId)!.hash,
      );
    const search = `${server.url}/fhir/DocumentReference?${new URLSearchParams({
      status: 'current,superseded',
      identifier: [0, 1, 2]
        .map((k) => `urn:ietf:rfc:3986|urn:oid:${k === 1 ? '1.2.3.999' : mine[k]!.uniqueId}`)
        .join(','),
    }).toString()}`;
    expect(r.exchange).toEqual({
      httpStatus: 200,
      requestLine: [
        `GET ${search}`,
        `GET ${iti68Url(server.url)(mine[0]!)}`,
        `GET ${iti68Url(server.url)(mine[2]!)}`,
      ].join('\n'),
      responseBody: bundleOf([mine[0]!, mine[2]!].map(docRef)),
    });
  });

  it('ITI-68 404 / 410 -> XDSDocumentUniqueIdError; 500 with OperationOutcome and a hash mismatch -> XDSRepositoryError', async () => {
    const [a, b, d] = mine;
    iti68 = (uid) =>
      uid === a!.uniqueId
        ? {
            status: 410,
            body: JSON.stringify({
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'deleted', diagnostics: 'deprecated' }],
            }),
          }
        : uid === b!.uniqueId
          ? {
              status: 500,
              body: JSON.stringify({
                resourceType: 'OperationOutcome',
                issue: [{ severity: 'error', code: 'exception', diagnostics: 'disk' }],
              }),
            }
          : uid === d!.uniqueId
            ? { status: 200, type: d!.mimeType, body: Buffer.alloc(d!.size, 0x41) }
            : undefined;
    const r = await mhdCodec.retrieve(
      community,
      { documents: [a!, b!, d!].map(request) },
      signal(),
      transport,
    );
    expect(r.value.status).toBe(ResponseStatus.Failure);
    expect(r.value.documents).toEqual([]);
    const sha1 = createHash('sha1').update(Buffer.alloc(d!.size, 0x41)).digest('base64');
    expect(r.value.errors).toEqual([
      {
        errorCode: ErrorCode.XDSDocumentUniqueIdError,
        codeContext: `document ${a!.uniqueId}: ITI-68 answered HTTP 410 (gone): error deleted: deprecated`,
        severity: ErrorSeverity.Error,
        location: c.homeCommunityId,
      },
      {
        errorCode: ErrorCode.XDSRepositoryError,
        codeContext: `document ${b!.uniqueId}: ITI-68 answered HTTP 500: error exception: disk`,
        severity: ErrorSeverity.Error,
        location: c.homeCommunityId,
      },
      {
        errorCode: ErrorCode.XDSRepositoryError,
        codeContext: `document ${d!.uniqueId}: the SHA-1 of the ITI-68 bytes is ${sha1}, but attachment.hash is ${Buffer.from(d!.hash, 'hex').toString('base64')}: not returned`,
        severity: ErrorSeverity.Error,
        location: c.homeCommunityId,
      },
    ]);
  });

  it('an attachment.url on another origin is an error naming it, and nothing is sent there', async () => {
    iti67 = (m) => ({
      status: 200,
      body: bundleOf(
        m.map((d) => ({
          ...d,
          content: [
            {
              ...d.content[0]!,
              attachment: { ...d.content[0]!.attachment, url: `${foreign.url}/steal?x=1` },
            },
          ],
        })),
      ),
    });
    const r = await mhdCodec.retrieve(community, { documents: [request(mine[0]!)] }, signal(), transport);
    expect(r.value).toEqual({
      status: ResponseStatus.Failure,
      errors: [
        {
          errorCode: ErrorCode.XDSRepositoryError,
          codeContext: `document ${mine[0]!.uniqueId}: content.attachment.url ${foreign.url}/steal?x=1 is not on the MHD community's own origin (${server.url}): not followed`,
          severity: ErrorSeverity.Error,
          location: c.homeCommunityId,
        },
      ],
      documents: [],
    });
    expect(foreignHits).toBe(0);
  });

  it('every DocumentReference the codec receives from the default pack validates (the fixture is real FHIR)', () => {
    for (const e of mine) expect(validateFhirResource('DocumentReference', docRef(e))).toEqual({ ok: true });
  });
});

describe('mhd codec: the IUA bearer token of the legs', () => {
  it('every ITI-67 / ITI-68 GET carries the broker-minted token, valid for the community', async () => {
    const certs = await mintCertDir([]);
    try {
      const signer = { certPem: certs.read('nir/signing.pem'), keyPem: certs.read('nir/signing.key') };
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      const clock = fixedClock(t0);
      const cx = nhsNumberToCx(nhs);
      let minted = 0;
      let token: Promise<string> | undefined;
      const bearer: MhdLegTransport = {
        ...transport,
        bearerToken: () => {
          minted += 1;
          return (token ??= forwardedAccessToken({ signer }, clock, [community.fhirBase!], undefined, cx));
        },
      };
      await mhdCodec.query(community, findDocuments(), signal(), bearer);
      await mhdCodec.retrieve(
        community,
        {
          documents: [
            {
              homeCommunityId: c.homeCommunityId,
              repositoryUniqueId: mine[0]!.repositoryUniqueId,
              documentUniqueId: mine[0]!.uniqueId,
            },
          ],
        },
        signal(),
        bearer,
      );
      expect(minted).toBe(3);
      expect(authorizations).toEqual([
        `Bearer ${await token!}`,
        `Bearer ${await token!}`,
        `Bearer ${await token!}`,
      ]);
      const validator = createIuaValidator(
        iuaPolicy({
          issuers: [NIR_SANDBOX_IDENTITY.issuer],
          audiences: [community.fhirBase!],
          trustedSigners: [signer.certPem],
          personIdProblem: () => undefined,
        }),
      );
      const claims = await validator.validate(await token!, new Date(t0));
      expect(claims).toMatchObject({
        issuer: NIR_SANDBOX_IDENTITY.issuer,
        clientId: NIR_SANDBOX_IDENTITY.issuer,
        audiences: [community.fhirBase!],
        scopes: ['ITI-67', 'ITI-68'],
        subject: NIR_SANDBOX_IDENTITY.subjectId,
        subjectId: NIR_SANDBOX_IDENTITY.subjectId,
        organization: NIR_SANDBOX_IDENTITY.organization,
        organizationId: NIR_SANDBOX_IDENTITY.organizationId,
        homeCommunityId: NIR_SANDBOX_IDENTITY.homeCommunityId,
        role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
        purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose, displayName: 'Treatment' },
        resourceId: cx,
      });
      await expect(
        forwardedAccessToken(
          { signer },
          clock,
          Array.from({ length: 17 }, (_, k) => `https://c${k}/fhir`),
          undefined,
          cx,
        ),
      ).rejects.toThrow('a leg token names at most 16 audiences (MHD communities), not 17');
    } finally {
      certs.remove();
    }
  });
});
