/**
 * `npm run bench`: prints the fan-out and throughput figures of the broker, and the fault figures
 * (a hung community against the deadline, the cost of configured faults). Benchmarks print;
 * they never assert on time (tests do not either). Numbers depend on the machine: compare runs
 * on the same machine, not across machines.
 */
import os from 'node:os';
import { auditBench } from './audit.js';
import { fanOutBench } from './fan-out.js';
import { imagingBench } from './imaging.js';
import { faultsBench } from './faults.js';
import { securityBench } from './security.js';
import { throughputBench } from './throughput.js';
import { xmlHostileBench } from './xml-hostile.js';
import { xmlParseBench } from './xml-parse.js';

console.log(
  `nir-sim bench on node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await fanOutBench();
await throughputBench();
await xmlParseBench();
xmlHostileBench();
await faultsBench();
await auditBench();
await securityBench();
await imagingBench();
