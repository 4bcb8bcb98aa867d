/**
 * Throughput benchmark: ITI-38 FindDocuments (LeafClass) for a patient with 20 documents in 3
 * communities, at 1, 16 and 64 connections (autocannon in the bench's process, 127.0.0.1 only),
 * sent to the broker (its own process), to the relay (the physical limit: the same fan-out with no
 * XML work, bench/relay-process.ts) and to one community's gateway directly (the communities'
 * process). Each row prints requests/s, p50 / p99 latency and the CPU time per request of the
 * process under test (the broker's beside its throughput) and of the communities' process; then
 * broker / direct and broker / relay. Then the broker with its audit side on as `sim up` runs it
 * (an AuditEvent per request to the NDJSON file and the durable queue, forwarded to the simulated
 * PARS in the broker's process) at AUDIT_CONNECTIONS, and the same topology with mutual TLS + XUA
 * on the legs (the runtime's security wiring over a certificate set minted for the run) beside the
 * plain one. Prints and records figures only; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { ensureCertificateSet } from '../simulator/security/cert-mint.js';
import { xcaEndpoints } from '../simulator/shared/xca-endpoints.js';
import { withBenchPack } from './bench-pack.js';
import { cpuMs, pause, withBenchProcesses, type BenchProcesses } from './bench-processes.js';
import type { BenchChild } from './child.js';
import type { CommunityAddress } from './communities-process.js';
import { recordFigure } from './figures.js';
import { soapLoad } from './measure.js';

const CONNECTIONS = [1, 16, 64];
const DURATION_S = 6;
/** A short load before the first row of each target (JIT, connection pools, TLS sessions). */
const WARM_UP_S = 1;
const DEADLINE_MS = 10_000;
/** Connections of the audit-on row (one row: what audit adds to the broker's CPU per request). */
const AUDIT_CONNECTIONS = 16;

