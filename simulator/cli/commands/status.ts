/**
 * `sim status`: the running topology, as text or as JSON (`--json`), with the control API's URL
 * and the number of faults active now (asked of the control API), the audit events queued for PARS
 * (`pars.queueDepth`) and those PARS refused for good, dead-lettered (`pars.deadLettered`); in JSON also the broker's
 * `deadlineMs` and `consumers` now (`GET /broker/settings`) and the PARS FHIR base URL
 * (`pars.fhirBaseUrl`, `.../FHIR/R4`); for the docker runtime also
 * each container's state and health as the engine reports them (`containers`).
 */
import type { Argv } from 'yargs';
import type { BrokerSettingsValue } from '../../control/broker-settings.js';
import type { ControlClient } from '../../control/control-client.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { deadLettersOnDisk, queueDepthOnDisk } from '../../audit/durable-queue.js';
import { runningState, type DockerState, type SimState } from '../state.js';
import { dashboardUrl, printBanner } from '../banner.js';
import type { DockerContainerStatus } from '../../containers/docker-runtime.js';

/**
 * The control API's client, loaded when a simulator runs: it brings the HTTP client (undici),
 * about a third of what `status` loads, which `status` without a running simulator never uses.
 */
async function controlClient(url: string): Promise<ControlClient> {
  const { ControlClient } = await import('../../control/control-client.js');
  return new ControlClient(url);
}

/** Faults active in the running simulator, or undefined when its control API does not answer. */
export async function activeFaultCount(s: SimState): Promise<number | undefined> {
  if (s.control === undefined) return undefined;
  try {
    return (await (await controlClient(s.control.url)).listFaults()).length;
  } catch {
    return undefined;
  }
}

/**
 * The broker's per-community deadline (ms) and consumer profiles now, as its control API
 * (`GET /broker/settings`) answers them; undefined when it does not.
 */
async function brokerSettingsOf(s: SimState): Promise<BrokerSettingsValue | undefined> {
  if (s.control === undefined) return undefined;
  try {
    return await (await controlClient(s.control.url)).brokerSettings();
  } catch {
    return undefined;
  }
}

/** The FHIR R4 base of a PARS at `url` (`http://host:port`): `url/FHIR/R4` (FHIR R4 RESTful API base). */
function parsFhirBase(url: string): string {
  return `${url.replace(/\/+$/, '')}/FHIR/R4`;
}

/**
 * The docker runtime's containers as the engine reports them now.
 * @throws SimError SIM_ERR_ENGINE_UNREACHABLE; SIM_ERR_NOT_RUNNING when none of them is left.
 */
async function dockerContainers(s: DockerState): Promise<DockerContainerStatus[]> {
  // Loaded only for the docker runtime: the container plan and engine client cost about 0.5 s.
  const { dockerStatus } = await import('../../containers/docker-runtime.js');
  const { containers } = await dockerStatus(s.docker.project);
  if (containers.length > 0) return containers;
  throw new SimError(
    SimErrorCode.NotRunning,
    `the engine at ${s.docker.engine} has no container of project ${s.docker.project}: run npm run sim down -- --runtime docker to clear the state, then start again`,
  );
}

/**
 * Register `status`. Exits non-zero when nothing runs (SIM_ERR_NOT_RUNNING, also when the docker
 * runtime's containers are gone) or the docker runtime's engine does not answer
 * (SIM_ERR_ENGINE_UNREACHABLE).
 */
export function statusCommand(y: Argv): Argv {
  return y.command(
    'status',
    'show the running topology, the control API and the number of active faults',
    (a) => a.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    async (argv) => {
      const s = runningState();
      if (!s) throw new SimError(SimErrorCode.NotRunning, 'not running: start it with npm run sim up');
      const containers = s.runtime === 'docker' ? await dockerContainers(s) : undefined;
      const activeFaults = await activeFaultCount(s);
      if (argv.json) {
        const settings = await brokerSettingsOf(s);
        const withBroker = settings === undefined ? s : { ...s, broker: { ...s.broker, ...settings } };
        const withPars = s.pars
          ? {
              ...withBroker,
              pars: {
                ...s.pars,
                fhirBaseUrl: parsFhirBase(s.pars.url),
                ...(s.runtime === 'in-process'
                  ? {
                      queueDepth: queueDepthOnDisk(s.pars.queueDir),
                      deadLettered: deadLettersOnDisk(s.pars.queueDir),
                    }
                  : {}),
              },
            }
          : withBroker;
        const withContainers = containers === undefined ? withPars : { ...withPars, containers };
        const withFaults = activeFaults === undefined ? withContainers : { ...withContainers, activeFaults };
        const out = s.control ? { ...withFaults, dashboard: dashboardUrl(s.control.url) } : withFaults;
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else printBanner(s, activeFaults, containers);
    },
  );
}
