/**
 * Rendered Kubernetes manifests (`nir-sim k8s render --target podman`, docs/kubernetes.md) played on
 * podman 4.3's `podman kube play`, for test/e2e/k8s/kube-play.test.ts. What a cluster does and
 * podman 4.3 does not is done here, and only that (docs/kubernetes.md "Trying it with podman kube
 * play"):
 *
 * - Service DNS: podman ignores `kind: Service`; a pod on a network resolves only other pods' names.
 *   Each pod is created with `--start=false`, its infra container reconnected to the network with
 *   the names of the Services that select it as network aliases, then started. Podman has no Service
 *   proxy, so a Service's `port` must equal its `targetPort` ({@link playPlan} checks it).
 * - containerPorts: podman 4.3 publishes every `containers[].ports[].containerPort` on the host's
 *   0.0.0.0 even without `hostPort` (the ports of several gateways collide, and the sandbox would be
 *   reachable from outside the machine). `--target podman` leaves them out and {@link playPlan}
 *   refuses any; the host reaches each pod at its bridge IP instead (as root the host routes to a
 *   netavark bridge).
 * - Teardown: `podman kube down FILE` stops at the first pod that is gone (exit 125) and leaves
 *   volumes, secrets and the network; {@link PodmanKube.down} removes each thing the play made by name.
 *
 * Every podman call is `podman` from PATH with CONTAINERS_CONF from the environment (as
 * scripts/containers/test-containers.sh sets it), bounded in time; no shell.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { run, type Ran } from '../containers/stack.js';

/** The parts of a Kubernetes object this harness reads (API 1.27 field names). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: {
    name: string;
    persistentVolumeClaim?: { claimName: string };
    configMap?: { name: string };
    secret?: { secretName: string };
    emptyDir?: unknown;
  }[];
}
interface ContainerSpec {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path?: string; port: number | string } };
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
}

/** One pod as podman 4.3 names it, with what the harness needs of it. */
export interface PlannedPod {
  /** `<deployment>-pod-<i>` for a Deployment's i-th replica, `metadata.name` for a Pod. */
  name: string;
  /** The names of the Services selecting it: its DNS names on the network, sorted. */
  aliases: string[];
  /** What its first container's readiness (else liveness) probe GETs: port and path; undefined without one. */
  health?: { port: number; path: string };
}

/** What playing a set of objects creates on the engine, by name. */
export interface PlayPlan {
  pods: PlannedPod[];
  /** Named volumes: PVC claims, configMap, secret and emptyDir volumes (podman 4.3 names each after its source). */
  volumes: string[];
  /** podman secrets made from `kind: Secret`. */
  secrets: string[];
}

/**
 * The objects of a rendered directory, in `kustomization.yaml`'s `resources` order (else every
 * `*.yaml` but kustomization.yaml, sorted). @throws Error when a document has no kind or name.
 */
export async function readRendered(dir: string): Promise<KubeObject[]> {
  let files: string[];
  try {
    const k = parse(await readFile(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
    files = k.resources ?? [];
  } catch {
    files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
  }
  const out: KubeObject[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, f), 'utf8'))) {
      const o = doc.toJS() as KubeObject | null;
      if (o === null) continue;
      if (typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string')
        throw new Error(`${f}: a document without kind or metadata.name`);
      out.push(o);
    }
  }
  return out;
}

/** The pod template of a Deployment or the spec of a Pod; undefined for other kinds. */
function podSpecOf(o: KubeObject): { spec: PodSpec; labels: Record<string, string> } | undefined {
  if (o.kind === 'Pod') return { spec: o.spec as unknown as PodSpec, labels: o.metadata.labels ?? {} };
  if (o.kind === 'Deployment') {
    const t = (o.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } })
      .template;
    return { spec: t.spec, labels: t.metadata?.labels ?? {} };
  }
  return undefined;
}

/**
 * A port of a pod as a number: a number as it is, a name (IANA_SVC_NAME, Kubernetes API 1.27
 * IntOrString) as the containerPort of that name in one of the pod's containers.
 * @throws Error naming `where` when no container port has that name.
 */
function portNumber(spec: PodSpec, port: number | string, where: string): number {
  if (typeof port === 'number') return port;
  const found = spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port);
  if (!found) throw new Error(`${where}: no container port named '${port}'`);
  return found.containerPort;
}

/**
 * The pods, volumes and secrets podman 4.3 makes of `objects`, and each pod's Service names.
 * @throws Error when a container has `ports` (podman 4.3 would publish them on 0.0.0.0), a
 *   Service's port differs from its targetPort (no Service proxy under podman), a named port has no
 *   container port, a Service selects no pod, or two pods would share an emptyDir (podman 4.3 names
 *   each after its pod volume: one volume for every pod using the name).
 */
