/**
 * `sim up`: start the broker, the simulated responding gateways and the control API on the
 * embedded in-process runtime, from flags or a topology file (`--topology`), in the foreground
 * (Ctrl-C stops it) or, with --detach, in the background; or, with `--runtime docker`, as
 * containers on a container engine (docker-up.ts). The runtimes are imported when chosen
 * (foreground.ts, docker-up.ts), so `up --detach` itself loads no server code.
 */
import type { Argv } from 'yargs';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { numberFlag } from '../number-flag.js';
import { topologyFlagOptions, withTopologyFlags } from '../topology-flags.js';
import { TopologyDefaults } from '../../topology/topology.js';
import { runningState } from '../state.js';
import {
  checkDeadlineAndGateways,
  checkTopologyFlags,
  specFromOptions,
  type UpOptions,
} from '../../topology/topology-from-options.js';
import { printBanner } from '../banner.js';
import { startDetached } from '../detach.js';
import { activeFaultCount } from './status.js';

/** Register `up` on a yargs instance. */
export function upCommand(y: Argv): Argv {
  return y.command(
    'up',
    'start the broker, the simulated communities and the control API (foreground; Ctrl-C stops)',
    (a) =>
      withTopologyFlags(a)
        .option('port-base', {
          coerce: numberFlag('--port-base'),
          default: TopologyDefaults.brokerPort,
          describe:
            'broker sandbox port; control API at port-base+10 (8090), gateways from port-base+921 (9001)',
        })
        .option('host', { type: 'string', default: TopologyDefaults.host, describe: 'address to listen on' })
        .option('security', {
          type: 'boolean',
          default: false,
          describe:
            'turn the integration port on (HTTPS, mutual TLS + signed XUA), also with --port-base 0; mints certs/out first when missing',
        })
        .option('detach', {
          type: 'boolean',
          default: false,
          describe: 'run in the background; return once every endpoint answers',
        })
        .option('runtime', {
          choices: ['in-process', 'docker'] as const,
          default: 'in-process' as const,
          describe:
            'in-process: everything in this process; docker: one container per service on the engine DOCKER_HOST names (returns once healthy)',
        })
        .option('build', {
          type: 'boolean',
          default: false,
          describe: 'with --runtime docker: rebuild the nir-sim:local image even when the engine has it',
        })
        .option('communities-per-container', {
          type: 'number',
          describe:
            'with --runtime docker: communities one gateway container hosts (1 to 64; default: at most 8 gateway containers)',
        }),
    async (argv) => {
      const opts: UpOptions = {
        portBase: argv['port-base'],
        host: argv.host,
        ...topologyFlagOptions(argv),
      };
      validate(opts);
      const existing = runningState();
      if (existing?.runtime === 'docker') {
        throw new SimError(
          SimErrorCode.AlreadyRunning,
          `nir-sim is already running (docker runtime, project ${existing.docker.project}): run npm run sim down -- --runtime docker first`,
        );
      }
      if (existing) {
        throw new SimError(
          SimErrorCode.AlreadyRunning,
          `nir-sim is already running (pid ${existing.pid}): run npm run sim down first`,
        );
      }
      if (argv.runtime === 'docker') {
        const { upDocker } = await import('../docker-up.js');
        await upDocker(opts, {
          build: argv.build,
          security: argv.security,
          ...(argv['communities-per-container'] !== undefined
            ? { communitiesPerContainer: argv['communities-per-container'] }
            : {}),
        });
        return;
      }
      if (argv.detach) {
        // Described once, here (a bad flag combination or topology file fails at once); the
        // background `up` resolves this spec, mints certificates with --security, and a failure
        // there comes back as its one `nir-sim:` line and exit code (detach.ts childFailure).
        const described = await specFromOptions(opts);
        const state = await startDetached(
          process.argv.slice(2).filter((a) => a !== '--detach' && a !== '--detach=true'),
          described,
        );
        printBanner(state, await activeFaultCount(state));
        return;
      }
      const { runForeground } = await import('../foreground.js');
      await runForeground(opts, argv.security);
    },
  );
}

function validate(o: UpOptions): void {
  checkTopologyFlags(o);
  if (!Number.isInteger(o.portBase) || o.portBase < 0 || o.portBase > 65535 - 1000) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--port-base ${o.portBase} is not a usable port: pick 1024..64535`,
    );
  }
  checkDeadlineAndGateways(o);
}
