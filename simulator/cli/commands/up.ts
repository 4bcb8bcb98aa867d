/**
 * `sim up`: start the broker and the simulated responding gateways on the embedded in-process
 * runtime, in the foreground (Ctrl-C stops it) or, with --detach, in the background.
 */
import type { Argv } from 'yargs';
import { startInProcess } from '../../runtime/in-process.js';
import { createLogger } from '../../shared/logger.js';
import { SimError } from '../../shared/errors.js';
import { TopologyDefaults } from '../../runtime/topology.js';
import { runningState, writeState, clearState, type SimState } from '../state.js';
import { topologyFromOptions, type UpOptions } from '../topology-from-options.js';
import { printBanner } from '../banner.js';
import { startDetached } from '../detach.js';

/** Register `up` on a yargs instance. */
export function upCommand(y: Argv): Argv {
  return y.command(
    'up',
    'start the broker and the simulated communities (foreground; Ctrl-C stops)',
    (a) =>
      a
        .option('gateways', {
          type: 'number',
          describe: 'number of simulated communities (default: all in the pack, 3)',
        })
        .option('data-pack', {
          type: 'string',
          describe: 'data pack directory (default: data-packs/default)',
        })
        .option('seed', {
          type: 'number',
          describe: 'generate (and cache) a pack from this seed instead of the default',
        })
        .option('port-base', {
          type: 'number',
          default: TopologyDefaults.brokerPort,
          describe: 'broker sandbox port; gateways from port-base+921 (9001)',
        })
        .option('deadline-ms', {
          type: 'number',
          default: TopologyDefaults.deadlineMs,
          describe: 'per-community deadline, ms',
        })
        .option('host', { type: 'string', default: TopologyDefaults.host, describe: 'address to listen on' })
        .option('detach', {
          type: 'boolean',
          default: false,
          describe: 'run in the background; return once every endpoint answers',
        }),
    async (argv) => {
      const opts: UpOptions = {
        portBase: argv['port-base'],
        deadlineMs: argv['deadline-ms'],
        host: argv.host,
        ...(argv.gateways !== undefined ? { gateways: argv.gateways } : {}),
        ...(argv['data-pack'] !== undefined ? { dataPack: argv['data-pack'] } : {}),
        ...(argv.seed !== undefined ? { seed: argv.seed } : {}),
      };
      validate(opts);
      const existing = runningState();
      if (existing) {
        throw new SimError(
          'SIM_ERR_ALREADY_RUNNING',
          `nir-sim is already running (pid ${existing.pid}): run npm run sim down first`,
        );
      }
      if (argv.detach) {
        const state = await startDetached(
          process.argv.slice(2).filter((a) => a !== '--detach' && a !== '--detach=true'),
        );
        printBanner(state);
        return;
      }
      await runForeground(opts);
    },
  );
}

function validate(o: UpOptions): void {
  if (!Number.isInteger(o.portBase) || o.portBase < 0 || o.portBase > 65535 - 1000) {
    throw new SimError(
      'SIM_ERR_BAD_ARGUMENT',
      `--port-base ${o.portBase} is not a usable port: pick 1024..64535`,
    );
  }
  if (!Number.isFinite(o.deadlineMs) || o.deadlineMs <= 0) {
    throw new SimError(
      'SIM_ERR_BAD_ARGUMENT',
      `--deadline-ms ${o.deadlineMs} must be a positive number of milliseconds`,
    );
  }
  if (o.gateways !== undefined && (!Number.isInteger(o.gateways) || o.gateways < 1 || o.gateways > 200)) {
    throw new SimError(
      'SIM_ERR_BAD_ARGUMENT',
      `--gateways ${o.gateways} must be a whole number from 1 to 200`,
    );
  }
}

async function runForeground(opts: UpOptions): Promise<void> {
  const logger = createLogger();
  const { topology } = await topologyFromOptions(opts);
  const running = await startInProcess(topology, { logger });
  const state: SimState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    runtime: 'in-process',
    broker: running.broker,
    communities: running.communities,
    ...(running.dataPackDir !== undefined ? { dataPackDir: running.dataPackDir } : {}),
    ...(process.env['NIR_SIM_LOG_FILE'] ? { logFile: process.env['NIR_SIM_LOG_FILE'] } : {}),
  };
  writeState(state);
  printBanner(state);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.stdout.write('\nstopping nir-sim...\n');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.stop();
  clearState(process.pid);
  process.stdout.write('nir-sim stopped\n');
}