export function playPlan(objects: readonly KubeObject[]): PlayPlan {
  const pods: (PlannedPod & { labels: Record<string, string>; spec: PodSpec })[] = [];
  const volumes = new Set<string>();
  /** emptyDir name -> the object that has it: podman 4.3 makes one named volume of each name. */
  const emptyDirs = new Map<string, string>();
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (o.kind === 'PersistentVolumeClaim') volumes.add(o.metadata.name);
    if (!pod) continue;
    const replicas = o.kind === 'Deployment' ? ((o.spec as { replicas?: number }).replicas ?? 1) : 1;
    const published = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find(
      (c) => (c.ports ?? []).length > 0,
    );
    if (published)
      throw new Error(
        `${o.kind} ${o.metadata.name}: container ${published.name} has ports, which podman 4.3 publishes on the host's 0.0.0.0; render with --target podman`,
      );
    const first = pod.spec.containers[0];
    const probe = first?.readinessProbe?.httpGet ?? first?.livenessProbe?.httpGet;
    const probePort = probe ? portNumber(pod.spec, probe.port, `${o.kind} ${o.metadata.name} probe`) : 0;
    for (const v of pod.spec.volumes ?? []) {
      const owner = `${o.kind} ${o.metadata.name}`;
      if (v.emptyDir !== undefined) {
        const other = emptyDirs.get(v.name);
        if (other !== undefined || replicas > 1)
          throw new Error(
            `emptyDir '${v.name}' of ${owner} would be shared with ${other ?? 'its other replicas'}: podman 4.3 makes one named volume of each emptyDir name`,
          );
        emptyDirs.set(v.name, owner);
      }
      const name =
        v.persistentVolumeClaim?.claimName ??
        v.configMap?.name ??
        v.secret?.secretName ??
        (v.emptyDir !== undefined ? v.name : undefined);
      if (name !== undefined) volumes.add(name);
    }
    for (let i = 0; i < replicas; i++)
      pods.push({
        name: o.kind === 'Deployment' ? `${o.metadata.name}-pod-${i}` : o.metadata.name,
        aliases: [],
        labels: pod.labels,
        spec: pod.spec,
        ...(probe ? { health: { port: probePort, path: probe.path ?? '/' } } : {}),
      });
  }
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const spec = s.spec as {
      selector?: Record<string, string>;
      ports?: { port: number; targetPort?: number | string }[];
    };
    const selector = Object.entries(spec.selector ?? {});
    const selected = pods.filter((p) => selector.length > 0 && selector.every(([k, v]) => p.labels[k] === v));
    if (selected.length === 0) throw new Error(`Service ${s.metadata.name} selects no pod`);
    for (const p of selected) {
      for (const sp of spec.ports ?? []) {
        const target = portNumber(p.spec, sp.targetPort ?? sp.port, `Service ${s.metadata.name}`);
        if (target !== sp.port)
          throw new Error(
            `Service ${s.metadata.name}: port ${sp.port} -> targetPort ${target}; podman has no Service proxy, so they must be equal`,
          );
      }
      p.aliases.push(s.metadata.name);
    }
  }
  return {
    pods: pods.map(({ labels: _labels, spec: _spec, ...p }) => ({ ...p, aliases: [...p.aliases].sort() })),
    volumes: [...volumes].sort(),
    secrets: objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name),
  };
}

/** `podman args`, bounded; never throws for a non-zero exit. */
export function podman(args: readonly string[], timeoutMs = 120_000): Promise<Ran> {
  return run('podman', args, { timeoutMs });
}

