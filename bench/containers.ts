/**
 * `npm run bench:containers [-- --json FILE]` (CONTRIBUTING.md): what the container stack costs against
 * the in-process runtime doing the same work (every transaction audited to the simulated PARS, info
 * logs written), same topology (the default pack's 3 communities, deadline 10 s), in two
 * layouts: a gateway container per community (the default for 3) and the three communities in one
 * gateway container (`--communities-per-container 3`). For each: time for `sim up --runtime
 * docker` to be ready, ITI-38 FindDocuments throughput and latency through the broker
 * (autocannon, 10 connections, 8 s) and its ratio to the in-process runtime's, and each
 * container's memory after the load (cgroup usage less the page cache it may drop, as
 * `docker stats` shows it), beside this process's RSS growth for the in-process runtime. Each
 * figure is recorded (bench/figures.ts); `--json FILE` writes them with the machine. Needs an
 * engine at DOCKER_HOST and the image nir-sim:local (scripts/containers/engine-up.sh,
 * build-image.sh). Prints figures only; asserts nothing. Everything listens on 127.0.0.1.
 */
import { LOAD_CONNECTIONS, LOAD_DURATION_S, soapLoad } from './measure.js';
import { machineFacts, recordFigure, recordedFigures } from './figures.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { pino } from 'pino';

const exec = promisify(execFile);
const PORT_BASE = 48080;
const repo = path.resolve(import.meta.dirname, '..');
const packDir = path.join(repo, 'data-packs', 'default');

const SECTION = 'containers';
const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });

/** Load `url` and print the figures; the mean throughput (req/s) and the requests answered. */
async function load(title: string, url: string, body: string): Promise<{ rate: number; answered: number }> {
  const r = await soapLoad(url, body);
  console.log(
    `  ${title.padEnd(34)} ${r.requests.average.toFixed(0).padStart(5)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  (${r['2xx']} ok, ${r.non2xx + r.errors} failed)`,
  );
  const detail = `${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s, ${r.non2xx + r.errors} failed`;
  recordFigure({
    section: SECTION,
    name: `${title} throughput`,
    value: r.requests.average,
    unit: 'req/s',
    detail,
  });
  recordFigure({ section: SECTION, name: `${title} p50 latency`, value: r.latency.p50, unit: 'ms', detail });
  return { rate: r.requests.average, answered: r['2xx'] + r.non2xx };
}

/** CPU time per answered request, ms, printed and recorded under `name`. */
function cpuPerRequest(title: string, name: string, cpuMs: number, answered: number): number {
  const perRequest = answered > 0 ? cpuMs / answered : 0;
  recordFigure({ section: SECTION, name: `${title} ${name} CPU per request`, value: perRequest, unit: 'ms' });
  return perRequest;
}

/** This process's CPU time (user + system) so far, ms (process.cpuUsage). */
function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const toMib = (bytes: number): number => Math.round(bytes / 1024 / 1024);

/** One container's figures now: memory (MiB) and CPU time used since it started (ms). */
interface ContainerFigures {
  service: string;
  memoryMib: number;
  /**
   * The container's Node process (its PID 1), proc(5) /proc/[pid]/status, MiB; -1 when not read:
   * `vm` its whole resident set (VmRSS, shared file pages such as the node binary included), `anon`
   * its own anonymous memory (RssAnon: heap, stacks, buffers).
   */
  rssMib: { vm: number; anon: number };
  cpuMs: number;
}

/**
 * Each nir-sim container's figures now, by service (Docker Engine API `GET /containers/{id}/stats`):
 * memory is the cgroup's usage less the page cache it may drop (inactive_file on cgroup v2,
 * total_inactive_file on v1), as `docker stats` shows it; podman's Docker-compatible API gives no
 * `stats` breakdown, so there it is the whole usage, page cache of the image and of the files the
 * container wrote (audit NDJSON, the durable queue) included. The process's own resident set is
 * read apart, as VmRSS of the container's PID 1 (its Node process, compose/Dockerfile's
 * ENTRYPOINT) through an exec. CPU is the cgroup's
 * cpu_stats.cpu_usage.total_usage (ns), which counts every thread of the container, GC included.
 */
