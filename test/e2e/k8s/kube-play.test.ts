/**
 * The Kubernetes manifests `nir-sim k8s render` writes (docs/kubernetes.md), played on a real engine
 * with podman's `podman kube play` (podman 4.3 here; test/e2e/k8s/podman-kube.ts says what it does
 * in a cluster's place): every pod answers its probe; with one community given a `timeout` fault
 * through the control API, ITI-38 through the broker pod gives PartialSuccess with exactly one
 * XDSUnavailableCommunity naming that community; with the fault cleared, ITI-39 through the broker
 * pod returns a document held by a gateway pod, byte for byte as in the pack; the broker's audit
 * trail, on its PersistentVolumeClaim, outlives the broker pod; and teardown leaves nothing behind.
 * The `--security` render plays too: the broker pod's legs to every gateway pod are mutual TLS with
 * the certificate set from ConfigMaps. A last, engine-free check plays nothing: a render whose gateway pods host several communities
 * gives every dialled name and port a pod under podman. Run by `npm run test:containers`
 * (scripts/containers/test-containers.sh), not by `npm test`.
 *
 * The image is NIR_SIM_IMAGE (default nir-sim:local, the one test-containers.sh builds). The host
 * reaches the pods at their IPs on a bridge network of the test's own, so podman must run as root;
 * outside CI a machine without podman, not root, without netavark (CONTAINERS_CONF of
 * scripts/containers/engine-up.sh) or without the image skips, saying why; under CI it fails.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerPorts } from '../../../simulator/containers/container-ports.js';
import type { DataPack } from '../../../simulator/data-pack/loader.js';
import { ErrorSeverity, ResponseStatus } from '../../../simulator/xca/constants.js';
import { findDocuments, retrieve } from '../../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../../helpers/soap-http.js';
import { inCi } from '../../helpers/system-tools.js';
import { defaultPack, sim, STACK_DEADLINE_MS, tempHome } from '../containers/stack.js';
import { podman, PodmanKube, playPlan, readRendered, type KubeObject } from './podman-kube.js';

const IMAGE = process.env['NIR_SIM_IMAGE'] ?? 'nir-sim:local';
/** The bridge network the pods play on (made and removed by the test). */
const NETWORK = `nir-sim-kube-play-${process.pid}`;
/**
 * The prefix of the names the pods, claims and ConfigMaps get (`k8s render --instance`): podman has
 * no namespaces, so these are global on the engine; this one is nobody else's.
 */
const INSTANCE = `kube-play-${process.pid}`;
/** The default pack's patient every community holds (pack.json examples.inAllCommunities). */
const NHS_ALL = '9995649284';
const HUNG = 'north-west-imaging-network';
/** Where the broker keeps its audit trail (ContainerDefaults.auditDir). */
const AUDIT_DIR = '/var/lib/nir-sim/audit';

