/**
 * `sim`: the nir-sim command line (yargs). One file per command under commands/; every failure
 * the user can fix is a SimError printed as one line with its exit code.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SimError } from '../shared/errors.js';
import { failure, noCommandMessage, registerCommands } from './command-list.js';

async function main(): Promise<void> {
  const args = hideBin(process.argv);
  let y = yargs(args)
    .scriptName('npm run sim --')
    .strict()
    .demandCommand(1, noCommandMessage())
    .recommendCommands();
  y = await registerCommands(y, args);
  await y.fail(failure).help().parseAsync();
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
