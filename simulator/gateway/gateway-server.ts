/**
 * A responding gateway's listener. A `refuse` fault that holds for every request takes the
 * gateway down for real: the listener closes and open connections drop, so callers get
 * ECONNREFUSED; clearing the fault listens again on the same port. With `tls` (security on,
 * docs/security.md) it serves HTTPS with mutual TLS, and the provisioning faults `cert-expired`,
 * `cert-revoked` and `cert-untrusted` re-provision it with such a certificate: open connections
 * drop and every new handshake presents it.
 */
import type { RequestListener } from 'node:http';
import type { FaultStore } from '../faults/fault-store.js';
import { provisionedCertificate, type ProvisionedCertificate } from '../faults/fault-plan.js';
import type { PemPair } from '../security/cert-layout.js';
import { watchCrlFiles } from '../security/crl-watch.js';
import { listenHttps } from '../security/https-listen.js';
import type { MtlsMaterial } from '../security/tls.js';
import { close, listen } from '../shared/http-listen.js';
import type { Logger } from '../shared/logger.js';
import type { WireProtocol } from '../events/transaction-events.js';
import type { IuaValidator } from '../security/iua-validate.js';
import { FhirPath } from '../shared/fhir-endpoints.js';
import { createMhdResponder } from './mhd-responder.js';
import { createRespondingGateway, type RespondingGatewayOptions } from './responding-gateway.js';

/** A listening gateway. */
export interface RunningGateway {
  /** `http://host:port`, or `https://host:port` with TLS. */
  url: string;
  port: number;
  /** Stop listening for good. */
  stop(): Promise<void>;
}

/** TLS of a simulated gateway: its server certificate per provisioning variant, and how it checks the broker. */
export interface GatewayTls {
  /** Certificate (PEM) and key per variant: `good`, and the faulty ones provisioning faults ask for. */
  server: Record<ProvisionedCertificate, PemPair>;
  /** The CA that issues the broker's client certificate (the NIR root), PEM. */
  clientCaPem: string;
  /** CRL files of that CA, re-read when they change. */
  crlFiles: readonly string[];
  /** CRL poll interval, ms (default 1000). */
  crlPollMs?: number;
}

/** Options of {@link startRespondingGateway}. */
type GatewayServerOptions = RespondingGatewayOptions & {
  host: string;
  port: number;
  faults?: FaultStore;
  tls?: GatewayTls;
  /**
   * What the community speaks: `xca` (default) the XCA responding gateway (responding-gateway.ts),
   * `mhd` an MHD Document Responder (mhd-responder.ts: ITI-67, ITI-68, metadata, and RAD-75 for
   * images). Same listener, TLS and provisioning faults either way.
   */
  protocol?: WireProtocol;
  /**
   * MHD communities with security on: the IUA validator of ITI-67 / ITI-68 bearer tokens
   * (gateway/mhd-access.ts), made once the listener's URL is known from its FHIR base
   * (`{url}/fhir`, the audience the broker's leg tokens name). Absent: no token is asked for.
   */
  iua?: (fhirBase: string) => IuaValidator;
};

interface Listening {
  close(): Promise<void>;
  /** Present `variant` from now on (TLS only); open connections are dropped. */
  provision(variant: ProvisionedCertificate): void;
  reloadCrls(): void;
}

function material(tls: GatewayTls, variant: ProvisionedCertificate): MtlsMaterial {
  const s = tls.server[variant];
  return { certPem: s.certPem, keyPem: s.keyPem, caPem: tls.clientCaPem, crlFiles: tls.crlFiles };
}

async function open(
  app: RequestListener,
  opts: GatewayServerOptions,
  port: number,
  variant: ProvisionedCertificate,
): Promise<{ listening: Listening; port: number }> {
  const what = `${opts.protocol === 'mhd' ? 'MHD community' : 'responding gateway'} ${opts.community.name}`;
  if (!opts.tls) {
    const l = await listen(app, opts.host, port, what);
    const noop = (): void => undefined;
    return { listening: { close: () => close(l.server), provision: noop, reloadCrls: noop }, port: l.port };
  }
  const tls = opts.tls;
  const l = await listenHttps({
    app,
    host: opts.host,
    port,
    what,
    material: material(tls, variant),
    logger: opts.logger,
  });
  return {
    listening: {
      close: () => l.close(),
      provision: (v) => {
        l.reload(material(tls, v));
        l.server.closeAllConnections();
      },
      reloadCrls: () => l.reload(),
    },
    port: l.port,
  };
}

/**
 * Start a gateway on `host:port` (0 = any free port).
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken.
 */
export async function startRespondingGateway(opts: GatewayServerOptions): Promise<RunningGateway> {
  // Made once the URL (the audience) is known, after the first listen.
  const access: { iua?: IuaValidator } = {};
  const app =
    opts.protocol === 'mhd'
      ? createMhdResponder({ ...opts, integration: opts.tls !== undefined, iua: () => access.iua })
      : createRespondingGateway(opts);
  const name = opts.community.name;
  const wanted = (): ProvisionedCertificate =>
    provisionedCertificate(opts.faults?.list().map((s) => s.fault) ?? [], name);
  let variant = opts.tls ? wanted() : 'good';
  const first = await open(app, opts, opts.port, variant);
  let listening: Listening | undefined = first.listening;
  const port = first.port;
  let stopped = false;
  let change = Promise.resolve();
  const follow = (): void => {
    change = change.then(() => reconcile()).catch((err: unknown) => logFailure(opts.logger, name, err));
  };
  const reconcile = async (): Promise<void> => {
    const down = opts.faults?.isDown(name) ?? false;
    if (stopped) return;
    const next = opts.tls ? wanted() : 'good';
    if (down && listening) {
      const l = listening;
      listening = undefined;
      await l.close();
      opts.logger.info({ community: name }, 'gateway down (refuse fault)');
    } else if (!down && !listening) {
      listening = (await open(app, opts, port, next)).listening;
      variant = next;
      opts.logger.info({ community: name, certificate: variant }, 'gateway up again');
    } else if (listening && next !== variant) {
      listening.provision(next);
      variant = next;
      opts.logger.info(
        { community: name, certificate: variant },
        'gateway re-provisioned (certificate fault)',
      );
    }
  };
  opts.faults?.on('change', follow);
  const reloadCrls = (): void => {
    try {
      listening?.reloadCrls();
      opts.logger.info({ community: name }, 'CRLs reloaded');
    } catch (err) {
      opts.logger.warn({ err, community: name }, 'CRL reload failed; the previous CRLs stay in force');
    }
  };
  const unwatch = opts.tls
    ? watchCrlFiles(opts.tls.crlFiles, reloadCrls, opts.tls.crlPollMs)
    : () => undefined;
  follow();
  // Bound to every interface (a container's `up --host 0.0.0.0`): reached at 127.0.0.1, a name its
  // server certificate holds (SAN localhost, 127.0.0.1, ::1: certs/README.md), as the integration port is.
  const url = `${opts.tls ? 'https' : 'http'}://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  // Only an MHD community takes bearer tokens: an XCA gateway never builds the validator.
  if (opts.iua && opts.protocol === 'mhd') access.iua = opts.iua(url + FhirPath.fhirBase);
  return {
    url,
    port,
    stop: async () => {
      stopped = true;
      unwatch();
      opts.faults?.off('change', follow);
      await change;
      if (listening) await listening.close();
    },
  };
}

function logFailure(logger: Logger, name: string, err: unknown): void {
  logger.error({ err, community: name }, 'could not change the gateway listener');
}
