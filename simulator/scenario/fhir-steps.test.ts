/**
 * The MHD steps (fhir-steps.ts) against a real HTTP server standing in for the broker's FHIR face:
 * it parses the ITI-67 search with the project's MHD parser (so the runner's requests are valid
 * ITI-67), answers searchset Bundles of default-pack DocumentReferences built with the mhd codecs
 * (a partial answer: one community's RegistryError as an OperationOutcome issue), 400
 * OperationOutcomes for refused searches, and ITI-68 with the pack's document bytes. Whole
 * outcomes are asserted: the differences a step reports, line by line.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnPort0 } from '../../test/helpers/listen.js';
import { defaultPackDir } from '../../test/helpers/topology.js';
import { loadDataPack } from '../data-pack/loader.js';
import type { DataPack } from '../data-pack/pack-format.js';
import { searchsetBundle } from '../fhir/bundle.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { toDocumentReference } from '../mhd/document-reference.js';
import { parseFindDocumentReferences, searchHandling } from '../mhd/find-document-references.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { ErrorCode, ErrorSeverity, EntryStatus } from '../xca/constants.js';
import type { ScenarioEnvironment } from './environment.js';
import {
  runFindDocumentReferencesStep,
  runRetrieveDocumentStep,
  type FhirStepContext,
} from './fhir-steps.js';
import type { FoundDocument } from './picks.js';
import {
  StepSchema,
  type FindDocumentReferencesStepSpec,
  type RetrieveDocumentStepSpec,
} from './scenario-spec.js';

let pack: DataPack;
let base: string;
let close: () => Promise<void>;
/** What the server saw last, and how it misbehaves. */
const seen: { method?: string; url?: string; body?: string; prefer?: string }[] = [];
let mode: 'ok' | 'corrupt-bytes' | 'malformed-json' = 'ok';

/** The community the server reports as timed out (the pack's last). */
const down = (): DataPack['communities'][number] => pack.communities[pack.communities.length - 1]!;

function send(res: http.ServerResponse, status: number, resource: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8' });
  res.end(JSON.stringify(resource));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url!, base);
  const prefer = req.headers['prefer'] as string | undefined;
  seen.push({
    method: req.method!,
    url: req.url!,
    body,
    ...(prefer ? { prefer } : {}),
  });
  if (url.pathname === '/fhir/document') {
    const community = pack.communities.find(
      (c) => c.homeCommunityId === url.searchParams.get('homeCommunityId'),
    );
    const entry = community?.entries.find((e) => e.uniqueId === url.searchParams.get('uniqueId'));
    const bytes = entry && (await community!.readDocument(entry.uniqueId));
    if (!entry || !bytes)
      return send(
        res,
        404,
        operationOutcome([issue({ severity: 'error', code: 'not-found', diagnostics: 'no such document' })]),
      );
    if (mode === 'corrupt-bytes') bytes[0] = bytes[0]! ^ 0xff;
    res.writeHead(200, { 'content-type': entry.mimeType, 'content-length': bytes.byteLength });
    return void res.end(bytes);
  }
  if (mode === 'malformed-json') {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    return void res.end('{"resourceType":"Bundle","type":"searchset","entry":[');
  }
  const text = req.method === 'POST' ? body : url.search;
  const parsed = parseFindDocumentReferences(text, searchHandling(prefer));
  if (!parsed.ok) return send(res, 400, operationOutcome(parsed.problems.map((p) => issue(p))));
  const nhs = parsed.search.patient.nhsNumber;
  const matches = pack.communities
    .filter((c) => c !== down())
    .flatMap((c) =>
      c.entries
        .filter((e) => e.patientId.startsWith(`${nhs}^`) && e.availabilityStatus === EntryStatus.Approved)
        .map((e) => ({
          fullUrl: `${base}/fhir/DocumentReference/${e.entryUUID.slice('urn:uuid:'.length)}`,
          resource: toDocumentReference(e, {
            attachmentUrl: (x) =>
              `${base}/fhir/document?${new URLSearchParams({ homeCommunityId: x.homeCommunityId, repositoryUniqueId: c.repositoryUniqueId, uniqueId: x.uniqueId }).toString()}`,
          }).value,
        })),
    );
  const outcome = operationOutcome([
    registryErrorToIssue(
      {
        errorCode: ErrorCode.XDSUnavailableCommunity,
        codeContext: `${down().name} did not answer within 1000 ms`,
        severity: ErrorSeverity.Error,
        location: down().homeCommunityId,
      },
      { timedOut: true },
    ),
  ]);
  const bundle = searchsetBundle({
    self: `${base}${req.url!}`,
    matches,
    outcome: { fullUrl: 'urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201', resource: outcome },
  });
  expect(validateFhirResource('Bundle', bundle)).toEqual({ ok: true });
  send(res, 200, bundle);
}

