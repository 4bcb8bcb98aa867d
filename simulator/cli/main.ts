/**
 * `sim`: the nir-sim command line (yargs). One file per command under commands/; every failure
 * the user can fix is a SimError printed as one line with its exit code.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SimError } from '../shared/errors.js';

/** Adds one command (and its subcommands) to the parser. */
type AddCommand = (y: Argv) => Argv;

/**
 * Every command, in the order `--help` lists them, loaded on demand: a command's module pulls in
 * what it runs (express, the XML and PKI stacks, the data-pack generator...), so a run that names a
 * known command loads that one only (`status --json` stays fast); help, no command or an unknown
 * one loads them all, for the full list and yargs' "did you mean".
 */
const commands: Record<string, () => Promise<AddCommand>> = {
  up: async () => (await import('./commands/up.js')).upCommand,
  down: async () => (await import('./commands/down.js')).downCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  fault: async () => (await import('./commands/fault.js')).faultCommand,
  'data-pack': async () => (await import('./commands/data-pack.js')).dataPackCommand,
  scenario: async () => (await import('./commands/scenario.js')).scenarioCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  certs: async () => (await import('./commands/certs.js')).certsCommand,
  saml: async () => (await import('./commands/saml.js')).samlCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  compose: async () => (await import('./commands/compose.js')).composeCommand,
};

/** The commands to load for `args` (argv without node and the script). */
function commandsFor(args: readonly string[]): Array<() => Promise<AddCommand>> {
  const first = args[0];
  const one = first !== undefined && Object.hasOwn(commands, first) ? commands[first] : undefined;
  return one ? [one] : Object.values(commands);
}

async function main(): Promise<void> {
  const args = hideBin(process.argv);
  let y = yargs(args)
    .scriptName('npm run sim --')
    .strict()
    .demandCommand(1, 'name a command: up, down, status, fault, data-pack')
    .recommendCommands();
  for (const add of await Promise.all(commandsFor(args).map((load) => load()))) y = add(y);
  await y
    .fail((msg, err) => {
      if (err) throw err;
      throw new SimError('SIM_ERR_BAD_ARGUMENT', `${msg} (see npm run sim -- --help)`);
    })
    .help()
    .parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof SimError) {
    process.stderr.write(`nir-sim: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(
    `nir-sim: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(70);
});
