/**
 * Every top-level `sim` command, in the order `--help` and the no-command message list them, with
 * the one line that says what each does. main.ts registers them from here, so the list cannot miss
 * one. Each command's module is loaded on demand: it pulls in what it runs (express, the XML and
 * PKI stacks, the data-pack generator...), so a run that names a known command loads that one only
 * (`status --json` stays fast); help, no command or an unknown one loads them all.
 */
import type { Argv } from 'yargs';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** Adds one command (and its subcommands) to a yargs parser. */
type AddCommand = (y: Argv) => Argv;

/** One top-level command: its name, what it does in one line, and how to load its registration. */
interface SimCommand {
  name: string;
  summary: string;
  load: () => Promise<AddCommand>;
}

export const SIM_COMMANDS: readonly SimCommand[] = [
  {
    name: 'up',
    summary: 'start the broker, the simulated communities, the control API and PARS',
    load: async () => (await import('./commands/up.js')).upCommand,
  },
  {
    name: 'down',
    summary: 'stop the running simulator',
    load: async () => (await import('./commands/down.js')).downCommand,
  },
  {
    name: 'status',
    summary: 'what is running: endpoints, control API, active faults (--json)',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    name: 'fault',
    summary: 'add, list, rm or clear faults of the running simulator',
    load: async () => (await import('./commands/fault.js')).faultCommand,
  },
  {
    name: 'broker',
    summary: "show or change the running broker's settings (deadline, consumers)",
    load: async () => (await import('./commands/broker.js')).brokerCommand,
  },
  {
    name: 'data-pack',
    summary: 'generate a deterministic data pack',
    load: async () => (await import('./commands/data-pack.js')).dataPackCommand,
  },
  {
    name: 'scenario',
    summary: 'list, run and check scenarios (scenarios/*.scenario.yaml)',
    load: async () => (await import('./commands/scenario.js')).scenarioCommand,
  },
  {
    name: 'tx',
    summary: "the broker's transaction log: XCA and FHIR requests with their legs",
    load: async () => (await import('./commands/tx.js')).txCommand,
  },
  {
    name: 'audit',
    summary: 'Patient and User Access Reports from PARS or an audit file',
    load: async () => (await import('./commands/audit.js')).auditCommand,
  },
  {
    name: 'conformance',
    summary: "technical conformance kit: test a supplier's gateway (provider) or consumer, test data",
    load: async () => (await import('./commands/conformance.js')).conformanceCommand,
  },
  {
    name: 'certs',
    summary: 'mint the certificates for mutual TLS and signed XUA assertions',
    load: async () => (await import('./commands/certs.js')).certsCommand,
  },
  {
    name: 'saml',
    summary: 'issue a signed XUA assertion for the integration port',
    load: async () => (await import('./commands/saml.js')).samlCommand,
  },
  {
    name: 'token',
    summary: 'issue a signed IUA access token (JWT bearer) for the integration port',
    load: async () => (await import('./commands/token.js')).tokenCommand,
  },
  {
    name: 'serve',
    summary: 'run one role of the container stack (broker, gateway, pars)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'compose',
    summary: 'render the docker-compose file of a topology',
    load: async () => (await import('./commands/compose.js')).composeCommand,
  },
  {
    name: 'k8s',
    summary: 'render the Kubernetes manifests of a topology (kubectl apply -k)',
    load: async () => (await import('./commands/k8s.js')).k8sCommand,
  },
];

/**
 * The command `args` (argv without node and the script) names: its first argument that is not an
 * option, when that is a known command; undefined for help, no command or an unknown one.
 */
export function namedCommand(args: readonly string[]): SimCommand | undefined {
  const first = args.find((a) => !a.startsWith('-'));
  return SIM_COMMANDS.find((c) => c.name === first);
}

/**
 * Register what `args` needs: the named command, loaded (with its subcommands and options); when
 * none is named, every command as its name and one line only, without loading any module, which
 * is all that the top-level help, yargs' "did you mean" and the no-command message use.
 */
export async function registerCommands(y: Argv, args: readonly string[]): Promise<Argv> {
  const named = namedCommand(args);
  if (named) return (await named.load())(y);
  return SIM_COMMANDS.reduce((acc, c) => acc.command(c.name, c.summary), y);
}

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
    SimErrorCode.BadArgument,
    `${err?.message ?? msg ?? 'bad arguments'} (see npm run sim -- --help)`,
  );
}