beforeAll(async () => {
  pack = await loadDataPack(defaultPackDir);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  ({ url: base, close } = await listenOnPort0(server));
}, 60_000);
afterAll(() => close());

function context(): FhirStepContext & { json: string[] } {
  const json: string[] = [];
  const env: ScenarioEnvironment = {
    brokerEndpoints: { 'ITI-38': `${base}/xca/iti38`, 'ITI-39': `${base}/xca/iti39` },
    fhirBase: `${base}/fhir`,
    communities: pack.communities.map((c) => ({
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      repositoryUniqueId: c.repositoryUniqueId,
    })),
    patients: pack.patients.map((p) => ({ nhsNumber: p.nhsNumber, homeCommunityIds: p.homeCommunityIds })),
    faults: {
      add: () => Promise.resolve({ ok: true }),
      remove: () => Promise.resolve(false),
      reset: () => Promise.resolve(),
    },
    stop: () => Promise.resolve(),
  };
  return { env, found: new Map(), timeoutMs: 30_000, onFhirMessage: (m) => json.push(m.json), json };
}

const find = (step: Record<string, unknown>): FindDocumentReferencesStepSpec =>
  StepSchema.parse({ kind: 'find-document-references', ...step }) as FindDocumentReferencesStepSpec;
const retrieve = (step: Record<string, unknown>): RetrieveDocumentStepSpec =>
  StepSchema.parse({ kind: 'retrieve-document', ...step }) as RetrieveDocumentStepSpec;

/** Documents per community of the known-to-all patient, the timed-out community left out. */
function expectedCounts(): { nhs: string; perCommunity: Record<string, number> } {
  const nhs = pack.manifest.examples.inAllCommunities!;
  const perCommunity: Record<string, number> = {};
  for (const c of pack.communities.filter((x) => x !== down()))
    perCommunity[c.name] = c.entries.filter(
      (e) => e.patientId.startsWith(`${nhs}^`) && e.availabilityStatus === EntryStatus.Approved,
    ).length;
  return { nhs, perCommunity };
}

describe('find-document-references (ITI-67)', () => {
  it('GET: a partial answer meets an expectation of its documents and its exact OperationOutcome issue', async () => {
    const ctx = context();
    const { nhs, perCommunity } = expectedCounts();
    seen.length = 0;
    const o = await runFindDocumentReferencesStep(
      find({
        patient: 'known-to-all',
        expect: {
          documentsPerCommunity: perCommunity,
          issues: [
            {
              severity: 'error',
              code: 'timeout',
              errorCode: 'XDSUnavailableCommunity',
              community: down().name,
              diagnosticsIncludes: 'did not answer within 1000 ms',
            },
          ],
        },
      }),
      ctx,
    );
    expect(o.differences).toEqual([]);
    expect(o.title).toBe(`ITI-67 GET, patient ${nhs} (known-to-all)`);
    expect(seen).toEqual([
      {
        method: 'GET',
        url: `/fhir/DocumentReference?patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhs}`)}&status=current`,
        body: '',
      },
    ]);
    const total = Object.values(perCommunity).reduce((a, b) => a + b, 0);
    expect(o.documents).toHaveLength(total);
    expect(o.documents.every((d) => d.url !== undefined && /^[0-9a-f]{40}$/.test(d.sha1Hex ?? ''))).toBe(
      true,
    );
    expect(ctx.json).toHaveLength(1);
  });

  it('says every difference: a status, a missing and an unexpected issue, the counts per community', async () => {
    const ctx = context();
    const { perCommunity } = expectedCounts();
    const [first, second] = Object.keys(perCommunity);
    const o = await runFindDocumentReferencesStep(
      find({
        patient: 'known-to-all',
        expect: {
          httpStatus: 206,
          documents: 1,
          documentsPerCommunity: { [first!]: perCommunity[first!]! },
          issues: [
            {
              severity: 'warning',
              code: 'timeout',
              errorCode: 'XDSUnavailableCommunity',
              community: down().name,
            },
          ],
        },
      }),
      ctx,
    );
    const total = Object.values(perCommunity).reduce((a, b) => a + b, 0);
    expect(o.differences).toEqual([
      `httpStatus: expected 206, got 200 (error timeout: ${down().name} did not answer within 1000 ms)`,
      `issues: missing warning timeout XDSUnavailableCommunity at ${down().name}`,
      `issues: unexpected error timeout XDSUnavailableCommunity at ${down().name}: "${down().name} did not answer within 1000 ms"`,
      `documents: expected 1, got ${total}`,
      `documentsPerCommunity.${second}: expected 0, got ${perCommunity[second!]}`,
    ]);
  });

  it('POST _search sends the same search as a form body, with target communities and Prefer', async () => {
    const ctx = context();
    const { nhs } = expectedCounts();
    const [a, b] = pack.communities;
    seen.length = 0;
    const o = await runFindDocumentReferencesStep(
      find({
        method: 'POST',
        patient: { nhsNumber: nhs },
        status: ['current', 'superseded'],
        creation: { ge: '2015-01-01', lt: '2030' },
        targetCommunities: [a!.name, b!.homeCommunityId],
        prefer: 'lenient',
        expect: {
          issues: [
            {
              severity: 'error',
              code: 'timeout',
              errorCode: 'XDSUnavailableCommunity',
              community: down().homeCommunityId,
            },
          ],
        },
      }),
      ctx,
    );
    expect(o.differences).toEqual([]);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/fhir/DocumentReference/_search',
        body: new URLSearchParams([
          ['patient.identifier', `https://fhir.nhs.uk/Id/nhs-number|${nhs}`],
          ['status', 'current,superseded'],
          ['creation', 'ge2015-01-01'],
          ['creation', 'lt2030'],
          ['targetCommunityIdList', `${a!.homeCommunityId},${b!.homeCommunityId}`],
        ]).toString(),
        prefer: 'handling=lenient',
      },
    ]);
  });

  it('an invalid NHS number: the 400 OperationOutcome issues are compared exactly', async () => {
    const ctx = context();
    const o = await runFindDocumentReferencesStep(
      find({
        patient: 'invalid-nhs-number',
        expect: {
          httpStatus: 400,
          issues: [{ severity: 'error', code: 'value', diagnosticsIncludes: 'Modulus 11' }],
        },
      }),
      ctx,
    );
    expect(o.differences).toEqual([]);
    const wrong = await runFindDocumentReferencesStep(
      find({ patient: 'invalid-nhs-number', expect: {} }),
      ctx,
    );
    expect(wrong.differences).toHaveLength(2);
    expect(wrong.differences[0]).toMatch(/^httpStatus: expected 200, got 400 \(error value: /);
    expect(wrong.differences[1]).toMatch(/^issues: unexpected error value: "/);
  });

  it('an answer that is not a searchset Bundle is a problem of the step, not an exception', async () => {
    const ctx = context();
    mode = 'malformed-json';
    try {
      const o = await runFindDocumentReferencesStep(find({ patient: 'known-to-all', expect: {} }), ctx);
      expect(o.differences).toHaveLength(1);
      expect(o.differences[0]).toMatch(/^answer: the searchset Bundle is not valid: the body is not JSON: /);
    } finally {
      mode = 'ok';
    }
  });
});

