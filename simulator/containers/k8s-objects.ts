/**
 * A container plan (container-plan.ts) as Kubernetes objects (docs/kubernetes.md): the same
 * services the compose file runs (compose-render.ts), so the two cannot drift apart. Per plan
 * service a Deployment (one replica) and a Service; a gateway Deployment hosting several
 * communities also gets one Service per community, named after it, so the broker's
 * `http://<community>:9001` resolves as the compose network alias does; one ConfigMap of Node and
 * malloc settings per role; the broker's audit queue and PARS's records on PersistentVolumeClaims;
 * a host data pack as a ConfigMap; with security the certificate set as a Secret. API versions
 * (core/v1, apps/v1) are those of every Kubernetes release since 1.9; the tests validate each
 * object against the 1.27 schemas. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { configMapData, runtimeCertFiles, secretData, volumeItems, type BundleFile } from './k8s-bundle.js';
import { BROKER_SETTINGS_DIR, BROKER_SETTINGS_FILE, brokerSettings } from './k8s-broker-settings.js';
import {
  ContainerDefaults,
  ContainerHealthcheck,
  ContainerMallocEnv,
  ContainerNodeOptions,
  ContainerPorts,
  STOP_GRACE_PERIOD_MS,
  type ContainerPlan,
  type ContainerRole,
  type ServicePlan,
} from './container-plan.js';
import type { K8sObject, K8sProbe, K8sVolume, K8sVolumeMount } from './k8s-types.js';

/** What the manifests are made from besides the plan. */
export interface K8sObjectsInput {
  plan: ContainerPlan;
  /** The files of a host data pack (`dataPack.hostDir` in the plan input); absent for the image's pack. */
  packFiles?: readonly BundleFile[];
  /**
   * With security: the certificate files to put inline in a Secret (`--embed-certs`, for engines
   * without kustomize); absent: the kustomization's secretGenerator reads them from `certs/`.
   */
  embeddedCerts?: readonly BundleFile[];
  /**
   * Who plays the manifests: `kubernetes` (default), or `podman` (podman 4.3 `kube play`, which
   * differs from a cluster in two ways it cannot be told otherwise): no `containers[].ports`
   * (podman publishes every containerPort on the host's 0.0.0.0, so pods collide on 9001 and the
   * sandbox is open beyond the machine), and the embedded certificate set as a ConfigMap (podman
   * 4.3 mounts a Secret's `data` still base64-encoded). Everything else is the same.
   */
  target?: K8sTarget;
  /**
   * The host pack is a generated one (`--seed`, `--gateways N` beyond the default pack, a topology's
   * `dataPack: { seed, communities, patients }`): instead of carrying its files, each gateway pod
   * generates the same pack into an emptyDir with an init container (`data-pack generate`; the
   * same seed gives byte-identical output), so a pack of any size needs no ConfigMap.
   */
  generatedPack?: GeneratedPack;
}

/** What `data-pack generate` makes a pack from. */
export interface GeneratedPack {
  seed: number;
  communities: number;
  patients: number;
}

/** Who plays the manifests; see {@link K8sObjectsInput.target}. */
export type K8sTarget = 'kubernetes' | 'podman';

/** One manifest file: its name in the output directory, what it holds (for its header) and its objects. */
export interface K8sManifestFile {
  file: string;
  what: string;
  objects: K8sObject[];
}

/** The manifests of a plan, and the Secret the kustomization generates with security (not embedded). */
export interface K8sManifests {
  files: K8sManifestFile[];
  /** The certificate Secret as kustomize `secretGenerator` makes it: its name and `key=certs/<path>` sources. */
  certSecret?: { name: string; files: { key: string; path: string }[] };
}

/**
 * The names of a plan's objects. Services keep the plan's service and community names: they are
 * the DNS names the broker dials, as on the compose network. Everything else starts with the
 * instance (the plan's project, `app.kubernetes.io/instance`), so two renders with different
 * instances share no Deployment, ConfigMap, Secret, claim or volume name; this matters where
 * namespaces do not separate them (podman kube play keeps one global list of pods and volumes).
 */
