/**
 * MHD benchmark (IHE MHD 4.2.x on the broker, docs/mhd.md), two parts. Prints and records figures
 * only; asserts nothing.
 *
 * 1. The translation's cost: ITI-67 Find Document References (`GET /fhir/DocumentReference?
 *    patient=Patient/<nhs>&status=current`, IHE ITI TF-2 3.67) beside ITI-38 FindDocuments
 *    LeafClass (ITI TF-2 3.38) for the same patient of the throughput section's pack (20 documents
 *    in 3 XCA communities), both through the broker in its own process, at 1 and 16 connections
 *    (autocannon in the bench's process, 127.0.0.1 only), interleaved. Each row prints requests/s,
 *    p50 / p99 latency and the broker's CPU time per request; then ITI-67 / ITI-38 of throughput
 *    and of CPU per request: what turning ebRIM ExtrinsicObjects into DocumentReferences costs.
 * 2. A mixed network's fan-out, the fan-out section's method: N communities each answering after
 *    a fixed 50 ms, of which half speak MHD (the broker's MHD codec legs), beside the same N all
 *    XCA, two brokers in two processes, sequential requests alternating between them; consumer
 *    ITI-38, then consumer ITI-67. Per side: median latency and the broker's overhead above the
 *    slowest leg (median of latency minus the slowest leg as the broker timed it), and its CPU
 *    time per request.
 * 3. A 100 MB ITI-68 through the broker beside the community directly, and the broker's RSS growth
 *    (bench/mhd-iti68.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { withBenchPack } from './bench-pack.js';
import { cpuMs, pause } from './bench-processes.js';
import type { BrokerUrls } from './broker-process.js';
import { BenchChild } from './child.js';
import type { CommunityAddress } from './communities-process.js';
import { brokerTarget, incomplete, sample, type Side } from './fan-out.js';
import { recordFigure } from './figures.js';
import { fhirLoad, soapLoad, timeExchange, timeFhirGet } from './measure.js';
import { iti68LargeDocumentBench } from './mhd-iti68.js';

const SECTION = 'mhd';
/** The throughput section's load shape (bench/throughput.ts), its first two connection counts. */
const CONNECTIONS = [1, 16];
const DURATION_S = 6;
const WARM_UP_S = 1;
const DEADLINE_MS = 10_000;
/** The fan-out part: each community's fixed answer delay, the sizes and the samples per side. */
const DELAY_MS = 50;
const NS = [10, 50];
const SAMPLES = 40;

/** The ITI-67 search of `nhs`'s current documents on the broker's `iti67Url`. */
function iti67Search(iti67Url: string, nhs: string): string {
  return `${iti67Url}?patient=Patient/${nhs}&status=current`;
}

/** Start the child processes `modules` ([file, name]) and run `fn` with them; they are closed afterwards, whatever happens. */
async function withChildren<T>(
  modules: readonly (readonly [string, string])[],
  fn: (children: BenchChild[]) => Promise<T>,
): Promise<T> {
  const children = modules.map(([module, name]) => BenchChild.start(module, name));
  try {
    return await fn(children);
  } finally {
    await Promise.all(children.map((c) => c.close()));
  }
}

/** One load run's figures (bench/throughput.ts's row, the broker's CPU only). */
interface Row {
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Non-2xx answers and connection errors. */
  failed: number;
  /** The broker's CPU per 2xx answer, ms. */
  cpuMsPerRequest: number;
}

async function load(run: () => Promise<autocannon.Result>, broker: BenchChild): Promise<Row> {
  const before = await broker.usage();
  const r = await run();
  await pause(300);
  const after = await broker.usage();
  const ok = r['2xx'];
  return {
    reqPerS: ok / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    ok,
    failed: r.non2xx + r.errors,
    cpuMsPerRequest: ok > 0 ? cpuMs(before, after) / ok : NaN,
  };
}

function recordRow(who: string, c: number, r: Row, detail: string): void {
  const f = (name: string, value: number, unit: string): void => {
    if (Number.isFinite(value))
      recordFigure({
        section: SECTION,
        name: `${who} ${c} connections ${name}`,
        value,
        unit,
        detail: `${detail}; ${DURATION_S} s; ${r.ok} ok, ${r.failed} failed`,
      });
  };
  f('throughput', r.reqPerS, 'req/s');
  f('p50 latency', r.p50Ms, 'ms');
  f('p99 latency', r.p99Ms, 'ms');
  f('broker CPU per request', r.cpuMsPerRequest, 'ms');
}

