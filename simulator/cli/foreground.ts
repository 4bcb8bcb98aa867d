/**
 * `sim up` in the foreground (also the background process of `up --detach`): the in-process
 * runtime (runtime/in-process.ts) over the resolved topology, the state file and the banner,
 * until Ctrl-C or SIGTERM.
 */
import { scenarioRoutes } from './scenario-routes.js';
import path from 'node:path';
import { defaultControlPort } from '../control/control-api.js';
import { defaultParsPort } from '../pars/pars-service.js';
import { startInProcess } from '../runtime/in-process.js';
import { SimError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { topologyFromSpec } from '../topology/resolve-topology.js';
import { specFromOptions, type UpOptions } from '../topology/topology-from-options.js';
import type { Topology } from '../topology/topology.js';
import { printBanner } from './banner.js';
import { takeHandedSpec } from './detach.js';
import { auditDir, clearState, inProcessState, writeState } from './state.js';
import { SimErrorCode } from '../shared/errors.js';

/** `topology` with security forced on (`--security`): its own settings kept, `security: false` overridden. */
function withSecurity(topology: Topology): Topology {
  return { ...topology, security: typeof topology.security === 'object' ? topology.security : {} };
}

/**
 * Mint what the certificate directory lacks for `topology`'s simulated communities, as
 * `sim certs generate` does (security/cert-mint.ts ensureCertificateSet). The PKI modules are
 * loaded here, with --security only.
 * @throws SimError SIM_ERR_BAD_ARGUMENT saying which directory could not be written.
 */
async function mintForSecurity(topology: Topology): Promise<void> {
  const [{ defaultCertsDir, resolveSecurity }, { ensureCertificateSet }] = await Promise.all([
    import('../runtime/security-runtime.js'),
    import('../security/cert-mint.js'),
  ]);
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

/**
 * Start the topology of `opts` (or the one `up --detach` handed over) in this process, write the
 * state file, print the banner, and run until SIGINT/SIGTERM; then stop and clear the state.
 * @throws SimError from resolving the topology, minting certificates (--security) and starting the runtime.
 */
export async function runForeground(opts: UpOptions, security: boolean): Promise<void> {
  const logger = createLogger();
  const resolved = await topologyFromSpec(takeHandedSpec() ?? (await specFromOptions(opts)), opts);
  const { faults, spec } = resolved;
  const topology = security ? withSecurity(resolved.topology) : resolved.topology;
  if (security) await mintForSecurity(topology);
  const running = await startInProcess(topology, {
    logger,
    faults,
    control: { port: defaultControlPort(opts.portBase), seed: spec.seed, routes: [scenarioRoutes()] },
    audit: { dir: auditDir(), parsPort: defaultParsPort(opts.portBase) },
  });
  const state = inProcessState(running, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    seed: spec.seed,
    ...(opts.topology !== undefined ? { topologyFile: path.resolve(opts.topology) } : {}),
    ...(process.env['NIR_SIM_LOG_FILE'] ? { logFile: process.env['NIR_SIM_LOG_FILE'] } : {}),
  });
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
