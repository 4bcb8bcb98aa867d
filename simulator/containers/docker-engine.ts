/**
 * The container engine as the docker runtime sees it (docs/containers.md): a small promise API over
 * the Docker Engine API (https://docs.docker.com/reference/api/engine/), implemented on dockerode,
 * which honours DOCKER_HOST (unix://, tcp://, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) through
 * docker-modem. Docker and podman's Docker-compatible service both answer it. The orchestration
 * (docker-runtime.ts) talks only to {@link DockerEngine}, so its order, rollback and label filters
 * are unit-tested with a recording fake; this file is the one adapter to the real thing.
 */
import type Dockerode from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** A container as `GET /containers/json?all=1` lists it. */
export interface EngineContainer {
  id: string;
  /** Name without the leading `/`. */
  name: string;
  labels: Record<string, string>;
  /** `created`, `running`, `exited`, ... */
  state: string;
  /** The engine's human status, e.g. `Up 3 seconds (healthy)`. */
  status: string;
}

/** What `GET /containers/{id}/json` says about a container's state. */
export interface EngineContainerState {
  status: string;
  running: boolean;
  exitCode: number;
  /** `starting`, `healthy`, `unhealthy`; absent when the engine runs no healthcheck for it. */
  health?: string;
}

/** The engine calls the docker runtime makes. Names and ids are interchangeable where the API allows. */
export interface DockerEngine {
  /** Where the engine is, for messages: `DOCKER_HOST=...` or the default socket. */
  readonly address: string;
  /** `GET /_ping`. Rejects when the engine cannot be reached. */
  ping(): Promise<void>;
  imageExists(image: string): Promise<boolean>;
  /**
   * `POST /build` of `dockerfile` (relative to `context`) tagged `tag`, sending the top-level
   * `entries` of `context` (dockerode applies the context's .dockerignore). Each output line goes
   * to `onLine`. Rejects with the build's own error.
   */
  buildImage(
    build: { context: string; entries: string[]; dockerfile: string; tag: string },
    onLine: (line: string) => void,
  ): Promise<void>;
  /** Every container (running or not) carrying all of `labels` (`key=value`). */
  listContainers(labels: string[]): Promise<EngineContainer[]>;
  /** Network names carrying all of `labels`. */
  listNetworks(labels: string[]): Promise<string[]>;
  networkExists(name: string): Promise<boolean>;
  createNetwork(name: string, labels: Record<string, string>): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  /** Volume names carrying all of `labels`. */
  listVolumes(labels: string[]): Promise<string[]>;
  volumeExists(name: string): Promise<boolean>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** `POST /containers/create`; resolves to the new container's id. */
  createContainer(options: ContainerCreateOptions): Promise<string>;
  startContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<EngineContainerState>;
  /** The last `tail` lines of stdout and stderr, demultiplexed, as text. */
  containerLogs(id: string, tail: number): Promise<string>;
  /** `POST /containers/{id}/stop?t=timeoutS` (seconds); an already stopped container is fine. */
  stopContainer(id: string, timeoutS: number): Promise<void>;
  /** `DELETE /containers/{id}?force=1`. */
  removeContainer(id: string): Promise<void>;
}

/** The default engine socket docker-modem uses when DOCKER_HOST is unset. */
const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';
/** How long `ping` may take before the engine counts as unreachable, ms. */
const PING_TIMEOUT_MS = 5_000;

/** Where the engine is, as a user would fix it: `DOCKER_HOST=<value>` or the default socket. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  const host = env['DOCKER_HOST'];
  return host ? `DOCKER_HOST=${host}` : `${DEFAULT_SOCKET} (DOCKER_HOST unset)`;
}

/**
 * The one-line error for an engine that does not answer.
 * @param address as {@link engineAddress} says it.
 * @param why the cause, e.g. `ECONNREFUSED`.
 */
function engineUnreachable(address: string, why: string): SimError {
  const fix = address.startsWith('DOCKER_HOST=')
    ? 'start the engine there, or set DOCKER_HOST to the socket of one that runs'
    : 'start Docker or podman and set DOCKER_HOST to its socket (e.g. unix:///run/podman/podman.sock)';
  // `... (DOCKER_HOST unset; ENOENT)` rather than two parentheses in a row.
  const where = !why
    ? address
    : address.endsWith(')')
      ? `${address.slice(0, -1)}; ${why})`
      : `${address} (${why})`;
  return new SimError(SimErrorCode.EngineUnreachable, `cannot reach a container engine at ${where}: ${fix}`);
}

/** The short reason of a connection error: its errno code, else its first line. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code) return e.code;
  return (e?.message ?? String(err)).split('\n')[0] ?? '';
}

/** The command that installs the docker runtime's optional dependency, for messages. */
const DOCKERODE_INSTALL = 'npm install dockerode';

/**
 * dockerode's constructor, loaded on first use: dockerode (with ssh2, cpu-features and protobufjs
 * under it) is an optionalDependency that only the docker runtime needs, so a user who never runs
 * containers can install without it (`npm install --omit=optional`) and the CLI never loads it.
 * @param load the loader, replaceable in tests; defaults to `import('dockerode')`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the install command when the package is absent.
 */
export async function loadDockerode(
  load: () => Promise<{ default: typeof Dockerode }> = () => import('dockerode'),
): Promise<typeof Dockerode> {
  try {
    return (await load()).default;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new SimError(
      SimErrorCode.BadArgument,
      `the docker runtime needs the optional package dockerode, which is not installed: run ${DOCKERODE_INSTALL} (or npm install without --omit=optional)`,
    );
  }
}