function printRow(title: string, c: number, r: Row, extra = ''): void {
  const cpu = Number.isFinite(r.cpuMsPerRequest) ? r.cpuMsPerRequest.toFixed(2) : '-';
  console.log(
    `  ${title.padEnd(8)} ${String(c).padStart(3)}  ${r.reqPerS.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(5)} ms  p99 ${String(r.p99Ms).padStart(5)} ms  CPU/req ${cpu.padStart(6)} ms  (${r.ok} ok, ${r.failed} failed)${extra}`,
  );
}

/**
 * Check once that both faces answer 200 with the patient's `documents` (a benchmark of a wrong
 * answer measures nothing).
 * @throws Error naming the face that did not.
 */
async function checkSameAnswer(
  urls: BrokerUrls,
  body: string,
  search: string,
  documents: number,
): Promise<void> {
  const soap = await fetch(urls.iti38Url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
  });
  const xml = await soap.text();
  const ebrim = (xml.match(/<(?:[\w-]+:)?ExtrinsicObject[\s>]/g) ?? []).length;
  if (soap.status !== 200 || ebrim !== documents)
    throw new Error(`ITI-38: HTTP ${soap.status}, ${ebrim} ExtrinsicObjects, expected ${documents}`);
  const fhir = await fetch(search, { headers: { accept: 'application/fhir+json' } });
  const bundle = (await fhir.json()) as { entry?: { search?: { mode?: string } }[] };
  const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length;
  if (fhir.status !== 200 || matches !== documents)
    throw new Error(`ITI-67: HTTP ${fhir.status}, ${matches} DocumentReferences, expected ${documents}`);
}

/** Part 1: ITI-67 beside ITI-38 for one patient, 3 XCA communities. */
async function translationCost(): Promise<void> {
  await withBenchPack(async ({ dir, pack, patient }) => {
    const body = findDocumentsEnvelope(patient.nhsNumber);
    const what = `patient with ${patient.documentCount} documents in 3 XCA communities`;
    console.log(
      `mhd: ITI-67 beside ITI-38, ${what}; autocannon ${DURATION_S} s per row, interleaved; broker and communities in 2 processes; CPU/req: the broker's process`,
    );
    console.log('  face     conns');
    await withChildren(
      [
        ['./communities-process.ts', 'communities process'],
        ['./broker-process.ts', 'broker process'],
      ],
      async ([communities, broker]) => {
        const comms = await communities!.call<CommunityAddress[]>('start', {
          packDir: dir,
          count: pack.communities.length,
          delayMs: 0,
        });
        const urls = await broker!.call<BrokerUrls>('start', { communities: comms, deadlineMs: DEADLINE_MS });
        const search = iti67Search(urls.iti67Url, patient.nhsNumber);
        await checkSameAnswer(urls, body, search, patient.documentCount);
        const faces = [
          {
            who: 'ITI-38',
            detail: `ITI-38 FindDocuments LeafClass, ${what}`,
            run: (connections: number, durationS: number) =>
              soapLoad(urls.iti38Url, body, undefined, { connections, durationS }),
          },
          {
            who: 'ITI-67',
            detail: `ITI-67 patient + status=current, ${what}`,
            run: (connections: number, durationS: number) => fhirLoad(search, { connections, durationS }),
          },
        ];
        for (const f of faces) await load(() => f.run(4, WARM_UP_S), broker!);
        for (const c of CONNECTIONS) {
          const [x, m] = [
            await load(() => faces[0]!.run(c, DURATION_S), broker!),
            await load(() => faces[1]!.run(c, DURATION_S), broker!),
          ];
          recordRow('ITI-38', c, x, faces[0]!.detail);
          recordRow('ITI-67', c, m, faces[1]!.detail);
          const throughput = m.reqPerS / x.reqPerS;
          const cpu = m.cpuMsPerRequest / x.cpuMsPerRequest;
          recordFigure({
            section: SECTION,
            name: `ITI-67 / ITI-38 throughput ${c} connections`,
            value: throughput,
            unit: 'ratio',
          });
          if (Number.isFinite(cpu))
            recordFigure({
              section: SECTION,
              name: `ITI-67 / ITI-38 broker CPU per request ${c} connections`,
              value: cpu,
              unit: 'ratio',
            });
          printRow('ITI-38', c, x);
          printRow(
            'ITI-67',
            c,
            m,
            `  ITI-67/ITI-38 throughput ${throughput.toFixed(2)}, CPU/req ${cpu.toFixed(2)}`,
          );
        }
      },
    );
  });
}

