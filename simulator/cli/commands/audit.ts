/**
 * `sim audit report`: a Patient Access Report (`--patient <nhs>`: who accessed this patient's
 * records, when, which documents) or a User Access Report (`--user <id>`: everything one user,
 * or without XUA one calling system, accessed), as a table or `--json`. Events come from the
 * running simulator's PARS (state file), another PARS (`--pars <url>`), or an audit NDJSON file
 * (`--file`). A Patient Access Report also lists the accesses whose events name no patient (no
 * party revealed it) but one of the patient's documents, entries or studies, as the data pack
 * (`--data-pack`, default the running simulator's) or the patient's own events tell them.
 */
import { readFileSync } from 'node:fs';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import type { Argv } from 'yargs';
import { auditEventUrl } from '../../audit/pars-client.js';
import {
  patientAccessReport,
  userAccessReport,
  type AccessRecord,
  type AccessReport,
} from '../../audit/reports.js';
import { loadDataPack } from '../../data-pack/loader.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import {
  HttpTransportError,
  httpExchange,
  parseJsonBody,
  type HttpResponse,
} from '../../transport/http-client.js';
import { formatNhsNumber, isValidNhsNumber } from '../../xca/nhs-number.js';
import { runningState } from '../state.js';

/** Where the events were read. */
type Source = { file: string } | { pars: string };

/** Register `audit report`. */
export function auditCommand(y: Argv): Argv {
  return y.command('audit', 'audit reports from PARS or an audit file', (a) =>
    a
      .command(
        'report',
        'a Patient Access Report (--patient) or a User Access Report (--user)',
        (b) =>
          b
            .option('patient', { type: 'string', describe: "the patient's NHS number" })
            .option('user', {
              type: 'string',
              describe: 'a user id (XUA subject-id) or calling system (X-NIR-Consumer)',
            })
            .option('file', { type: 'string', describe: 'read an audit NDJSON file instead of PARS' })
            .option('pars', { type: 'string', describe: 'PARS base URL (default: the running simulator)' })
            .option('data-pack', {
              type: 'string',
              describe: "data pack naming the patient's documents (default: the running simulator's)",
            })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        async (argv) => {
          const subject = subjectOf(argv.patient, argv.user);
          const source: Source = argv.file !== undefined ? { file: argv.file } : { pars: parsUrl(argv.pars) };
          const events =
            'file' in source ? readAuditFile(source.file) : await searchPars(source.pars, subject);
          const report =
            subject.kind === 'patient'
              ? patientAccessReport(events, subject.id, await documentsOf(subject.id, argv['data-pack']))
              : userAccessReport(events, subject.id);
          const from = 'file' in source ? `file ${source.file}` : `PARS ${source.pars}`;
          if (argv.json) process.stdout.write(JSON.stringify({ ...report, source: from }, null, 2) + '\n');
          else process.stdout.write(renderReport(report, from));
        },
      )
      .demandCommand(1, 'name a subcommand: report'),
  );
}

function subjectOf(
  patient: string | undefined,
  user: string | undefined,
): { kind: 'patient' | 'user'; id: string } {
  if ((patient === undefined) === (user === undefined))
    throw new SimError(SimErrorCode.BadArgument, 'give exactly one of --patient <nhs number> or --user <id>');
  if (user !== undefined) {
    if (user.trim() === '') throw new SimError(SimErrorCode.BadArgument, '--user needs an id');
    return { kind: 'user', id: user.trim() };
  }
  const nhs = patient!.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(nhs) || !isValidNhsNumber(nhs))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--patient ${patient}: expected a 10-digit NHS number with a valid check digit`,
    );
  return { kind: 'patient', id: nhs };
}

function parsUrl(given: string | undefined): string {
  if (given !== undefined) return given;
  const s = runningState();
  if (!s)
    throw new SimError(
      SimErrorCode.NotRunning,
      'not running: start it with npm run sim up, or pass --file <audit ndjson> or --pars <url>',
    );
  if (!s.pars)
    throw new SimError(
      SimErrorCode.NotRunning,
      'the running simulator has no PARS: pass --file <audit ndjson> or --pars <url>',
    );
  return s.pars.url;
}

/**
 * The AuditEvents of an NDJSON file (one per line, blank lines skipped).
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the file, or the first line that is not an AuditEvent.
 */
export function readAuditFile(file: string): AuditEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): give an audit NDJSON file`,
    );
  }
  const out: AuditEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let e: Partial<AuditEvent> | undefined;
    try {
      e = JSON.parse(line) as Partial<AuditEvent>;
    } catch {
      e = undefined;
    }
    if (e?.resourceType !== 'AuditEvent' || !Array.isArray(e.agent))
      throw new SimError(
        SimErrorCode.BadArgument,
        `${file} line ${i + 1} is not a FHIR AuditEvent in JSON: give an audit NDJSON file`,
      );
    out.push(e as AuditEvent);
  });
  return out;
}

/** Pages of a PARS search followed at most (FHIR `next` links), 1,000 events each. */
const MAX_PAGES = 1_000;

/**
 * The identifiers of a patient's records in a data pack (`dir`, else the running simulator's):
 * document uniqueIds, entryUUIDs and `study <Study Instance UID>`. Empty without a pack.
 */
