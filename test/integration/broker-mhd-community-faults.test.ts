/**
 * Every fault of the catalogue (faults/fault-spec.ts) that can target a community, put on the MHD
 * community of a mixed network (the default pack's first two communities as XCA responding
 * gateways, the third as a simulated MHD Document Responder), and what the broker answers on its
 * two faces, over real HTTP on port 0:
 * - the XCA consumer's ITI-38 (IHE ITI TF-2 3.38 / ITI TF-3 4.2.4): HTTP status, response status,
 *   the whole RegistryErrorList and the documents per community;
 * - the MHD consumer's ITI-67 (IHE MHD 4.2.x 3.67.4.2, FHIR R4 "Search"): HTTP status, the whole
 *   OperationOutcome (in the searchset with `search.mode = outcome`, or the body itself) and the
 *   documents per community.
 * One row per kind (docs/mhd.md "What the broker answers per fault on an MHD community"); every
 * fault is cleared between rows. `timeout` runs on a virtual clock (no assertion depends on how
 * long anything takes); the certificate faults on a second topology with security on.
 */
import type { Bundle, DocumentReference, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData, DataPack } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { validateFhirResource } from '../../simulator/fhir/schema-validator.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { virtualClock, type DeadlineClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus, ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments } from '../helpers/requests.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';
import { timersAre } from '../helpers/virtual-time.js';

/** 2 XCA + 1 MHD (the pack's third community), on port 0, reading `faults`. */
async function startMixed(
  pack: DataPack,
  faults: FaultStore,
  o: { deadlineMs: number; clock?: DeadlineClock; certsDir?: string },
): Promise<RunningTopology> {
  return startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: o.deadlineMs },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.slice(0, 3).map((store, i) => ({
        kind: 'simulated' as const,
        store,
        port: 0,
        ...(i === 2 ? { protocol: 'mhd' as const } : {}),
      })),
      ...(o.certsDir ? { security: { certsDir: o.certsDir, crlPollMs: 100 } } : {}),
    },
    { logger: silentLogger(), faults, ...(o.clock ? { clock: o.clock } : {}) },
  );
}

let pack: DataPack;
let three: CommunityData[];
let mhd: CommunityData;
let nhs: string;

beforeAll(async () => {
  pack = await loadDataPack(defaultPackDir);
  three = pack.communities.slice(0, 3);
  mhd = three[2]!;
  nhs = pack.manifest.examples.inAllCommunities!;
});

const approvedOf = (c: CommunityData) =>
  c.entries.filter(
    (e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved,
  );
/** Documents per homeCommunityId when the MHD community sends `mhdCount` of its documents. */
const countsWith = (mhdCount: number): Record<string, number> =>
  Object.fromEntries(
    three
      .map((c, i) => [c.homeCommunityId, i === 2 ? mhdCount : approvedOf(c).length] as const)
      .filter(([, n]) => n > 0),
  );
const countBy = (homes: (string | undefined)[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const h of homes) out[h ?? 'none'] = (out[h ?? 'none'] ?? 0) + 1;
  return out;
};

/** One problem the broker reports, as the RegistryError and as the OperationOutcome issue. */
interface Problem {
  severity: 'Error' | 'Warning';
  errorCode: string;
  /** The FHIR IssueType of the issue (docs/mhd.md "RegistryError <-> OperationOutcome issue"). */
  issueCode: OperationOutcomeIssue['code'];
  /** codeContext = diagnostics. */
  text: string | RegExp;
}
const problem = (
  severity: Problem['severity'],
  errorCode: string,
  issueCode: Problem['issueCode'],
  text: string | RegExp,
): Problem => ({ severity, errorCode, issueCode, text });
const matching = (t: string | RegExp): unknown => (typeof t === 'string' ? t : expect.stringMatching(t));

const registryError = (p: Problem) => ({
  errorCode: p.errorCode,
  codeContext: matching(p.text),
  severity: ErrorSeverity[p.severity],
  location: mhd.homeCommunityId,
});
const issue = (p: Problem): OperationOutcomeIssue => ({
  severity: p.severity === 'Error' ? 'error' : 'warning',
  code: p.issueCode,
  extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: mhd.homeCommunityId }],
  details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: p.errorCode }], text: p.errorCode },
  diagnostics: matching(p.text) as string,
});