function recordSide(n: number, network: string, face: string, s: Side): void {
  const detail = `${n} communities (${network}) each answering after ${DELAY_MS} ms; ${s.samples} sequential ${face}, ${s.complete} answered by every community`;
  const f = (name: string, value: number, unit: string): void => {
    if (Number.isFinite(value))
      recordFigure({ section: SECTION, name: `N=${n} ${network} ${face} ${name}`, value, unit, detail });
  };
  f('median latency', s.medianMs, 'ms');
  f('p90 latency', s.p90Ms, 'ms');
  f('overhead above the slowest leg', s.overheadMs, 'ms');
  f('broker CPU per request', s.cpuMsPerRequest, 'ms');
}

const fmt = (v: number, width: number, digits = 1): string => v.toFixed(digits).padStart(width);

/** Part 2: N communities, half MHD, beside all XCA. */
async function mixedFanOut(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  try {
    const most = Math.max(...NS);
    await generateDataPack({ seed: 7, communities: most, patients: 6, outDir: dir });
    const pack = await loadDataPack(dir);
    const nhs = pack.manifest.examples.inAllCommunities!;
    const body = findDocumentsEnvelope(nhs);
    console.log(
      `mhd fan-out: each community answers after ${DELAY_MS} ms, half of them MHD in the mixed network; ${SAMPLES} sequential requests per side, all-XCA and mixed brokers alternating; 2 brokers and 2 community processes`,
    );
    console.log(
      '    N  MHD  consumer | all-XCA median  overhead  CPU/req | mixed median  overhead  CPU/req | mixed/all-XCA median',
    );
    await withChildren(
      [
        ['./communities-process.ts', 'all-XCA communities process'],
        ['./communities-process.ts', 'mixed communities process'],
        ['./broker-process.ts', 'all-XCA broker process'],
        ['./broker-process.ts', 'mixed broker process'],
      ],
      async ([xcaComms, mixedComms, xcaBroker, mixedBroker]) => {
        for (const n of NS) {
          const mhd = n / 2;
          const start = { packDir: dir, count: n, delayMs: DELAY_MS };
          const xca = await xcaComms!.call<CommunityAddress[]>('start', start);
          const mixed = await mixedComms!.call<CommunityAddress[]>('start', { ...start, mhd });
          const a = await xcaBroker!.call<BrokerUrls>('start', { communities: xca, deadlineMs: DEADLINE_MS });
          const b = await mixedBroker!.call<BrokerUrls>('start', {
            communities: mixed,
            deadlineMs: DEADLINE_MS,
          });
          const network = `${mhd} MHD`;
          for (const face of ['ITI-38', 'ITI-67'] as const) {
            const side = (urls: BrokerUrls, broker: BenchChild) =>
              face === 'ITI-38'
                ? brokerTarget(urls.iti38Url, broker, () => timeExchange(urls.iti38Url, body))
                : brokerTarget(urls.iti67Url, broker, () => timeFhirGet(iti67Search(urls.iti67Url, nhs)));
            const [x, m] = await sample([side(a, xcaBroker!), side(b, mixedBroker!)], body, SAMPLES);
            recordSide(n, 'all XCA', face, x!);
            recordSide(n, network, face, m!);
            const ratio = m!.medianMs / x!.medianMs;
            recordFigure({
              section: SECTION,
              name: `N=${n} ${network} / all XCA ${face} median latency`,
              value: ratio,
              unit: 'ratio',
            });
            console.log(
              `  ${String(n).padStart(3)} ${String(mhd).padStart(4)}  ${face.padEnd(8)} | ${fmt(x!.medianMs, 14)} ${fmt(x!.overheadMs, 9)} ${fmt(x!.cpuMsPerRequest, 8, 2)} | ${fmt(m!.medianMs, 12)} ${fmt(m!.overheadMs, 9)} ${fmt(m!.cpuMsPerRequest, 8, 2)} | ${fmt(ratio, 20, 2)}`,
            );
            for (const line of [incomplete('all XCA', x!), incomplete('mixed', m!)])
              if (line) console.log(line);
          }
        }
        console.log(
          '  overhead: per request, the latency the consumer saw minus the slowest leg as that broker timed it; median. CPU/req: that broker process only, ms.',
        );
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run the MHD benchmark: the translation's cost, the mixed network's fan-out, then one large ITI-68
 * (bench/mhd-iti68.ts).
 */
export async function mhdBench(): Promise<void> {
  await translationCost();
  await mixedFanOut();
  await iti68LargeDocumentBench();
}
