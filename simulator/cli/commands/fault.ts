/**
 * `sim fault add|list|rm|clear`: change the running simulator's faults through its control API
 * (docs/faults.md "The control API"), without restarting anything. The fault is validated by the API; when it
 * refuses, every problem is printed, one per line (exit 64).
 */
import type { Argv } from 'yargs';
import { ControlClient } from '../../control/control-client.js';
import { FAULT_KINDS, type FaultSpec } from '../../faults/fault-spec.js';
import type { FaultStatus } from '../../faults/fault-store.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { runningState } from '../state.js';

/** `fault add` flags that become number fields of the fault, flag -> field. */
const NUMBER_FIELDS = {
  probability: 'probability',
  times: 'times',
  after: 'after',
  'latency-ms': 'latencyMs',
  'jitter-ms': 'jitterMs',
  'keep-fraction': 'keepFraction',
  status: 'status',
  'bytes-per-second': 'bytesPerSecond',
  'after-bytes': 'afterBytes',
} as const;

/** `fault add` flags that become string fields of the fault, flag -> field. */
const STRING_FIELDS = {
  transaction: 'transaction',
  patient: 'patient',
  'error-code': 'errorCode',
  severity: 'severity',
  'code-context': 'codeContext',
  code: 'code',
  reason: 'reason',
  home: 'home',
  variant: 'variant',
  slot: 'slot',
  value: 'value',
  location: 'location',
} as const;

/** The envelope fields, shown as conditions rather than settings in `fault list`. */
const ENVELOPE = new Set([
  'name',
  'gateway',
  'kind',
  'transaction',
  'patient',
  'probability',
  'times',
  'after',
]);

/** The control API of the running simulator (or `--control-url`). */
export function client(controlUrl: string | undefined): ControlClient {
  if (controlUrl !== undefined) return new ControlClient(controlUrl.replace(/\/+$/, ''));
  const s = runningState();
  if (!s) throw new SimError(SimErrorCode.NotRunning, 'not running: start it with npm run sim up');
  if (!s.control) {
    throw new SimError(
      SimErrorCode.NotRunning,
      `the running nir-sim (pid ${s.pid}) has no control API: restart it (npm run sim down, then npm run sim up)`,
    );
  }
  return new ControlClient(s.control.url);
}

/**
 * The fault object `fault add` flags describe (the name defaults to `<kind>-<gateway>`), or the
 * `--json` object with its default name.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for a missing --gateway/--kind, a flag that is not a
 *   number, bad --json, or --json mixed with fault flags.
 */
export function faultFromFlags(argv: Record<string, unknown>): unknown {
  const flags = [...Object.keys(NUMBER_FIELDS), ...Object.keys(STRING_FIELDS), 'with-documents'];
  const given = ['gateway', 'kind', 'name', ...flags].filter((f) => argv[f] !== undefined);
  if (typeof argv['json'] === 'string') {
    if (given.length > 0)
      throw new SimError(
        SimErrorCode.BadArgument,
        `--json cannot be combined with ${given.map((f) => `--${f}`).join(', ')}: put every field in the JSON`,
      );
    return withDefaultName(parseJsonFlag(argv['json']));
  }
  const gateway = argv['gateway'];
  const kind = argv['kind'];
  if (typeof gateway !== 'string' || typeof kind !== 'string') {
    throw new SimError(
      SimErrorCode.BadArgument,
      `give --gateway <community name> and --kind <${FAULT_KINDS.join('|')}> (or --json '<fault object>')`,
    );
  }
  const fault: Record<string, unknown> = { name: argv['name'] ?? `${kind}-${gateway}`, gateway, kind };
  const problems: string[] = [];
  for (const [flag, field] of Object.entries(NUMBER_FIELDS)) {
    const v = argv[flag];
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v)) problems.push(`--${flag}: not a number`);
    else fault[field] = v;
  }
  for (const [flag, field] of Object.entries(STRING_FIELDS)) {
    const v = argv[flag];
    if (typeof v === 'string' || typeof v === 'number') fault[field] = String(v);
  }
  if (argv['with-documents'] !== undefined) fault['withDocuments'] = argv['with-documents'] === true;
  if (problems.length > 0) throw new SimError(SimErrorCode.BadArgument, problems.join('; '));
  return fault;
}

