/**
 * Imaging benchmark: RAD-75 Cross Gateway Retrieve Imaging Document Set of one whole study of
 * 100 MB and of 1 GB (512 x 512 16-bit images of 0.5 MiB), three ways: through the broker, through
 * a plain HTTP proxy (the physical limit of one more hop on the same stack:
 * bench/imaging-relay-process.ts), and straight to the community's gateway. As in the fan-out
 * and throughput benches, each role runs in a process of its own (bench/child.ts): the gateway
 * (bench/communities-process.ts), the broker (bench/broker-process.ts), the relay, and the
 * consumer, which is this process: it reads and counts the bytes, keeping none.
 *
 * Prints per way: throughput (MB/s, study bytes over wall time), the CPU time (user + system) per
 * GB of the process in the middle (broker or relay) and of the gateway, s/GB (what a busy machine
 * inflates least), and the peak RSS growth of the process in the middle during the retrieve,
 * sampled every 50 ms (goal for the broker: flat, under 64 MB whatever the study size); then
 * broker / direct, relay / direct and broker / relay. After an unmeasured warm-up retrieve of one
 * series each way, the 100 MB study is retrieved ROUNDS_100MB times each way, interleaved, and the
 * medians are printed; the 1 GB study ROUNDS_1GB times. The study is generated into a temporary
 * directory and deleted afterwards. The processes share the machine's cores: compare runs on one
 * machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuMs, pause, type BenchProcesses } from './bench-processes.js';
import { BenchChild, type Usage } from './child.js';
import type { CommunityAddress } from './communities-process.js';
import { recordFigure } from './figures.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { CommunityData } from '../simulator/data-pack/pack-format.js';
import { XcaPath, xcaEndpoints } from '../simulator/shared/xca-endpoints.js';
import { buildSoapEnvelope } from '../simulator/soap/envelope.js';
import { SoapAction } from '../simulator/xca/constants.js';
import { encodeRetrieveImagingDocumentSetRequest } from '../simulator/xca/retrieve-imaging-document-set.js';

const MB = 1e6;
/** Images per series; a study of N MB has N / 50 series of 100 images of 0.5 MiB. */
const INSTANCES = 100;
/** Retrieves of the 100 MB study each way (the median is printed). */
const ROUNDS_100MB = 5;
/** Retrieves of the 1 GB study each way. */
const ROUNDS_1GB = 1;
/** RSS sampling period of the process in the middle, ms. */
const SAMPLE_MS = 50;

/** One retrieve: bytes, wall seconds, CPU ms of the middle process and the gateway, RSS growth (bytes). */
interface Retrieved {
  bytes: number;
  seconds: number;
  middleCpuMs: number;
  gatewayCpuMs: number;
  consumerCpuMs: number;
  rssGrowth: number;
}

/** A way to the gateway: its title, its URL, and the process in the middle (none: direct). */
interface Way {
  title: string;
  url: string;
  middle: BenchChild | undefined;
}

/** A RAD-75 envelope asking for every image of the community's first study (of its first `series` series). */
function wholeStudy(c: CommunityData, series = Infinity): string {
  const st = c.imaging[0]!;
  const bodyXml = encodeRetrieveImagingDocumentSetRequest({
    studies: [
      {
        studyInstanceUid: st.studyInstanceUid,
        series: st.series.slice(0, series).map((se) => ({
          seriesInstanceUid: se.seriesInstanceUid,
          documents: se.instances.map((i) => ({
            homeCommunityId: c.homeCommunityId,
            repositoryUniqueId: c.repositoryUniqueId,
            documentUniqueId: i.sopInstanceUid,
          })),
        })),
      },
    ],
    transferSyntaxUids: ['1.2.840.10008.1.2.1'],
  });
  return buildSoapEnvelope({ action: SoapAction.CrossGatewayRetrieveImagingDocumentSet, bodyXml });
}