/** Why this machine cannot run the test, or '' when it can. */
function missingEngine(): string {
  const version = spawnSync('podman', ['version', '--format', '{{.Client.Version}}'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (version.error || version.status !== 0)
    return 'podman is not installed (scripts/containers/engine-up.sh installs it; npm run test:containers runs it)';
  if (process.getuid?.() !== 0)
    return 'podman kube play here needs root: the test reaches the pods at their bridge IPs, which rootless podman does not route from the host';
  // Service names resolve through aardvark-dns aliases, which only netavark networks have: podman's
  // default (CNI) here also lacks the CNI plugins. engine-up.sh's containers.conf picks netavark.
  const backend = spawnSync('podman', ['info', '--format', '{{.Host.NetworkBackend}}'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (backend.stdout.trim() !== 'netavark')
    return `podman's network backend is '${backend.stdout.trim() || backend.stderr.trim()}', not netavark: run it with CONTAINERS_CONF from scripts/containers/engine-up.sh (scripts/containers/test-containers.sh sets it)`;
  const image = spawnSync('podman', ['image', 'exists', IMAGE], { timeout: 30_000 });
  if (image.status !== 0)
    return `image ${IMAGE} is missing: build it with scripts/containers/build-image.sh (or set NIR_SIM_IMAGE)`;
  return '';
}

const missing = missingEngine();
if (missing !== '' && inCi()) throw new Error(`CI must not skip the kube play test: ${missing}`);
if (missing !== '') console.warn(`kube-play.test.ts skipped: ${missing}`);

/** Wait (bounded) until GET `url` answers 200. @throws Error naming the URL and the last outcome. */
async function waitFor200(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** The claim the broker Deployment mounts at {@link AUDIT_DIR}. @throws Error when it mounts none. */
function auditClaim(objects: readonly KubeObject[], deployment: string): string {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === deployment);
  const pod = (
    d?.spec as
      | {
          template: {
            spec: {
              containers: { volumeMounts?: { name: string; mountPath: string }[] }[];
              volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
            };
          };
        }
      | undefined
  )?.template.spec;
  const mount = pod?.containers.flatMap((c) => c.volumeMounts ?? []).find((m) => m.mountPath === AUDIT_DIR);
  const claim = pod?.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
  if (claim === undefined) throw new Error(`Deployment ${deployment} mounts no claim at ${AUDIT_DIR}`);
  return claim;
}

/** The audit files (`audit-*.ndjson`, one per broker run) in the volume of `claim`, name to text. */
/**
 * The `--community` values of the broker's settings file (`serve broker --settings`), from the
 * ConfigMap `<instance>-broker-settings` the render mounts into the broker pod.
 */
function brokerCommunities(objects: readonly KubeObject[], instance: string): string[] {
  const map = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === `${instance}-broker-settings`,
  );
  const data = (map as { data?: Record<string, string> } | undefined)?.data?.['settings.json'];
  if (data === undefined) throw new Error(`no ConfigMap ${instance}-broker-settings with settings.json`);
  return (JSON.parse(data) as { community: string[] }).community;
}

async function auditFiles(claim: string): Promise<Map<string, string>> {
  const inspected = await podman(['volume', 'inspect', claim, '--format', '{{.Mountpoint}}']);
  expect(inspected.code, inspected.stderr).toBe(0);
  const dir = inspected.stdout.trim();
  const names = (await readdir(dir)).filter((f) => /^audit-.*\.ndjson$/.test(f)).sort();
  return new Map(
    await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n), 'utf8')] as const)),
  );
}