describe('retrieve-document (ITI-68)', () => {
  async function found(ctx: FhirStepContext): Promise<FoundDocument[]> {
    const o = await runFindDocumentReferencesStep(find({ patient: 'known-to-all', expect: {} }), ctx);
    ctx.found.set('find', o.documents);
    return o.documents;
  }

  it('GETs each attachment.url and checks the bytes against the size and SHA-1 of the DocumentReference', async () => {
    const ctx = context();
    const docs = await found(ctx);
    const perCommunity = pack.communities.filter((c) => c !== down()).length;
    const o = await runRetrieveDocumentStep(
      retrieve({ from: 'find', pick: 'first-per-community', expect: {} }),
      ctx,
    );
    expect(o.differences).toEqual([]);
    expect(
      (o.actual as { requests: { request: string; httpStatus: number }[] }).requests.map((r) => [
        r.request,
        r.httpStatus,
      ]),
    ).toEqual(
      docs.filter((d, i) => docs.findIndex((x) => x.home === d.home) === i).map((d) => [`GET ${d.url}`, 200]),
    );
    expect(perCommunity).toBeGreaterThan(1);
  });

  it('bytes that do not hash to the DocumentReference hash are a difference', async () => {
    const ctx = context();
    const [d] = await found(ctx);
    mode = 'corrupt-bytes';
    try {
      const o = await runRetrieveDocumentStep(
        retrieve({ from: 'find', expect: { contentType: d!.mimeType } }),
        ctx,
      );
      expect(o.differences).toHaveLength(1);
      expect(o.differences[0]).toMatch(
        new RegExp(`^hash: the bytes hash to SHA-1 [0-9a-f]{40}, the document says ${d!.sha1Hex}$`),
      );
    } finally {
      mode = 'ok';
    }
  });

  it('an unknown document by its ids: the 404 OperationOutcome', async () => {
    const ctx = context();
    const c = pack.communities[0]!;
    seen.length = 0;
    const o = await runRetrieveDocumentStep(
      retrieve({
        extra: [{ community: c.name, documentUniqueId: '1.2.3.4' }],
        expect: { httpStatus: 404, issues: [{ severity: 'error', code: 'not-found' }] },
      }),
      ctx,
    );
    expect(o.differences).toEqual([]);
    expect(seen.map((s) => s.url)).toEqual([
      `/fhir/document?homeCommunityId=${encodeURIComponent(c.homeCommunityId)}&repositoryUniqueId=${c.repositoryUniqueId}&uniqueId=1.2.3.4`,
    ]);
  });
});
