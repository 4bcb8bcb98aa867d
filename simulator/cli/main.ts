/**
 * `sim`: the nir-sim command line (yargs). One file per command under commands/; every failure
 * the user can fix is a SimError printed as one line with its exit code.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SimError } from '../shared/errors.js';
import { upCommand } from './commands/up.js';
import { downCommand } from './commands/down.js';
import { statusCommand } from './commands/status.js';
import { dataPackCommand } from './commands/data-pack.js';
import { faultCommand } from './commands/fault.js';
import { brokerCommand } from './commands/broker.js';
import { scenarioCommand } from './commands/scenario.js';
import { auditCommand } from './commands/audit.js';
import { certsCommand } from './commands/certs.js';
import { samlCommand } from './commands/saml.js';
import { serveCommand } from './commands/serve.js';
import { composeCommand } from './commands/compose.js';

async function main(): Promise<void> {
  let y = yargs(hideBin(process.argv))
    .scriptName('npm run sim --')
    .strict()
    .demandCommand(1, 'name a command: up, down, status, fault, data-pack')
    .recommendCommands();
  for (const add of [upCommand, downCommand, statusCommand, faultCommand, dataPackCommand, scenarioCommand])
    y = add(y);
  y = brokerCommand(y);
  y = auditCommand(y);
  y = certsCommand(y);
  y = samlCommand(y);
  y = serveCommand(y);
  y = composeCommand(y);
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
