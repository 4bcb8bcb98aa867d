/**
 * `sim k8s render` (cli/commands/k8s.ts) and the committed example compose/k8s: the example is
 * exactly what `npm run k8s:render` writes today (so CI fails when it is stale), kustomize
 * (`kubectl kustomize`) builds it and a security render whose Secret it generates from the files
 * `sim certs generate` mints, `--embed-certs` puts those files inline, and bad flags, a pack too
 * big for a ConfigMap and an unwritable directory give one clear line each.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderK8sFromOptions } from './commands/k8s.js';
import { K8S_EXAMPLE_DIR } from '../containers/k8s-files.js';
import { runtimeCertFiles } from '../containers/k8s-bundle.js';
import { ensureCertificateSet } from '../security/cert-mint.js';
import { runSim, type SimRun } from '../../test/helpers/sim-cli.js';
import { defaultPackDir, repoDir } from '../../test/helpers/topology.js';

const exampleDir = path.join(repoDir, K8S_EXAMPLE_DIR);
const work = mkdtempSync(path.join(tmpdir(), 'nir-sim-k8s-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NAMES = ['north-east-imaging-network', 'north-west-imaging-network', 'yorkshire-imaging-network'];

/**
 * kubectl (its kustomize) is not a Debian package (Kubernetes' own apt repository or a cloud SDK
 * ships it): where it is absent these checks are skipped, saying so; the schema validation in
 * containers/k8s-objects.test.ts runs everywhere.
 */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl)
  console.warn('k8s-command.test.ts: kubectl is not on PATH: the kubectl kustomize checks are skipped');

/** `kubectl kustomize dir`: the objects it builds. */
function kustomize(dir: string): { kind: string; metadata: { name: string; namespace?: string } }[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
}

/** `sim` as the CLI runs it (tsx). */
function sim(...args: string[]): SimRun {
  return runSim(args, {
    entry: 'source',
    env: { ...process.env, NIR_SIM_HOME: work, NIR_SIM_LOG_LEVEL: 'warn' },
  });
}

describe('compose/k8s', () => {
  it('is exactly a fresh render (regenerate it with npm run k8s:render)', async () => {
    const fresh = await renderK8sFromOptions({});
    expect(fresh.notes).toEqual([]);
    expect(readdirSync(exampleDir).sort()).toEqual(fresh.files.map((f) => f.file).sort());
    for (const f of fresh.files)
      expect(readFileSync(path.join(exampleDir, f.file), 'utf8'), f.file).toBe(f.text);
  });

  it.skipIf(!kubectl)('builds with kubectl kustomize: every object in namespace nir-sim', () => {
    const objects = kustomize(exampleDir);
    expect(objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]).sort()).toEqual(
      [
        ['Namespace', 'nir-sim', undefined],
        ...['gateway', 'pars', 'broker'].map((r) => ['ConfigMap', `nir-sim-${r}-env`, 'nir-sim']),
        ['ConfigMap', 'nir-sim-broker-settings', 'nir-sim'],
        ['PersistentVolumeClaim', 'nir-sim-audit', 'nir-sim'],
        ['PersistentVolumeClaim', 'nir-sim-pars', 'nir-sim'],
        ...[...NAMES, 'pars', 'broker'].flatMap((n) => [
          ['Deployment', `nir-sim-${n}`, 'nir-sim'],
          ['Service', n, 'nir-sim'],
        ]),
      ].sort(),
    );
  });
});