/**
 * Connect to the engine DOCKER_HOST names (process.env, as docker-modem reads it) and ping it.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the optional dockerode package is not installed
 *   ({@link loadDockerode}); SIM_ERR_ENGINE_UNREACHABLE (one line naming DOCKER_HOST and its
 *   value) when DOCKER_HOST is malformed or the engine does not answer `GET /_ping` within 5 s.
 */
export async function connectEngine(): Promise<DockerEngine> {
  const address = engineAddress(process.env);
  const DockerodeClass = await loadDockerode();
  let engine: DockerEngine;
  try {
    engine = dockerodeEngine(new DockerodeClass(), address);
  } catch (err) {
    throw new SimError(
      SimErrorCode.EngineUnreachable,
      `${address} is not a container engine address (${reasonOf(err)}): set DOCKER_HOST to unix:///path/to/engine.sock or tcp://host:port`,
    );
  }
  await pingOrThrow(engine);
  return engine;
}

/**
 * Ping `engine`, bounded by 5 s.
 * @throws SimError SIM_ERR_ENGINE_UNREACHABLE.
 */
export async function pingOrThrow(engine: DockerEngine): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([engine.ping(), timeout]);
  } catch (err) {
    throw engineUnreachable(engine.address, reasonOf(err));
  } finally {
    clearTimeout(timer);
  }
}

/** Connection errors that mean the engine went away. */
const GONE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * The SimError for a failed engine call: SimErrors pass through; a lost connection is
 * SIM_ERR_ENGINE_UNREACHABLE; anything else SIM_ERR_INTERNAL with the engine's first line.
 * @param doing what was being done, e.g. `listing the project's containers`.
 */
export function engineFailure(address: string, doing: string, err: unknown): SimError {
  if (err instanceof SimError) return err;
  const why = reasonOf(err);
  if (GONE.has(why)) return engineUnreachable(address, why);
  return new SimError(SimErrorCode.Internal, `the container engine at ${address} failed ${doing}: ${why}`, {
    cause: err,
  });
}

/**
 * Stdout and stderr of `GET /containers/{id}/logs` as text. Without a TTY the engine multiplexes
 * them in frames of an 8-byte header (stream type, 0, 0, 0, big-endian length) and the payload
 * (Docker Engine API, "Stream format"); raw text passes through unchanged.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const type = buf[at]!;
    if (type > 2 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0) return buf.toString('utf8');
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === buf.length ? Buffer.concat(parts).toString('utf8') : buf.toString('utf8');
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** Resolve to false on a 404, rethrow anything else. */
async function exists(inspect: () => Promise<unknown>): Promise<boolean> {
  try {
    await inspect();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

/** Ignore the given statuses: 304 "not modified" (already started or stopped), 404 (already gone). */
async function idempotent(call: () => Promise<unknown>, ignore: number[] = [304, 404]): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!ignore.includes(statusOf(err) ?? 0)) throw err;
  }
}

/** {@link DockerEngine} on a dockerode client. */
function dockerodeEngine(d: Dockerode, address: string): DockerEngine {
  const labelFilter = (labels: string[]): string => JSON.stringify({ label: labels });
  return {
    address,
    ping: async () => {
      await d.ping();
    },
    imageExists: (image) => exists(() => d.getImage(image).inspect()),
    buildImage: async (b, onLine) => {
      const stream = await d.buildImage(
        { context: b.context, src: b.entries },
        // forcerm: a failed step's intermediate container goes too (podman keeps it otherwise).
        { t: b.tag, dockerfile: b.dockerfile, rm: true, forcerm: true },
      );
      await new Promise<void>((resolve, reject) => {
        d.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (event: { stream?: string; status?: string; error?: string }) => {
            if (event.error) reject(new Error(event.error.trim()));
            for (const line of (event.stream ?? event.status ?? '').split('\n'))
              if (line.trim()) onLine(line.trimEnd());
          },
        );
      });
    },
    listContainers: async (labels) =>
      (await d.listContainers({ all: true, filters: labelFilter(labels) })).map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        labels: c.Labels ?? {},
        state: c.State,
        status: c.Status,
      })),
    listNetworks: async (labels) =>
      (await d.listNetworks({ filters: labelFilter(labels) })).map((n) => n.Name),
    networkExists: (name) => exists(() => d.getNetwork(name).inspect()),
    createNetwork: async (name, labels) => {
      await d.createNetwork({ Name: name, Driver: 'bridge', Labels: labels });
    },
    removeNetwork: (name) => idempotent(() => d.getNetwork(name).remove()),
    listVolumes: async (labels) =>
      ((await d.listVolumes({ filters: labelFilter(labels) })).Volumes ?? []).map((v) => v.Name),
    volumeExists: (name) => exists(() => d.getVolume(name).inspect()),
    createVolume: async (name, labels) => {
      await d.createVolume({ Name: name, Labels: labels });
    },
    removeVolume: (name) => idempotent(() => d.getVolume(name).remove()),
    createContainer: async (options) => (await d.createContainer(options)).id,
    startContainer: (id) => idempotent(() => d.getContainer(id).start(), [304]),
    inspectContainer: async (id) => {
      const s = (await d.getContainer(id).inspect()).State;
      return {
        status: s.Status,
        running: s.Running,
        exitCode: s.ExitCode,
        ...(s.Health?.Status ? { health: s.Health.Status } : {}),
      };
    },
    containerLogs: async (id, tail) =>
      demuxLogs(await d.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false })),
    stopContainer: (id, timeoutS) => idempotent(() => d.getContainer(id).stop({ t: timeoutS })),
    removeContainer: (id) => idempotent(() => d.getContainer(id).remove({ force: true })),
  };
}