async function containerFigures(readRss: boolean): Promise<ContainerFigures[]> {
  const docker = new Docker();
  const list = await docker.listContainers({ filters: { label: ['io.nir-sim.project=nir-sim'] } });
  const rows = await Promise.all(
    list.map(async (c) => {
      const s = (await docker.getContainer(c.Id).stats({ stream: false })) as {
        memory_stats?: { usage?: number; stats?: Record<string, number> };
        cpu_stats?: { cpu_usage?: { total_usage?: number } };
      };
      const m = s.memory_stats;
      const cache = m?.stats?.['inactive_file'] ?? m?.stats?.['total_inactive_file'] ?? 0;
      return {
        service: c.Labels['io.nir-sim.service'] ?? c.Id,
        memoryMib: toMib((m?.usage ?? 0) - cache),
        // After the CPU figure: the exec's own CPU (a Node start) must not fall inside a measurement.
        rssMib: readRss ? await processRssMib(docker.getContainer(c.Id)) : { vm: -1, anon: -1 },
        cpuMs: (s.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e6,
      };
    }),
  );
  return rows.sort((a, b) => a.service.localeCompare(b.service));
}

/**
 * VmRSS and RssAnon of the container's PID 1 (proc(5) /proc/[pid]/status, kB), MiB, read by a
 * `node -e` exec in the container (the image has Node and no shell tools); -1 for what cannot be
 * read.
 */
async function processRssMib(container: Docker.Container): Promise<{ vm: number; anon: number }> {
  const code =
    "const s=require('fs').readFileSync('/proc/1/status','utf8');const f=(k)=>(new RegExp(k+':\\\\s+(\\\\d+)').exec(s)||[0,-1])[1];process.stdout.write(f('VmRSS')+' '+f('RssAnon'))";
  const exec = await container.exec({ Cmd: ['node', '-e', code], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => chunks.push(c));
  const modem = container.modem as {
    demuxStream(s: NodeJS.ReadableStream, o: PassThrough, e: PassThrough): void;
  };
  modem.demuxStream(stream, stdout, new PassThrough());
  await new Promise<void>((resolve) => stream.on('end', resolve).on('close', resolve));
  const [vm, anon] = Buffer.concat(chunks).toString('utf8').trim().split(' ').map(Number);
  const mib = (kb: number | undefined): number =>
    kb !== undefined && Number.isFinite(kb) && kb >= 0 ? Math.round(kb / 1024) : -1;
  return { vm: mib(vm), anon: mib(anon) };
}

/** Run the CLI; @throws Error with the CLI's own one-line message when it fails. */
async function sim(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await exec(process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts', ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      timeout: 400_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || (err as Error).message);
  }
}

const pack = await loadDataPack(packDir);
const nhs = pack.manifest.examples.inAllCommunities!;
const body = findDocumentsEnvelope(nhs);
console.log(
  `containers vs in-process: FindDocuments for ${nhs} (all 3 communities), ${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s each`,
);

const rssBefore = process.memoryUsage().rss;
// The same work as the container stack, as `sim up` does it: every transaction audited (NDJSON file,
// durable queue, the simulated PARS) and info logs written (to a file here, to the engine's log
// capture in the containers). Without both, the comparison would charge the containers for work
// the in-process side skipped.
const auditDir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-audit-'));
const logger = pino(
  { level: 'info', base: null },
  pino.destination({ dest: path.join(auditDir, 'sim.log'), sync: false }),
);
const running = await startInProcess(
  {
    host: '127.0.0.1',
    broker: { port: 0, deadlineMs: 10_000 },
    maxBodyBytes: 10 * 1024 * 1024,
    communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
  },
  { logger, audit: { dir: auditDir, parsPort: 0 } },
);
let inProcess = 0;
try {
  const cpu0 = ownCpuMs();
  const r = await load('in-process broker', running.broker.endpoints['ITI-38'], body);
  inProcess = r.rate;
  // Broker, gateways, PARS and the load generator share this process: the figure includes autocannon's
  // own CPU, which the container layouts print apart ("load generator").
  const perRequest = cpuPerRequest('in-process', 'process', ownCpuMs() - cpu0, r.answered);
  console.log(
    `  in-process: CPU per request ${perRequest.toFixed(2)} ms (broker, gateways, PARS and autocannon)`,
  );
  const grew = toMib(process.memoryUsage().rss - rssBefore);
  console.log(`  in-process: this process's RSS grew by ${grew} MiB for broker + 3 gateways`);
  recordFigure({ section: SECTION, name: 'in-process RSS growth', value: grew, unit: 'MiB' });
} finally {
  await running.stop();
  rmSync(auditDir, { recursive: true, force: true });
}

/** One container layout: `sim up --runtime docker` with `args`, load, memory, `sim down`. */
async function layout(title: string, args: string[]): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  const env = { NIR_SIM_HOME: home };
  let up = true;
  try {
    const t0 = performance.now();
    await sim(['up', '--runtime', 'docker', '--port-base', String(PORT_BASE), ...args], env).catch(
      (err: unknown) => {
        up = false;
        throw err;
      },
    );
    const ready = (performance.now() - t0) / 1000;
    console.log(`  ${title}: sim up --runtime docker ready in ${ready.toFixed(1)} s (image reused)`);
    recordFigure({ section: SECTION, name: `${title} ready`, value: ready, unit: 's' });
    const before = new Map((await containerFigures(false)).map((c) => [c.service, c.cpuMs]));
    const cpu0 = ownCpuMs();
    const { rate, answered } = await load(`${title} broker`, `http://127.0.0.1:${PORT_BASE}/xca/iti38`, body);
    const loadCpu = ownCpuMs() - cpu0;
    const ratio = inProcess > 0 ? rate / inProcess : 0;
    console.log(`  ${title}: ${ratio.toFixed(2)}x the in-process throughput`);
    recordFigure({ section: SECTION, name: `${title} / in-process throughput`, value: ratio, unit: 'ratio' });
    const figures = await containerFigures(true);
    const cpu = figures.map((c) => ({
      service: c.service,
      ms: cpuPerRequest(title, c.service, c.cpuMs - (before.get(c.service) ?? c.cpuMs), answered),
    }));
    cpu.push({ service: 'load generator', ms: cpuPerRequest(title, 'load generator', loadCpu, answered) });
    console.log(
      `  ${title}: CPU per request, ms: ${cpu.map((c) => `${c.service} ${c.ms.toFixed(2)}`).join(', ')}`,
    );
    const memory = figures.map((c): [string, number] => [c.service, c.memoryMib]);
    const total = memory.reduce((n, [, m]) => n + m, 0);
    console.log(
      `  ${title}: memory after the load, MiB: ${memory.map(([n, m]) => `${n} ${m}`).join(', ')}; total ${total} (${memory.length} containers)`,
    );
    for (const [service, m] of memory)
      recordFigure({ section: SECTION, name: `${title} ${service} memory`, value: m, unit: 'MiB' });
    console.log(
      `  ${title}: each container's Node process after the load, VmRSS (RssAnon), MiB: ${figures.map((c) => `${c.service} ${c.rssMib.vm} (${c.rssMib.anon})`).join(', ')}`,
    );
    for (const c of figures) {
      recordFigure({
        section: SECTION,
        name: `${title} ${c.service} VmRSS`,
        value: c.rssMib.vm,
        unit: 'MiB',
      });
      recordFigure({
        section: SECTION,
        name: `${title} ${c.service} RssAnon`,
        value: c.rssMib.anon,
        unit: 'MiB',
      });
    }
    recordFigure({
      section: SECTION,
      name: `${title} total memory`,
      value: total,
      unit: 'MiB',
      detail: `${memory.length} containers`,
    });
  } catch (err) {
    console.log(`  ${title}: not measured: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    if (up)
      await sim(['down', '--runtime', 'docker', '--volumes'], env).catch((err: unknown) =>
        console.log(`  sim down failed: ${(err as Error).message}`),
      );
    rmSync(home, { recursive: true, force: true });
  }
}

await layout('a container per community', []);
await layout('one gateway container', ['--communities-per-container', '3']);

if (flags.json) {
  const report = {
    measuredAt: new Date().toISOString(),
    machine: machineFacts(),
    figures: recordedFigures(),
  };
  writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`bench:containers: ${recordedFigures().length} figures written to ${flags.json}`);
}