/** POST `body` to `url` and count the response bytes, keeping none. */
function post(url: string, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/soap+xml' } },
      (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () =>
          res.statusCode === 200 && res.complete ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One measured retrieve `way`, the gateway's process being `gateway`. */
async function retrieve(way: Way, gateway: BenchChild, body: string): Promise<Retrieved> {
  const watched = way.middle ?? gateway;
  const [m0, g0] = await Promise.all([watched.usage(), gateway.usage()]);
  let peak = m0.rssBytes;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await pause(SAMPLE_MS);
      const u: Usage = await watched.usage();
      peak = Math.max(peak, u.rssBytes);
    }
  })();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let bytes: number;
  try {
    bytes = await post(way.url, body);
  } finally {
    sampling = false;
    await sampler;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const [m1, g1] = await Promise.all([watched.usage(), gateway.usage()]);
  return {
    bytes,
    seconds,
    middleCpuMs: way.middle ? cpuMs(m0, m1) : 0,
    gatewayCpuMs: cpuMs(g0, g1),
    consumerCpuMs: (c.user + c.system) / 1000,
    rssGrowth: Math.max(peak, m1.rssBytes) - m0.rssBytes,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Generate a study of about `mb` MB into `dir`; resolves with its community, bytes and images. */
async function generateStudy(
  mb: number,
  dir: string,
): Promise<{ c: CommunityData; studyBytes: number; images: number }> {
  const t0 = performance.now();
  const series = Math.max(1, Math.round(mb / (INSTANCES * 0.5)));
  await generateDataPack({
    seed: 5,
    communities: 1,
    patients: 1,
    studiesPerCommunity: { min: 1, max: 1 },
    imaging: { series, instances: INSTANCES, rows: 512, columns: 512, frames: 1 },
    outDir: dir,
  });
  const pack = await loadDataPack(dir);
  const c = pack.communities[0]!;
  const studyBytes = c.imaging[0]!.series.reduce(
    (n, se) => n + se.instances.reduce((m, i) => m + i.size, 0),
    0,
  );
  const images = series * INSTANCES;
  console.log(
    `  study of ${(studyBytes / MB).toFixed(0)} MB (${images} images) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { c, studyBytes, images };
}

async function studyOf(mb: number, p: BenchProcesses): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nir-sim-bench-imaging-'));
  try {
    const { c, studyBytes, images } = await generateStudy(mb, dir);
    const [gateway] = await p.communities.call<CommunityAddress[]>('start', {
      packDir: dir,
      count: 1,
      delayMs: 0,
    });
    const direct = xcaEndpoints(gateway!.url)['RAD-75'];
    const { iti38Url } = await p.broker.call<{ iti38Url: string }>('start', {
      communities: [gateway],
      deadlineMs: 10_000,
    });
    const brokerUrl = xcaEndpoints(iti38Url.slice(0, -XcaPath.iti38.length))['RAD-75'];
    const { url: relayUrl } = await p.relay.call<{ url: string }>('start', { url: direct });
    const ways: Way[] = [
      { title: 'through the broker', url: brokerUrl, middle: p.broker },
      { title: 'through a relay', url: relayUrl, middle: p.relay },
      { title: 'gateway directly', url: direct, middle: undefined },
    ];
    const body = wholeStudy(c);
    const rounds = mb >= 1000 ? ROUNDS_1GB : ROUNDS_100MB;
    // Warm-up (JIT, lazily loaded code, connection pools): one series each way, not measured.
    for (const w of ways) await post(w.url, wholeStudy(c, 1));
    const runs: Retrieved[][] = ways.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (const [i, w] of ways.entries()) runs[i]!.push(await retrieve(w, p.communities, body));
    const size = `${(studyBytes / MB).toFixed(0)} MB`;
    const detail = `${size} study, ${images} images, ${rounds === 1 ? 'one retrieve' : `median of ${rounds} retrieves`}; gateway, broker, relay and consumer in separate processes`;
    const perGb = (ms: number, bytes: number): number => ms / 1000 / (bytes / 1e9);
    const medians = ways.map((w, i) => {
      const rs = runs[i]!;
      const m = {
        mbps: median(rs.map((x) => x.bytes / MB / x.seconds)),
        middleCpu: median(rs.map((x) => perGb(x.middleCpuMs, x.bytes))),
        gatewayCpu: median(rs.map((x) => perGb(x.gatewayCpuMs, x.bytes))),
        consumerCpu: median(rs.map((x) => perGb(x.consumerCpuMs, x.bytes))),
        rssMb: Math.max(...rs.map((x) => x.rssGrowth / MB)),
      };
      const middle = w.middle ? `CPU ${m.middleCpu.toFixed(2).padStart(5)} s/GB` : ' '.repeat(16);
      console.log(
        `    ${w.title.padEnd(20)} ${m.mbps.toFixed(0).padStart(5)} MB/s  ${middle}  gateway ${m.gatewayCpu.toFixed(2)} s/GB  consumer ${m.consumerCpu.toFixed(2)} s/GB  peak RSS growth (${w.middle ? 'middle' : 'gateway'}) ${m.rssMb.toFixed(1)} MB`,
      );
      const name = `${size} ${w.title}`;
      recordFigure({ section: 'imaging', name: `${name} throughput`, value: m.mbps, unit: 'MB/s', detail });
      if (w.middle)
        recordFigure({ section: 'imaging', name: `${name} CPU`, value: m.middleCpu, unit: 's/GB', detail });
      recordFigure({
        section: 'imaging',
        name: `${name} gateway CPU`,
        value: m.gatewayCpu,
        unit: 's/GB',
        detail,
      });
      recordFigure({
        section: 'imaging',
        name: `${name} peak RSS growth`,
        value: m.rssMb,
        unit: 'MB',
        detail,
      });
      return m;
    });
    const [broker, relay, straight] = medians as [
      (typeof medians)[0],
      (typeof medians)[0],
      (typeof medians)[0],
    ];
    const ratios = [
      ['broker / direct', broker.mbps / straight.mbps, 'goal >= 0.6'],
      ['relay / direct', relay.mbps / straight.mbps, 'the physical limit of one more hop'],
      ['broker / relay', broker.mbps / relay.mbps, ''],
    ] as const;
    for (const [name, value, note] of ratios) {
      console.log(`    ${name.padEnd(20)} ${value.toFixed(2)} (MB/s)  ${note}`);
      recordFigure({ section: 'imaging', name: `${size} ${name} throughput`, value, unit: 'ratio', detail });
    }
    console.log(`    broker CPU / relay CPU ${(broker.middleCpu / relay.middleCpu).toFixed(2)} (per GB)`);
    recordFigure({
      section: 'imaging',
      name: `${size} broker / relay CPU per GB`,
      value: broker.middleCpu / relay.middleCpu,
      unit: 'ratio',
      detail,
    });
    await Promise.all([p.broker.call('stop'), p.relay.call('stop')]);
    await p.communities.call('stop');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Node and V8 options of the broker's process from NIR_SIM_BENCH_BROKER_NODE_FLAGS (separated by
 * spaces, e.g. `--single-threaded-gc`), to measure what a runtime option does to the broker's
 * CPU per GB; none by default, as `sim up` and the containers run it.
 */
function brokerNodeFlags(): string[] {
  const flags = process.env['NIR_SIM_BENCH_BROKER_NODE_FLAGS']?.trim();
  if (flags) console.log(`  broker process started with ${flags}`);
  return flags ? flags.split(/\s+/) : [];
}

/**
 * Run the imaging benchmark: 100 MB, then 1 GB unless NIR_SIM_BENCH_IMAGING_1GB=0 (the 1 GB study
 * writes 1 GB to the temporary directory).
 */
export async function imagingBench(): Promise<void> {
  console.log(
    '\nRAD-75 imaging retrieve: one whole study, streamed (MB/s = study bytes / wall time; gateway, broker, relay, consumer in separate processes)',
  );
  const p = {
    communities: BenchChild.start('./communities-process.ts', 'gateway process'),
    broker: BenchChild.start('./broker-process.ts', 'broker process', brokerNodeFlags()),
    relay: BenchChild.start('./imaging-relay-process.ts', 'imaging relay process'),
  };
  try {
    await studyOf(100, p);
    if (process.env['NIR_SIM_BENCH_IMAGING_1GB'] === '0')
      console.log('  1 GB study skipped (NIR_SIM_BENCH_IMAGING_1GB=0)');
    else await studyOf(1000, p);
  } finally {
    await Promise.all([p.communities.close(), p.broker.close(), p.relay.close()]);
  }
}