async function documentsOf(nhs: string, dir: string | undefined): Promise<Set<string>> {
  const packDir = dir ?? runningState()?.dataPackDir;
  if (packDir === undefined) return new Set();
  const pack = await loadDataPack(packDir);
  const out = new Set<string>();
  for (const c of pack.communities) {
    for (const e of c.entries)
      if (e.patientId.split('^')[0] === nhs) {
        out.add(e.uniqueId);
        out.add(e.entryUUID);
      }
    for (const s of c.imaging) if (s.patientId === nhs) out.add(`study ${s.studyInstanceUid}`);
  }
  return out;
}

/**
 * Every AuditEvent a PARS search finds, following the searchset's `next` links (FHIR R4 3.1.1.5.6);
 * for a patient also the events naming no patient (`patient:missing=true`), for the report to place.
 */
async function searchPars(
  base: string,
  subject: { kind: 'patient' | 'user'; id: string },
): Promise<AuditEvent[]> {
  const param = subject.kind === 'patient' ? 'patient' : 'agent';
  const found = await searchAll(base, `${param}=${encodeURIComponent(subject.id)}`);
  return subject.kind === 'patient' ? [...found, ...(await searchAll(base, 'patient:missing=true'))] : found;
}

async function searchAll(base: string, query: string): Promise<AuditEvent[]> {
  let url: string | undefined = `${auditEventUrl(base)}?${query}&_count=1000`;
  const out: AuditEvent[] = [];
  for (let page = 0; url !== undefined; page++) {
    if (page === MAX_PAGES)
      throw new SimError(
        SimErrorCode.Internal,
        `PARS at ${base} gave more than ${MAX_PAGES} pages for ${query}: narrow the report with --file`,
      );
    const bundle = await fetchBundle(base, url);
    out.push(...(bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/** How long one search page may take, ms. */
const PAGE_TIMEOUT_MS = 30_000;
/**
 * Largest search page read, bytes (128 MiB): a page holds up to 1,000 AuditEvents of a few KiB
 * each (at most 1 MiB each, audit/bounds.ts).
 */
const MAX_PAGE_BYTES = 128 * 1024 * 1024;

/**
 * One page of a FHIR search (FHIR R4 http.html#search), a searchset Bundle.
 * @throws SimError SIM_ERR_NOT_RUNNING when PARS does not answer; SIM_ERR_INTERNAL for a status
 *   other than 2xx, a page over MAX_PAGE_BYTES or one that is not JSON.
 */
async function fetchBundle(base: string, url: string): Promise<Bundle<AuditEvent>> {
  let res: HttpResponse;
  try {
    res = await httpExchange(
      {
        method: 'GET',
        url: new URL(url),
        headers: { accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
      },
      MAX_PAGE_BYTES,
    );
  } catch (err) {
    if (err instanceof HttpTransportError && err.kind === 'too-large')
      throw new SimError(
        SimErrorCode.Internal,
        `PARS answered more than ${MAX_PAGE_BYTES} bytes to ${url}: narrow the report with --file`,
      );
    const cause =
      err instanceof HttpTransportError
        ? err.kind === 'timeout'
          ? `no answer within ${PAGE_TIMEOUT_MS} ms`
          : (err.code ?? err.message)
        : (err as Error).message;
    throw new SimError(
      SimErrorCode.NotRunning,
      `PARS at ${base} does not answer (${cause}): is nir-sim running? (or pass --file <audit ndjson>)`,
    );
  }
  if (res.status < 200 || res.status >= 300)
    throw new SimError(SimErrorCode.Internal, `PARS answered HTTP ${res.status} to ${url}`);
  try {
    return parseJsonBody(res) as Bundle<AuditEvent>;
  } catch {
    throw new SimError(SimErrorCode.Internal, `PARS answered ${url} with a body that is not JSON`);
  }
}

/** The report as a text table, one access per line. */
export function renderReport(r: AccessReport, from: string): string {
  const title =
    r.kind === 'patient'
      ? `Patient Access Report for ${formatNhsNumber(r.subject)}`
      : `User Access Report for ${r.subject}`;
  const counts = Object.entries(r.byTransaction)
    .map(([tx, n]) => `${tx} ${n}`)
    .join(', ');
  const head =
    `${title}: ${r.accesses.length} access${r.accesses.length === 1 ? '' : 'es'} (from ${from})\n` +
    (counts !== '' ? `by transaction: ${counts}\n` : '');
  if (r.accesses.length === 0) return head;
  const who = (a: AccessRecord): string =>
    [a.user, a.callingSystem && a.user !== a.callingSystem ? `via ${a.callingSystem}` : undefined]
      .filter(Boolean)
      .join(' ') || 'unknown';
  const cols: [string, (a: AccessRecord) => string][] = [
    ['when (UTC)', (a) => a.recorded.replace('T', ' ').replace('Z', '')],
    ['transaction', (a) => a.transaction],
    ['action', (a) => a.action],
    ['outcome', (a) => a.outcome],
    r.kind === 'patient'
      ? ['who', (a) => `${who(a)} (${a.assurance})`]
      : ['patient', (a) => a.patient ?? '-'],
    ['organisation', (a) => a.organisation ?? '-'],
    ['role', (a) => a.role ?? '-'],
    [
      'documents',
      (a) =>
        (a.via === 'document' ? '[no patient named; placed by document] ' : '') +
        (a.documents.length === 0 ? '-' : a.documents.join(' ')),
    ],
  ];
  const rows = r.accesses.map((a) => cols.map(([, f]) => f(a)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return head + [line(cols.map(([h]) => h)), ...rows.map(line)].join('\n') + '\n';
}
