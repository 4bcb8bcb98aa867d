/**
 * nir-sim as a Testcontainers for Node module (docs/testcontainers.md): `new NirSimContainer()
 * .withGateways(3).withSecurity().start()` runs the whole in-process topology (`sim up` in the
 * foreground: broker, simulated communities, control API, simulated PARS) in one container of the
 * nir-sim image, waits until the control API answers `GET /health`, and returns a
 * {@link StartedNirSimContainer} whose URLs use the engine's mapped host ports.
 */
import { randomUUID } from 'node:crypto';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import type { FaultSpecInput } from '../faults/fault-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  checkContainerOptions,
  CONTAINER_CERTS_DIR,
  exposedPorts,
  NirSimPorts,
  upCommand,
  type NirSimContainerOptions,
} from './container-command.js';
import { StartedNirSimContainer } from './started-nir-sim-container.js';

/** The image CI builds (scripts/containers/build-image.sh); a supplier builds it from a clone (docs/containers.md). */
export const DEFAULT_NIR_SIM_IMAGE = 'nir-sim:local';

/** The label naming one `start()`, so a container whose start failed half-way can be found and removed. */
const START_LABEL = 'io.nir-sim.testcontainers.start';

/**
 * Remove the container of a failed start (without Ryuk, Testcontainers leaves it running: a wait
 * strategy that timed out, ports never bound). Best effort: the start's own error is what counts.
 */
async function removeFailedStart(startId: string): Promise<void> {
  try {
    const client = await getContainerRuntimeClient();
    const c = await client.container.fetchByLabel(START_LABEL, startId, {
      status: ['created', 'restarting', 'running', 'paused', 'exited', 'dead'],
    });
    await c?.remove({ force: true, v: true });
  } catch {
    // the engine is gone too: nothing more to do here
  }
}

/** How long the container may take to answer `GET /health`, ms (generous: a loaded 2-core CI host, security minting). */
const STARTUP_TIMEOUT_MS = 120_000;

/** A nir-sim container, configured by the `with...` methods, started by {@link NirSimContainer.start}. */
export class NirSimContainer extends GenericContainer {
  private readonly nirSim: NirSimContainerOptions = {};
  private loopbackOnly = false;

  /**
   * @param image the nir-sim image (default `nir-sim:local`). The default pull policy pulls only an
   *   image the engine lacks, so a locally built one is used as it is.
   */
  constructor(image: string = DEFAULT_NIR_SIM_IMAGE) {
    super(image);
    this.withEnvironment({ NIR_SIM_CERTS_DIR: CONTAINER_CERTS_DIR })
      .withWaitStrategy(Wait.forHttp('/health', NirSimPorts.control).forStatusCode(200))
      .withStartupTimeout(STARTUP_TIMEOUT_MS);
  }

  /** Simulated XCA communities (responding gateways, IHE ITI TF-2 3.38/3.39), 1..200; default 3. */
  withGateways(n: number): this {
    this.nirSim.gateways = n;
    return this;
  }

  /** Simulated MHD communities (Document Responders) after the XCA ones, 0..200; default 0. */
  withMhdGateways(n: number): this {
    this.nirSim.mhdGateways = n;
    return this;
  }

  /**
   * The broker's integration port (HTTPS with mutual TLS, XUA SAML for SOAP, IUA for FHIR;
   * docs/security.md): the container mints its certificate set at start, and
   * {@link StartedNirSimContainer.certificates} returns what a supplier's client needs.
   */
  withSecurity(): this {
    this.nirSim.security = true;
    return this;
  }

  /** The broker's per-community deadline, ms (positive, whole); default 10 000. */
  withDeadlineMs(ms: number): this {
    this.nirSim.deadlineMs = ms;
    return this;
  }

  /** Faults in force once `start()` resolves (the fault catalogue, docs/faults.md); appended to earlier ones. */
  withFaults(faults: readonly FaultSpecInput[]): this {
    this.nirSim.faults = [...(this.nirSim.faults ?? []), ...faults];
    return this;
  }

  /**
   * Publish the container's ports on the engine host's 127.0.0.1 only (the engine's default is
   * every interface). For a local engine; a remote `DOCKER_HOST` could then not be reached.
   */
  withLoopbackPorts(): this {
    this.loopbackOnly = true;
    return this;
  }

  /**
   * Start the container, wait for `GET /health` on the control API, add the faults of
   * {@link withFaults}, and with security read the certificate set out of the container.
   * @throws SimError SIM_ERR_BAD_ARGUMENT for bad options (before anything starts) or faults the
   *   control API refuses (the container is stopped again); errors of the engine as Testcontainers
   *   reports them (image missing, wait strategy timed out).
   */
  override async start(): Promise<StartedNirSimContainer> {
    checkContainerOptions(this.nirSim);
    this.withCommand(upCommand(this.nirSim)).withExposedPorts(...exposedPorts());
    if (this.loopbackOnly)
      for (const bindings of Object.values(this.hostConfig.PortBindings as Record<string, object[]>))
        for (const b of bindings) Object.assign(b, { HostIp: '127.0.0.1' });
    const startId = randomUUID();
    this.withLabels({ [START_LABEL]: startId });
    let container;
    try {
      container = await super.start();
    } catch (err) {
      await removeFailedStart(startId);
      throw err;
    }
    try {
      return await StartedNirSimContainer.ready(container, this.nirSim);
    } catch (err) {
      await container.stop().catch(() => undefined);
      throw err instanceof SimError
        ? err
        : new SimError(SimErrorCode.Internal, `nir-sim container not ready: ${(err as Error).message}`, {
            cause: err,
          });
    }
  }
}
