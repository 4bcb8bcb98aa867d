/**
 * `sim serve <role>`: what a container of the docker-compose stack runs (docs/containers.md). One role per
 * process, in the foreground until SIGTERM/SIGINT (a container's PID 1 gets no default handlers):
 *
 * - `serve gateway --data-pack <dir> --community <name> [--community <name> ...] [--mhd-community
 *   <name> ...]`: the responding gateways of those communities in one process (the j-th on
 *   `--port` + j; an `--mhd-community` an MHD Document Responder, the others XCA) and one control
 *   API (faults for them);
 * - `serve pars`: the simulated PARS and its control API (`pars-down` / `pars-slow`);
 * - `serve broker --community name=..,homeCommunityId=..,url=..,control=.. [--external ...]`: the
 *   broker's sandbox port, the audit trail sent to PARS, and the control API users talk to.
 *
 * Every role answers `GET /health` on its main port (the image's healthcheck); with `--certs-dir`
 * a gateway's main port is HTTPS with mutual TLS, and its control API answers the health check. The container
 * plan (containers/container-plan.ts) writes these commands; people rarely type them.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { z } from 'zod';
import type { ConsumerProfile } from '../../broker/community-directory.js';
import type { ContainerCommunity } from '../../roles/broker-container.js';
import type { RunningRole } from '../../roles/role.js';
import {
  CommunityProtocolSchema,
  ExternalCommunitySpecSchema,
  toExternalCommunity,
} from '../../topology/topology-spec.js';
import { TopologyDefaults, type ExternalCommunity } from '../../topology/topology.js';
import { ContainerPorts } from '../../containers/container-ports.js';
import { MAX_COMMUNITIES_PER_CONTAINER } from '../../containers/container-types.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { createLogger, type Logger } from '../../shared/logger.js';

/**
 * The broker container's transaction log: transactions kept by default and at most, and the
 * largest body kept per message (bytes); roles/broker-container.ts says why it is smaller than
 * the in-process runtime's. Plain numbers here, so `serve` loads no role before it runs one.
 */
const CONTAINER_TRANSACTION_LOG_SIZE = 20;
const MAX_TRANSACTION_LOG = 500;
const CONTAINER_LOG_BODY_BYTES = 64 * 1024;

const ContainerCommunitySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'kebab-case name'),
    homeCommunityId: z.string().regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>'),
    url: z.url({ protocol: /^https?$/ }),
    control: z.url({ protocol: /^https?$/ }),
    protocol: CommunityProtocolSchema.optional(),
  })
  .strict();

/**
 * `key=value,key=value` as an object. URLs carry no commas here; a value may contain `=`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for a pair without `=`.
 */