export function k8sNames(instance: string): {
  deployment: (service: string) => string;
  roleEnv: (role: ContainerRole) => string;
  brokerSettings: string;
  packConfigMap: string;
  pack: (service: string) => string;
  certs: string;
  certDir: (dir: string) => string;
  certDirVolume: (dir: string) => string;
  claim: (volume: string) => string;
  tmp: (service: string) => string;
} {
  return {
    deployment: (service) => `${instance}-${service}`,
    roleEnv: (role) => `${instance}-${role}-env`,
    brokerSettings: `${instance}-broker-settings`,
    packConfigMap: `${instance}-data-pack`,
    pack: (service) => label(`${instance}-${service}-pack`, `${instance}-pack`, service),
    certs: `${instance}-certs`,
    // podman target: `nir` -> <instance>-certs-nir, `communities/<name>` -> <instance>-certs-community-<name>.
    certDir: (dir) => `${instance}-certs-${dir.replace(/^communities\//, 'community-')}`,
    certDirVolume: (dir) => {
      const name = `${instance}-certs-${dir.replace(/^communities\//, 'community-')}`;
      return label(name, `${instance}-certs`, dir);
    },
    claim: (volume) => `${instance}-${volume}`,
    // A pod volume's name is a DNS-1123 label (63 characters at most): a long one is shortened
    // with a hash of the service name, so it stays unique and the same on every render.
    tmp: (service) => label(`${instance}-${service}-tmp`, `${instance}-tmp`, service),
  };
}

/** `name` when it fits a DNS-1123 label (63), else `short-<hash of service>`. */
function label(name: string, short: string, service: string): string {
  if (name.length <= 63) return name;
  return `${short}-${createHash('sha256').update(service).digest('hex').slice(0, 10)}`;
}

/** Where the pods' writable scratch directory is (readOnlyRootFilesystem). */
const TMP_DIR = '/tmp';

/**
 * The uid and gid every pod runs as: the image's user (compose/Dockerfile `USER 1000:1000`). The
 * Secret's files are mounted with mode 0440 and the pod's fsGroup, so that user reads the
 * private keys without running as their owner on any host.
 */
const POD_USER = 1000;

/**
 * Memory and CPU per role (core/v1 ResourceRequirements). Requests are what one container held
 * after load, measured (docs/containers.md "Memory and CPU", `npm run bench:containers`, 2-core
 * machine): RssAnon broker 116-123 MiB, each gateway 47-53 MiB, PARS 54-55 MiB, plus about 55 MiB
 * of the Node binary and ICU data mapped from the image that a cgroup also counts, rounded up.
 * Limits sit above the role's V8 old-space bound (ContainerNodeOptions: broker 160 MiB, gateway
 * 256, PARS 128) plus the young generation, code and malloc, so V8's own bound fails first and
 * loudly, not the kernel's OOM killer. CPU: requests from the measured CPU per request (broker
 * about 12 ms per 3-community FindDocuments, a gateway and PARS a fraction of that); no CPU limit,
 * which would only throttle a burst the node has room for (Kubernetes docs, "Resource Management
 * for Pods and Containers").
 */
export const K8sResources: Record<
  ContainerRole,
  { requests: Record<string, string>; limits: Record<string, string> }
> = {
  broker: { requests: { cpu: '200m', memory: '192Mi' }, limits: { memory: '320Mi' } },
  gateway: { requests: { cpu: '100m', memory: '112Mi' }, limits: { memory: '384Mi' } },
  pars: { requests: { cpu: '50m', memory: '112Mi' }, limits: { memory: '256Mi' } },
};

/** Size of each PersistentVolumeClaim: the broker's audit queue and PARS's records are small JSON files. */
const CLAIM_SIZE = '1Gi';

/**
 * The objects of `input.plan`, grouped in files: `config.yaml` (role settings), `data-pack.yaml`
 * (a host pack), `certs.yaml` (embedded certificates), `volumes.yaml` (claims), one file per
 * gateway Deployment, `pars.yaml` and `broker.yaml`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the plan mounts a host pack and no files are given,
 *   or a pack or certificate set does not fit a ConfigMap or Secret (k8s-bundle.ts).
 */
