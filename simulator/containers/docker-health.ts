/**
 * Waiting for a project's containers to be healthy (docs/containers.md), honest about how each was
 * judged. Two signals count: the engine's own healthcheck status (`State.Health.Status` of
 * `GET /containers/{id}/json`, from the image's HEALTHCHECK / the container's Healthcheck), and,
 * because podman without systemd may never run healthchecks (the status then stays `starting`),
 * the service's `/health` URL as published on the host answering 200. A container that stops
 * while we wait ends the wait at once with its last log lines.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { httpProbe } from '../transport/http-client.js';
import type { DockerEngine } from './docker-engine.js';

/** How a service was judged healthy. */
export type HealthVia = 'engine-healthcheck' | 'published-url';

/** One healthy service and the evidence. */
export interface HealthyService {
  service: string;
  via: HealthVia;
  /** For `published-url`: the URL that answered 200. */
  url?: string;
  /** The engine's health status when the service was judged (`none` when it runs no healthcheck). */
  engineHealth: string;
}

/** A container to wait for. */
interface HealthTarget {
  service: string;
  /** Container id or name. */
  id: string;
  /** Container name, for messages (default: `id`). */
  name?: string;
  /** The service's health URL as the host reaches it (docker-containers.ts publishedHealthUrl). */
  hostUrl?: string;
}

/** Knobs of {@link waitHealthy}; tests inject the clock, the sleep and the HTTP probe. */
export interface WaitHealthyOptions {
  /** Absolute deadline, ms since the epoch (as `now()` counts). */
  deadline: number;
  /** Pause between rounds, ms (default 500). */
  pollMs?: number;
  /** How many log lines a failure carries (default 20). */
  logLines?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** True when `url` answers 200 now (default: GET with a 2 s timeout). */
  probe?: (url: string) => Promise<boolean>;
}

/** Why a wait ended without every service healthy; `logs` are the last lines of the culprits. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  constructor(
    /** One line: which container did what. */
    readonly summary: string,
    readonly logs: { service: string; lines: string[] }[],
  ) {
    super(summary);
  }
}

/** GET `url`; true on 200, false on anything else (including no answer within 2 s). */
async function probeHealthUrl(url: string): Promise<boolean> {
  return (await httpProbe(url, 2_000)) === 200;
}

/**
 * Wait until every target is healthy by either signal.
 * @returns one entry per target, in the order they became healthy.
 * @throws ContainerStartError when a container is no longer running (its exit code and last log
 *   lines), or when the deadline passes (the ones still waiting, their state and last log lines).
 */
export async function waitHealthy(
  engine: DockerEngine,
  targets: readonly HealthTarget[],
  o: WaitHealthyOptions,
): Promise<HealthyService[]> {
  const now = o.now ?? Date.now;
  const pause = o.sleep ?? ((ms: number) => sleep(ms));
  const probe = o.probe ?? probeHealthUrl;
  const tail = o.logLines ?? 20;
  const healthy: HealthyService[] = [];
  let waiting = [...targets];
  const lastSeen = new Map<string, string>();
  for (;;) {
    for (const t of waiting) {
      const s = await engine.inspectContainer(t.id);
      const engineHealth = s.health ?? 'none';
      lastSeen.set(t.service, `${s.status}, health ${engineHealth}`);
      if (!s.running) {
        throw new ContainerStartError(
          `container ${t.name ?? t.id} (${t.service}) stopped while starting: ${s.status}, exit code ${s.exitCode}`,
          [{ service: t.service, lines: await logLines(engine, t.id, tail) }],
        );
      }
      if (s.health === 'healthy')
        healthy.push({ service: t.service, via: 'engine-healthcheck', engineHealth });
      else if (t.hostUrl !== undefined && (await probe(t.hostUrl)))
        healthy.push({ service: t.service, via: 'published-url', url: t.hostUrl, engineHealth });
    }
    waiting = waiting.filter((t) => !healthy.some((h) => h.service === t.service));
    if (waiting.length === 0) return healthy;
    if (now() >= o.deadline) {
      const states = waiting.map((t) => `${t.service} (${lastSeen.get(t.service) ?? 'unknown'})`);
      const logs = await Promise.all(
        waiting.map(async (t) => ({ service: t.service, lines: await logLines(engine, t.id, tail) })),
      );
      throw new ContainerStartError(`not healthy in time: ${states.join(', ')}`, logs);
    }
    await pause(o.pollMs ?? 500);
  }
}

/** The last `n` non-empty log lines of a container; a failure to read them is said, not thrown. */
async function logLines(engine: DockerEngine, id: string, n: number): Promise<string[]> {
  try {
    const text = await engine.containerLogs(id, n);
    return text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '')
      .slice(-n);
  } catch (err) {
    return [`(could not read its logs: ${(err as Error).message.split('\n')[0]})`];
  }
}

/** One line per healthy service saying which signal it used. */
export function describeHealth(h: HealthyService): string {
  return h.via === 'engine-healthcheck'
    ? `${h.service}: healthy (engine healthcheck)`
    : `${h.service}: healthy (${h.url} answered 200; engine health: ${h.engineHealth})`;
}
