/** `sim status`: the running topology, as text or as JSON (`--json`). */
import type { Argv } from 'yargs';
import { SimError } from '../../shared/errors.js';
import { runningState } from '../state.js';
import { printBanner } from '../banner.js';

/** Register `status`. Exits non-zero (SIM_ERR_NOT_RUNNING) when nothing runs. */
export function statusCommand(y: Argv): Argv {
  return y.command(
    'status',
    'show the running topology',
    (a) => a.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    (argv) => {
      const s = runningState();
      if (!s) throw new SimError('SIM_ERR_NOT_RUNNING', 'not running: start it with npm run sim up');
      if (argv.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else printBanner(s);
    },
  );
}
