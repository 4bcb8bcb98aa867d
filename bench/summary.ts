// `npm run bench:summary -- FILE.json`: the headline figures of a `npm run bench -- --json FILE`
// run as a Markdown table (figure, measured, goal), with the machine and the date it was measured on,
// for docs/performance.md ("Measured") and the README.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run bench:summary -- FILE.json   (FILE from npm run bench -- --json FILE)');
  process.exit(2);
}
interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
}
interface Run {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage: number[] };
  figures: Figure[];
}
const run = JSON.parse(readFileSync(file, 'utf8')) as Run;
const byKey = new Map<string, Figure>(run.figures.map((f) => [`${f.section} | ${f.name}`, f]));

/** The value of a figure, formatted, or "not measured" when the run did not record it. */
function value(section: string, name: string, digits = 1): string {
  const f = byKey.get(`${section} | ${name}`);
  return f ? `${f.value.toFixed(digits)}${f.unit === 'ratio' ? '' : ` ${f.unit}`}` : 'not measured';
}

const rows: ReadonlyArray<readonly [string, () => string, string]> = [
  [
    'fan-out N=10: broker overhead above the slowest leg (relay: the physical limit)',
    () =>
      `${value('fan-out', 'N=10 broker overhead above the slowest leg')} (relay ${value('fan-out', 'N=10 relay overhead above the slowest leg')})`,
    '<= 3 ms',
  ],
  [
    'fan-out N=50: the same',
    () =>
      `${value('fan-out', 'N=50 broker overhead above the slowest leg')} (relay ${value('fan-out', 'N=50 relay overhead above the slowest leg')})`,
    '<= 10 ms',
  ],
  [
    'fan-out N=200: the same',
    () =>
      `${value('fan-out', 'N=200 broker overhead above the slowest leg')} (relay ${value('fan-out', 'N=200 relay overhead above the slowest leg')})`,
    'reported',
  ],
  [
    'throughput, 16 connections: broker / one gateway directly (relay / direct)',
    () => {
      const relay = byKey.get('throughput | relay 16 connections throughput');
      const direct = byKey.get('throughput | direct 16 connections throughput');
      const limit = relay && direct ? (relay.value / direct.value).toFixed(2) : 'not measured';
      return `${value('throughput', 'broker / direct 16 connections', 2)} (${limit})`;
    },
    '>= 0.25',
  ],
  [
    'throughput, 16 connections: broker CPU per request (relay)',
    () =>
      `${value('throughput', 'broker 16 connections CPU per request')} (${value('throughput', 'relay 16 connections CPU per request')})`,
    '',
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
    'XUA: sign the forwarded assertion, median',
    () => value('security', 'XUA sign forwarded median', 0),
    'off the critical path',
  ],
  [
    'RAD-75 100 MB: broker / direct',
    () => value('imaging', '100 MB broker / direct throughput', 2),
    '>= 0.6',
  ],
  ['RAD-75 1 GB: broker / direct', () => value('imaging', '1 GB broker / direct throughput', 2), '>= 0.6'],
  ['`sim status`', () => value('start-up', 'status wall', 2), '<= 0.5 s'],
  [
    '`sim up --detach`, 3 communities',
    () => value('start-up', 'up --detach 3 communities wall', 2),
    '<= 2 s',
  ],
  [
    '`sim up --detach`, 50 communities',
    () => value('start-up', 'up --detach 50 communities wall', 2),
    '<= 5 s',
  ],
];

const m = run.machine;
console.log(
  `Measured ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ` +
    `load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} at the start (\`npm run bench -- --json\`).\n`,
);
console.log('| figure | measured | goal |\n|---|---|---|');
for (const [label, measured, goal] of rows) console.log(`| ${label} | ${measured()} | ${goal} |`);