/** What a consumer gets on both faces. */
interface Answers {
  iti38: { http: number; status: string; errors: unknown[]; documents: Record<string, number> };
  iti67: { http: number; outcome: OperationOutcome | undefined; documents: Record<string, number> };
}

/** The answers expected when the MHD community sends `mhdDocuments` and the broker reports `problems`. */
function expected(mhdDocuments: number, problems: Problem[]): Answers {
  const errors = problems.filter((p) => p.severity === 'Error');
  return {
    iti38: {
      http: 200,
      // ITI TF-3 4.2.4.2 (as consolidated by the broker): an Error with documents is PartialSuccess.
      status: errors.length > 0 ? ResponseStatus.PartialSuccess : ResponseStatus.Success,
      errors: problems.map(registryError),
      documents: countsWith(mhdDocuments),
    },
    iti67: {
      http: 200,
      outcome:
        problems.length > 0 ? { resourceType: 'OperationOutcome', issue: problems.map(issue) } : undefined,
      documents: countsWith(mhdDocuments),
    },
  };
}

/** `ask` both faces (sequentially; `drive` moves a virtual clock while one is under way). */
async function askBoth(running: RunningTopology, drive?: () => Promise<void>): Promise<Answers> {
  const soap = post(running.broker.endpoints['ITI-38'], findDocuments(nhs));
  await drive?.();
  const r = await soap;
  const { response } = readQueryResponse(r);
  const search = fetch(
    `${running.broker.fhirBase}/DocumentReference?${new URLSearchParams({ 'patient.identifier': `https://fhir.nhs.uk/Id/nhs-number|${nhs}`, status: 'current' }).toString()}`,
    { headers: { accept: 'application/fhir+json' } },
  );
  await drive?.();
  const f = await search;
  const body = (await f.json()) as Bundle | OperationOutcome;
  expect(validateFhirResource(body.resourceType, body)).toEqual({ ok: true });
  const bundle = body.resourceType === 'Bundle' ? body : undefined;
  const matches = (bundle?.entry ?? []).filter((e) => e.search?.mode === 'match');
  return {
    iti38: {
      http: r.status,
      status: response.status,
      errors: response.errors,
      documents: countBy(response.objects.map((o) => o.home)),
    },
    iti67: {
      http: f.status,
      outcome: bundle
        ? (bundle.entry?.find((e) => e.search?.mode === 'outcome')?.resource as OperationOutcome | undefined)
        : (body as OperationOutcome),
      documents: countBy(
        matches.map(
          (e) =>
            (e.resource as DocumentReference).extension?.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)
              ?.valueOid,
        ),
      ),
    },
  };
}

