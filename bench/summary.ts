// `npm run bench:summary -- FILE.json`: the headline figures of a `npm run bench -- --json FILE`
// run as a Markdown table (figure, measured, goal), with the machine and the date it was measured on,
// for docs/performance.md ("Measured") and the README.
import { readFileSync } from 'node:fs';
import type { BenchReport, Figure } from './figures.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run bench:summary -- FILE.json   (FILE from npm run bench -- --json FILE)');
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
const byKey = new Map<string, Figure>(run.figures.map((f) => [`${f.section} | ${f.name}`, f]));

/** The value of a figure, formatted, or "not measured" when the run did not record it. */
function value(section: string, name: string, digits = 1): string {
  const f = byKey.get(`${section} | ${name}`);
  return f ? `${f.value.toFixed(digits)}${f.unit === 'ratio' ? '' : ` ${f.unit}`}` : 'not measured';
}

/** `broker / direct` beside `relay / direct` (the physical limit) at `c` connections. */
function throughputRatio(c: number): string {
  const relay = byKey.get(`throughput | relay ${c} connections throughput`);
  const direct = byKey.get(`throughput | direct ${c} connections throughput`);
  const limit = relay && direct ? (relay.value / direct.value).toFixed(2) : 'not measured';
  return `${value('throughput', `broker / direct ${c} connections`, 2)} (relay ${limit})`;
}

/** The broker's overhead above its slowest leg beside the relay's, at N communities. */
const overhead = (n: number): string =>
  `${value('fan-out', `N=${n} broker overhead above the slowest leg`)} (relay ${value('fan-out', `N=${n} relay overhead above the slowest leg`)})`;

const rows: ReadonlyArray<readonly [string, () => string, string]> = [
  [
    'fan-out, N=10: broker overhead above its slowest leg (relay, no XML work)',
    () => overhead(10),
    '<= 3 ms',
  ],
  ['fan-out, N=50: the same', () => overhead(50), '<= 10 ms'],
  ['fan-out, N=200: the same', () => overhead(200), 'reported'],
  [
    'throughput, 1 connection: broker / one gateway directly (relay / direct)',
    () => throughputRatio(1),
    '>= 0.25',
  ],
  ['throughput, 16 connections: the same', () => throughputRatio(16), '>= 0.25'],
  [
    'throughput, 16 connections: broker CPU per request (relay)',
    () =>
      `${value('throughput', 'broker 16 connections CPU per request')} (relay ${value('throughput', 'relay 16 connections CPU per request')})`,
    '',
  ],
  [
    'mTLS + XUA legs / plain legs, 1 connection',
    () => value('throughput', 'mTLS / plain 1 connections', 2),
    '>= 0.8',
  ],
  [
    'mTLS + XUA legs / plain legs, 16 connections',
    () => value('throughput', 'mTLS / plain 16 connections', 2),
    '>= 0.8',
  ],
  [
    'XUA: validate the consumer\u2019s assertion, median',
    () => value('security', 'XUA validate median', 0),
    '<= 1500 µs',
  ],
  [
    'XUA: sign the forwarded assertion, median (RSA on libuv\u2019s thread pool in the broker)',
    () => value('security', 'XUA sign forwarded median', 0),
    'off the critical path',
  ],
  [
    'XUA: the forwarded header around a reused assertion, median (the default: one signature per claim set while valid)',
    () => value('security', 'XUA forwarded header, assertion reused, median', 0),
    'or reused while valid',
  ],
  [
    'RAD-75, 105 MB study: broker / direct MB/s',
    () => value('imaging', '105 MB broker / direct throughput', 2),
    '>= 0.6',
  ],
  [
    'RAD-75, 1 GB study: broker / direct MB/s',
    () => value('imaging', '1051 MB broker / direct throughput', 2),
    '>= 0.6',
  ],
  [
    'RAD-75, 1 GB study: broker peak RSS growth',
    () => value('imaging', '1051 MB through the broker peak RSS growth'),
    '< 64 MB',
  ],
  ['`sim status`', () => value('start-up', 'status, nothing running wall', 2), '<= 0.5 s'],
  [
    '`sim up --detach`, 3 communities',
    () => value('start-up', 'up --detach, 3 communities wall', 2),
    '<= 2 s',
  ],
  [
    '`sim up --detach`, 50 communities (pack generated beforehand)',
    () => value('start-up', 'up --detach, 50 communities wall', 2),
    '<= 5 s',
  ],
  [
    '`sim data-pack generate`, 50 communities',
    () => value('start-up', 'data-pack generate, 50 communities wall', 2),
    '',
  ],
];

const m = run.machine;
console.log(
  `Measured ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ` +
    `load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} at the start (\`npm run bench -- --json\`).\n`,
);
console.log('| figure | measured | goal |\n|---|---|---|');
for (const [label, measured, goal] of rows) console.log(`| ${label} | ${measured()} | ${goal} |`);
