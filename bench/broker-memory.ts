/**
 * `npx tsx bench/broker-memory.ts [--node PATH] [--flags="..."] [--node-options="..."]
 * [--requests N] [--snapshots DIR] [--container IMAGE [--container-name NAME]] [--json FILE]`
 * (docs/containers.md "Memory"): the broker container's memory, measured on the host the way the
 * container runs. The compiled roles (`npm run build` first) as `sim serve` runs them in the
 * stack: one `serve gateway` process for the default pack's three communities, `serve pars`, and
 * `serve broker` over them with the container's environment (ContainerMallocEnv; NODE_OPTIONS =
 * ContainerNodeOptions.broker unless `--node-options`), plus any command-line Node flags
 * (`--flags`, for V8 flags NODE_OPTIONS refuses, e.g. `--optimize-for-size`), run by `--node`
 * (default this Node; the image's Node 24 binary copied out of it runs what the container runs).
 * The load of `npm run bench:containers` (autocannon, ITI-38 FindDocuments for a patient in all
 * three communities, 10 connections) but a fixed number of requests (`--requests`, default 600,
 * about 8 s on a quiet machine), then the broker's memory: proc(5) /proc/PID/status VmRSS,
 * RssAnon, RssFile (MiB), its CPU time per request (/proc/PID/stat) and, through a preloaded
 * probe (PROBE below), its process.memoryUsage() and V8 heap spaces: at idle after start, right
 * after the load (what bench:containers reads) and 5 s later. `--snapshots DIR` also writes
 * /proc/PID/smaps at each of them and a heap snapshot at the end. `--container IMAGE` runs the
 * broker in a container of that image instead (podman, CONTAINERS_CONF from the environment,
 * host network; /proc figures and CPU only, no probe), named `--container-name` and removed at
 * the end. Prints figures only; asserts nothing. Everything listens on 127.0.0.1.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { LOAD_CONNECTIONS } from './measure.js';
import { machineFacts, recordFigure, recordedFigures } from './figures.js';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { ContainerMallocEnv, ContainerNodeOptions } from '../simulator/containers/container-plan.js';

const SECTION = 'broker-memory';
const repo = path.resolve(import.meta.dirname, '..');
const main = path.join(repo, 'dist', 'simulator', 'cli', 'main.js');
const packDir = path.join(repo, 'data-packs', 'default');
const { values: flags } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    flags: { type: 'string' },
    'node-options': { type: 'string' },
    snapshots: { type: 'string' },
    json: { type: 'string' },
    requests: { type: 'string', default: '600' },
    container: { type: 'string' },
    'malloc-env': { type: 'string' },
    'container-name': { type: 'string', default: `nir-sim-broker-memory-${process.pid}` },
  },
});
const nodeFlags = (flags.flags ?? '').split(' ').filter(Boolean);
const nodeOptions = flags['node-options'] ?? ContainerNodeOptions.broker;
/** The broker's glibc malloc tunables: ContainerMallocEnv, or `--malloc-env="K=V K=V"` instead. */
const mallocEnv: Record<string, string> =
  flags['malloc-env'] === undefined
    ? { ...ContainerMallocEnv }
    : Object.fromEntries(
        flags['malloc-env']
          .split(' ')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );

/**
 * Preloaded into the broker (`--import data:...`; plain JavaScript, so any Node runs it): answers
 * `{ probe: 'memory' }` over the IPC channel with process.memoryUsage() and V8's heap statistics
 * (bytes; `v8.getHeapStatistics`, `v8.getHeapSpaceStatistics`), and `{ probe: 'snapshot', file }`
 * by writing a heap snapshot (`v8.writeHeapSnapshot`). The channel is unref'd after the listener
 * (adding a 'message' listener refs it): it never keeps the broker alive.
 */
const PROBE = `
import v8 from 'node:v8';
process.on('message', (m) => {
  if (m?.probe === 'memory')
    process.send({
      usage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size })),
    });
  else if (m?.probe === 'snapshot') process.send({ file: v8.writeHeapSnapshot(m.file) });
});
process.channel?.unref();
`;
const probe = `data:text/javascript,${encodeURIComponent(PROBE)}`;

