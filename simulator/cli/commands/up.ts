/**
 * `sim up`: start the broker, the simulated responding gateways and the control API on the
 * embedded in-process runtime, from flags or a topology file (`--topology`), in the foreground
 * (Ctrl-C stops it) or, with --detach, in the background; or, with `--runtime docker`, as
 * containers on a container engine (docker-up.ts).
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { defaultControlPort } from '../../control/control-api.js';
import { defaultParsPort } from '../../pars/audit-stack.js';
import { startInProcess } from '../../runtime/in-process.js';
import { defaultCertsDir, resolveSecurity } from '../../runtime/security-runtime.js';
import { ensureCertificateSet } from '../../security/cert-mint.js';
import { createLogger } from '../../shared/logger.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { numberFlag } from '../number-flag.js';
import { TopologyDefaults, type Topology } from '../../runtime/topology.js';
import { auditDir, parsState, runningState, writeState, clearState, type SimState } from '../state.js';
import {
  checkDeadlineAndGateways,
  checkTopologyFlags,
  specFromOptions,
  topologyFromOptions,
  type UpOptions,
} from '../topology-from-options.js';
import { printBanner } from '../banner.js';
import { startDetached } from '../detach.js';
import { upDocker } from '../docker-up.js';
import { activeFaultCount } from './status.js';

/** Register `up` on a yargs instance. */
export function upCommand(y: Argv): Argv {
  return y.command(
    'up',
    'start the broker, the simulated communities and the control API (foreground; Ctrl-C stops)',
    (a) =>
      a
        .option('topology', {
          type: 'string',
          describe:
            'topology file (YAML): data pack, gateways, deadline, consumer profiles, external communities, faults',
        })
        .option('gateways', {
          coerce: numberFlag('--gateways'),
          describe: 'number of simulated communities (default: all in the pack, 3)',
        })
        .option('data-pack', {
          type: 'string',
          describe: 'data pack directory (default: data-packs/default)',
        })
        .option('seed', {
          coerce: numberFlag('--seed'),
          describe: 'generate (and cache) a pack from this seed instead of the default',
        })
        .option('port-base', {
          coerce: numberFlag('--port-base'),
          default: TopologyDefaults.brokerPort,
          describe:
            'broker sandbox port; control API at port-base+10 (8090), gateways from port-base+921 (9001)',
        })
        .option('deadline-ms', {
          coerce: numberFlag('--deadline-ms'),
          describe: `per-community deadline, ms (default: the topology file's, else ${TopologyDefaults.deadlineMs})`,
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
        }),
    async (argv) => {
      const opts: UpOptions = {
        portBase: argv['port-base'],
        host: argv.host,
        ...(argv.topology !== undefined ? { topology: argv.topology } : {}),
        ...(argv['deadline-ms'] !== undefined ? { deadlineMs: argv['deadline-ms'] } : {}),
        ...(argv.gateways !== undefined ? { gateways: argv.gateways } : {}),
        ...(argv['data-pack'] !== undefined ? { dataPack: argv['data-pack'] } : {}),
        ...(argv.seed !== undefined ? { seed: argv.seed } : {}),
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
        await upDocker(opts, { build: argv.build, security: argv.security });
        return;
      }
      if (argv.detach) {
        await specFromOptions(opts); // a bad flag combination or topology file fails here, at once
        // Certificates are minted here so that a failure is one line, not a detached child's log.
        if (argv.security) await mintForSecurity(withSecurity((await topologyFromOptions(opts)).topology));
        const state = await startDetached(
          process.argv.slice(2).filter((a) => a !== '--detach' && a !== '--detach=true'),
        );
        printBanner(state, await activeFaultCount(state));
        return;
      }
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

/** `topology` with security forced on (`--security`): its own settings kept, `security: false` overridden. */
function withSecurity(topology: Topology): Topology {
  return { ...topology, security: typeof topology.security === 'object' ? topology.security : {} };
}

/**
 * Mint what the certificate directory lacks for `topology`'s simulated communities, as
 * `sim certs generate` does (security/cert-mint.ts ensureCertificateSet).
 * @throws SimError SIM_ERR_BAD_ARGUMENT saying which directory could not be written.
 */
async function mintForSecurity(topology: Topology): Promise<void> {
  const dir = path.resolve(resolveSecurity(topology)?.certsDir ?? defaultCertsDir());
  const communities = topology.communities.flatMap((c) => (c.kind === 'simulated' ? [c.store.name] : []));
  try {
    await ensureCertificateSet(dir, { communities });
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--security: cannot mint certificates into ${dir} (${(err as Error).message.split('\n')[0]}): fix the directory or run npm run sim certs generate`,
    );
  }
}

async function runForeground(opts: UpOptions, security: boolean): Promise<void> {
  const logger = createLogger();
  const resolved = await topologyFromOptions(opts);
  const { faults, spec } = resolved;
  const topology = security ? withSecurity(resolved.topology) : resolved.topology;
  if (security) await mintForSecurity(topology);
  const running = await startInProcess(topology, {
    logger,
    faults,
    control: { port: defaultControlPort(opts.portBase), seed: spec.seed },
    audit: { dir: auditDir(), parsPort: defaultParsPort(opts.portBase) },
  });
  const state: SimState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    runtime: 'in-process',
    broker: running.broker,
    communities: running.communities,
    ...(running.dataPackDir !== undefined ? { dataPackDir: running.dataPackDir } : {}),
    ...(running.control ? { control: running.control } : {}),
    ...parsState(running),
    seed: spec.seed,
    ...(opts.topology !== undefined ? { topologyFile: path.resolve(opts.topology) } : {}),
    ...(process.env['NIR_SIM_LOG_FILE'] ? { logFile: process.env['NIR_SIM_LOG_FILE'] } : {}),
  };
  writeState(state);
  printBanner(state, faults.list().length);
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
