/** `sim down`: stop a simulator started with `sim up` (detached or in another terminal). */
import type { Argv } from 'yargs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError } from '../../shared/errors.js';
import { clearState, isAlive, runningState } from '../state.js';

const STOP_TIMEOUT_MS = 15_000;

/** Register `down`. Nothing running is not an error. */
export function downCommand(y: Argv): Argv {
  return y.command('down', 'stop the running simulator', {}, async () => {
    const s = runningState();
    if (!s) {
      process.stdout.write('nir-sim is not running; nothing to stop\n');
      return;
    }
    process.kill(s.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(s.pid)) {
      if (Date.now() > deadline) {
        throw new SimError(
          'SIM_ERR_INTERNAL',
          `nir-sim (pid ${s.pid}) did not stop within ${STOP_TIMEOUT_MS} ms: kill it with kill -9 ${s.pid}`,
        );
      }
      await sleep(100);
    }
    clearState(s.pid);
    process.stdout.write(`nir-sim (pid ${s.pid}) stopped\n`);
  });
}
