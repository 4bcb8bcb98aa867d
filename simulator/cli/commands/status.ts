/**
 * `sim status`: the running topology, as text or as JSON (`--json`), with the control API's URL
 * and the number of faults active now (asked of the control API).
 */
import type { Argv } from 'yargs';
import { ControlClient } from '../../control/control-client.js';
import { SimError } from '../../shared/errors.js';
import { queueDepthOnDisk } from '../../audit/durable-queue.js';
import { runningState, type SimState } from '../state.js';
import { printBanner } from '../banner.js';

/** Faults active in the running simulator, or undefined when its control API does not answer. */
export async function activeFaultCount(s: SimState): Promise<number | undefined> {
  if (s.control === undefined) return undefined;
  try {
    return (await new ControlClient(s.control.url).listFaults()).length;
  } catch {
    return undefined;
  }
}

/** Register `status`. Exits non-zero (SIM_ERR_NOT_RUNNING) when nothing runs. */
export function statusCommand(y: Argv): Argv {
  return y.command(
    'status',
    'show the running topology, the control API and the number of active faults',
    (a) => a.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    async (argv) => {
      const s = runningState();
      if (!s) throw new SimError('SIM_ERR_NOT_RUNNING', 'not running: start it with npm run sim up');
      const activeFaults = await activeFaultCount(s);
      if (argv.json) {
        const withPars = s.pars
          ? { ...s, pars: { ...s.pars, queueDepth: queueDepthOnDisk(s.pars.queueDir) } }
          : s;
        const out = activeFaults === undefined ? withPars : { ...withPars, activeFaults };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else printBanner(s, activeFaults);
    },
  );
}