/** `community <home> (<name>) <rest>`: how the broker names a failed community (broker/leg.ts). */
const community = (rest: string): string => `community ${mhd.homeCommunityId} (${mhd.name}) ${rest}`;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('faults on the MHD community of a mixed network: the broker on ITI-38 and ITI-67', () => {
  let running: RunningTopology;
  let faults: FaultStore;
  beforeAll(async () => {
    faults = new FaultStore(1, () => three.map((c) => c.name));
    running = await startMixed(pack, faults, { deadlineMs: 20_000 });
  });
  afterAll(() => running.stop());

  const all = () => approvedOf(mhd).length;
  const unreadable = (why: string | RegExp): Problem =>
    problem(
      'Error',
      'XDSRegistryError',
      'exception',
      new RegExp(
        `^${esc(community('answered with an unreadable body (the ITI-67 answer is not FHIR JSON (the body is not JSON: '))}${typeof why === 'string' ? esc(why) : why.source}\\)\\)$`,
      ),
    );
  const invalid = (resourceType: string): Problem =>
    problem(
      'Error',
      'XDSRegistryError',
      'exception',
      community(
        `answered with an invalid response (the searchset Bundle is not usable: Bundle.resourceType: the body is a ${resourceType}, not a Bundle)`,
      ),
    );
  const unavailable = (issueCode: Problem['issueCode'], rest: string): Problem =>
    problem('Error', 'XDSUnavailableCommunity', issueCode, community(rest));
  const NOT_JSON = `Unexpected token '}', ...","entry":[}" is not valid JSON`;

  /** [row, fault (without name and gateway), MHD documents kept, problems reported]. */
  const rows: [string, Record<string, unknown>, () => number, () => Problem[]][] = [
    ['no fault', {}, all, () => []],
    ['latency (within the deadline)', { kind: 'latency', latencyMs: 200 }, all, () => []],
    [
      'connection-reset',
      { kind: 'connection-reset' },
      () => 0,
      () => [
        unavailable('transient', 'closed the connection before answering (connection broken: ECONNRESET)'),
      ],
    ],
    [
      'refuse',
      { kind: 'refuse' },
      () => 0,
      () => [unavailable('transient', 'refused the connection (connection failed: ECONNREFUSED)')],
    ],
    ...[500, 503].map((status): (typeof rows)[number] => [
      `http-status ${status}`,
      { kind: 'http-status', status },
      () => 0,
      () => [
        unavailable(
          'transient',
          `answered HTTP ${status} (error ${status === 503 ? 'transient' : 'exception'}: simulated HTTP ${status})`,
        ),
      ],
    ]),
    [
      'http-status 404 (its OperationOutcome says not-found)',
      { kind: 'http-status', status: 404 },
      () => 0,
      () => [
        problem(
          'Warning',
          'XDSUnknownPatientId',
          'not-found',
          'simulated HTTP 404 (community does not know the patient; nir-sim reports this as a Warning)',
        ),
      ],
    ],
    ['slow-body (within the deadline)', { kind: 'slow-body', bytesPerSecond: 65_536 }, all, () => []],
    ['empty-body', { kind: 'empty-body' }, () => 0, () => [unreadable('Unexpected end of JSON input')]],
    ...(['malformed-json', 'malformed-xml'] as const).flatMap((kind): (typeof rows)[number][] => [
      [
        `${kind} truncated`,
        { kind, variant: 'truncated' },
        () => 0,
        // V8's JSON.parse message: Node 22+ add the line and column.
        () => [unreadable(/Unterminated string in JSON at position \d+( \(line \d+ column \d+\))?/)],
      ],
      [
        `${kind} not-well-formed`,
        { kind, variant: 'not-well-formed' },
        () => 0,
        () => [unreadable(NOT_JSON)],
      ],
      [
        `${kind} ${kind === 'malformed-json' ? 'wrong-resource-type' : 'wrong-namespace'}`,
        { kind, variant: kind === 'malformed-json' ? 'wrong-resource-type' : 'wrong-namespace' },
        () => 0,
        () => [invalid('Parameters')],
      ],
    ]),
    ...(
      [
        ['Error', false],
        ['Error', true],
        ['Warning', true],
      ] as const
    ).map(([severity, withDocuments]): (typeof rows)[number] => [
      `registry-error ${severity}${withDocuments ? ' withDocuments' : ''}`,
      { kind: 'registry-error', errorCode: 'XDSRegistryBusy', severity, withDocuments },
      withDocuments ? all : () => 0,
      () => [
        problem(
          severity,
          'XDSRegistryBusy',
          'transient',
          `simulated XDSRegistryBusy from ${mhd.displayName}`,
        ),
      ],
    ]),
    [
      'unknown-patient',
      { kind: 'unknown-patient' },
      () => 0,
      () => [
        problem(
          'Warning',
          'XDSUnknownPatientId',
          'not-found',
          `simulated: the patient is not known to ${mhd.displayName} (community does not know the patient; nir-sim reports this as a Warning)`,
        ),
      ],
    ],
    // keepFraction 0.5 of 8 matches: the first 4 (faults/fault-content.ts), no issue.
    ['drop-documents', { kind: 'drop-documents', keepFraction: 0.5 }, () => all() / 2, () => []],
    [
      'missing-home',
      { kind: 'missing-home' },
      all,
      () =>
        approvedOf(mhd).map((e) =>
          problem(
            'Warning',
            'XDSRegistryError',
            'exception',
            community(
              `returned DocumentReference ${e.entryUUID} without home; nir-sim set home to ${mhd.homeCommunityId}`,
            ),
          ),
        ),
    ],
    [
      'wrong-home',
      { kind: 'wrong-home', home: 'urn:oid:2.25.1' },
      () => 0,
      () =>
        approvedOf(mhd).map((e) =>
          problem(
            'Error',
            'XDSRegistryError',
            'exception',
            community(
              `returned DocumentReference ${e.entryUUID} with home urn:oid:2.25.1; it was dropped because it names another community`,
            ),
          ),
        ),
    ],
    [
      'soap-fault Receiver (HTTP 500 + OperationOutcome exception)',
      { kind: 'soap-fault', code: 'Receiver' },
      () => 0,
      () => [unavailable('transient', 'answered HTTP 500 (error exception: simulated fault)')],
    ],
    [
      'soap-fault Sender (HTTP 400 + OperationOutcome invalid)',
      { kind: 'soap-fault', code: 'Sender' },
      () => 0,
      // The 4xx outcome is an answer (docs/mhd.md): `invalid` -> XDSRegistryError -> `exception`.
      () => [problem('Error', 'XDSRegistryError', 'exception', 'simulated fault')],
    ],
    [
      'status-mismatch (HTTP 200 + an OperationOutcome in place of the Bundle)',
      { kind: 'status-mismatch' },
      () => 0,
      // The 200 is not trusted; the outcome's Error is forwarded, as an XCA status-mismatch's.
      () => [
        problem('Error', 'XDSRegistryError', 'exception', 'simulated: an Error entry under status Success'),
      ],
    ],
  ];

  it.each(rows)('%s', async (_row, fault, mhdDocuments, problems) => {
    faults.reset();
    if (Object.keys(fault).length > 0)
      expect(faults.add({ name: 'row', gateway: mhd.name, ...fault })).toMatchObject({ ok: true });
    try {
      expect(await askBoth(running)).toEqual(expected(mhdDocuments(), problems()));
    } finally {
      faults.reset();
    }
  });
});

