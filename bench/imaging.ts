/**
 * Imaging benchmark: RAD-75 Cross Gateway Retrieve Imaging Document Set of one whole study of
 * 100 MB and of 1 GB (512 x 512 16-bit images of 0.5 MiB), through the broker beside the same
 * request sent straight to the community's gateway. Prints throughput (MB/s, study bytes over wall
 * time), the process's CPU time per MB (user + system, ms/MB: what a busy machine inflates least),
 * and the peak RSS growth during the retrieve, sampled every 20 ms (goal: flat, under 64 MB
 * whatever the study size); then broker / direct for both. After an unmeasured warm-up retrieve
 * of one series each way, the 100 MB study is retrieved ROUNDS_100MB times each way, interleaved,
 * and the medians are printed; the 1 GB study once each way. The study is generated into a
 * temporary directory and deleted afterwards. The consumer reads and counts the bytes, keeping
 * none. The broker, the gateway and the consumer share this process (one thread) and the
 * machine's cores: compare runs on one machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordFigure } from './figures.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { CommunityData } from '../simulator/data-pack/pack-format.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../simulator/soap/envelope.js';
import { SoapAction } from '../simulator/xca/constants.js';
import { encodeRetrieveImagingDocumentSetRequest } from '../simulator/xca/retrieve-imaging-document-set.js';

const MB = 1e6;
/** Images per series; a study of N MB has N / 50 series of 100 images of 0.5 MiB. */
const INSTANCES = 100;
/** Retrieves of the 100 MB study each way (the median is printed). */
const ROUNDS_100MB = 3;

/** One retrieve: bytes, wall seconds, CPU ms of this process (user + system), peak RSS growth (bytes). */
interface Retrieved {
  bytes: number;
  seconds: number;
  cpuMs: number;
  rssGrowth: number;
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

/** POST `body`, count the response bytes; resolves with bytes, seconds and the peak RSS growth. */
async function retrieve(url: string, body: string): Promise<Retrieved> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
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
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { bytes, seconds, cpuMs: (cpu.user + cpu.system) / 1000, rssGrowth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function studyOf(mb: number): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nir-sim-bench-imaging-'));
  try {
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
    const running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 10_000 },
        maxBodyBytes: 10 * 1024 * 1024,
        communities: [{ kind: 'simulated', store: c, port: 0 }],
      },
      { logger: silentLogger() },
    );
    try {
      const body = wholeStudy(c);
      const ways = [
        ['through the broker', running.broker.endpoints['RAD-75']],
        ['gateway directly', running.communities[0]!.endpoints['RAD-75']!],
      ] as const;
      const rounds = mb >= 1000 ? 1 : ROUNDS_100MB;
      // Warm-up (JIT, lazily loaded code, connection pools): one series each way, not measured.
      for (const [, url] of ways) await retrieve(url, wholeStudy(c, 1));
      const runs: Retrieved[][] = ways.map(() => []);
      for (let r = 0; r < rounds; r++)
        for (const [i, [, url]] of ways.entries()) runs[i]!.push(await retrieve(url, body));
      const size = `${(studyBytes / MB).toFixed(0)} MB`;
      const detail = `${size} study, ${images} images, ${rounds === 1 ? 'one retrieve' : `median of ${rounds} retrieves`}, broker, gateway and consumer in one process`;
      const medians = ways.map(([title], i) => {
        const m = {
          mbps: median(runs[i]!.map((x) => x.bytes / MB / x.seconds)),
          cpuMsPerMb: median(runs[i]!.map((x) => x.cpuMs / (x.bytes / MB))),
          rssMb: Math.max(...runs[i]!.map((x) => x.rssGrowth / MB)),
        };
        console.log(
          `    ${title.padEnd(20)} ${m.mbps.toFixed(0).padStart(5)} MB/s  CPU ${m.cpuMsPerMb.toFixed(2).padStart(5)} ms/MB  peak RSS growth ${m.rssMb.toFixed(1).padStart(6)} MB`,
        );
        const name = `${size} ${title}`;
        recordFigure({ section: 'imaging', name: `${name} throughput`, value: m.mbps, unit: 'MB/s', detail });
        recordFigure({ section: 'imaging', name: `${name} CPU`, value: m.cpuMsPerMb, unit: 'ms/MB', detail });
        recordFigure({
          section: 'imaging',
          name: `${name} peak RSS growth`,
          value: m.rssMb,
          unit: 'MB',
          detail,
        });
        return m;
      });
      const [broker, direct] = medians as [(typeof medians)[0], (typeof medians)[0]];
      const ratio = broker.mbps / direct.mbps;
      const cpuRatio = direct.cpuMsPerMb / broker.cpuMsPerMb;
      console.log(
        `    broker / direct      ${ratio.toFixed(2)} (MB/s), ${cpuRatio.toFixed(2)} (CPU per MB, direct / broker)  goal >= 0.6`,
      );
      recordFigure({
        section: 'imaging',
        name: `${size} broker / direct throughput`,
        value: ratio,
        unit: 'ratio',
        detail,
      });
      recordFigure({
        section: 'imaging',
        name: `${size} direct / broker CPU per MB`,
        value: cpuRatio,
        unit: 'ratio',
        detail,
      });
    } finally {
      await running.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Run the imaging benchmark: 100 MB, then 1 GB unless NIR_SIM_BENCH_IMAGING_1GB=0 (the 1 GB study
 * writes 1 GB to the temporary directory).
 */
export async function imagingBench(): Promise<void> {
  console.log('\nRAD-75 imaging retrieve: one whole study, streamed (MB/s = study bytes / wall time)');
  await studyOf(100);
  if (process.env['NIR_SIM_BENCH_IMAGING_1GB'] === '0')
    console.log('  1 GB study skipped (NIR_SIM_BENCH_IMAGING_1GB=0)');
  else await studyOf(1000);
}