/** `podman args`; @throws Error with podman's stderr when it exits non-zero. */
async function must(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * One play of a rendered set on one bridge network of its own: {@link up} makes it, {@link down}
 * removes everything {@link up} made (also after a failed {@link up}).
 */
export class PodmanKube {
  /** The plan of the last {@link up}. */
  plan: PlayPlan | undefined;
  private createdNetwork = false;
  private readonly createdVolumes: string[] = [];
  private readonly createdSecrets: string[] = [];
  private file: string | undefined;
  private played: KubeObject[] = [];

  /** @param network the bridge network to make (must not exist). @param workDir where the played file goes. */
  constructor(
    readonly network: string,
    private readonly workDir: string,
  ) {}

  /**
   * Play `objects` (a `--target podman` render): refuses when a pod, volume or secret of the same name
   * already exists (the engine is shared; nothing of anybody else's is replaced), makes the network,
   * `kube play --start=false`, gives each pod its Service names as network aliases, starts the pods.
   * @returns each pod's IP on the network, by pod name.
   */
  async up(objects: readonly KubeObject[]): Promise<Record<string, string>> {
    const plan = playPlan(objects);
    this.plan = plan;
    const exists = async (what: string[]) => (await podman(what)).code === 0;
    for (const p of plan.pods)
      if (await exists(['pod', 'exists', p.name]))
        throw new Error(`pod ${p.name} already exists on the engine`);
    for (const v of plan.volumes)
      if (await exists(['volume', 'exists', v])) throw new Error(`volume ${v} already exists on the engine`);
    for (const s of plan.secrets)
      if (await exists(['secret', 'inspect', s])) throw new Error(`secret ${s} already exists on the engine`);
    if (await exists(['network', 'exists', this.network]))
      throw new Error(`network ${this.network} already exists on the engine`);

    await must(['network', 'create', this.network]);
    this.createdNetwork = true;
    // From here on, whatever the play makes is ours to remove, even when it fails half-way.
    this.createdVolumes.push(...plan.volumes);
    this.createdSecrets.push(...plan.secrets);
    this.played = [...objects];
    this.file = await this.play('podman-play.yaml', objects);
    const ips: Record<string, string> = {};
    for (const p of plan.pods) ips[p.name] = await this.start(p);
    return ips;
  }

  /**
   * What a Deployment's controller does when its pod is deleted: remove pod `name` and play its
   * Deployment again (with the ConfigMaps and Secrets, without the claims: their volumes stay and
   * are mounted again). @returns the new pod's IP.
   */
  async recreate(name: string): Promise<string> {
    const pod = this.plan?.pods.find((p) => p.name === name);
    const deployment = this.played.find(
      (o) => o.kind === 'Deployment' && `${o.metadata.name}-pod-0` === name,
    );
    if (!pod || !deployment) throw new Error(`no Deployment of this play makes pod ${name}`);
    await must(['pod', 'rm', '-f', '-t', '5', name]);
    const again = [...this.played.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret'), deployment];
    await this.play(`podman-play-${name}.yaml`, again);
    return this.start(pod);
  }

  /** Write `objects` to `file` in the work directory and `kube play --start=false` it. @returns its path. */
  private async play(file: string, objects: readonly KubeObject[]): Promise<string> {
    const out = path.join(this.workDir, file);
    await writeFile(out, objects.map((o) => stringify(o)).join('---\n'));
    await must(['kube', 'play', '--start=false', '--network', this.network, out], 300_000);
    return out;
  }

  /** Give pod `p` its Service names as network aliases and start it. @returns its IP on the network. */
  private async start(p: PlannedPod): Promise<string> {
    const infra = (await must(['pod', 'inspect', p.name, '--format', '{{.InfraContainerID}}'])).trim();
    if (p.aliases.length > 0) {
      await must(['network', 'disconnect', this.network, infra]);
      await must(['network', 'connect', ...p.aliases.flatMap((a) => ['--alias', a]), this.network, infra]);
    }
    await must(['pod', 'start', p.name]);
    const ip = await must([
      'inspect',
      infra,
      '--format',
      `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`,
    ]);
    return ip.trim();
  }

  /**
   * `podman kube down` the played file, then remove the pods, volumes, secrets and network
   * {@link up} made, each by name, whatever state they are in. @returns what could not be removed (empty when all went).
   */
  async down(): Promise<string[]> {
    const failed: string[] = [];
    // The user's command first; podman 4.3 stops at the first pod that is gone (exit 125) and
    // leaves claims, secrets and the network, so each thing is then removed by name.
    if (this.file) await podman(['kube', 'down', this.file]);
    const gone = async (args: string[], what: string, existsArgs: string[]) => {
      if ((await podman(existsArgs)).code !== 0) return;
      const r = await podman(args);
      if (r.code !== 0) failed.push(`${what}: ${r.stderr.trim()}`);
    };
    for (const p of this.plan?.pods ?? [])
      await gone(['pod', 'rm', '-f', '-t', '5', p.name], `pod ${p.name}`, ['pod', 'exists', p.name]);
    for (const v of this.createdVolumes)
      await gone(['volume', 'rm', '-f', v], `volume ${v}`, ['volume', 'exists', v]);
    for (const s of this.createdSecrets)
      await gone(['secret', 'rm', s], `secret ${s}`, ['secret', 'inspect', s]);
    if (this.createdNetwork)
      await gone(['network', 'rm', '-f', this.network], `network ${this.network}`, [
        'network',
        'exists',
        this.network,
      ]);
    return failed;
  }
}