describe('timeout on the MHD community (virtual clock, 300 ms broker deadline)', () => {
  let running: RunningTopology;
  const faults = new FaultStore(1, () => three.map((c) => c.name));
  const clock = virtualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeAll(async () => {
    running = await startMixed(pack, faults, { deadlineMs: 300, clock });
  });
  afterAll(() => running.stop());

  it('timeout', async () => {
    expect(faults.add({ name: 'row', gateway: mhd.name, kind: 'timeout' })).toMatchObject({ ok: true });
    const drive = async () => {
      await timersAre(clock, [300]); // every other community settled; the MHD leg's deadline is left
      clock.advance(300);
    };
    expect(await askBoth(running, drive)).toEqual(
      expected(0, [
        problem('Error', 'XDSUnavailableCommunity', 'timeout', community('did not answer within 300 ms')),
      ]),
    );
  });
});

describe('certificate faults on the MHD community (security on; both faces on the sandbox port)', () => {
  let running: RunningTopology;
  let certs: CertDir;
  const faults = new FaultStore(1, () => three.map((c) => c.name));
  beforeAll(async () => {
    certs = await mintCertDir(three.map((c) => c.name));
    running = await startMixed(pack, faults, { deadlineMs: 20_000, certsDir: certs.dir });
  });
  afterAll(async () => {
    await running?.stop();
    certs?.remove();
  });

  it.each([
    ['cert-expired', 'expired (CERT_HAS_EXPIRED)'],
    ['cert-revoked', 'revoked by its CA (CERT_REVOKED)'],
    ['cert-untrusted', 'from a CA that is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
  ] as const)('%s', async (kind, why) => {
    faults.reset();
    expect(faults.add({ name: 'row', gateway: mhd.name, kind })).toMatchObject({ ok: true });
    try {
      expect(await askBoth(running)).toEqual(
        expected(0, [
          problem(
            'Error',
            'XDSUnavailableCommunity',
            'transient',
            community(
              `presented a server certificate that is ${why}, so the broker refused the TLS connection`,
            ),
          ),
        ]),
      );
    } finally {
      faults.reset();
    }
  });
});
