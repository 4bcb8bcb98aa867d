/**
 * A container plan (container-plan.ts) written as a docker-compose file: what `npm run sim compose
 * render` writes to compose/docker-compose.yml. The file must work with Docker Compose v2 and with
 * Debian's python docker-compose 1.29, so it keeps to what both read (Compose Specification,
 * https://github.com/compose-spec/compose-spec/blob/main/spec.md): no top-level `version:` or
 * `name:`, `depends_on` in its long form with `condition: service_healthy`, durations as strings
 * (`2s`), ports as quoted strings (YAML 1.1 readers such as PyYAML take `8080:8080` as a
 * sexagesimal number), `restart: 'no'` quoted (YAML 1.1 reads a bare `no` as false). Quotes are
 * single, as the repository's prettier writes YAML, so `npm run lint` accepts the file as written.
 * Same plan and options, same bytes. With security the gateways and the broker carry `user:`
 * ({@link COMPOSE_USER}: compose interpolates the host's uid and gid) and the certificate mount.
 */
import path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import {
  ContainerDefaults,
  ContainerHealthcheck,
  STOP_GRACE_PERIOD_MS,
  type ContainerPlan,
  type ServiceMount,
  type ServicePlan,
} from './container-plan.js';

/** How to write the file. */
interface ComposeRenderOptions {
  /** The command that regenerates this file, for the header (e.g. `npm run sim compose render`). */
  regenerate: string;
  /** Absolute path of the repository: the build context (compose/Dockerfile is under it). */
  repoRoot: string;
  /**
   * Absolute directory the compose file is written to. Compose resolves relative paths against
   * the file's directory, so the build context and bind-mounted packs are written relative to it;
   * without it (the file goes to stdout) they are absolute.
   */
  composeDir?: string;
  /** How the user names the file in `docker compose -f <file> up`, for the header. */
  file?: string;
}

/**
 * The `user:` of the services that mount the certificate directory with security: compose
 * interpolates `NIR_SIM_UID` / `NIR_SIM_GID` from the environment (default 1000, the image's user),
 * so `NIR_SIM_UID=$(id -u) NIR_SIM_GID=$(id -g) docker compose ... up` runs them as the owner of the
 * private keys (mode 0600). Compose Specification, "Interpolation"; docker-compose 1.29 reads it too.
 */
export const COMPOSE_USER = '${NIR_SIM_UID:-1000}:${NIR_SIM_GID:-1000}';

/** Compose's `restart` policy for every service; see the header comment of the file. */
const RESTART = 'no';

/**
 * The compose file for `plan`: a header comment (generated, by which command, how to
 * regenerate), then `services` in plan order, `networks` and `volumes`. Pure: no I/O.
 */
export function renderCompose(plan: ContainerPlan, opts: ComposeRenderOptions): string {
  const rel = (abs: string): string => relativePath(abs, opts.composeDir);
  const services: Record<string, unknown> = {};
  for (const s of plan.services) services[s.service] = renderService(s, plan, rel(opts.repoRoot), rel);
  const doc = new Document(
    {
      services,
      networks: { [plan.network]: { name: plan.network } },
      volumes: Object.fromEntries(plan.volumes.map((v) => [v, {}])),
    },
    { version: '1.1' },
  );
  styleScalars(doc);
  doc.commentBefore = header(plan, opts);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false, singleQuote: true });
}

function renderService(
  s: ServicePlan,
  plan: ContainerPlan,
  context: string,
  rel: (abs: string) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    image: plan.image,
    build: { context, dockerfile: 'compose/Dockerfile' },
    command: s.command,
    ...(s.user !== undefined ? { user: s.user } : {}),
    environment: s.environment,
    ports: s.ports.map((p) => `${p.hostIp}:${p.host}:${p.container}`),
  };
  if (s.mounts.length > 0) out['volumes'] = s.mounts.map((m) => mount(m, rel));
  out['healthcheck'] = {
    test: [...ContainerHealthcheck.test],
    interval: duration(ContainerHealthcheck.intervalMs),
    timeout: duration(ContainerHealthcheck.timeoutMs),
    retries: ContainerHealthcheck.retries,
    start_period: duration(ContainerHealthcheck.startPeriodMs),
  };
  if (s.dependsOn.length > 0) {
    out['depends_on'] = Object.fromEntries(s.dependsOn.map((d) => [d, { condition: 'service_healthy' }]));
  }
  // Compose Specification services.networks.aliases: a gateway container hosting several
  // communities answers to each community's name, as a container of its own would.
  out['networks'] = s.aliases === undefined ? [plan.network] : { [plan.network]: { aliases: s.aliases } };
  out['restart'] = RESTART;
  out['stop_grace_period'] = duration(STOP_GRACE_PERIOD_MS);
  return out;
}

/** Short volume syntax: `name:/target` for a named volume, `./rel:/target:ro` for a bind mount. */
function mount(m: ServiceMount, rel: (abs: string) => string): string {
  const source = m.kind === 'bind' ? rel(m.source) : m.source;
  return `${source}:${m.target}${m.readOnly ? ':ro' : ''}`;
}

/**
 * `abs` relative to `dir`, starting with `.` so compose reads it as a path and not a volume
 * name, with `/` separators; `abs` itself when there is no directory.
 */