export function k8sObjects(input: K8sObjectsInput): K8sManifests {
  const { plan } = input;
  const secure = plan.services.some((s) => s.mounts.some((m) => m.target === ContainerDefaults.certsMount));
  const hostPack = plan.services.some((s) => s.mounts.some((m) => m.target === ContainerDefaults.packMount));
  if (hostPack && input.packFiles === undefined && input.generatedPack === undefined)
    throw new SimError(SimErrorCode.BadArgument, 'the plan mounts a host data pack: give its files');
  const allCommunities = plan.services.flatMap((s) => (s.communities ?? []).map((c) => c.name));
  const certPaths = runtimeCertFiles(allCommunities);
  const files: K8sManifestFile[] = [
    {
      file: 'config.yaml',
      what: "each role's Node and malloc settings (envFrom)",
      objects: (['gateway', 'pars', 'broker'] as const).map((role) => roleConfig(plan, role)),
    },
  ];
  if (hostPack && input.generatedPack === undefined)
    files.push({
      file: 'data-pack.yaml',
      what: 'the data pack the gateways serve, mounted read-only',
      objects: [packConfigMap(plan, input.packFiles!)],
    });
  if (secure && input.embeddedCerts !== undefined)
    files.push({
      file: 'certs.yaml',
      what:
        input.target === 'podman'
          ? 'the certificate set the gateways and the broker read (inline, a ConfigMap for podman kube play: private keys, do not commit)'
          : 'the certificate set the gateways and the broker read (inline: --embed-certs; private keys, do not commit)',
      objects: certObjects(plan, input.embeddedCerts, certPaths, input.target ?? 'kubernetes'),
    });
  files.push({
    file: 'volumes.yaml',
    what: "the broker's audit queue and PARS's records, which outlive a pod",
    objects: plan.volumes.map((v) => claim(plan, v)),
  });
  for (const s of plan.services) {
    const objects: K8sObject[] = [
      ...(s.role === 'broker' ? [brokerSettingsConfigMap(plan, s)] : []),
      deployment(plan, s, input.target ?? 'kubernetes', input.generatedPack),
      service(plan, s),
    ];
    if (s.role === 'gateway' && s.aliases !== undefined) objects.push(...communityServices(plan, s));
    files.push({
      file: `${s.role === 'gateway' ? `gateway-${s.service}` : s.service}.yaml`,
      what: describe(s),
      objects,
    });
  }
  return {
    files,
    ...(secure && input.embeddedCerts === undefined
      ? {
          certSecret: {
            name: k8sNames(plan.project).certs,
            files: volumeItems(certPaths).map((i) => ({ key: i.key, path: `certs/${i.path}` })),
          },
        }
      : {}),
  };
}

function describe(s: ServicePlan): string {
  if (s.role === 'broker') return 'the broker: sandbox port, control API, audit trail to PARS (one replica)';
  if (s.role === 'pars') return 'the simulated PARS (FHIR AuditEvent store)';
  const names = (s.communities ?? []).map((c) => c.name).join(', ');
  return `the responding gateway(s) of ${names}`;
}

/** The standard labels (Kubernetes docs, "Recommended Labels") of an object of `role`. */
function labels(plan: ContainerPlan, component: string, service?: string): Record<string, string> {
  return sortedRecord({
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': plan.project,
    'app.kubernetes.io/managed-by': 'nir-sim',
    'app.kubernetes.io/name': 'nir-sim',
    'app.kubernetes.io/part-of': 'nir-sim',
    ...(service !== undefined ? { [SERVICE_LABEL]: service } : {}),
  });
}

/** The label that tells one Deployment's pods from another's: the plan service's name. */
const SERVICE_LABEL = 'nir-sim/service';

function selector(plan: ContainerPlan, s: ServicePlan): Record<string, string> {
  return { 'app.kubernetes.io/instance': plan.project, [SERVICE_LABEL]: s.service };
}

function roleConfigName(plan: ContainerPlan, role: ContainerRole): string {
  return k8sNames(plan.project).roleEnv(role);
}