function parsePairs(flag: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new SimError(SimErrorCode.BadArgument, `--${flag} ${text}: '${pair}' is not key=value`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/** Validate one `--flag` value with `schema`; every problem on the one line. */
function parseWith<T>(flag: string, text: string, schema: z.ZodType<T>): T {
  const r = schema.safeParse(parsePairs(flag, text));
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
  throw new SimError(SimErrorCode.BadArgument, `--${flag} ${text}: ${problems}`);
}

/** `--community` values as container communities. */
export function parseCommunities(values: readonly string[]): ContainerCommunity[] {
  return values.map((v) => {
    const c = parseWith('community', v, ContainerCommunitySchema);
    return {
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      url: c.url,
      controlUrl: c.control,
      ...(c.protocol !== undefined ? { protocol: c.protocol } : {}),
    };
  });
}

/** `--external` values as external communities. */
export function parseExternal(values: readonly string[]): ExternalCommunity[] {
  return values.map((v) => toExternalCommunity(parseWith('external', v, ExternalCommunitySpecSchema)));
}

const ConsumersSchema = z.record(
  z.string().min(1),
  z
    .object({
      include: z.array(z.string().regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>')).exactOptional(),
      exclude: z.array(z.string().regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>')).exactOptional(),
    })
    .strict(),
);

/**
 * `--consumers` JSON: consumer id -> profile, communities by homeCommunityId.
 * @throws SimError SIM_ERR_BAD_ARGUMENT with every problem on the one line.
 */
export function parseConsumers(text: string): Record<string, ConsumerProfile> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SimError(SimErrorCode.BadArgument, `--consumers: not JSON (${(err as Error).message})`);
  }
  const r = ConsumersSchema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
  throw new SimError(SimErrorCode.BadArgument, `--consumers: ${problems}`);
}

/** A listener's URL as this process calls it: a wildcard address (0.0.0.0, ::) as loopback. */
export function reachable(url: string): string {
  return url.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, (_m, scheme: string, host: string) =>
    host === '0.0.0.0' ? `${scheme}127.0.0.1` : `${scheme}[::1]`,
  );
}

/** Run `role` until SIGTERM or SIGINT, then stop it. */
async function serveUntilSignal(what: string, role: RunningRole, logger: Logger): Promise<void> {
  logger.info({ url: role.url, control: role.control.url }, `${what} ready`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info(`${what} stopping`);
  await role.stop();
}

const listenOptions = (y: Argv, port: number, controlPort: number) =>
  y
    .option('host', { type: 'string', default: '0.0.0.0', describe: 'address to listen on' })
    .option('port', { type: 'number', default: port, describe: 'main port (GET /health answers here)' })
    .option('control-port', { type: 'number', default: controlPort, describe: 'its control API port' })
    .option('seed', { type: 'number', default: 1, describe: 'fault seed (the same in every container)' });

/** Register `serve` with its three roles. */
export function serveCommand(y: Argv): Argv {
  return y.command('serve', 'run one role of the container stack (what a container runs)', (s) =>
    s
      .command(
        'gateway',
        'the responding gateways of one or several communities (the j-th on --port + j) and their control API',
        (a) =>
          listenOptions(a, ContainerPorts.gateway, ContainerPorts.gatewayControl)
            .option('data-pack', { type: 'string', demandOption: true, describe: 'data pack directory' })
            .option('community', {
              type: 'string',
              array: true,
              demandOption: true,
              describe: `community name in the pack (repeat, at most ${MAX_COMMUNITIES_PER_CONTAINER})`,
            })
            .option('mhd-community', {
              type: 'string',
              array: true,
              default: [] as string[],
              describe:
                'a --community that serves as an MHD Document Responder (ITI-67/ITI-68 under /fhir) instead of XCA (repeat)',
            })
            .option('certs-dir', {
              type: 'string',
              describe: 'certificate set (sim certs generate): HTTPS with mutual TLS and XUA on --port',
            }),
        async (argv) => {
          const logger = createLogger();
          const wanted = argv.community;
          if (wanted.length > MAX_COMMUNITIES_PER_CONTAINER)
            throw new SimError(
              SimErrorCode.BadArgument,
              `serve gateway: ${wanted.length} --community values; at most ${MAX_COMMUNITIES_PER_CONTAINER} per process (their ports must stay below --control-port)`,
            );
          const twice = wanted.find((n, i) => wanted.indexOf(n) !== i);
          if (twice !== undefined)
            throw new SimError(SimErrorCode.BadArgument, `--community ${twice}: given twice`);
          const mhd = argv['mhd-community'];
          const stray = mhd.find((n) => !wanted.includes(n));
          if (stray !== undefined)
            throw new SimError(
              SimErrorCode.BadArgument,
              `--mhd-community ${stray}: not among the --community values (give it as --community ${stray} too)`,
            );
          const controlPort = argv['control-port'];
          if (argv.port !== 0 && argv.port <= controlPort && controlPort < argv.port + wanted.length)
            throw new SimError(
              SimErrorCode.BadArgument,
              `serve gateway: ports ${argv.port}..${argv.port + wanted.length - 1} for ${wanted.length} communities include --control-port ${controlPort}: pick other ports`,
            );
          // Each role loads only its own modules (a gateway no broker, audit or FHIR validator):
          // what a container never runs costs it no memory.
          const [{ loadDataPack }, { startGatewayRole }] = await Promise.all([
            import('../../data-pack/loader.js'),
            import('../../roles/gateway-container.js'),
          ]);
          const pack = await loadDataPack(argv['data-pack']);
          const communities = wanted.map((name) => {
            const community = pack.communities.find((c) => c.name === name);
            if (!community)
              throw new SimError(
                SimErrorCode.BadArgument,
                `--community ${name}: not in ${argv['data-pack']} (it has ${pack.communities.map((c) => c.name).join(', ')})`,
              );
            return community;
          });
          const role = await startGatewayRole(communities, {
            host: argv.host,
            port: argv.port,
            controlPort: argv['control-port'],
            seed: argv.seed,
            logger,
            maxBodyBytes: TopologyDefaults.maxBodyBytes,
            ...(argv['certs-dir'] !== undefined ? { certsDir: argv['certs-dir'] } : {}),
            ...(mhd.length > 0 ? { mhd } : {}),
          });
          await serveUntilSignal(`gateways ${wanted.join(', ')}`, role, logger);
        },
      )
      .command(
        'pars',
        'the simulated PARS (FHIR R4 AuditEvent) and its control API',
        (a) =>
          listenOptions(a, ContainerPorts.pars, ContainerPorts.parsControl).option('dir', {
            type: 'string',
            default: '/var/lib/nir-sim/pars',
            describe: 'where PARS keeps the AuditEvents it received',
          }),
        async (argv) => {
          const logger = createLogger();
          const { startParsRole } = await import('../../roles/pars-container.js');
          const role = await startParsRole({
            host: argv.host,
            port: argv.port,
            controlPort: argv['control-port'],
            seed: argv.seed,
            logger,
            storeFile: path.join(argv.dir, 'audit-events.ndjson'),
          });
          await serveUntilSignal('PARS', role, logger);
        },
      )
      .command(
        'broker',
        'the broker sandbox port, its audit trail and the control API',
        (a) =>
          listenOptions(a, ContainerPorts.broker, ContainerPorts.control)
            .option('deadline-ms', {
              type: 'number',
              default: TopologyDefaults.deadlineMs,
              describe: 'per-community deadline, ms',
            })
            .option('community', {
              type: 'string',
              array: true,
              default: [] as string[],
              describe: 'name=..,homeCommunityId=..,url=..,control=..[,protocol=mhd] (repeat)',
            })
            .option('external', {
              type: 'string',
              array: true,
              default: [] as string[],
              describe:
                'name=..,homeCommunityId=..,iti38Url=..,iti39Url=..[,rad75Url=..] or name=..,homeCommunityId=..,protocol=mhd,fhirBase=.. (repeat)',
            })
            .option('consumers', {
              type: 'string',
              describe:
                'consumer profiles as JSON: {"<consumer id>": {"include"|"exclude": ["urn:oid:..."]}}',
            })
            .option('pars-url', { type: 'string', describe: 'PARS base URL (no audit when absent)' })
            .option('pars-control-url', { type: 'string', describe: "PARS's control API" })
            .option('audit-dir', {
              type: 'string',
              default: '/var/lib/nir-sim/audit',
              describe: 'audit file and durable PARS queue',
            })
            .option('certs-dir', {
              type: 'string',
              describe: 'certificate set: mTLS legs to https: communities, and the integration port',
            })
            .option('integration-port', {
              type: 'number',
              default: ContainerPorts.integration,
              describe: 'with --certs-dir: the integration port (HTTPS, mTLS + signed XUA)',
            })
            .option('public-url', {
              type: 'string',
              describe: 'the sandbox URL as users reach it (published port)',
            })
            .option('data-pack', {
              type: 'string',
              describe:
                "the data pack the gateways serve, for scenarios run from the control API (POST /scenarios/{name}/run); default the image's own (data-packs/default)",
            })
            .option('transaction-log', {
              type: 'number',
              default: CONTAINER_TRANSACTION_LOG_SIZE,
              describe: `transactions the control API keeps for GET /transactions (1 to ${MAX_TRANSACTION_LOG}; bodies cut at 64 KiB)`,
            })
            // yargs "config": a JSON file of these options by their flag names (e.g. the
            // Kubernetes ConfigMap `sim k8s render` mounts, docs/kubernetes.md); flags given on
            // the command line win over it.
            .config(
              'settings',
              'JSON file of these options by flag name, e.g. {"deadline-ms": 10000, "community": ["name=..,..."]}; command-line flags win',
            ),
        async (argv) => {
          const communities = parseCommunities(argv.community);
          const external = parseExternal(argv.external);
          const consumers = argv.consumers === undefined ? undefined : parseConsumers(argv.consumers);
          if (communities.length + external.length === 0)
            throw new SimError(
              SimErrorCode.BadArgument,
              'serve broker: give at least one --community or --external',
            );
          if ((argv['pars-url'] === undefined) !== (argv['pars-control-url'] === undefined))
            throw new SimError(
              SimErrorCode.BadArgument,
              'serve broker: give --pars-url and --pars-control-url together',
            );
          if (!Number.isInteger(argv['deadline-ms']) || argv['deadline-ms'] <= 0)
            throw new SimError(
              SimErrorCode.BadArgument,
              `--deadline-ms ${argv['deadline-ms']} must be a positive whole number of milliseconds`,
            );
          const kept = argv['transaction-log'];
          if (!Number.isInteger(kept) || kept < 1 || kept > MAX_TRANSACTION_LOG)
            throw new SimError(
              SimErrorCode.BadArgument,
              `--transaction-log ${kept}: give a whole number of transactions from 1 to ${MAX_TRANSACTION_LOG}`,
            );
          const logger = createLogger();
          const [{ startBrokerRole }, { brokerControlRoutes }, { defaultDataPackDir }] = await Promise.all([
            import('../../roles/broker-container.js'),
            import('../broker-control-routes.js'),
            import('../../shared/sim-paths.js'),
          ]);
          // The broker's own sandbox URL, for scenario runs from inside its container (the
          // published --public-url does not reach it there); known once it listens.
          let ownBrokerUrl = '';
          const role = await startBrokerRole({
            host: argv.host,
            port: argv.port,
            controlPort: argv['control-port'],
            seed: argv.seed,
            deadlineMs: argv['deadline-ms'],
            maxBodyBytes: TopologyDefaults.maxBodyBytes,
            communities,
            external,
            ...(argv['pars-url'] !== undefined && argv['pars-control-url'] !== undefined
              ? { pars: { url: argv['pars-url'], controlUrl: argv['pars-control-url'] } }
              : {}),
            auditDir: argv['audit-dir'],
            ...(consumers ? { consumers } : {}),
            ...(argv['public-url'] !== undefined ? { publicUrl: argv['public-url'] } : {}),
            transactionLog: { capacity: kept, maxBodyBytes: CONTAINER_LOG_BODY_BYTES },
            ...(argv['certs-dir'] !== undefined
              ? { security: { certsDir: argv['certs-dir'], integrationPort: argv['integration-port'] } }
              : {}),
            routes: brokerControlRoutes({
              ...(argv['pars-url'] !== undefined ? { parsUrl: argv['pars-url'] } : {}),
              dataPackDir: path.resolve(argv['data-pack'] ?? defaultDataPackDir),
              brokerUrl: () => ownBrokerUrl,
            }),
            logger,
          });
          ownBrokerUrl = reachable(role.url);
          await serveUntilSignal('broker', role, logger);
        },
      )
      .demandCommand(1, 'name a role: gateway, pars or broker'),
  );
}