describe.skipIf(missing !== '')('podman kube play of the rendered Kubernetes manifests', () => {
  let kube: PodmanKube | undefined;
  let objects: KubeObject[] = [];
  let ips: Record<string, string> = {};
  let pack: DataPack;
  let broker = '';
  let control = '';
  let brokerPod = '';

  beforeAll(async () => {
    pack = await defaultPack();
    const dir = path.join(await tempHome(), 'k8s');
    const rendered = await sim([
      ...['k8s', 'render', '--target', 'podman', '--out', dir],
      ...['--image', IMAGE, '--deadline-ms', String(STACK_DEADLINE_MS), '--instance', INSTANCE],
    ]);
    expect(rendered.code, `k8s render failed:\n${rendered.stderr}${rendered.stdout}`).toBe(0);
    objects = await readRendered(dir);
    kube = new PodmanKube(NETWORK, dir);
    ips = await kube.up(objects);
    brokerPod = kube.plan!.pods.find((p) => p.aliases.includes('broker'))?.name ?? '';
    expect(brokerPod, `no pod behind Service broker: ${JSON.stringify(kube.plan)}`).not.toBe('');
    broker = `http://${ips[brokerPod]}:${ContainerPorts.broker}`;
    control = `http://${ips[brokerPod]}:${ContainerPorts.control}`;
    // Every pod's probe, then the control API: five pods start at once on a busy machine.
    await Promise.all(
      kube
        .plan!.pods.filter((p) => p.health !== undefined)
        .map((p) => waitFor200(`http://${ips[p.name]}:${p.health!.port}${p.health!.path}`, 150_000)),
    );
    await waitFor200(`${control}/health`, 60_000);
  }, 400_000);

  afterAll(async () => {
    if (!kube) return;
    const left = await kube.down();
    expect(left, 'what podman could not remove').toEqual([]);
    for (const p of kube.plan?.pods ?? [])
      expect(spawnSync('podman', ['pod', 'exists', p.name]).status, `pod ${p.name} still exists`).toBe(1);
  }, 180_000);

  it('plays one pod per Deployment, each with the names of the Services that select it', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.name}-pod-0`);
    expect(kube!.plan!.pods.map((p) => p.name).sort()).toEqual(deployments.sort());
    const names = kube!.plan!.pods.flatMap((p) => p.aliases).sort();
    expect(names).toEqual(['broker', 'pars', ...pack.communities.map((c) => c.name)].sort());
    expect(Object.values(ips).every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
  });

  it('a community timing out gives PartialSuccess with one XDSUnavailableCommunity naming it', async () => {
    const hung = pack.communities.find((c) => c.name === HUNG)!;
    const added = await fetch(`${control}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kube-play-hang', gateway: HUNG, kind: 'timeout' }),
    });
    expect(added.status, await added.clone().text()).toBe(201);
    try {
      const r = await post(`${broker}/xca/iti38`, findDocuments(NHS_ALL));
      expect(r.status).toBe(200);
      const q = readQueryResponse(r).response;
      expect(q.status).toBe(ResponseStatus.PartialSuccess);
      expect(q.errors).toEqual([
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: `community ${hung.homeCommunityId} (${HUNG}) did not answer within ${STACK_DEADLINE_MS} ms`,
          severity: ErrorSeverity.Error,
          location: hung.homeCommunityId,
        },
      ]);
      // The other gateway pods answered, each with the documents the pack holds for the patient.
      const answered = pack.communities.filter((c) => c.name !== HUNG);
      const perHome = (home: string) => q.objects.filter((o) => o.home === home).length;
      expect(answered.map((c) => [c.name, perHome(c.homeCommunityId)])).toEqual(
        answered.map((c) => [c.name, c.entries.filter((e) => e.patientId.startsWith(`${NHS_ALL}^`)).length]),
      );
      expect(perHome(hung.homeCommunityId)).toBe(0);
    } finally {
      const removed = await fetch(`${control}/faults/kube-play-hang`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
    }
  }, 120_000);

  it('ITI-39 through the broker pod returns a gateway pod’s document byte for byte', async () => {
    // The community that hung a moment ago: its fault is gone, so it answers again.
    const holder = pack.communities.find((c) => c.name === HUNG)!;
    const entry = holder.entries.find((e) => e.patientId.startsWith(`${NHS_ALL}^`))!;
    const wanted = {
      homeCommunityId: holder.homeCommunityId,
      repositoryUniqueId: holder.repositoryUniqueId,
      documentUniqueId: entry.uniqueId,
    };
    const res = await post(`${broker}/xca/iti39`, retrieve([wanted]));
    expect(res.status).toBe(200);
    const r = readRetrieveResponse(res).response;
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
    expect(r.documents.map((d) => [d.homeCommunityId, d.repositoryUniqueId, d.documentUniqueId])).toEqual([
      [wanted.homeCommunityId, wanted.repositoryUniqueId, wanted.documentUniqueId],
    ]);
    const bytes = await holder.readDocument(entry.uniqueId);
    expect(bytes).toBeDefined();
    expect(Buffer.compare(r.documents[0]!.content, bytes!)).toBe(0);
  }, 120_000);

  it('the audit trail on the broker’s claim outlives the broker pod', async () => {
    const claim = auditClaim(objects, brokerPod.replace(/-pod-0$/, ''));
    // The two tests above made AuditEvents: the broker writes each before it answers.
    const before = await auditFiles(claim);
    expect(before.size).toBe(1);
    const [first] = [...before.values()];
    expect(first!.trim().split('\n').length).toBeGreaterThanOrEqual(2);

    // The pod goes (a node drained, a crash); the Deployment makes a new one on the same claim.
    const ip = await kube!.recreate(brokerPod);
    broker = `http://${ip}:${ContainerPorts.broker}`;
    await waitFor200(`${broker}/health`, 120_000);
    const q = readQueryResponse(await post(`${broker}/xca/iti38`, findDocuments(NHS_ALL))).response;
    expect([q.status, q.errors]).toEqual([ResponseStatus.Success, []]);

    const after = await auditFiles(claim);
    expect(after.size).toBe(2);
    for (const [name, text] of before) expect(after.get(name), name).toBe(text);
    const added = [...after.keys()].filter((n) => !before.has(n));
    expect(added).toHaveLength(1);
    expect(after.get(added[0]!)!.trim().split('\n').length).toBeGreaterThanOrEqual(1);
  }, 240_000);
});