/** A free TCP port on 127.0.0.1 (bound and released at once). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const children: ChildProcess[] = [];

/** Start `sim serve ...args` (compiled) with `execArgv` and `env`; stdout/stderr to a log file. */
function serve(args: string[], execArgv: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const child = fork(main, ['serve', ...args], {
    execPath: flags.node,
    execArgv,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  child.on('exit', () => writeFileSync(log, Buffer.concat(chunks)));
  children.push(child);
  return child;
}

/** The broker's container in `--container IMAGE` mode, named after this process. */
const CONTAINER = flags['container-name'];

/** Run the podman CLI (CONTAINERS_CONF from the environment); its stdout. */
async function podman(args: string[]): Promise<string> {
  return (await promisify(execFile)('podman', args, { encoding: 'utf8' })).stdout.trim();
}

/**
 * `--container IMAGE`: the broker in a container of IMAGE with the plan's environment (NODE_OPTIONS,
 * ContainerMallocEnv) and the image's script run by `node <--flags>`, on the host's network so it
 * reaches the gateways and PARS on 127.0.0.1 and answers there.
 */
async function startContainer(image: string, args: string[]): Promise<void> {
  const env = { NODE_OPTIONS: nodeOptions, ...mallocEnv };
  await podman([
    'run',
    '--detach',
    '--name',
    CONTAINER,
    '--network',
    'host',
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    '--entrypoint',
    JSON.stringify(['node', ...nodeFlags, 'dist/simulator/cli/main.js']),
    image,
    'serve',
    ...args,
  ]);
}

/** The host PID of the broker container's PID 1 (its Node process). */
async function containerPid(): Promise<number> {
  return Number(await podman(['inspect', '--format', '{{.State.Pid}}', CONTAINER]));
}

/** Wait until `url` answers 200 (at most 60 s). @throws Error when it never does. */
async function healthy(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

/** CPU time (user + system) of process `pid` so far, ms: proc(5) /proc/PID/stat utime + stime. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state (field 3) here; clock ticks of 10 ms (USER_HZ 100).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** proc(5) /proc/PID/status VmRSS, RssAnon, RssFile, MiB. */
function procStatus(pid: number): { vmRss: number; rssAnon: number; rssFile: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? -1);
  return { vmRss: kb('VmRSS') / 1024, rssAnon: kb('RssAnon') / 1024, rssFile: kb('RssFile') / 1024 };
}

interface ProbeMemory {
  usage: NodeJS.MemoryUsage;
  heap: { total_heap_size: number; used_heap_size: number; malloced_memory: number };
  spaces: { name: string; size: number; used: number }[];
}

/** Ask the probe in `child` (PROBE). */
async function ask<T>(child: ChildProcess, message: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

const mib = (bytes: number): number => bytes / 1024 / 1024;

/** Print and record the broker's memory now, under `when`. */
async function sample(pid: number, broker: ChildProcess | undefined, when: string): Promise<void> {
  const p = procStatus(pid);
  if (flags.snapshots)
    writeFileSync(
      path.join(flags.snapshots, `${when.replace(/\W+/g, '-')}.smaps`),
      readFileSync(`/proc/${pid}/smaps`),
    );
  if (!broker) {
    console.log(
      `  ${when.padEnd(16)} VmRSS ${p.vmRss.toFixed(1)}  RssAnon ${p.rssAnon.toFixed(1)}  RssFile ${p.rssFile.toFixed(1)} MiB`,
    );
    for (const [name, value] of Object.entries(p))
      recordFigure({ section: SECTION, name: `${when} ${name}`, value, unit: 'MiB' });
    return;
  }
  const m = await ask<ProbeMemory>(broker, { probe: 'memory' });
  const spaces = m.spaces
    .filter((s) => s.size > 0)
    .map((s) => `${s.name.replace(/_space$/, '')} ${mib(s.size).toFixed(1)}/${mib(s.used).toFixed(1)}`)
    .join(', ');
  console.log(
    `  ${when.padEnd(16)} VmRSS ${p.vmRss.toFixed(1)}  RssAnon ${p.rssAnon.toFixed(1)}  RssFile ${p.rssFile.toFixed(1)}  ` +
      `| V8 heap committed ${mib(m.usage.heapTotal).toFixed(1)} used ${mib(m.usage.heapUsed).toFixed(1)}  ` +
      `external ${mib(m.usage.external).toFixed(1)} (buffers ${mib(m.usage.arrayBuffers).toFixed(1)})  malloced ${mib(m.heap.malloced_memory).toFixed(1)} MiB`,
  );
  console.log(`  ${''.padEnd(16)} spaces committed/used MiB: ${spaces}`);
  const figures: [string, number][] = [
    ['VmRSS', p.vmRss],
    ['RssAnon', p.rssAnon],
    ['RssFile', p.rssFile],
    ['V8 heap committed', mib(m.usage.heapTotal)],
    ['V8 heap used', mib(m.usage.heapUsed)],
    ['external', mib(m.usage.external)],
  ];
  for (const [name, value] of figures)
    recordFigure({ section: SECTION, name: `${when} ${name}`, value, unit: 'MiB' });
}

const pack = await loadDataPack(packDir);
const nhs = pack.manifest.examples.inAllCommunities!;
const body = findDocumentsEnvelope(nhs);
const names = pack.manifest.communities.map((c) => c.name);
const work = mkdtempSync(path.join(tmpdir(), 'nir-sim-broker-memory-'));
const [gwPort = 0, gwControl, parsPort, parsControl, brokerPort, brokerControl] = await Promise.all(
  Array.from({ length: 6 }, () => freePort()),
);
const host = ['--host', '127.0.0.1'];
const gatewayEnv = { NODE_OPTIONS: ContainerNodeOptions.gateway, ...ContainerMallocEnv };
console.log(
  `broker memory: ${flags.container ? `container of ${flags.container}, node` : flags.node} ${[...nodeFlags].join(' ')} (NODE_OPTIONS ${nodeOptions}; ${Object.entries(
    mallocEnv,
  )
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')})`,
);
try {
  serve(
    [
      'gateway',
      ...host,
      '--data-pack',
      packDir,
      ...names.flatMap((n) => ['--community', n]),
      '--port',
      String(gwPort),
      '--control-port',
      String(gwControl),
    ],
    [],
    gatewayEnv,
    path.join(work, 'gateway.log'),
  );
  serve(
    [
      'pars',
      ...host,
      '--port',
      String(parsPort),
      '--control-port',
      String(parsControl),
      '--dir',
      path.join(work, 'pars'),
    ],
    [],
    { NODE_OPTIONS: ContainerNodeOptions.pars, ...ContainerMallocEnv },
    path.join(work, 'pars.log'),
  );
  await healthy(`http://127.0.0.1:${gwPort}/health`);
  await healthy(`http://127.0.0.1:${parsPort}/health`);
  const communities = pack.manifest.communities.map(
    (c, j) =>
      `name=${c.name},homeCommunityId=${c.homeCommunityId},url=http://127.0.0.1:${gwPort + j},control=http://127.0.0.1:${gwControl}`,
  );
  const brokerArgs = [
    'broker',
    ...host,
    '--port',
    String(brokerPort),
    '--control-port',
    String(brokerControl),
    '--deadline-ms',
    '10000',
    '--pars-url',
    `http://127.0.0.1:${parsPort}`,
    '--pars-control-url',
    `http://127.0.0.1:${parsControl}`,
    ...communities.flatMap((c) => ['--community', c]),
  ];
  const broker = flags.container
    ? undefined
    : serve(
        [...brokerArgs, '--audit-dir', path.join(work, 'audit')],
        [...nodeFlags, '--import', probe],
        { NODE_OPTIONS: nodeOptions, ...mallocEnv },
        path.join(work, 'broker.log'),
      );
  if (flags.container) await startContainer(flags.container, brokerArgs);
  await healthy(`http://127.0.0.1:${brokerPort}/health`);
  await sleep(2000);
  const pid = broker?.pid ?? (await containerPid());
  await sample(pid, broker, 'idle');
  // A fixed number of requests, not bench:containers' fixed 8 s: what the broker holds after the
  // load grows with the requests it answered, which a fixed time lets the machine's load decide.
  const cpu0 = cpuMs(pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${brokerPort}/xca/iti38`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    connections: LOAD_CONNECTIONS,
    amount: Number(flags.requests),
  });
  const perRequest = (cpuMs(pid) - cpu0) / Math.max(1, r['2xx'] + r.non2xx);
  console.log(
    `  load: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, ${r['2xx']} ok, ${r.non2xx + r.errors} failed (${LOAD_CONNECTIONS} connections, ${flags.requests} requests); broker CPU ${perRequest.toFixed(2)} ms per request`,
  );
  recordFigure({ section: SECTION, name: 'broker CPU per request', value: perRequest, unit: 'ms' });
  recordFigure({ section: SECTION, name: 'throughput', value: r.requests.average, unit: 'req/s' });
  await sample(pid, broker, 'after the load');
  await sleep(5000);
  await sample(pid, broker, '5 s later');
  // Last: building a snapshot allocates much memory of its own, which would count in later samples.
  if (flags.snapshots && broker)
    await ask(broker, { probe: 'snapshot', file: path.join(flags.snapshots, 'after-load.heapsnapshot') });
} finally {
  if (flags.container)
    await podman(['rm', '--force', '--time', '10', CONTAINER]).catch((err: unknown) =>
      console.log(`  could not remove ${CONTAINER}: ${(err as Error).message}`),
    );
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  if (process.exitCode) console.log(`  logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (flags.json) {
  writeFileSync(
    flags.json,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: machineFacts(), figures: recordedFigures() }, null, 2)}\n`,
  );
  console.log(`broker-memory: ${recordedFigures().length} figures written to ${flags.json}`);
}
