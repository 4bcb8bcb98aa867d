/**
 * A simulated MHD community (gateway/mhd-responder.ts) over the default pack, on port 0, beside
 * the XCA responding gateway of the same community: its CapabilityStatement, ITI-67 searchset
 * Bundles (FHIR R4 schema + MHD Comprehensive) holding exactly what ITI-38 returns, the search by
 * identifier without patient, ITI-68 bytes that hash to the DocumentReference's hash, and the
 * 400 / 404 / 406 / 410 / 415 answers with their whole OperationOutcome.
 */
import { createHash } from 'node:crypto';
import type { Bundle, CapabilityStatement, DocumentReference, OperationOutcome } from 'fhir/r4.js';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData, DataPack } from '../../simulator/data-pack/pack-format.js';
import { validateFhirResource } from '../../simulator/fhir/schema-validator.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import type { CommunityStore } from '../../simulator/gateway/community-store.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { checkComprehensiveDocumentReference } from '../../simulator/mhd/mhd-profile-check.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

/** The pack community with one entry Deprecated (a fixture store: ITI-68's 410). */
function withDeprecated(c: CommunityData, uniqueId: string): CommunityStore {
  const entries = c.entries.map((e) =>
    e.uniqueId === uniqueId ? { ...e, availabilityStatus: EntryStatus.Deprecated } : e,
  );
  return {
    name: c.name,
    displayName: c.displayName,
    homeCommunityId: c.homeCommunityId,
    repositoryUniqueId: c.repositoryUniqueId,
    unknownPatientPolicy: c.unknownPatientPolicy,
    entries,
    readDocument: (id) => c.readDocument(id),
    imaging: c.imaging,
    findImage: (a, b, d) => c.findImage(a, b, d),
  };
}

