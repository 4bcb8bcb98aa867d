/**
 * `npm run bench`: prints the broker's figures (fan-out, throughput, XML parsing, faults, audit,
 * security, RAD-75 imaging, MHD: ITI-67 beside ITI-38 and a mixed XCA + MHD network's fan-out). Benchmarks print; they never assert on time (tests do not either).
 * Fan-out and throughput run the broker, the communities and the relay in child processes
 * (bench/child.ts). Numbers depend on the machine: compare runs on the same machine, not across
 * machines (docs/performance.md).
 *
 *   npm run bench -- --only fan-out,throughput   run some sections only
 *   npm run bench -- --json FILE                 also write every figure, the machine, the Node
 *                                                version and the load average (start and end) to FILE
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auditBench } from './audit.js';
import { fanOutBench } from './fan-out.js';
import { machineFacts, recordedFigures, type BenchReport } from './figures.js';
import { imagingBench } from './imaging.js';
import { mhdBench } from './mhd.js';
import { faultsBench } from './faults.js';
import { securityBench } from './security.js';
import { startupBench } from './startup.js';
import { throughputBench } from './throughput.js';
import { xmlHostileBench } from './xml-hostile.js';
import { xmlParseBench } from './xml-parse.js';

/** The sections in the order they run; `--only` picks some by name. */
const SECTIONS: ReadonlyArray<readonly [string, () => unknown]> = [
  ['fan-out', fanOutBench],
  ['throughput', throughputBench],
  ['xml-parse', xmlParseBench],
  ['xml-hostile', xmlHostileBench],
  ['faults', faultsBench],
  ['audit', auditBench],
  ['security', securityBench],
  ['imaging', imagingBench],
  ['mhd', mhdBench],
  ['start-up', startupBench],
];

/** The options, or exit 2 with what to fix (an unknown option, `--json` without a file). */
function options(): { json?: string; only?: string } {
  try {
    return parseArgs({
      options: { json: { type: 'string' }, only: { type: 'string' } },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    console.error('usage: npm run bench -- [--only SECTION,...] [--json FILE]');
    process.exit(2);
  }
}
const values = options();
const names = SECTIONS.map(([name]) => name);
const only = values.only?.split(',').map((s) => s.trim()) ?? names;
const unknown = only.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(', ')}; the sections are ${names.join(', ')}`);
  process.exit(2);
}

const started = new Date();
const before = machineFacts();
console.log(
  `nir-sim bench on node ${before.node}, ${before.cpus} CPUs (${before.cpuModel}), load ${before.loadAverage
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, run] of SECTIONS) if (only.includes(name)) await run();

if (values.json) {
  const report: BenchReport = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    sections: only,
    machine: before,
    loadAverageAtEnd: machineFacts().loadAverage,
    figures: recordedFigures(),
  };
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`bench: ${recordedFigures().length} figures written to ${values.json}`);
}
