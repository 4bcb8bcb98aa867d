/**
 * The Kubernetes manifests of a container plan (k8s-objects.ts, written by k8s-render.ts): every
 * object, read back from the rendered YAML as a cluster reads it (YAML 1.1), validates against the
 * Kubernetes 1.27 API schemas (kubernetes-models); and the objects say what the compose file says
 * (same commands, ports, health URLs), for the default network, security (kustomize and inline
 * certificates), 50 communities in shared gateway Deployments, an MHD community, an external one
 * and a host data pack.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  type IContainer,
  type IPodSpec,
  type ISecret,
  type IService,
} from 'kubernetes-models/v1';
import { planContainers, type ContainerPlanInput } from './container-plan.js';
import { MAX_OBJECT_DATA_BYTES, runtimeCertFiles, type BundleFile } from './k8s-bundle.js';
import { k8sObjects, K8sResources, type K8sManifests } from './k8s-objects.js';
import { KUSTOMIZATION, renderK8s } from './k8s-render.js';
import { SimError } from '../shared/errors.js';

const OID = 'urn:oid:1.2.826.0.1.3680043.10.1';

function input(n: number, extra: Partial<ContainerPlanInput> = {}): ContainerPlanInput {
  return {
    communities: Array.from({ length: n }, (_, i) => ({
      name: `community-${i + 1}`,
      homeCommunityId: `${OID}.${i + 1}`,
    })),
    external: [],
    dataPack: { inImage: 'data-packs/default' },
    deadlineMs: 10_000,
    seed: 1,
    portBase: 8080,
    ...extra,
  };
}

/** A parsed manifest object: kind, metadata and the rest as the schemas describe them. */
type Parsed = Record<string, unknown> & { kind: string; metadata: { name: string } };

const models: Record<string, (o: Parsed) => { validate(): void }> = {
  Deployment: (o) => new Deployment(o),
  Service: (o) => new Service(o),
  ConfigMap: (o) => new ConfigMap(o),
  Secret: (o) => new Secret(o),
  PersistentVolumeClaim: (o) => new PersistentVolumeClaim(o),
  Namespace: (o) => new Namespace(o),
};

/** Render `m`, read every file back as a cluster does (YAML 1.1), and return its objects by file. */
function readBack(m: K8sManifests, namespace = 'nir-sim'): Map<string, Parsed[]> {
  const files = renderK8s(m, { regenerate: 'npm run k8s:render', namespace });
  const out = new Map<string, Parsed[]>();
  for (const f of files) {
    const docs = parseAllDocuments(f.text, { version: '1.1' });
    if (!Array.isArray(docs)) throw new Error(`${f.file}: not a YAML stream`);
    for (const d of docs) expect(d.errors, f.file).toEqual([]);
    out.set(
      f.file,
      docs.map((d) => d.toJS() as Parsed),
    );
  }
  return out;
}

/**
 * Validate every object but the kustomization against the 1.27 schemas (throws on the first
 * invalid one, naming it); returns how many objects of each kind there are.
 */
function validateAll(files: Map<string, Parsed[]>): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const [file, objects] of files) {
    if (file === KUSTOMIZATION) continue;
    for (const o of objects) {
      const model = models[o.kind];
      if (model === undefined) throw new Error(`${file}: unexpected kind ${o.kind}`);
      expect(() => model(o).validate(), `${file}: ${o.kind} ${o.metadata.name}`).not.toThrow();
      kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    }
  }
  return kinds;
}

function find(files: Map<string, Parsed[]>, kind: string, name: string): Parsed {
  for (const objects of files.values())
    for (const o of objects) if (o.kind === kind && o.metadata.name === name) return o;
  throw new Error(`no ${kind} ${name}`);
}

const deployment = (files: Map<string, Parsed[]>, name: string): IDeployment =>
  find(files, 'Deployment', name) as unknown as IDeployment;
const podSpec = (files: Map<string, Parsed[]>, name: string): IPodSpec =>
  deployment(files, name).spec!.template.spec!;
const container = (files: Map<string, Parsed[]>, name: string): IContainer =>
  podSpec(files, name).containers[0]!;
const service = (files: Map<string, Parsed[]>, name: string): IService =>
  find(files, 'Service', name) as unknown as IService;
/** The broker's settings file (`serve broker --settings`) from its ConfigMap, parsed. */
const brokerSettingsOf = (files: Map<string, Parsed[]>, instance = 'nir-sim'): Record<string, unknown> =>
  JSON.parse(
    (find(files, 'ConfigMap', `${instance}-broker-settings`)['data'] as Record<string, string>)[
      'settings.json'
    ]!,
  ) as Record<string, unknown>;
