/**
 * `sim broker show|set`: the running broker's per-community deadline and consumer profiles, read
 * and changed through its control API (`/broker/settings`) without a restart; the broker applies
 * them from its next request. The API validates them; when it refuses, every problem is printed,
 * one per line (exit 64).
 */
import type { Argv } from 'yargs';
import type { BrokerSettingsValue } from '../../control/broker-settings.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { client } from './fault.js';

/** The settings as text: the deadline, then one line per consumer profile. */
function brokerSettingsText(s: BrokerSettingsValue): string {
  const ids = Object.keys(s.consumers);
  const lines = [`deadline   ${s.deadlineMs} ms per community`];
  if (ids.length === 0) lines.push('consumers  none (every consumer reaches every community)');
  else {
    lines.push('consumers');
    const width = Math.max(...ids.map((id) => id.length));
    for (const id of ids) {
      const p = s.consumers[id]!;
      const parts = [
        ...(p.include ? [`include ${p.include.join(', ') || '(none)'}`] : []),
        ...(p.exclude ? [`exclude ${p.exclude.join(', ') || '(none)'}`] : []),
      ];
      lines.push(`  ${id.padEnd(width)}  ${parts.join('; ') || 'every community'}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The `PATCH /broker/settings` body `broker set` flags describe.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the flag: no flag given, a deadline that is not a
 *   positive whole number (as typed), --consumers that is not JSON.
 */
function settingsFromFlags(argv: { 'deadline-ms'?: string; consumers?: string }): {
  deadlineMs?: number;
  consumers?: unknown;
} {
  const typed = argv['deadline-ms'];
  if (typed === undefined && argv.consumers === undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `give --deadline-ms <ms> and/or --consumers '<JSON>', e.g. npm run sim broker set -- --deadline-ms 1000`,
    );
  const out: { deadlineMs?: number; consumers?: unknown } = {};
  if (typed !== undefined) {
    const ms = /^\d+$/.test(typed.trim()) ? Number(typed) : NaN;
    if (!Number.isSafeInteger(ms) || ms <= 0)
      throw new SimError(
        SimErrorCode.BadArgument,
        `--deadline-ms '${typed}' must be a positive whole number of milliseconds`,
      );
    out.deadlineMs = ms;
  }
  if (argv.consumers !== undefined) {
    try {
      out.consumers = JSON.parse(argv.consumers) as unknown;
    } catch (err) {
      throw new SimError(
        SimErrorCode.BadArgument,
        `--consumers is not valid JSON (${(err as Error).message}): quote it, e.g. --consumers '{"ne-only":{"include":["north-east-imaging-network"]}}'`,
      );
    }
  }
  return out;
}

/** Register `broker show|set`. */
export function brokerCommand(y: Argv): Argv {
  return y.command(
    'broker',
    "the running broker's deadline and consumer profiles: show, set (through its control API)",
    (a) =>
      a
        .option('control-url', {
          type: 'string',
          describe: "control API URL (default: the running simulator's, as sim status shows it)",
        })
        .command(
          'show',
          'show the per-community deadline and the consumer profiles',
          (b) => b.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
          async (argv) => {
            const s = await client(argv['control-url']).brokerSettings();
            if (s === undefined)
              throw new SimError(
                SimErrorCode.NotRunning,
                'the running simulator cannot show its broker settings (an older version): restart it (npm run sim down, then npm run sim up)',
              );
            process.stdout.write(argv.json ? JSON.stringify(s, null, 2) + '\n' : brokerSettingsText(s));
          },
        )
        .command(
          'set',
          'change the deadline and/or the consumer profiles; the next request uses them',
          (b) =>
            b
              .option('deadline-ms', {
                type: 'string',
                describe: 'per-community deadline, ms (1 to 600000)',
              })
              .option('consumers', {
                type: 'string',
                describe:
                  'every consumer profile, as JSON: consumer id -> { include?, exclude? }, communities by name or homeCommunityId ({} removes them all)',
              }),
          async (argv) => {
            const body = settingsFromFlags({
              ...(argv['deadline-ms'] !== undefined ? { 'deadline-ms': argv['deadline-ms'] } : {}),
              ...(argv.consumers !== undefined ? { consumers: argv.consumers } : {}),
            });
            const now = await client(argv['control-url']).setBrokerSettings(body, true);
            process.stdout.write(
              'broker settings changed; from the next request on:\n' + brokerSettingsText(now),
            );
          },
        )
        .demandCommand(1, 'name a broker command: show, set'),
  );
}
