/**
 * A started nir-sim container (docs/testcontainers.md): its URLs on the engine's mapped host ports,
 * the fault catalogue, the broker's transaction records and PARS's AuditEvents over HTTP (the
 * control API's client, control/control-client.ts), and with security the certificate set a
 * supplier's mutual-TLS client needs, read out of the container where `sim up --security` minted it.
 */
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { AbstractStartedContainer, type StartedTestContainer } from 'testcontainers';
import type { TransactionEvent, TransactionSummary } from '../api/index.js';
import { ControlClient } from '../control/control-client.js';
import type { FaultSpec, FaultSpecInput } from '../faults/fault-spec.js';
import type { FaultStatus } from '../faults/fault-store.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  CONTAINER_CERTS_DIR,
  mappedUrls,
  type NirSimContainerOptions,
  type NirSimContainerUrls,
} from './container-command.js';

/** A community of the running topology (control API `GET /topology`). */
export interface NirSimContainerCommunity {
  name: string;
  homeCommunityId: string;
  kind: 'simulated' | 'external';
  protocol: 'xca' | 'mhd';
  /** An unconditional `refuse` fault holds its listener closed. */
  down: boolean;
}

/** The faults of the running container, through its control API (docs/faults.md "The control API"). */
export interface NirSimContainerFaults {
  /**
   * Add one fault; the control API validates it by the fault catalogue's schema.
   * @returns the fault with its defaults filled in.
   * @throws SimError SIM_ERR_BAD_ARGUMENT listing every problem; nothing is added then.
   */
  add(fault: FaultSpecInput): Promise<FaultSpec>;
  /** Remove a fault by name; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** Remove every fault (`POST /reset`). */
  clear(): Promise<void>;
  /** Every fault with its counters (`matched`, `applied`), in the order added. */
  list(): Promise<FaultStatus[]>;
}

/**
 * The certificate set's files a supplier's client uses (PEM strings; layout certs/README.md),
 * e.g. `new undici.Agent({ connect: { ca, cert: clientCert, key: clientKey } })`.
 */
export interface NirSimCertificates {
  /** `nir/root-ca.pem`: the CA the broker's server certificate (SAN localhost, 127.0.0.1, ::1) chains to. */
  ca: string;
  /** `nir/root-ca.crl.pem`: its CRL (Node's `crl` option). */
  crl: string;
  /** `supplier/client.pem`: the supplier's mTLS client certificate, leaf then intermediate. */
  clientCert: string;
  /** `supplier/client.key`: its private key (unencrypted PKCS #8). */
  clientKey: string;
  /** `supplier/signing.pem`: the certificate the broker pins for XUA assertion signatures (RSA). */
  signingCert: string;
  /** `supplier/signing.key`: its private key. */
  signingKey: string;
}

/** Largest PEM file read out of the container, bytes (a certificate chain is a few KiB). */
const MAX_PEM_BYTES = 64 * 1024;

/** Largest number of AuditEvents one {@link StartedNirSimContainer.auditEvents} call reads (PARS's `_count` bound). */
const MAX_AUDIT_EVENTS = 10_000;

/** A started nir-sim container; stop it with `stop()` (in `afterAll`: without Ryuk nothing else removes it). */
export class StartedNirSimContainer extends AbstractStartedContainer {
  /** The control API's client (faults, transactions, topology). */
  readonly control: ControlClient;
  /** The faults of the running topology. */
  readonly faults: NirSimContainerFaults;
  private certs: NirSimCertificates | undefined;

  private constructor(
    started: StartedTestContainer,
    private readonly options: NirSimContainerOptions,
  ) {
    super(started);
    this.control = new ControlClient(this.getControlUrl());
    const control = this.control;
    this.faults = {
      add: async (fault) => (await control.addFaults(fault))[0]!,
      remove: (name) => control.removeFault(name),
      clear: () => control.reset(),
      list: () => control.listFaults(),
    };
  }

  /**
   * Wrap a started container: add the options' faults, read the certificate set with security.
   * @throws SimError from the control API (refused faults) or reading the certificates.
   */
  static async ready(
    started: StartedTestContainer,
    o: NirSimContainerOptions,
  ): Promise<StartedNirSimContainer> {
    const c = new StartedNirSimContainer(started, o);
    if (o.faults && o.faults.length > 0) await c.control.addFaults(o.faults);
    if (o.security) c.certs = await c.readCertificates();
    return c;
  }

  /** Every URL, as the programmatic API's `urls` types them (`broker.endpoints['ITI-38']`, ...). */
  getUrls(): NirSimContainerUrls {
    return mappedUrls(this.getHost(), (p) => this.getMappedPort(p), this.options.security === true);
  }

  /** The broker's sandbox port (plain HTTP, open access): `http://host:port`. */
  getBrokerUrl(): string {
    return this.getUrls().broker.url;
  }

  /** The broker's MHD face (FHIR R4 base, `GET {base}/metadata`, ITI-67 `{base}/DocumentReference`). */
  getFhirBaseUrl(): string {
    return this.getUrls().broker.fhirBase;
  }

  /** The control API's base URL (`/faults`, `/transactions`, `/topology`, `/health`; the dashboard at `/ui/`). */
  getControlUrl(): string {
    return this.getUrls().control;
  }

