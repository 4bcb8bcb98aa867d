/**
 * Throughput benchmark: ITI-38 requests per second through the broker with 3 communities and a
 * patient with 20 documents, beside the same FindDocuments sent straight to one community's
 * gateway (autocannon, 10 connections, 8 s each). Prints figures only; asserts nothing.
 */
import { withBenchPack } from './bench-pack.js';
import { LOAD_CONNECTIONS, LOAD_DURATION_S, soapLoad } from './measure.js';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';

async function run(title: string, url: string, body: string): Promise<void> {
  const r = await soapLoad(url, body);
  const ok = r['2xx'];
  console.log(
    `  ${title.padEnd(44)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ${(r.throughput.average / 1e6).toFixed(1)} MB/s  (${ok} ok, ${r.non2xx + r.errors} failed)`,
  );
}

/** Run the throughput benchmark. */
export async function throughputBench(): Promise<void> {
  await withBenchPack(async ({ pack, patient }) => {
    const running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 10_000 },
        maxBodyBytes: 10 * 1024 * 1024,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      },
      { logger: silentLogger() },
    );
    try {
      const body = findDocumentsEnvelope(patient.nhsNumber);
      const direct = pack.communities.find((c) => c.homeCommunityId === patient.homeCommunityIds[0])!;
      const own = direct.entries.filter((e) => e.patientId.startsWith(`${patient.nhsNumber}^`)).length;
      console.log(
        `throughput: FindDocuments LeafClass, ${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s each`,
      );
      await run(
        `broker, 3 communities, ${patient.documentCount} documents`,
        running.broker.endpoints['ITI-38'],
        body,
      );
      const url = running.communities.find((c) => c.homeCommunityId === direct.homeCommunityId)!.endpoints[
        'ITI-38'
      ];
      await run(`one gateway directly, ${own} documents`, url, body);
    } finally {
      await running.stop();
    }
  });
}