/** One load run's figures. */
interface Row {
  /** 2xx answers per second (a 503 of the broker's admission control is not throughput). */
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Answered 503 (the broker's admission control: docs/limits.md). */
  refused: number;
  /** Other non-2xx answers and connection errors. */
  failed: number;
  /** CPU of the process under test per answered request, ms. */
  cpuMsPerRequest: number;
  /** CPU of the communities' process per answered request, ms (the gateways' share). */
  gatewaysCpuMsPerRequest: number;
}

/**
 * Load `url` with `connections` for DURATION_S and read the CPU the process under test (`own`)
 * and the communities' process spent meanwhile (answers still in flight settle for 300 ms first).
 */
async function load(
  url: string,
  body: string,
  connections: number,
  own: BenchChild,
  communities: BenchChild,
  durationS = DURATION_S,
): Promise<Row> {
  const before = await Promise.all([own.usage(), communities.usage()]);
  const r = await soapLoad(url, body, undefined, { connections, durationS });
  await pause(300);
  const after = await Promise.all([own.usage(), communities.usage()]);
  const ok = r['2xx'];
  const refused = r.statusCodeStats?.['503']?.count ?? 0;
  const per = (ms: number): number => (ok > 0 ? ms / ok : NaN);
  return {
    reqPerS: ok / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    ok,
    refused,
    failed: r.non2xx - refused + r.errors,
    cpuMsPerRequest: per(cpuMs(before[0], after[0])),
    gatewaysCpuMsPerRequest: per(cpuMs(before[1], after[1])),
  };
}

function print(title: string, connections: number, r: Row, extra = ''): void {
  const cpu = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-').padStart(6);
  console.log(
    `  ${title.padEnd(26)} ${String(connections).padStart(3)}  ${r.reqPerS.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(5)} ms  p99 ${String(r.p99Ms).padStart(5)} ms  CPU/req ${cpu(r.cpuMsPerRequest)} ms  gateways ${cpu(r.gatewaysCpuMsPerRequest)} ms  (${r.ok} ok, ${r.refused} 503, ${r.failed} failed)${extra}`,
  );
}

function record(who: string, connections: number, r: Row, detail: string): void {
  const f = (name: string, value: number, unit: string): void => {
    if (Number.isFinite(value))
      recordFigure({
        section: 'throughput',
        name: `${who} ${connections} connections ${name}`,
        value,
        unit,
        detail: `${detail}; ${DURATION_S} s; ${r.ok} ok, ${r.refused} answered 503, ${r.failed} failed`,
      });
  };
  f('throughput', r.reqPerS, 'req/s');
  f('p50 latency', r.p50Ms, 'ms');
  f('p99 latency', r.p99Ms, 'ms');
  f('CPU per request', r.cpuMsPerRequest, 'ms');
  f('gateways CPU per request', r.gatewaysCpuMsPerRequest, 'ms');
}

function ratio(name: string, connections: number, value: number): string {
  recordFigure({ section: 'throughput', name: `${name} ${connections} connections`, value, unit: 'ratio' });
  return `${name} ${value.toFixed(2)}`;
}

/** Start the broker and the relay over `comms`; resolve with their URLs. */
async function startFanOut(
  p: BenchProcesses,
  comms: CommunityAddress[],
  opts: { certsDir?: string; audit?: boolean } = {},
): Promise<{ broker: string; relay?: string }> {
  const b = await p.broker.call<{ iti38Url: string }>('start', {
    communities: comms,
    deadlineMs: DEADLINE_MS,
    ...opts,
  });
  if (opts.certsDir || opts.audit) return { broker: b.iti38Url };
  const r = await p.relay.call<{ url: string }>('start', { communities: comms, deadlineMs: DEADLINE_MS });
  return { broker: b.iti38Url, relay: r.url };
}

/** Run the throughput benchmark. */
export async function throughputBench(): Promise<void> {
  const certsDir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-certs-'));
  try {
    await withBenchPack(async ({ dir, pack, patient }) => {
      await ensureCertificateSet(certsDir, { communities: pack.communities.map((c) => c.name) });
      const body = findDocumentsEnvelope(patient.nhsNumber);
      const home = patient.homeCommunityIds[0]!;
      const own = pack.communities
        .find((c) => c.homeCommunityId === home)!
        .entries.filter((e) => e.patientId.startsWith(`${patient.nhsNumber}^`)).length;
      const what = `FindDocuments LeafClass, 3 communities, ${patient.documentCount} documents`;
      console.log(
        `throughput: ${what}; autocannon ${DURATION_S} s per row in the bench's process; broker, relay (no XML work) and communities in 3 processes; CPU/req: the process under test, gateways: the communities' process`,
      );
      console.log('  target                   conns');
      await withBenchProcesses(async (p) => {
        const start = { packDir: dir, count: pack.communities.length, delayMs: 0 };
        const plain = await p.communities.call<CommunityAddress[]>('start', start);
        const urls = await startFanOut(p, plain);
        const direct = xcaEndpoints(plain.find((c) => c.homeCommunityId === home)!.url)['ITI-38'];
        const targets = [
          { who: 'broker', url: urls.broker, own: p.broker, detail: what },
          { who: 'relay', url: urls.relay!, own: p.relay, detail: `${what}, relayed without XML work` },
          { who: 'direct', url: direct, own: p.communities, detail: `one gateway, ${own} documents` },
        ];
        for (const t of targets) await load(t.url, body, 4, t.own, p.communities, WARM_UP_S);
        const plainBroker = new Map<number, Row>();
        for (const c of CONNECTIONS) {
          const rows = new Map<string, Row>();
          for (const t of targets) {
            const r = await load(t.url, body, c, t.own, p.communities);
            rows.set(t.who, r);
            record(t.who, c, r, t.detail);
          }
          const b = rows.get('broker')!;
          plainBroker.set(c, b);
          print(`broker, ${patient.documentCount} documents`, c, b);
          print('relay (no XML work)', c, rows.get('relay')!);
          print(`one gateway directly (${own})`, c, rows.get('direct')!);
          console.log(
            `  ${' '.repeat(31)}${ratio('broker / direct', c, b.reqPerS / rows.get('direct')!.reqPerS)}  ${ratio('broker / relay', c, b.reqPerS / rows.get('relay')!.reqPerS)}  ${ratio('broker / relay p50 latency', c, b.p50Ms / rows.get('relay')!.p50Ms)}`,
          );
        }
        const audited = await startFanOut(p, plain, { audit: true });
        await load(audited.broker, body, 4, p.broker, p.communities, WARM_UP_S);
        const a = await load(audited.broker, body, AUDIT_CONNECTIONS, p.broker, p.communities);
        record('broker audit on', AUDIT_CONNECTIONS, a, `${what}, audit to NDJSON, queue and PARS`);
        const plainCpu = plainBroker.get(AUDIT_CONNECTIONS)!.cpuMsPerRequest;
        print(
          'broker, audit on',
          AUDIT_CONNECTIONS,
          a,
          `  audit adds ${(a.cpuMsPerRequest - plainCpu).toFixed(2)} ms CPU/req`,
        );
        const secured = await p.communities.call<CommunityAddress[]>('start', { ...start, certsDir });
        const mtls = await startFanOut(p, secured, { certsDir });
        await load(mtls.broker, body, 4, p.broker, p.communities, WARM_UP_S);
        for (const c of CONNECTIONS) {
          const r = await load(mtls.broker, body, c, p.broker, p.communities);
          record('broker mTLS legs', c, r, `${what}, legs over mutual TLS + XUA`);
          const vs = ratio('mTLS / plain', c, r.reqPerS / plainBroker.get(c)!.reqPerS);
          print('broker, mTLS + XUA legs', c, r, `  ${vs}`);
        }
      });
    });
  } finally {
    rmSync(certsDir, { recursive: true, force: true });
  }
}