function relativePath(abs: string, dir: string | undefined): string {
  if (dir === undefined) return abs;
  const r = path.relative(dir, abs).split(path.sep).join('/');
  if (r === '') return '.';
  return r.startsWith('.') ? r : `./${r}`;
}

/** A compose duration (`2s`) from ms; compose 1.29 and v2 both read whole seconds. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Ports, the healthcheck test, `restart` and `user` quoted (YAML 1.1 reads `1000:1000` as a
 * sexagesimal number); the test as a flow list; blank lines.
 */
function styleScalars(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const key = String(pair.key.value);
      if ((key === 'restart' || key === 'user') && isScalar(pair.value)) pair.value.type = 'QUOTE_SINGLE';
      if ((key === 'ports' || key === 'test') && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isScalar(item)) item.type = 'QUOTE_SINGLE';
        if (key === 'test') pair.value.flow = true;
      }
    },
  });
  // A blank line between services and before the top-level `networks` and `volumes`.
  if (!isMap(doc.contents)) return;
  for (const top of doc.contents.items) {
    if (!isScalar(top.key)) continue;
    if (top.key.value !== 'services') top.key.spaceBefore = true;
    else if (isMap(top.value)) {
      for (const item of top.value.items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true;
    }
  }
}

function header(plan: ContainerPlan, opts: ComposeRenderOptions): string {
  const file = opts.file ?? 'docker-compose.yml';
  const p = plan.published;
  const width = Math.max(...plan.services.map((s) => s.service.length));
  const row = (name: string, what: string): string => `   ${name.padEnd(width)}  ${what}`;
  const simulated = p.communities.filter((c) => c.kind === 'simulated');
  const external = p.communities.filter((c) => c.kind === 'external');
  const certs = certsMountSource(plan, opts);
  const env = certs !== undefined ? 'NIR_SIM_UID=$(id -u) NIR_SIM_GID=$(id -g) ' : '';
  return [
    ` GENERATED by \`${opts.regenerate}\` (simulator/containers/compose-render.ts): do not edit.`,
    ` Regenerate:  ${opts.regenerate}`,
    ` Check:       ${withFlag(opts.regenerate, '--check')}   (fails when this file is stale)`,
    '',
    ` Start:  ${env}docker compose -f ${file} up --build`,
    `    or:  ${env}docker-compose -f ${file} up --build   (Debian's docker-compose 1.29)`,
    ...(certs !== undefined ? securityNotes(certs) : []),
    '',
    ` Services (image ${plan.image}, network ${plan.network}) and their URLs on this machine:`,
    row(
      'broker',
      `${p.broker.url} (${(['ITI-38', 'ITI-39', 'RAD-75'] as const)
        .map((t) => new URL(p.broker.endpoints[t]).pathname)
        .join(', ')})`,
    ),
    row(
      '',
      `FHIR base ${p.broker.fhirBase} (MHD ITI-67 ${new URL(p.broker.endpoints['ITI-67']).pathname}, ITI-68 ${new URL(p.broker.endpoints['ITI-68']).pathname}; WADO-RS ${new URL(p.broker.endpoints['WADO-RS']).pathname})`,
    ),
    ...(p.broker.integration !== undefined
      ? [row('', `integration port ${p.broker.integration.url} (mutual TLS + signed XUA assertion)`)]
      : []),
    row('', `control API ${p.control.url}`),
    row('pars', p.pars.url),
    ...simulated.map((c) =>
      row(
        c.name,
        c.protocol === 'mhd'
          ? `${c.fhirBase}  ${c.homeCommunityId}  (MHD: ITI-67, ITI-68)`
          : `${new URL(c.endpoints['ITI-38']).origin}  ${c.homeCommunityId}`,
      ),
    ),
    ...external.map((c) => `   external community ${c.name} (${c.homeCommunityId}) at its own URLs`),
    ` Another container on network ${plan.network} reaches the broker at http://broker:8080` +
      (p.broker.integration !== undefined ? ' and https://broker:8443.' : '.'),
    ` Faults are not part of this file: add them at runtime with`,
    `   npm run sim fault add -- --control-url ${p.control.url} ...`,
    " restart 'no': a container that stops is a result to see, not hide (a restart would also",
    ' drop the faults and transactions it holds).',
  ].join('\n');
}

/** The certificate directory as the file names it, when the plan mounts one (security). */
function certsMountSource(plan: ContainerPlan, opts: ComposeRenderOptions): string | undefined {
  const m = plan.services
    .flatMap((s) => s.mounts)
    .find((x) => x.kind === 'bind' && x.target === ContainerDefaults.certsMount);
  return m === undefined ? undefined : relativePath(m.source, opts.composeDir);
}

/** Header lines of a render with security: where the certificates come from and who reads them. */
function securityNotes(certs: string): string[] {
  return [
    ` Security: the certificate set in ${certs} (npm run sim certs generate mints it) is mounted`,
    `   read-only at ${ContainerDefaults.certsMount} of the gateways and the broker, which run as`,
    '   NIR_SIM_UID:NIR_SIM_GID (default 1000:1000): the owner of its private keys (mode 0600).',
  ];
}

/** `npm run sim compose render -- <args>` with one more flag. */
function withFlag(command: string, flag: string): string {
  return command.includes(' -- ') ? `${command} ${flag}` : `${command} -- ${flag}`;
}