describe('a simulated MHD community', () => {
  let pack: DataPack;
  let c: CommunityData;
  let mhd: RunningGateway;
  let xca: RunningGateway;
  let deprecated: RunningGateway;
  let nhs: string;
  const started: RunningGateway[] = [];
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    c = pack.communities[0]!;
    nhs = pack.manifest.examples.inAllCommunities!;
    const base = { logger: silentLogger(), maxBodyBytes: 1 << 20, host: '127.0.0.1', port: 0 };
    mhd = await startRespondingGateway({ ...base, community: c, protocol: 'mhd' });
    xca = await startRespondingGateway({ ...base, community: c });
    deprecated = await startRespondingGateway({
      ...base,
      community: withDeprecated(c, c.entries[0]!.uniqueId),
      protocol: 'mhd',
    });
    started.push(mhd, xca, deprecated);
  });
  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
  });

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const r = await fetch(url, { headers });
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: Buffer.from(await r.arrayBuffer()),
    };
  };
  const jsonOf = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;
  const search = (q: string) => get(`${mhd.url}${FhirPath.documentReference}?${q}`);
  const matchesOf = (b: Bundle) =>
    (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as DocumentReference);
  const ownEntries = (who: string) => c.entries.filter((e) => e.patientId.startsWith(`${who}^`));

  it('serves GET /fhir/metadata: an R4 CapabilityStatement naming its own FHIR base', async () => {
    const r = await get(mhd.url + FhirPath.metadata);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/fhir+json; charset=utf-8');
    const cs = jsonOf<CapabilityStatement>(r.body);
    expect(validateFhirResource('CapabilityStatement', cs)).toEqual({ ok: true });
    expect(cs.implementation?.url).toBe(`${mhd.url}/fhir`);
    expect(cs.software?.name).toBe('nir-sim simulated MHD community');
    expect(cs.rest?.[0]?.resource?.map((x) => x.type)).toEqual(['DocumentReference', 'Binary']);
    // Every text describes this community's own documents, none the broker's fan-out.
    const who = `${c.displayName} (${c.homeCommunityId})`;
    const texts = [
      cs.implementation?.description ?? '',
      cs.rest?.[0]?.documentation ?? '',
      ...(cs.rest?.[0]?.resource ?? []).flatMap((x) =>
        (x.interaction ?? []).map((i) => i.documentation ?? ''),
      ),
    ];
    expect(
      texts.map((t) => [t.includes(who), /ITI-38|ITI-39|RAD-75|WADO|fan-out|every community/.test(t)]),
    ).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [true, false],
    ]);
  });

  it('answers ITI-67 with a valid searchset holding exactly what its ITI-38 returns', async () => {
    const r = await search(`patient.identifier=${encodeURIComponent(`${NHS}|${nhs}`)}&status=current`);
    expect(r.status).toBe(200);
    const bundle = jsonOf<Bundle>(r.body);
    expect(validateFhirResource('Bundle', bundle)).toEqual({ ok: true });
    const docs = matchesOf(bundle);
    expect(bundle.total).toBe(docs.length);
    expect(bundle.entry?.every((e) => e.search?.mode === 'match')).toBe(true);
    for (const d of docs) expect(checkComprehensiveDocumentReference(d)).toEqual([]);

    const xcaAnswer = readQueryResponse(await post(`${xca.url}/xca/iti38`, findDocuments(nhs))).response;
    expect(xcaAnswer.objects.length).toBeGreaterThan(0);
    // Same entries (entryUUID, uniqueId) and homeCommunityIds as ITI-38.
    const uniqueIdOf = new Map(c.entries.map((e) => [e.entryUUID, e.uniqueId]));
    expect(
      docs
        .map((d) => [
          d.identifier![0]!.value!,
          d.masterIdentifier!.value!,
          d.extension!.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)!.valueOid!,
        ])
        .sort(),
    ).toEqual(xcaAnswer.objects.map((o) => [o.id, `urn:oid:${uniqueIdOf.get(o.id)}`, o.home]).sort());
    // Hashes: the pack's SHA-1 (hex) as base64.
    const hashes = new Map(
      ownEntries(nhs).map((e) => [e.uniqueId, Buffer.from(e.hash, 'hex').toString('base64')]),
    );
    for (const d of docs)
      expect(d.content[0]!.attachment.hash).toBe(
        hashes.get(d.masterIdentifier!.value!.replace('urn:oid:', '')),
      );
    expect(
      docs.map((d) => d.content[0]!.attachment.url!.startsWith(`${mhd.url}/fhir/document?`)),
    ).not.toContain(false);
  });

  it('is driven by a FHIR client library the project did not write (fhir-kit-client)', async () => {
    const client = new Client({ baseUrl: `${mhd.url}/fhir` });
    const cs = (await client.capabilityStatement()) as unknown as CapabilityStatement;
    expect(cs.implementation?.url).toBe(`${mhd.url}/fhir`);
    const b = (await client.search({
      resourceType: 'DocumentReference',
      searchParams: { 'patient.identifier': `${NHS}|${nhs}`, status: 'current' },
    })) as unknown as Bundle;
    expect(validateFhirResource('Bundle', b)).toEqual({ ok: true });
    const direct = jsonOf<Bundle>(
      (await search(`patient.identifier=${encodeURIComponent(`${NHS}|${nhs}`)}&status=current`)).body,
    );
    expect(matchesOf(b)).toEqual(matchesOf(direct));
    expect(matchesOf(b)).toHaveLength(ownEntries(nhs).length);
  });

  it('answers POST _search as it answers GET', async () => {
    const q = `patient.identifier=${encodeURIComponent(`${NHS}|${nhs}`)}&status=current`;
    const g = jsonOf<Bundle>((await search(q)).body);
    const p = await fetch(mhd.url + FhirPath.search, {
      method: 'POST',
      body: q,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(p.status).toBe(200);
    const b = (await p.json()) as Bundle;
    expect(matchesOf(b)).toEqual(matchesOf(g));
  });

  it('finds a document by identifier (and by _id) without a patient, as the broker asks for ITI-39', async () => {
    const e = ownEntries(nhs)[0]!;
    for (const q of [
      `identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:oid:${e.uniqueId}`)}`,
      `_id=${e.entryUUID.replace('urn:uuid:', '')}`,
      `identifier=${encodeURIComponent(`urn:ietf:rfc:3986|${e.entryUUID}`)}&status=current`,
    ]) {
      const r = await search(q);
      expect(r.status, q).toBe(200);
      const b = jsonOf<Bundle>(r.body);
      expect(validateFhirResource('Bundle', b)).toEqual({ ok: true });
      expect(matchesOf(b).map((d) => d.masterIdentifier?.value)).toEqual([`urn:oid:${e.uniqueId}`]);
    }
    const none = jsonOf<Bundle>((await search('identifier=urn:oid:1.2.3.4.5&status=superseded')).body);
    expect(none.total).toBe(0);
    // Other filters cannot go with it: refused (strict), or ignored with a warning (lenient).
    const q = `identifier=urn:oid:${e.uniqueId}&category=x`;
    const strict = await search(q);
    expect([strict.status, jsonOf(strict.body)]).toEqual([
      400,
      {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'not-supported',
            diagnostics:
              'category cannot go with identifier without a patient: such a search is a GetDocuments (ITI TF-2 3.18.4.1.2.3.7.5); send patient or patient.identifier to filter',
            expression: ['http.category'],
          },
        ],
      },
    ]);
    const lenient = await get(`${mhd.url}${FhirPath.documentReference}?${q}`, { prefer: 'handling=lenient' });
    const lb = jsonOf<Bundle>(lenient.body);
    expect(validateFhirResource('Bundle', lb)).toEqual({ ok: true });
    expect(matchesOf(lb).map((d) => d.masterIdentifier?.value)).toEqual([`urn:oid:${e.uniqueId}`]);
    expect(lb.entry![0]!.resource).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'warning',
          code: 'not-supported',
          diagnostics:
            'category was ignored: a search by identifier without a patient is a GetDocuments, which takes no other filter',
          expression: ['http.category'],
        },
      ],
    });
    // A form body with a raw space: the self link is re-encoded, so the Bundle stays valid R4 (uri: no whitespace).
    const posted = await fetch(mhd.url + FhirPath.search, {
      method: 'POST',
      body: `identifier=urn:oid:${e.uniqueId}&_format=fhir json`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBe(200);
    const pb = (await posted.json()) as Bundle;
    expect(validateFhirResource('Bundle', pb)).toEqual({ ok: true });
    expect(pb.link).toEqual([
      {
        relation: 'self',
        url: `${mhd.url}/fhir/DocumentReference?identifier=urn%3Aoid%3A${e.uniqueId}&_format=fhir+json`,
      },
    ]);
  });

  it('serves each ITI-68 attachment.url: the bytes hash to the DocumentReference hash', async () => {
    const docs = matchesOf(jsonOf<Bundle>((await search(`patient.identifier=${nhs}&status=current`)).body));
    expect(docs.length).toBe(ownEntries(nhs).length);
    for (const d of docs) {
      const a = d.content[0]!.attachment;
      const r = await get(a.url!);
      expect(r.status).toBe(200);
      expect(r.type).toBe(a.contentType);
      expect(r.body.length).toBe(a.size);
      expect(createHash('sha1').update(r.body).digest('base64')).toBe(a.hash);
    }
  });

  const oo = (issues: OperationOutcome['issue']): OperationOutcome => ({
    resourceType: 'OperationOutcome',
    issue: issues,
  });
  const xds = (code: string) => ({ coding: [{ system: XDS_ERROR_CODE_SYSTEM, code }], text: code });
  const at = () => [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: c.homeCommunityId }];
  const docUrl = (base: string, p: Record<string, string>) =>
    `${base}${FhirPath.iti68}?${new URLSearchParams(p).toString()}`;

  it('refuses a bad ITI-68 request, an unknown document, a deprecated one and an excluded Accept', async () => {
    const e = c.entries[0]!;
    const ids = {
      homeCommunityId: c.homeCommunityId,
      repositoryUniqueId: c.repositoryUniqueId,
      uniqueId: e.uniqueId,
    };
    const missing = await get(`${mhd.url}${FhirPath.iti68}?uniqueId=${e.uniqueId}&x=1`);
    expect(missing.status).toBe(400);
    expect(jsonOf(missing.body)).toEqual(
      oo([
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: "unknown parameter 'x'; ITI-68 takes homeCommunityId, repositoryUniqueId and uniqueId",
          expression: ['http.x'],
        },
        ...['homeCommunityId', 'repositoryUniqueId'].map((p) => ({
          severity: 'error' as const,
          code: 'required' as const,
          diagnostics: `${p} is required: GET /fhir/document?homeCommunityId=urn:oid:..&repositoryUniqueId=..&uniqueId=.. (the DocumentReference's content.attachment.url)`,
          expression: [`http.${p}`],
        })),
      ]),
    );
    const unknown = await get(docUrl(mhd.url, { ...ids, uniqueId: '1.2.3.999' }));
    expect(unknown.status).toBe(404);
    expect(jsonOf(unknown.body)).toEqual(
      oo([
        {
          severity: 'error',
          code: 'not-found',
          extension: at(),
          details: xds('XDSDocumentUniqueIdError'),
          diagnostics: `document 1.2.3.999 is not in repository ${c.repositoryUniqueId}`,
        },
      ]),
    );
    const elsewhere = await get(docUrl(mhd.url, { ...ids, homeCommunityId: 'urn:oid:1.2.3' }));
    expect(elsewhere.status).toBe(404);
    expect(jsonOf<OperationOutcome>(elsewhere.body).issue[0]!.details).toEqual(xds('XDSUnknownCommunity'));
    const gone = await get(docUrl(deprecated.url, ids));
    expect(gone.status).toBe(410);
    expect(jsonOf(gone.body)).toEqual(
      oo([
        {
          severity: 'error',
          code: 'deleted',
          diagnostics: `document ${e.uniqueId} is deprecated (DocumentReference.status superseded); find its replacement with ITI-67`,
        },
      ]),
    );
    const refused = await get(docUrl(mhd.url, ids), { accept: 'text/plain' });
    expect(refused.status).toBe(406);
    expect(jsonOf(refused.body)).toEqual(
      oo([
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: `the document is ${e.mimeType}, which the Accept header (text/plain) excludes`,
        },
      ]),
    );
  });

  it('refuses a search without patient and status, and a _search body that is not a form', async () => {
    const r = await search('');
    expect(r.status).toBe(400);
    const body = jsonOf<OperationOutcome>(r.body);
    expect(validateFhirResource('OperationOutcome', body)).toEqual({ ok: true });
    expect(body.issue.map((i) => [i.severity, i.code])).toEqual([
      ['error', 'required'],
      ['error', 'required'],
    ]);
    const p = await fetch(mhd.url + FhirPath.search, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(p.status).toBe(415);
    expect(await p.json()).toEqual(
      oo([
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics:
            'POST _search takes an application/x-www-form-urlencoded body (FHIR R4 "Search" 3.1.1.1)',
        },
      ]),
    );
    const big = await fetch(mhd.url + FhirPath.search, {
      method: 'POST',
      body: `status=current&patient.identifier=${'9'.repeat(20_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual(
      oo([
        {
          severity: 'error',
          code: 'too-long',
          diagnostics: 'the _search body is over 16384 bytes (MAX_SEARCH_TEXT)',
        },
      ]),
    );
  });
});