  /** The simulated PARS; its FHIR R4 base is `{url}/FHIR/R4` (docs/audit.md). */
  getParsUrl(): string {
    return this.getUrls().pars;
  }

  /**
   * The broker's integration port (HTTPS, mutual TLS + XUA / IUA): `https://host:port`.
   * @throws SimError SIM_ERR_BAD_ARGUMENT without `withSecurity()`.
   */
  getIntegrationUrl(): string {
    const integration = this.getUrls().integration;
    if (!integration)
      throw new SimError(SimErrorCode.BadArgument, 'no integration port: start the container withSecurity()');
    return integration.url;
  }

  /** The communities of the running topology, in topology order (control API `GET /topology`). */
  async communities(): Promise<NirSimContainerCommunity[]> {
    const t = await this.control.topology();
    return t.communities.map((c) => ({
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      kind: c.kind,
      // The running view carries each community's protocol (topology/endpoint-table.ts CommunityView).
      protocol: (c as { protocol?: 'xca' | 'mhd' }).protocol ?? 'xca',
      down: c.down,
    }));
  }

  /** The broker's transactions, newest first, without bodies (control API `GET /transactions`). */
  async transactions(
    filter: { transaction?: TransactionEvent['transaction']; limit?: number } = {},
  ): Promise<TransactionSummary[]> {
    return (await this.control.transactionLog(filter)).transactions;
  }

  /** One transaction with its request and response bodies and its legs'. */
  transaction(id: string): Promise<TransactionEvent> {
    return this.control.transaction(id);
  }

  /**
   * The FHIR R4 AuditEvents the simulated PARS holds, in arrival order (`GET {pars}/FHIR/R4/AuditEvent`,
   * at most 10 000). Audit reaches PARS through a queue: with `atLeast`, ask again (every 100 ms)
   * until that many are there or `waitMs` (default 10 000 ms) has passed, then return what there is.
   * @throws SimError SIM_ERR_NOT_RUNNING when PARS does not answer.
   */
  async auditEvents(o: { atLeast?: number; waitMs?: number } = {}): Promise<AuditEvent[]> {
    const until = Date.now() + (o.waitMs ?? 10_000);
    for (;;) {
      const events = await this.readAuditEvents();
      if (events.length >= (o.atLeast ?? 0) || Date.now() >= until) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async readAuditEvents(): Promise<AuditEvent[]> {
    const url = `${this.getParsUrl()}/FHIR/R4/AuditEvent?_count=${MAX_AUDIT_EVENTS}`;
    let bundle: Bundle<AuditEvent>;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bundle = (await res.json()) as Bundle<AuditEvent>;
    } catch (err) {
      throw new SimError(
        SimErrorCode.NotRunning,
        `PARS at ${url} did not answer: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  }

  /**
   * The supplier's client certificate set (PEM), minted in the container by `sim up --security`.
   * @throws SimError SIM_ERR_BAD_ARGUMENT without `withSecurity()`.
   */
  get certificates(): NirSimCertificates {
    if (!this.certs)
      throw new SimError(SimErrorCode.BadArgument, 'no certificates: start the container withSecurity()');
    return this.certs;
  }

  /**
   * A `wsse:Security` header with a signed XUA assertion (IHE ITI-40) for `patient` (an NHS
   * number), signed with the supplier's test key, to put in an ITI-38/ITI-39/RAD-75 SOAP Header
   * sent to the integration port: `sim saml issue --header` run in the container.
   * @throws SimError SIM_ERR_BAD_ARGUMENT without `withSecurity()` or for a bad NHS number (the
   *   command's message).
   */
  async xuaSecurityHeader(patient: string): Promise<string> {
    if (!this.certs)
      throw new SimError(SimErrorCode.BadArgument, 'no XUA signing key: start the container withSecurity()');
    const r = await this.exec([
      'node',
      'dist/simulator/cli/main.js',
      'saml',
      'issue',
      '--patient',
      patient,
      '--header',
    ]);
    if (r.exitCode !== 0)
      throw new SimError(
        SimErrorCode.BadArgument,
        `sim saml issue failed: ${r.stderr.trim() || r.output.trim()}`,
      );
    return r.stdout.trim();
  }

  /** Read the supplier's files of the certificate set out of the container (`cat`, bounded). */
  private async readCertificates(): Promise<NirSimCertificates> {
    const read = async (rel: string): Promise<string> => {
      const r = await this.exec(['cat', `${CONTAINER_CERTS_DIR}/${rel}`]);
      if (r.exitCode !== 0 || r.stdout.length > MAX_PEM_BYTES || !r.stdout.startsWith('-----BEGIN '))
        throw new SimError(
          SimErrorCode.Internal,
          `cannot read ${CONTAINER_CERTS_DIR}/${rel} from the container: ${r.stderr.trim() || `${r.stdout.length} bytes, not PEM`}`,
        );
      return r.stdout;
    };
    const [ca, crl, clientCert, clientKey, signingCert, signingKey] = await Promise.all(
      [
        'nir/root-ca.pem',
        'nir/root-ca.crl.pem',
        'supplier/client.pem',
        'supplier/client.key',
        'supplier/signing.pem',
        'supplier/signing.key',
      ].map(read),
    );
    return {
      ca: ca!,
      crl: crl!,
      clientCert: clientCert!,
      clientKey: clientKey!,
      signingCert: signingCert!,
      signingKey: signingKey!,
    };
  }
}