describe('sim k8s render', { timeout: 180_000 }, () => {
  it('--check passes on the example and names every stale, missing or extra file otherwise', async () => {
    const ok = sim('k8s', 'render', '--check');
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, `${K8S_EXAMPLE_DIR} is up to date\n`, '']);
    const stale = path.join(work, 'stale');
    mkdirSync(stale);
    for (const f of (await renderK8sFromOptions({ out: stale })).files)
      writeFileSync(path.join(stale, f.file), f.text);
    const broker = path.join(stale, 'broker.yaml');
    writeFileSync(broker, readFileSync(broker, 'utf8').replace('replicas: 1', 'replicas: 2'));
    rmSync(path.join(stale, 'pars.yaml'));
    writeFileSync(
      path.join(stale, 'gateway-gone.yaml'),
      readFileSync(path.join(exampleDir, 'config.yaml'), 'utf8'),
    );
    const bad = sim('k8s', 'render', '--check', '--out', stale);
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([
      64,
      '',
      `nir-sim: ${stale}: pars.yaml is missing, broker.yaml is out of date, gateway-gone.yaml is no longer rendered: regenerate it with npm run sim k8s render -- --out ${stale}`,
    ]);
    // Writing brings the directory back to a fresh render, removing the generated file it no longer has.
    const wrote = sim('k8s', 'render', '--out', stale);
    expect([wrote.code, wrote.stderr]).toEqual([0, '']);
    expect(wrote.stdout).toBe(
      `wrote 9 files to ${stale}: 5 Deployments (broker, pars, 3 gateway); apply them with kubectl apply -k ${stale}\n`,
    );
    expect(existsSync(path.join(stale, 'gateway-gone.yaml'))).toBe(false);
    const fresh = await renderK8sFromOptions({ out: stale });
    expect(readdirSync(stale).sort()).toEqual(fresh.files.map((f) => f.file).sort());
    for (const f of fresh.files) expect(readFileSync(path.join(stale, f.file), 'utf8'), f.file).toBe(f.text);
  });

  it('--security: kustomize generates the Secret from the set sim certs generate mints into OUT/certs', async () => {
    const out = path.join(work, 'secure');
    const before = await renderK8sFromOptions({ security: true, out });
    expect(before.notes).toEqual([
      `there is no certificate set in ${path.join(out, 'certs')} yet: mint it with npm run sim certs generate -- --out ${path.resolve(out, 'certs')} before kubectl apply -k`,
    ]);
    const r = sim('k8s', 'render', '--security', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    await ensureCertificateSet(path.join(out, 'certs'), { communities: NAMES });
    const after = await renderK8sFromOptions({ security: true, out });
    expect(after.notes).toEqual([]);
    if (!kubectl) return;
    const objects = kustomize(out) as unknown as {
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
      spec?: { template: { spec: { volumes: { name: string; secret?: { secretName: string } }[] } } };
    }[];
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(secret.metadata.name).toMatch(/^nir-sim-certs-[a-z0-9]{10}$/);
    expect(Object.keys(secret.data!).sort()).toEqual(
      runtimeCertFiles(NAMES).map((p) => p.split('/').join('__')),
    );
    const key = 'nir__broker-server.key';
    expect(Buffer.from(secret.data![key]!, 'base64').toString()).toBe(
      readFileSync(path.join(out, 'certs', 'nir', 'broker-server.key'), 'utf8'),
    );
    // kustomize points every pod's certificate volume at the generated (hash-suffixed) name.
    const refs = objects
      .filter((o) => o.kind === 'Deployment' && !o.metadata.name.endsWith('-pars'))
      .map((o) => o.spec!.template.spec.volumes.find((v) => v.name === 'certs')!.secret!.secretName);
    expect(refs).toEqual(Array(4).fill(secret.metadata.name));
  });

  it('--embed-certs: the set of --certs-dir inline in certs.yaml, byte for byte (a ConfigMap with --target podman)', async () => {
    const certs = path.join(work, 'secure', 'certs');
    const r = await renderK8sFromOptions({
      security: true,
      embedCerts: true,
      certsDir: certs,
      out: path.join(work, 'embedded'),
      gateways: 2,
    });
    const file = r.files.find((f) => f.file === 'certs.yaml')!;
    const secret = parseAllDocuments(file.text)[0]!.toJS() as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(secret.metadata.name).toBe('nir-sim-certs');
    const paths = runtimeCertFiles(NAMES.slice(0, 2));
    expect(Object.keys(secret.data)).toEqual(paths.map((p) => p.split('/').join('__')));
    for (const p of paths)
      expect(Buffer.from(secret.data[p.split('/').join('__')]!, 'base64')).toEqual(
        readFileSync(path.join(certs, p)),
      );
    expect(r.files.find((f) => f.file === 'kustomization.yaml')!.text).not.toContain('secretGenerator');

    // --target podman: the same set, inline without --embed-certs, as a ConfigMap of the PEM text.
    const podman = await renderK8sFromOptions({
      security: true,
      target: 'podman',
      certsDir: certs,
      out: path.join(work, 'podman'),
      gateways: 2,
    });
    const configMaps = new Map(
      parseAllDocuments(podman.files.find((f) => f.file === 'certs.yaml')!.text).map((d) => {
        const o = d.toJS() as { kind: string; metadata: { name: string }; data: Record<string, string> };
        expect(o.kind).toBe('ConfigMap');
        return [o.metadata.name, o.data];
      }),
    );
    expect(configMaps.size).toBe(4);
    for (const p of paths) {
      const dir = path.posix.dirname(p).replace('communities/', 'community-');
      expect(configMaps.get(`nir-sim-certs-${dir}`)![path.posix.basename(p)], p).toBe(
        readFileSync(path.join(certs, p), 'utf8'),
      );
    }
    expect(podman.files.find((f) => f.file === 'kustomization.yaml')!.text).not.toContain('secretGenerator');
  });

  it('refuses flags that do not go together or that Kubernetes would refuse, saying what to do', async () => {
    const refused = async (o: Parameters<typeof renderK8sFromOptions>[0]): Promise<string> =>
      renderK8sFromOptions(o).then(
        () => 'rendered',
        (err: Error) => err.message,
      );
    expect(await refused({ gateways: 2, topology: 'topology.yaml' })).toBe(
      '--topology cannot be combined with --gateways: set gateways, mhdGateways and dataPack in topology.yaml instead',
    );
    expect(await refused({ namespace: 'Team_A' })).toBe(
      `--namespace "Team_A" is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
    );
    expect(await refused({ instance: 'a'.repeat(31) })).toBe(
      `--instance "${'a'.repeat(31)}" is not a DNS-1123 label of at most 30 characters: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
    expect(await refused({ image: 'nir sim' })).toBe(
      '--image "nir sim" is not an image reference: e.g. nir-sim:local or registry.example.org/nir-sim:1.2',
    );
    expect(await refused({ embedCerts: true })).toBe(
      '--embed-certs puts the certificate set of --security in a Secret: add --security, or drop --embed-certs',
    );
    expect(await refused({ security: true, certsDir: '/tmp' })).toBe(
      '--certs-dir names the certificates to embed: add --security --embed-certs, or drop --certs-dir (without --embed-certs the Secret is generated from OUT/certs by kustomize)',
    );
    expect(await refused({ communitiesPerContainer: 65 })).toBe(
      '--communities-per-container 65: give a whole number from 1 to 64',
    );
    expect(await refused({ packInImage: 'data-packs/x' })).toBe(
      '--pack-in-image names a pack baked into your own image: add --image <that image>',
    );
    expect(await refused({ packInImage: '../x', image: 'nir-sim:team' })).toBe(
      `--pack-in-image "../x": give the pack's path under the image's /app, e.g. data-packs/my-pack (no leading /, no ..)`,
    );
    const missing = path.join(work, 'no-certs');
    expect(await refused({ security: true, embedCerts: true, certsDir: missing })).toBe(
      `--embed-certs: ${path.join(missing, 'communities/north-east-imaging-network/ca.crl.pem')} is missing: mint the set with npm run sim certs generate -- --out ${missing}`,
    );
  });

  it('refuses a host pack over 1 MiB (bake it into an image, --pack-in-image) and a directory it cannot write, in one line, exit 64', () => {
    const pack = path.join(work, 'packs', 'copy');
    cpSync(defaultPackDir, pack, { recursive: true });
    const big = sim('k8s', 'render', '--data-pack', pack, '--out', path.join(work, 'big'));
    expect([big.code, big.stdout]).toEqual([64, '']);
    expect(big.stderr).toMatch(
      new RegExp(
        `^nir-sim: the data pack ${pack} holds more than a Kubernetes ConfigMap can \\(1 MiB = 1048576 bytes, passed at \\S+\\): bake it into an image instead \\(a Dockerfile FROM nir-sim:local that COPYs it to /app/data-packs/<name>\\) and render with --image <that image> --pack-in-image data-packs/<name>, or use a smaller pack$`,
      ),
    );
    expect(existsSync(path.join(work, 'big'))).toBe(false);

    // Baked into an image: the pack is read here for its communities, and the pods read it from the image.
    const baked = sim(
      ...['k8s', 'render', '--data-pack', pack, '--gateways', '2', '--out', path.join(work, 'baked')],
      ...['--image', 'registry.example.org/nir-sim-team:1', '--pack-in-image', 'data-packs/copy'],
    );
    expect([baked.code, baked.stderr]).toEqual([0, '']);
    expect(readdirSync(path.join(work, 'baked')).filter((f) => f.startsWith('data-pack'))).toEqual([]);
    const gateway = parseAllDocuments(
      readFileSync(path.join(work, 'baked', `gateway-${NAMES[0]}.yaml`), 'utf8'),
    )[0]!.toJS() as { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
    expect(gateway.spec.template.spec.containers[0]!.image).toBe('registry.example.org/nir-sim-team:1');
    expect(gateway.spec.template.spec.containers[0]!.args.slice(0, 6)).toEqual([
      ...['serve', 'gateway', '--data-pack', '/app/data-packs/copy', '--community', NAMES[0]],
    ]);

    // A generated pack (--gateways beyond the default pack's 3) is generated again in the pods.
    const generated = sim(
      ...[
        'k8s',
        'render',
        '--gateways',
        '4',
        '--communities-per-container',
        '4',
        '--out',
        path.join(work, 'generated'),
      ],
    );
    expect([generated.code, generated.stderr]).toEqual([0, '']);
    expect(readdirSync(path.join(work, 'generated')).filter((f) => f.startsWith('data-pack'))).toEqual([]);
    const first = parseAllDocuments(
      readFileSync(path.join(work, 'generated', 'gateway-gateways-1.yaml'), 'utf8'),
    )[0]!.toJS() as {
      spec: { template: { spec: { initContainers: { args: string[] }[] } } };
    };
    expect(first.spec.template.spec.initContainers[0]!.args).toEqual([
      ...['data-pack', 'generate', '--seed', '42', '--communities', '4', '--patients', '60'],
      ...['--out', '/var/lib/nir-sim-pack', '--force'],
    ]);

    // podman 4.3 kube play runs no init container as Kubernetes does: a generated pack is refused there.
    const podman = sim(
      ...['k8s', 'render', '--gateways', '4', '--target', 'podman', '--out', path.join(work, 'gen-podman')],
    );
    expect([podman.code, podman.stdout, podman.stderr]).toEqual([
      64,
      '',
      'nir-sim: --target podman: the generated data pack (seed 42, 4 communities) would be generated in each gateway pod by an init container, which podman 4.3 kube play does not run as Kubernetes does: use the default pack (3 communities or fewer), a pack directory under 1 MiB (--data-pack), or bake the pack into an image (--image, --pack-in-image)',
    ]);

    const file = path.join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const under = sim('k8s', 'render', '--out', path.join(file, 'k8s'));
    expect([under.code, under.stdout, under.stderr]).toEqual([
      64,
      '',
      `nir-sim: cannot write the manifests to ${path.join(file, 'k8s')} (ENOTDIR): give --out a directory you can write`,
    ]);
  });
});