describe.skipIf(missing !== '')('podman kube play of the --security render', () => {
  let kube: PodmanKube | undefined;
  let objects: KubeObject[] = [];
  let ips: Record<string, string> = {};

  beforeAll(async () => {
    const dir = path.join(await tempHome(), 'k8s-security');
    // The certificate set as a user mints it, where the render looks for it (OUT/certs).
    const minted = await sim(['certs', 'generate', '--out', path.join(dir, 'certs')]);
    expect(minted.code, `certs generate failed:\n${minted.stderr}`).toBe(0);
    const rendered = await sim([
      ...['k8s', 'render', '--target', 'podman', '--security', '--out', dir],
      ...['--image', IMAGE, '--deadline-ms', String(STACK_DEADLINE_MS), '--instance', `${INSTANCE}-tls`],
    ]);
    expect(rendered.code, `k8s render --security failed:\n${rendered.stderr}${rendered.stdout}`).toBe(0);
    objects = await readRendered(dir);
    kube = new PodmanKube(`${NETWORK}-tls`, dir);
    ips = await kube.up(objects);
    await Promise.all(
      kube
        .plan!.pods.filter((p) => p.health !== undefined)
        .map((p) => waitFor200(`http://${ips[p.name]}:${p.health!.port}${p.health!.path}`, 150_000)),
    );
  }, 400_000);

  afterAll(async () => {
    if (!kube) return;
    expect(await kube.down(), 'what podman could not remove').toEqual([]);
  }, 180_000);

  it('the broker pod reaches every gateway pod over mutual TLS with the certificates from ConfigMaps', async () => {
    const pack = await defaultPack();
    const brokerPod = kube!.plan!.pods.find((p) => p.aliases.includes('broker'))!.name;
    const communities = brokerCommunities(objects, `${INSTANCE}-tls`);
    // Every leg is HTTPS: the gateways serve only mutual TLS on their community ports.
    const legs = communities.flatMap((a) => [...a.matchAll(/,url=(\w+):\/\//g)].map((m) => m[1]));
    expect(legs).toEqual(pack.communities.map(() => 'https'));
    const r = await post(
      `http://${ips[brokerPod]}:${ContainerPorts.broker}/xca/iti38`,
      findDocuments(NHS_ALL),
    );
    expect(r.status).toBe(200);
    const q = readQueryResponse(r).response;
    expect([q.status, q.errors]).toEqual([ResponseStatus.Success, []]);
    expect([...new Set(q.objects.map((o) => o.home))].sort()).toEqual(
      pack.communities.map((c) => c.homeCommunityId).sort(),
    );
  }, 120_000);
});

describe('a render whose gateway pods host several communities, as podman would play it', () => {
  it('gives each gateway pod its communities’ Service names, on the ports the broker dials', async () => {
    const dir = path.join(await tempHome(), 'k8s-grouped');
    const rendered = await sim([
      ...['k8s', 'render', '--target', 'podman', '--out', dir],
      ...['--communities-per-container', '2', '--instance', 'grouped'],
    ]);
    expect(rendered.code, `k8s render failed:\n${rendered.stderr}${rendered.stdout}`).toBe(0);
    const objects = await readRendered(dir);
    // No containerPorts, every Service port its target's, no shared emptyDir (else playPlan throws).
    const plan = playPlan(objects);
    expect(plan.pods.map((p) => [p.name, p.aliases, p.health])).toEqual([
      [
        'grouped-gateways-1-pod-0',
        ['gateways-1', 'north-east-imaging-network', 'north-west-imaging-network'],
        { port: ContainerPorts.gateway, path: '/health' },
      ],
      [
        'grouped-gateways-2-pod-0',
        ['gateways-2', 'yorkshire-imaging-network'],
        { port: ContainerPorts.gateway, path: '/health' },
      ],
      ['grouped-pars-pod-0', ['pars'], { port: ContainerPorts.pars, path: '/health' }],
      ['grouped-broker-pod-0', ['broker'], { port: ContainerPorts.broker, path: '/health' }],
    ]);
    // Every URL the broker dials is a Service's name and port, so (aliased, port = targetPort) a pod's.
    const dialled = brokerCommunities(objects, 'grouped')
      .flatMap((a) => [...a.matchAll(/(?:url|control)=http:\/\/([^:/,]+):(\d+)/g)])
      .map((m) => `${m[1]}:${m[2]}`);
    const served = objects
      .filter((o) => o.kind === 'Service')
      .flatMap((o) =>
        ((o.spec as { ports: { port: number }[] }).ports ?? []).map((p) => `${o.metadata.name}:${p.port}`),
      );
    expect(dialled).toEqual([
      'north-east-imaging-network:9001',
      'north-east-imaging-network:9090',
      'north-west-imaging-network:9002',
      'north-west-imaging-network:9090',
      'yorkshire-imaging-network:9001',
      'yorkshire-imaging-network:9090',
    ]);
    for (const d of dialled) expect(served, d).toContain(d);
  });
});