const kustomization = (files: Map<string, Parsed[]>): Record<string, unknown> =>
  files.get(KUSTOMIZATION)![0]!;

describe('k8sObjects: the default 3-community network', () => {
  const plan = planContainers(input(3));
  const files = readBack(k8sObjects({ plan }));

  it("validates against the Kubernetes 1.27 schemas: a Deployment and a Service per container, a ConfigMap per role and the broker's settings, two claims", () => {
    expect(validateAll(files)).toEqual({
      Namespace: 1,
      ConfigMap: 4,
      PersistentVolumeClaim: 2,
      Deployment: 5,
      Service: 5,
    });
    expect([...files.keys()]).toEqual([
      'namespace.yaml',
      'config.yaml',
      'volumes.yaml',
      'gateway-community-1.yaml',
      'gateway-community-2.yaml',
      'gateway-community-3.yaml',
      'pars.yaml',
      'broker.yaml',
      'kustomization.yaml',
    ]);
  });

  it('runs each container with the compose command, non-root, read-only, probed on the compose health URL', () => {
    const compose = plan.services.find((s) => s.service === 'community-2')!;
    const d = find(files, 'Deployment', 'nir-sim-community-2');
    const labels = {
      'app.kubernetes.io/component': 'gateway',
      'app.kubernetes.io/instance': 'nir-sim',
      'app.kubernetes.io/managed-by': 'nir-sim',
      'app.kubernetes.io/name': 'nir-sim',
      'app.kubernetes.io/part-of': 'nir-sim',
      'nir-sim/service': 'community-2',
    };
    const probe = { httpGet: { path: '/health', port: 9001 }, timeoutSeconds: 2 };
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nir-sim-community-2', labels },
      spec: {
        replicas: 1,
        selector: {
          matchLabels: { 'app.kubernetes.io/instance': 'nir-sim', 'nir-sim/service': 'community-2' },
        },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              fsGroup: 1000,
              runAsGroup: 1000,
              runAsNonRoot: true,
              runAsUser: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'gateway',
                image: 'nir-sim:local',
                imagePullPolicy: 'IfNotPresent',
                args: compose.command,
                env: [{ name: 'NIR_SIM_HEALTH_URL', value: 'http://127.0.0.1:9001/health' }],
                envFrom: [{ configMapRef: { name: 'nir-sim-gateway-env' } }],
                ports: [
                  { name: 'community-0', containerPort: 9001, protocol: 'TCP' },
                  { name: 'control', containerPort: 9090, protocol: 'TCP' },
                ],
                startupProbe: { ...probe, periodSeconds: 1, failureThreshold: 30 },
                readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
                livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
                resources: K8sResources.gateway,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                },
                volumeMounts: [{ name: 'nir-sim-community-2-tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'nir-sim-community-2-tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    });
    expect(compose.command).toEqual([
      ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
      ...['--community', 'community-2', '--seed', '1'],
    ]);
  });

  it('keeps the broker and PARS at one replica, replaced with Recreate, their state on the claims', () => {
    const broker = deployment(files, 'nir-sim-broker');
    expect(broker.spec!.replicas).toBe(1);
    expect(broker.spec!.strategy).toEqual({ type: 'Recreate' });
    const pod = podSpec(files, 'nir-sim-broker');
    // The plan's broker command, its flags moved into the settings file the ConfigMap mounts.
    expect(pod.containers[0]!.args).toEqual([
      'serve',
      'broker',
      '--settings',
      '/etc/nir-sim/broker/settings.json',
    ]);
    const command = plan.services.find((s) => s.service === 'broker')!.command;
    const valueOf = (flag: string): string => command[command.indexOf(flag) + 1]!;
    expect(brokerSettingsOf(files)).toEqual({
      'deadline-ms': valueOf('--deadline-ms'),
      seed: valueOf('--seed'),
      'public-url': valueOf('--public-url'),
      'pars-url': 'http://pars:8100',
      'pars-control-url': 'http://pars:8110',
      'audit-dir': '/var/lib/nir-sim/audit',
      community: command.filter((_, i) => command[i - 1] === '--community'),
    });
    expect(brokerSettingsOf(files)['community']).toHaveLength(3);
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { name: 'nir-sim-audit', mountPath: '/var/lib/nir-sim/audit' },
      { name: 'nir-sim-broker-settings', mountPath: '/etc/nir-sim/broker', readOnly: true },
      { name: 'nir-sim-broker-tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'nir-sim-audit', persistentVolumeClaim: { claimName: 'nir-sim-audit' } },
      { name: 'nir-sim-broker-settings', configMap: { name: 'nir-sim-broker-settings' } },
      { name: 'nir-sim-broker-tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: '200m', memory: '192Mi' },
      limits: { memory: '320Mi' },
    });
    expect(podSpec(files, 'nir-sim-pars').volumes![0]).toEqual({
      name: 'nir-sim-pars',
      persistentVolumeClaim: { claimName: 'nir-sim-pars' },
    });
    expect(find(files, 'PersistentVolumeClaim', 'nir-sim-audit')['spec']).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    expect(service(files, 'broker').spec!.ports).toEqual([
      { name: 'sandbox', port: 8080, targetPort: 8080, protocol: 'TCP' },
      { name: 'control', port: 8090, targetPort: 8090, protocol: 'TCP' },
    ]);
    expect(find(files, 'ConfigMap', 'nir-sim-broker-env')['data']).toEqual({
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=160',
    });
  });

  it('lists every file in the kustomization, in the namespace given', () => {
    const k = kustomization(readBack(k8sObjects({ plan }), 'team-a'));
    expect(k).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'team-a',
      resources: [...files.keys()].filter((f) => f !== KUSTOMIZATION),
    });
  });

  it("prefixes every name but the Services' with the instance, so two instances share none of them", () => {
    const names = (instance: string): string[] => {
      const m = k8sObjects({ plan: planContainers(input(3, { project: instance })) });
      return m.files.flatMap((f) =>
        f.objects.flatMap((o) => {
          if (o.kind === 'Service') return [];
          const pod =
            o.kind === 'Deployment' ? (o as unknown as IDeployment).spec!.template.spec! : undefined;
          return [o.metadata.name, ...(pod?.volumes ?? []).map((v) => v.name)];
        }),
      );
    };
    const a = names('team-a');
    expect(a.every((n) => n.startsWith('team-a-'))).toBe(true);
    expect(names('team-b').filter((n) => a.includes(n))).toEqual([]);
    const services = (instance: string) =>
      k8sObjects({ plan: planContainers(input(3, { project: instance })) })
        .files.flatMap((f) => f.objects)
        .filter((o) => o.kind === 'Service')
        .map((o) => o.metadata.name);
    expect(services('team-a')).toEqual(['community-1', 'community-2', 'community-3', 'pars', 'broker']);
  });

  it('keeps a pod volume name a DNS-1123 label (63 characters) for a long community name', () => {
    const long = 'c'.repeat(60);
    const m = k8sObjects({
      plan: planContainers(input(1, { communities: [{ name: long, homeCommunityId: `${OID}.1` }] })),
    });
    const files = readBack(m);
    validateAll(files);
    const pod = podSpec(files, `nir-sim-${long}`);
    expect(pod.volumes).toEqual([{ name: 'nir-sim-tmp-6b15af5596', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  it('gives the same bytes for the same plan', () => {
    const a = renderK8s(k8sObjects({ plan }), { regenerate: 'x', namespace: 'n' });
    const b = renderK8s(k8sObjects({ plan: planContainers(input(3)) }), { regenerate: 'x', namespace: 'n' });
    expect(a).toEqual(b);
  });
});

describe('k8sObjects: 50 communities, an MHD one and an external one', () => {
  const communities = input(50).communities.map((c, i) =>
    i === 49 ? { ...c, protocol: 'mhd' as const } : c,
  );
  const plan = planContainers(
    input(50, {
      communities,
      external: [
        {
          kind: 'external',
          name: 'supplier-gw',
          homeCommunityId: `${OID}.900`,
          iti38Url: 'https://supplier.example/xca/iti38',
          iti39Url: 'https://supplier.example/xca/iti39',
        },
      ],
    }),
  );
  const files = readBack(k8sObjects({ plan }));

  it('validates: 8 shared gateway Deployments, a Service per Deployment and per community', () => {
    expect(validateAll(files)).toEqual({
      Namespace: 1,
      ConfigMap: 4,
      PersistentVolumeClaim: 2,
      Deployment: 10,
      Service: 10 + 50,
    });
  });

  it("routes each community's Service to its listener in the shared pod, and the broker dials those names", () => {
    // 50 communities in 8 containers: 7 each, community-9 the 2nd of gateways-2.
    expect(service(files, 'community-9').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/instance': 'nir-sim', 'nir-sim/service': 'gateways-2' },
      ports: [
        { name: 'gateway', port: 9002, targetPort: 9002, protocol: 'TCP' },
        { name: 'control', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
    const g2 = container(files, 'nir-sim-gateways-2');
    expect(g2.ports!.map((p) => [p.name, p.containerPort])).toEqual([
      ...Array.from({ length: 7 }, (_, j) => [`community-${j}`, 9001 + j]),
      ['control', 9090],
    ]);
    const settings = brokerSettingsOf(files);
    expect(settings['community']).toHaveLength(50);
    expect(settings['community']).toContain(
      `name=community-9,homeCommunityId=${OID}.9,url=http://community-9:9002,control=http://community-9:9090`,
    );
    expect(settings['community']).toContain(
      `name=community-50,homeCommunityId=${OID}.50,url=http://community-50:9001,control=http://community-50:9090,protocol=mhd`,
    );
    expect(settings['external']).toEqual([
      `name=supplier-gw,homeCommunityId=${OID}.900,iti38Url=https://supplier.example/xca/iti38,iti39Url=https://supplier.example/xca/iti39`,
    ]);
  });

  it('probes a gateway Deployment whose first community speaks MHD on its CapabilityStatement', () => {
    const mhdOnly = planContainers(input(1, { communities: [{ ...communities[49]!, name: 'mhd-1' }] }));
    const c = container(readBack(k8sObjects({ plan: mhdOnly })), 'nir-sim-mhd-1');
    expect(c.readinessProbe!.httpGet).toEqual({ path: '/fhir/metadata', port: 9001 });
    expect(c.args).toContain('--mhd-community');
  });
});

describe('k8sObjects: security', () => {
  const plan = planContainers(input(2, { security: { certsDir: '/certs', user: '1000:1000' } }));
  const certPaths = runtimeCertFiles(['community-1', 'community-2']);

  it('with kustomize: a secretGenerator of the runtime files (no CA key), each pod mounting only what it reads, mode 0440', () => {
    const m = k8sObjects({ plan });
    const files = readBack(m);
    expect(validateAll(files)).toEqual({
      Namespace: 1,
      ConfigMap: 4,
      PersistentVolumeClaim: 2,
      Deployment: 4,
      Service: 4,
    });
    expect(certPaths.filter((p) => p.endsWith('ca.key'))).toEqual([]);
    const k = kustomization(files);
    expect(k['secretGenerator']).toEqual([
      {
        name: 'nir-sim-certs',
        type: 'Opaque',
        files: certPaths.map((p) => `${p.split('/').join('__')}=certs/${p}`),
      },
    ]);
    const gw = podSpec(files, 'nir-sim-community-1');
    const certs = gw.volumes!.find((v) => v.name === 'certs')!;
    expect(certs.secret!.defaultMode).toBe(0o440);
    // podman 4.3.1 kube play dereferences `optional` without a default: it is always written.
    expect(certs.secret!.optional).toBe(false);
    expect(certs.secret!.items!.map((i) => i.path)).toEqual(runtimeCertFiles(['community-1']));
    expect(gw.containers[0]!.readinessProbe!.httpGet).toEqual({ path: '/health', port: 9090 });
    expect(gw.containers[0]!.args!.slice(-2)).toEqual(['--certs-dir', '/var/lib/nir-sim/certs']);
    const broker = podSpec(files, 'nir-sim-broker');
    expect(broker.volumes!.find((v) => v.name === 'certs')!.secret!.items!.map((i) => i.path)).toEqual(
      certPaths,
    );
    expect(service(files, 'broker').spec!.ports!.at(-1)).toEqual({
      name: 'integration',
      port: 8443,
      targetPort: 8443,
      protocol: 'TCP',
    });
  });

  it('with --embed-certs: the same files inline in a Secret, byte for byte', () => {
    const embedded: BundleFile[] = certPaths.map((p) => ({ path: p, data: Buffer.from(`PEM of ${p}\n`) }));
    const m = k8sObjects({ plan, embeddedCerts: embedded });
    expect(m.certSecret).toBeUndefined();
    const files = readBack(m);
    validateAll(files);
    const s = find(files, 'Secret', 'nir-sim-certs') as unknown as ISecret;
    expect(Object.keys(s.data!)).toEqual(certPaths.map((p) => p.split('/').join('__')));
    for (const f of embedded)
      expect(Buffer.from(s.data![f.path.split('/').join('__')]!, 'base64').toString()).toBe(
        `PEM of ${f.path}\n`,
      );
    expect(kustomization(files)['secretGenerator']).toBeUndefined();
  });

  it('for podman kube play (target podman): the set as one ConfigMap per directory, mounted in place, and no containerPorts for it to publish', () => {
    const embedded: BundleFile[] = certPaths.map((p) => ({ path: p, data: Buffer.from(`PEM of ${p}\n`) }));
    const kube = readBack(k8sObjects({ plan, embeddedCerts: embedded }));
    const files = readBack(k8sObjects({ plan, embeddedCerts: embedded, target: 'podman' }));
    expect(validateAll(files)).toEqual({
      Namespace: 1,
      ConfigMap: 4 + 4,
      PersistentVolumeClaim: 2,
      Deployment: 4,
      Service: 4,
    });
    // podman 4.3 creates no sub-directory for an item's path: each directory is its own ConfigMap.
    const dirs = ['communities/community-1', 'communities/community-2', 'nir', 'supplier'];
    for (const dir of dirs) {
      const name = `nir-sim-certs-${dir.replace('communities/', 'community-')}`;
      const cm = find(files, 'ConfigMap', name) as unknown as { data: Record<string, string> };
      const inDir = certPaths.filter((p) => path.posix.dirname(p) === dir);
      expect(cm.data, name).toEqual(
        Object.fromEntries(inDir.map((p) => [path.posix.basename(p), `PEM of ${p}\n`])),
      );
    }
    const gw = podSpec(files, 'nir-sim-community-1');
    const certVolumes = (spec: IPodSpec) => spec.volumes!.filter((v) => v.name.startsWith('nir-sim-certs'));
    expect(certVolumes(gw)).toEqual(
      ['community-community-1', 'nir', 'supplier'].map((d) => ({
        name: `nir-sim-certs-${d}`,
        configMap: { name: `nir-sim-certs-${d}` },
      })),
    );
    expect(gw.containers[0]!.volumeMounts!.filter((v) => v.name.startsWith('nir-sim-certs'))).toEqual(
      ['communities/community-1', 'nir', 'supplier'].map((d) => ({
        name: `nir-sim-certs-${d.replace('communities/', 'community-')}`,
        mountPath: `/var/lib/nir-sim/certs/${d}`,
        readOnly: true,
      })),
    );
    expect(certVolumes(podSpec(files, 'nir-sim-broker')).map((v) => v.name)).toEqual(
      ['community-community-1', 'community-community-2', 'nir', 'supplier'].map((d) => `nir-sim-certs-${d}`),
    );
    // Only the certificates and the containerPorts differ from the cluster's manifests.
    const notCerts = (v: { name: string }) => v.name !== 'certs' && !v.name.startsWith('nir-sim-certs');
    for (const name of ['nir-sim-community-1', 'nir-sim-community-2', 'nir-sim-pars', 'nir-sim-broker']) {
      const { ports, volumeMounts, ...rest } = container(kube, name);
      expect(ports!.length).toBeGreaterThan(0);
      const { volumeMounts: podmanMounts, ...podmanRest } = container(files, name);
      expect(podmanRest).toEqual(rest);
      expect(podmanMounts!.filter(notCerts)).toEqual(volumeMounts!.filter(notCerts));
      expect(podSpec(files, name).volumes!.filter(notCerts)).toEqual(
        podSpec(kube, name).volumes!.filter(notCerts),
      );
    }
    for (const name of ['community-1', 'community-2', 'pars', 'broker'])
      expect(service(files, name)).toEqual(service(kube, name));
  });

  it('refuses an embedded set that lacks a file the pods read', () => {
    const embedded = certPaths.slice(1).map((p) => ({ path: p, data: Buffer.from('x') }));
    expect(() => k8sObjects({ plan, embeddedCerts: embedded })).toThrow(
      new SimError(
        'SIM_ERR_BAD_ARGUMENT',
        `--embed-certs: the certificate set lacks ${certPaths[0]}: mint it with npm run sim certs generate`,
      ),
    );
  });
});

describe('k8sObjects: a host data pack', () => {
  const plan = planContainers(input(1, { dataPack: { hostDir: '/srv/pack' } }));

  it('goes in a ConfigMap (text as data, DICOM as binaryData) mounted read-only where the gateway reads it', () => {
    const pack: BundleFile[] = [
      { path: 'communities/community-1/entries.json', data: Buffer.from('{"entries":[]}') },
      {
        path: 'communities/community-1/dicom/1.2/3.4.dcm',
        data: Buffer.from([0x44, 0x49, 0x43, 0x4d, 0, 1]),
      },
      { path: 'pack.json', data: Buffer.from('{}') },
    ];
    const files = readBack(k8sObjects({ plan, packFiles: pack }));
    validateAll(files);
    expect(find(files, 'ConfigMap', 'nir-sim-data-pack')).toMatchObject({
      data: { 'communities__community-1__entries.json': '{"entries":[]}', 'pack.json': '{}' },
      binaryData: { 'communities__community-1__dicom__1.2__3.4.dcm': 'RElDTQAB' },
    });
    const pod = podSpec(files, 'nir-sim-community-1');
    expect(pod.volumes![0]).toEqual({ name: 'data-pack', configMap: { name: 'nir-sim-data-pack' } });
    expect(pod.containers[0]!.volumeMounts![0]).toEqual({
      name: 'data-pack',
      mountPath: '/var/lib/nir-sim-pack',
      readOnly: true,
    });
    expect(pod.containers[0]!.args!.slice(2, 4)).toEqual(['--data-pack', '/var/lib/nir-sim-pack']);
  });

  it('a generated pack is generated again in each gateway pod by an init container, into an emptyDir: no ConfigMap', () => {
    const two = planContainers(
      input(2, { dataPack: { hostDir: '/home/me/.nir-sim/data-packs/seed-7-communities-2' } }),
    );
    const m = k8sObjects({ plan: two, generatedPack: { seed: 7, communities: 2, patients: 60 } });
    const text = renderK8s(m, { regenerate: 'x', namespace: 'n' });
    expect(text.map((f) => f.file)).not.toContain('data-pack.yaml');
    // Plain YAML: the security context both containers share is written out twice, not aliased.
    for (const f of text) expect(f.text, f.file).not.toMatch(/[&*]a\d/);
    const files = readBack(m);
    validateAll(files);
    const pod = podSpec(files, 'nir-sim-community-2');
    expect(pod.initContainers).toEqual([
      {
        name: 'data-pack',
        image: 'nir-sim:local',
        imagePullPolicy: 'IfNotPresent',
        args: [
          ...['data-pack', 'generate', '--seed', '7', '--communities', '2', '--patients', '60'],
          ...['--out', '/var/lib/nir-sim-pack', '--force'],
        ],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
        securityContext: pod.containers[0]!.securityContext,
        volumeMounts: [
          { name: 'nir-sim-community-2-pack', mountPath: '/var/lib/nir-sim-pack' },
          { name: 'nir-sim-community-2-tmp', mountPath: '/tmp' },
        ],
      },
    ]);
    expect(pod.containers[0]!.volumeMounts![0]).toEqual({
      name: 'nir-sim-community-2-pack',
      mountPath: '/var/lib/nir-sim-pack',
      readOnly: true,
    });
    expect(pod.volumes![0]).toEqual({ name: 'nir-sim-community-2-pack', emptyDir: {} });
    expect(pod.containers[0]!.args!.slice(2, 4)).toEqual(['--data-pack', '/var/lib/nir-sim-pack']);
    expect(podSpec(files, 'nir-sim-broker').initContainers).toBeUndefined();
  });

  it('refuses a pack over 1 MiB, saying to bake it into an image', () => {
    const big: BundleFile[] = [
      { path: 'a.dcm', data: new Uint8Array(MAX_OBJECT_DATA_BYTES) },
      { path: 'b.json', data: Buffer.from('{}') },
    ];
    expect(() => k8sObjects({ plan, packFiles: big })).toThrow(
      'the data pack holds 1048578 bytes in 2 files: more than a Kubernetes ConfigMap or Secret can hold (1 MiB = 1048576 bytes); bake it into an image instead (a Dockerfile FROM nir-sim:local that COPYs it to /app/data-packs/<name>) and render with --image <that image> --pack-in-image data-packs/<name>, or use a smaller pack',
    );
  });

  it('refuses files whose names cannot be keys, or two that would share one', () => {
    expect(() =>
      k8sObjects({ plan, packFiles: [{ path: 'notes/read me.txt', data: Buffer.from('x') }] }),
    ).toThrow(/^file notes\/read me.txt cannot be a ConfigMap or Secret key/);
    expect(() =>
      k8sObjects({
        plan,
        packFiles: [
          { path: 'a/b', data: Buffer.from('x') },
          { path: 'a__b', data: Buffer.from('y') },
        ],
      }),
    ).toThrow('the data pack: files a/b and a__b would share the key a__b: rename one');
  });
});
