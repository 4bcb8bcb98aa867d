/**
 * Overload benchmark (`npm run bench:overload`): ITI-38 through the broker with 3 simulated
 * communities and a 1 s per-leg deadline, at 1, 16, 64 and 256 connections (autocannon in a child
 * process, 5 s each, loopback only), first without admission control (unbounded, as before) and then with the
 * default admission limits. Prints p50 / p99 latency, the share answered 503 (overload fault) and
 * the share of answers whose legs were reported timed out. Prints figures only; asserts nothing.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AdmissionLimits } from '../simulator/broker/admission.js';
import type { DataPack } from '../simulator/data-pack/pack-format.js';
import { withBenchPack } from './bench-pack.js';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';

const DURATION_S = 5;
const DEADLINE_MS = 1_000;
const CONNECTIONS = [1, 16, 64, 256];
/** Admission that never refuses: the broker as it was before admission control. */
const UNBOUNDED: Partial<AdmissionLimits> = {
  maxConcurrent: 1_000_000,
  maxWaiting: 0,
  requestDeadlineMs: 3_600_000,
};

/** What the autocannon CLI prints with --json (the fields used here). */
interface LoadResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number } | undefined>;
}

/**
 * Run autocannon in a child process: in this process it would share the event loop with the
 * broker and slow its own sending down to the broker's pace, so the broker would never see more
 * requests at once than it can serve (an outside consumer does not wait like that).
 */
function loadFromAnotherProcess(url: string, bodyFile: string, connections: number): Promise<LoadResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [cli, '--json', '-c', String(connections), '-d', String(DURATION_S), '-m', 'POST'];
  args.push('-H', 'content-type=application/soap+xml; charset=UTF-8', '-i', bodyFile, url);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { timeout: (DURATION_S + 60) * 1000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) reject(new Error(`autocannon failed: ${err.message}`, { cause: err }));
        else resolve(JSON.parse(stdout) as LoadResult);
      },
    );
  });
}

const pct = (n: number, of: number): string =>
  of === 0 ? '   -' : `${((100 * n) / of).toFixed(1)}%`.padStart(6);

async function measure(
  title: string,
  admission: Partial<AdmissionLimits> | undefined,
  pack: DataPack,
  bodyFile: string,
): Promise<void> {
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: DEADLINE_MS, ...(admission ? { admission } : {}) },
      maxBodyBytes: 10 * 1024 * 1024,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger() },
  );
  let answered = 0;
  let withTimedOutLegs = 0;
  running.events.on('transaction', (e) => {
    answered++;
    if (e.legs.some((l) => l.failure?.reason === 'timeout')) withTimedOutLegs++;
  });
  try {
    console.log(`  ${title}`);
    console.log(
      '    conns   requests   p50 ms   p99 ms   503   other non-2xx/errors   answers with legs timed out',
    );
    for (const connections of CONNECTIONS) {
      answered = 0;
      withTimedOutLegs = 0;
      const r = await loadFromAnotherProcess(running.broker.endpoints['ITI-38'], bodyFile, connections);
      const status503 = r.statusCodeStats['503']?.count ?? 0;
      const total = r['2xx'] + r.non2xx;
      console.log(
        `    ${String(connections).padStart(5)}   ${String(total).padStart(8)}   ${String(r.latency.p50).padStart(6)}   ${String(r.latency.p99).padStart(6)}   ${pct(status503, total)}   ${String(r.non2xx - status503 + r.errors).padStart(20)}   ${pct(withTimedOutLegs, answered)}`,
      );
    }
  } finally {
    await running.stop();
  }
}

/** Run the overload benchmark: before (unbounded) and after (default admission limits). */
export async function overloadBench(): Promise<void> {
  await withBenchPack(async ({ dir, pack, patient }) => {
    console.log(
      `overload: FindDocuments LeafClass (20 documents, 3 communities), per-leg deadline ${DEADLINE_MS} ms, ${DURATION_S} s per row`,
    );
    const bodyFile = path.join(dir, 'find-documents.xml');
    writeFileSync(bodyFile, findDocumentsEnvelope(patient.nhsNumber));
    await measure('without admission control (unbounded)', UNBOUNDED, pack, bodyFile);
    await measure('with the default admission limits', undefined, pack, bodyFile);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename))
  await overloadBench();
