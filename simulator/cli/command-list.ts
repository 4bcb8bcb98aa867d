/**
 * Every top-level `sim` command, in the order `--help` and the no-command message list them, with
 * the one line that says what each does. main.ts registers them from here, so the list cannot miss
 * one.
 */
import type { Argv } from 'yargs';
import { SimError } from '../shared/errors.js';
import { auditCommand } from './commands/audit.js';
import { certsCommand } from './commands/certs.js';
import { composeCommand } from './commands/compose.js';
import { dataPackCommand } from './commands/data-pack.js';
import { downCommand } from './commands/down.js';
import { faultCommand } from './commands/fault.js';
import { samlCommand } from './commands/saml.js';
import { scenarioCommand } from './commands/scenario.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';

/** One top-level command: its name, what it does in one line, and its registration. */
export interface SimCommand {
  name: string;
  summary: string;
  register: (y: Argv) => Argv;
}

export const SIM_COMMANDS: readonly SimCommand[] = [
  {
    name: 'up',
    summary: 'start the broker, the simulated communities, the control API and PARS',
    register: upCommand,
  },
  { name: 'down', summary: 'stop the running simulator', register: downCommand },
  {
    name: 'status',
    summary: 'what is running: endpoints, control API, active faults (--json)',
    register: statusCommand,
  },
  {
    name: 'fault',
    summary: 'add, list, rm or clear faults of the running simulator',
    register: faultCommand,
  },
  { name: 'data-pack', summary: 'generate a deterministic data pack', register: dataPackCommand },
  {
    name: 'scenario',
    summary: 'list, run and check scenarios (scenarios/*.scenario.yaml)',
    register: scenarioCommand,
  },
  {
    name: 'audit',
    summary: 'Patient and User Access Reports from PARS or an audit file',
    register: auditCommand,
  },
  {
    name: 'certs',
    summary: 'mint the certificates for mutual TLS and signed XUA assertions',
    register: certsCommand,
  },
  { name: 'saml', summary: 'issue a signed XUA assertion for the integration port', register: samlCommand },
  {
    name: 'serve',
    summary: 'run one role of the container stack (broker, gateway, pars)',
    register: serveCommand,
  },
  { name: 'compose', summary: 'render the docker-compose file of a topology', register: composeCommand },
];

/** What `sim` without a command says: every command with its one line, and where to read more. */
export function noCommandMessage(): string {
  const width = Math.max(...SIM_COMMANDS.map((c) => c.name.length));
  return [
    'name a command:',
    ...SIM_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    'e.g. npm run sim up',
  ].join('\n');
}

/**
 * The yargs `fail` handler: a usage problem becomes a SimError (exit 64) saying where help is. yargs
 * re-throws an option's `coerce` error (number-flag.ts) as a YError carrying its message; any other
 * error passes through unchanged.
 * @throws always.
 */
export function failure(msg: string | null, err: Error | undefined): never {
  if (err && err.name !== 'YError') throw err;
  throw new SimError(
    'SIM_ERR_BAD_ARGUMENT',
    `${err?.message ?? msg ?? 'bad arguments'} (see npm run sim -- --help)`,
  );
}