/** A role's environment (ContainerNodeOptions, ContainerMallocEnv): what compose sets per service. */
function roleConfig(plan: ContainerPlan, role: ContainerRole): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: roleConfigName(plan, role), labels: labels(plan, role) },
    data: sortedRecord({ NODE_OPTIONS: ContainerNodeOptions[role], ...ContainerMallocEnv }),
  };
}

/**
 * The broker's settings (its communities, external communities, deadline, consumer profiles,
 * PARS and audit places) as the file `serve broker --settings` reads (k8s-broker-settings.ts).
 */
function brokerSettingsConfigMap(plan: ContainerPlan, s: ServicePlan): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: k8sNames(plan.project).brokerSettings, labels: labels(plan, s.role) },
    data: { [BROKER_SETTINGS_FILE]: brokerSettings(s.command).settingsJson },
  };
}

function packConfigMap(plan: ContainerPlan, files: readonly BundleFile[]): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: k8sNames(plan.project).packConfigMap, labels: labels(plan, 'data-pack') },
    ...configMapData(
      files,
      'the data pack',
      'bake it into an image instead (a Dockerfile FROM nir-sim:local that COPYs it to /app/data-packs/<name>) and render with --image <that image> --pack-in-image data-packs/<name>, or use a smaller pack',
    ),
  };
}

/**
 * The certificate set inline: a Secret, or for podman one ConfigMap per directory of the set
 * (`nir`, `supplier`, each `communities/<name>`; podman 4.3 neither decodes a Secret's `data` nor
 * creates the sub-directories of a volume's `items` paths), keyed by file name.
 */
function certObjects(
  plan: ContainerPlan,
  files: readonly BundleFile[],
  paths: readonly string[],
  target: K8sTarget,
): K8sObject[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const missing = paths.filter((p) => !byPath.has(p));
  if (missing.length > 0)
    throw new SimError(
      SimErrorCode.BadArgument,
      `--embed-certs: the certificate set lacks ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}: mint it with npm run sim certs generate`,
    );
  const chosen = paths.map((p) => byPath.get(p)!);
  if (target === 'podman')
    return certDirectories(paths).map((dir) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: k8sNames(plan.project).certDir(dir), labels: labels(plan, 'certificates') },
      ...configMapData(
        chosen
          .filter((f) => path.posix.dirname(f.path) === dir)
          .map((f) => ({ path: path.posix.basename(f.path), data: f.data })),
        `the certificates of ${dir}`,
        'use a smaller set',
      ),
    }));
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: k8sNames(plan.project).certs, labels: labels(plan, 'certificates') },
      type: 'Opaque',
      data: secretData(
        chosen,
        'the certificate set',
        'use fewer communities per topology, or render without --embed-certs and give the files to kustomize',
      ),
    },
  ];
}

/** The directories of a set's relative paths (`nir`, `supplier`, `communities/<name>`), sorted. */
function certDirectories(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => path.posix.dirname(p)))].sort();
}

function claim(plan: ContainerPlan, volume: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: k8sNames(plan.project).claim(volume), labels: labels(plan, volume) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: CLAIM_SIZE } } },
  };
}

/**
 * The Deployment of one plan service. One replica each: the broker holds the fault store and the
 * transaction log in memory and the audit queue on a ReadWriteOnce claim, a gateway holds its
 * communities' faults, PARS its records on a claim; a second replica would split that state
 * (docs/kubernetes.md "What scales"). The broker and PARS are replaced with `Recreate`, so the
 * old pod has released its claim before the new one mounts it.
 */