function parseJsonFlag(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--json is not valid JSON (${(err as Error).message}): quote it, e.g. --json '{"gateway":"...","kind":"timeout"}'`,
    );
  }
}

function withDefaultName(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withDefaultName);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o['name'] !== undefined || typeof o['kind'] !== 'string' || typeof o['gateway'] !== 'string') return o;
  return { name: `${o['kind']}-${o['gateway']}`, ...o };
}

/** When a fault applies: transaction, patient, probability, after, times (`always` when unconditional). */
function faultConditions(f: FaultSpec): string {
  const parts = [
    f.transaction,
    f.patient !== undefined ? `patient ${f.patient}` : undefined,
    f.probability < 1 ? `p=${f.probability}` : undefined,
    f.after > 0 ? `after ${f.after}` : undefined,
    f.times !== undefined ? `${f.times} times` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'always';
}

/** The kind's own fields as `key=value`. */
function faultSettings(f: FaultSpec): string {
  return Object.entries(f)
    .filter(([k]) => !ENVELOPE.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && v.length > 40 ? `${v.slice(0, 37)}...` : String(v)}`)
    .join(' ');
}

/** `fault list` as a text table. */
export function faultTable(faults: readonly FaultStatus[]): string {
  if (faults.length === 0)
    return 'no faults (add one with npm run sim fault add -- --gateway <name> --kind <kind>)\n';
  const rows = [
    ['NAME', 'GATEWAY', 'KIND', 'WHEN', 'MATCHED', 'APPLIED', 'SETTINGS'],
    ...faults.map(({ fault: f, matched, applied }) => [
      f.name,
      f.gateway,
      f.kind,
      faultConditions(f),
      String(matched),
      String(applied),
      faultSettings(f),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** Register `fault add|list|rm|clear`. */
export function faultCommand(y: Argv): Argv {
  return y.command(
    'fault',
    'faults of the running simulator: add, list, rm, clear (through its control API)',
    (a) =>
      a
        .option('control-url', {
          type: 'string',
          describe: "control API URL (default: the running simulator's, as sim status shows it)",
        })
        .command('add', 'add a fault (or several with --json)', (b) => addOptions(b), addAction)
        .command(
          'list',
          'list the faults with how often each matched and applied',
          (b) => b.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
          async (argv) => {
            const faults = await client(argv['control-url']).listFaults();
            process.stdout.write(argv.json ? JSON.stringify({ faults }, null, 2) + '\n' : faultTable(faults));
          },
        )
        .command(
          'rm <name>',
          'remove one fault',
          (b) => b.positional('name', { type: 'string', demandOption: true }),
          async (argv) => {
            if (!(await client(argv['control-url']).removeFault(argv.name)))
              throw new SimError(
                SimErrorCode.BadArgument,
                `no fault named '${argv.name}' (see npm run sim fault list)`,
              );
            process.stdout.write(`removed fault ${argv.name}\n`);
          },
        )
        .command('clear', 'remove every fault', {}, async (argv) => {
          const c = client(controlUrlOf(argv));
          const n = (await c.listFaults()).length;
          await c.reset();
          process.stdout.write(`removed ${n} fault${n === 1 ? '' : 's'}; every community behaves again\n`);
        })
        .demandCommand(1, 'name a fault command: add, list, rm, clear'),
    () => undefined,
  );
}

function addOptions(b: Argv) {
  const num = (describe: string) => ({ type: 'number' as const, describe });
  const str = (describe: string) => ({ type: 'string' as const, describe });
  return b
    .option('gateway', str("the community's name, as sim status shows it"))
    .option('kind', str(`one of ${FAULT_KINDS.join(', ')}`))
    .option('name', str('unique name (default: <kind>-<gateway>)'))
    .option('transaction', str('only requests of ITI-38, ITI-39, RAD-75 (XCA) or ITI-67, ITI-68 (MHD)'))
    .option('patient', str('only requests about this NHS number'))
    .option('probability', num('chance per matching request, 0..1 (default 1; seeded)'))
    .option('times', num('apply to at most n matching requests'))
    .option('after', num('skip the first n matching requests'))
    .option('latency-ms', num('latency: delay, ms'))
    .option('jitter-ms', num('latency: +/- jitter, ms'))
    .option('error-code', str('registry-error / status-mismatch: the IHE errorCode'))
    .option('severity', str('registry-error: Error or Warning'))
    .option('code-context', str('registry-error / status-mismatch: the codeContext text'))
    .option('with-documents', { type: 'boolean', describe: 'registry-error: keep the documents' })
    .option('code', str('soap-fault: Sender or Receiver'))
    .option('reason', str('soap-fault: the reason text'))
    .option('keep-fraction', num('drop-documents: fraction kept, 0..1'))
    .option('home', str('wrong-home: the homeCommunityId to put on objects'))
    .option('status', num('http-status / empty-body: the HTTP status'))
    .option('bytes-per-second', num('slow-body: rate'))
    .option('after-bytes', num('connection-reset: bytes sent before the reset'))
    .option('slot', str('drop-slot / wrong-slot: the DocumentEntry Slot name (e.g. hash)'))
    .option('value', str('wrong-slot: the value the Slot holds instead'))
    .option('location', str('registry-error-location: the location to put on errors (absent: removed)'))
    .option(
      'variant',
      str(
        'malformed-xml: truncated, not-well-formed or wrong-namespace; malformed-json: truncated, not-well-formed or wrong-resource-type',
      ),
    )
    .option('json', str('the fault (or an array) as JSON, instead of the flags above'));
}

function controlUrlOf(argv: Record<string, unknown>): string | undefined {
  const url = argv['control-url'];
  return typeof url === 'string' ? url : undefined;
}

/** Fault field -> the `fault add` flag that sets it. */
const FLAG_OF_FIELD: ReadonlyMap<string, string> = new Map(
  [
    ...Object.entries(NUMBER_FIELDS),
    ...Object.entries(STRING_FIELDS),
    ['with-documents', 'withDocuments'],
    ['gateway', 'gateway'],
    ['kind', 'kind'],
    ['name', 'name'],
  ].map(([flag, field]): [string, string] => [field!, `--${flag!}`]),
);

/**
 * The control API's problems (`<field>: <message>` lines, fault-spec.ts) of a fault given as
 * flags, told in flags: `latencyMs: Invalid input: expected number, received undefined` becomes
 * `--latency-ms: missing (a number)`. Lines about no known field are left as they are.
 */
export function problemsInFlags(message: string): string {
  return message
    .split('\n')
    .map((line) => {
      const m = /^(\s*)([A-Za-z]+): (.*)$/.exec(line);
      const flag = m ? FLAG_OF_FIELD.get(m[2]!) : undefined;
      if (!m || flag === undefined) return line;
      const missing = /^Invalid input: expected (\w+), received undefined$/.exec(m[3]!);
      return `${m[1]}${flag}: ${missing ? `missing (a ${missing[1]})` : m[3]}`;
    })
    .join('\n');
}

async function addAction(argv: Record<string, unknown>): Promise<void> {
  const fault = faultFromFlags(argv);
  let added: FaultSpec[];
  try {
    added = await client(controlUrlOf(argv)).addFaults(fault);
  } catch (err) {
    if (!(err instanceof SimError) || typeof argv['json'] === 'string') throw err;
    throw new SimError(err.code, problemsInFlags(err.message), { cause: err });
  }
  for (const f of added)
    process.stdout.write(`added fault ${f.name}: ${f.kind} on ${f.gateway} (${faultConditions(f)})\n`);
}