function deployment(
  plan: ContainerPlan,
  s: ServicePlan,
  target: K8sTarget,
  generated: GeneratedPack | undefined,
): K8sObject {
  const { volumes, mounts } = podVolumes(plan, s, target, generated !== undefined);
  const health = new URL(s.healthUrl);
  const probe = (o: Partial<K8sProbe>): K8sProbe => ({
    httpGet: { path: health.pathname, port: Number(health.port) },
    periodSeconds: ContainerHealthcheck.intervalMs / 1000,
    timeoutSeconds: ContainerHealthcheck.timeoutMs / 1000,
    failureThreshold: ContainerHealthcheck.retries,
    ...o,
  });
  const stateful = s.mounts.some((m) => m.kind === 'volume');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: k8sNames(plan.project).deployment(s.service), labels: labels(plan, s.role, s.service) },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector(plan, s) },
      ...(stateful ? { strategy: { type: 'Recreate' } } : {}),
      template: {
        metadata: { labels: labels(plan, s.role, s.service) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            fsGroup: POD_USER,
            runAsGroup: POD_USER,
            runAsNonRoot: true,
            runAsUser: POD_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: STOP_GRACE_PERIOD_MS / 1000,
          ...(generated !== undefined && s.role === 'gateway'
            ? { initContainers: [packGenerator(plan, s, generated, mounts)] }
            : {}),
          containers: [
            {
              name: s.role,
              image: plan.image,
              imagePullPolicy: 'IfNotPresent',
              args: s.role === 'broker' ? brokerSettings(s.command).args : s.command,
              env: [{ name: ContainerHealthcheck.urlEnv, value: s.healthUrl }],
              envFrom: [{ configMapRef: { name: roleConfigName(plan, s.role) } }],
              ...(target === 'podman' ? {} : { ports: containerPorts(s) }),
              // The health endpoint the compose healthcheck GETs (compose/healthcheck.mjs): a
              // start-up allowance of start_period at the start interval, then every interval.
              startupProbe: probe({
                periodSeconds: ContainerHealthcheck.startIntervalMs / 1000,
                failureThreshold: ContainerHealthcheck.startPeriodMs / ContainerHealthcheck.startIntervalMs,
              }),
              readinessProbe: probe({}),
              livenessProbe: probe({}),
              resources: K8sResources[s.role],
              securityContext: CONTAINER_SECURITY,
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** Every container's security context: no privilege, no capability, nothing written outside its volumes. */
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
} as const;

/**
 * The init container that generates a gateway pod's data pack (`data-pack generate`, the
 * generator `sim up` caches packs with; the same seed gives byte-identical output) into the emptyDir
 * the gateway then mounts read-only. `--force`: a restarted init container finds the directory
 * filled. Its memory limit leaves room for the generator's default V8 heap.
 */
function packGenerator(
  plan: ContainerPlan,
  s: ServicePlan,
  p: GeneratedPack,
  mounts: readonly K8sVolumeMount[],
): Record<string, unknown> {
  return {
    name: 'data-pack',
    image: plan.image,
    imagePullPolicy: 'IfNotPresent',
    args: [
      ...['data-pack', 'generate', '--seed', String(p.seed), '--communities', String(p.communities)],
      ...['--patients', String(p.patients), '--out', ContainerDefaults.packMount, '--force'],
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: CONTAINER_SECURITY,
    // The pack's emptyDir, writable here (read-only in the gateway), and /tmp.
    volumeMounts: mounts
      .filter((m) => m.mountPath === ContainerDefaults.packMount || m.mountPath === TMP_DIR)
      .map((m) => ({ name: m.name, mountPath: m.mountPath })),
  };
}

/** What a pod mounts: its plan mounts as claims, the pack ConfigMap or the certificate Secret, and `/tmp`. */
function podVolumes(
  plan: ContainerPlan,
  s: ServicePlan,
  target: K8sTarget,
  generatedPack: boolean,
): { volumes: K8sVolume[]; mounts: K8sVolumeMount[] } {
  const names = k8sNames(plan.project);
  const volumes: K8sVolume[] = [];
  const mounts: K8sVolumeMount[] = [];
  for (const m of s.mounts) {
    if (m.kind === 'volume') {
      volumes.push({
        name: names.claim(m.source),
        persistentVolumeClaim: { claimName: names.claim(m.source) },
      });
      mounts.push({ name: names.claim(m.source), mountPath: m.target });
    } else if (m.target === ContainerDefaults.packMount && generatedPack) {
      volumes.push({ name: names.pack(s.service), emptyDir: {} });
      mounts.push({ name: names.pack(s.service), mountPath: m.target, readOnly: true });
    } else if (m.target === ContainerDefaults.packMount) {
      volumes.push({ name: 'data-pack', configMap: { name: names.packConfigMap } });
      mounts.push({ name: 'data-pack', mountPath: m.target, readOnly: true });
    } else if (m.target === ContainerDefaults.certsMount) {
      const communities =
        s.role === 'broker' ? allCommunities(plan) : (s.communities ?? []).map((c) => c.name);
      const needed = runtimeCertFiles(communities);
      if (target === 'podman') {
        // One ConfigMap per directory, each mounted at its place under the set's directory.
        for (const dir of certDirectories(needed)) {
          volumes.push({ name: names.certDirVolume(dir), configMap: { name: names.certDir(dir) } });
          mounts.push({ name: names.certDirVolume(dir), mountPath: `${m.target}/${dir}`, readOnly: true });
        }
      } else {
        volumes.push({
          name: 'certs',
          // 0440 and the pod's fsGroup: readable by the pod's user, not by others (private keys).
          secret: {
            secretName: names.certs,
            optional: false,
            defaultMode: 0o440,
            items: volumeItems(needed),
          },
        });
        mounts.push({ name: 'certs', mountPath: m.target, readOnly: true });
      }
    } else {
      throw new SimError(SimErrorCode.BadArgument, `no Kubernetes volume for the bind mount at ${m.target}`);
    }
  }
  if (s.role === 'broker') {
    volumes.push({ name: names.brokerSettings, configMap: { name: names.brokerSettings } });
    mounts.push({ name: names.brokerSettings, mountPath: BROKER_SETTINGS_DIR, readOnly: true });
  }
  volumes.push({ name: names.tmp(s.service), emptyDir: { sizeLimit: '64Mi' } });
  mounts.push({ name: names.tmp(s.service), mountPath: TMP_DIR });
  return { volumes, mounts };
}

function allCommunities(plan: ContainerPlan): string[] {
  return plan.services.flatMap((s) => (s.communities ?? []).map((c) => c.name));
}

/** A container port's name (IANA service name: at most 15 characters, a letter among them). */
type NamedPort = { name: string; containerPort: number; protocol: 'TCP' };

function containerPorts(s: ServicePlan): NamedPort[] {
  const tcp = (name: string, containerPort: number): NamedPort => ({ name, containerPort, protocol: 'TCP' });
  if (s.role === 'broker')
    return s.ports.map((p) =>
      tcp(
        p.container === ContainerPorts.broker
          ? 'sandbox'
          : p.container === ContainerPorts.control
            ? 'control'
            : 'integration',
        p.container,
      ),
    );
  if (s.role === 'pars')
    return [tcp('fhir', ContainerPorts.pars), tcp('control', ContainerPorts.parsControl)];
  return [
    ...(s.communities ?? []).map((_, j) => tcp(`community-${j}`, ContainerPorts.gateway + j)),
    tcp('control', ContainerPorts.gatewayControl),
  ];
}

/** The Service of a plan service: its name is the DNS name the compose network gives it. */
function service(plan: ContainerPlan, s: ServicePlan): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.service, labels: labels(plan, s.role, s.service) },
    spec: {
      type: 'ClusterIP',
      selector: selector(plan, s),
      ports: containerPorts(s).map((p) => ({
        name: p.name,
        port: p.containerPort,
        targetPort: p.containerPort,
        protocol: 'TCP',
      })),
    },
  };
}

/**
 * One Service per community of a gateway Deployment hosting several, named after the community
 * (the compose network alias): the community's port (9001 + j, its listener in the pod, the port
 * the broker's `--community ...,url=http://<community>:<9001 + j>` dials) and the pod's control
 * API (9090), as the compose network gives them.
 */
function communityServices(plan: ContainerPlan, s: ServicePlan): K8sObject[] {
  return (s.communities ?? []).map((c, j) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: c.name, labels: labels(plan, 'gateway', s.service) },
    spec: {
      type: 'ClusterIP',
      selector: selector(plan, s),
      ports: [
        {
          name: 'gateway',
          port: ContainerPorts.gateway + j,
          targetPort: ContainerPorts.gateway + j,
          protocol: 'TCP',
        },
        {
          name: 'control',
          port: ContainerPorts.gatewayControl,
          targetPort: ContainerPorts.gatewayControl,
          protocol: 'TCP',
        },
      ],
    },
  }));
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
