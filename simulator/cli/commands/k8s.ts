/**
 * `sim k8s render`: write the Kubernetes manifests of a topology into a directory
 * (docs/kubernetes.md). The topology is resolved exactly as `sim up` and `sim compose render`
 * resolve it (topology/resolve-topology.ts), planned as the same containers and written as
 * Deployments, Services, ConfigMaps, claims and a kustomization (containers/k8s-files.ts), so
 * `kubectl apply -k DIR` starts the sandbox on a cluster. `--check` compares instead of writing,
 * so CI fails when the committed example (compose/k8s) is stale.
 */
import { existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { composeCertificatesNote } from '../../containers/container-certs.js';
import {
  DEFAULT_NAMESPACE,
  K8S_EXAMPLE_DIR,
  renderK8sFiles,
  type RenderedK8s,
} from '../../containers/k8s-files.js';
import type { K8sTarget } from '../../containers/k8s-objects.js';
import { repoRoot } from '../../shared/sim-paths.js';
import { TopologyDefaults } from '../../topology/topology.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { numberFlag } from '../number-flag.js';
import { flagWords, shellWord } from '../shell-words.js';
import { topologyFlagOptions, withTopologyFlags } from '../topology-flags.js';
import { topologyFromOptions } from '../../topology/resolve-topology.js';
import { checkDeadlineAndGateways, type UpOptions } from '../../topology/topology-from-options.js';

/** `sim k8s render` options, as the flags give them: `sim up`'s topology options (no ports, no host), plus: */
export interface K8sOptions extends Omit<UpOptions, 'host' | 'portBase'> {
  /** The directory to write or check. Default: compose/k8s of the repository. */
  out?: string;
  /** Namespace of every object (a DNS-1123 label). Default nir-sim. */
  namespace?: string;
  /** Prefix of every object name but the Services' and `app.kubernetes.io/instance` (default nir-sim). */
  instance?: string;
  /** Communities per gateway Deployment, 1..64. */
  communitiesPerContainer?: number;
  /** The data pack is in the image at this path (relative to /app): no ConfigMap. */
  packInImage?: string;
  /** The image the pods run. Default nir-sim:local. */
  image?: string;
  /** Security on: HTTPS gateways with mutual TLS, the integration port, the certificate Secret. */
  security?: boolean;
  /** With `embedCerts` (or target podman): the certificate directory to read (default: OUT/certs). */
  certsDir?: string;
  /** Put the certificate set inline in a Secret (engines without kustomize). */
  embedCerts?: boolean;
  /** `podman`: manifests for podman 4.3 `kube play` (no containerPorts; certificates inline, as a ConfigMap). */
  target?: K8sTarget;
}

/** A DNS-1123 label (Kubernetes docs, "Object Names and IDs"): what a namespace's name must be. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** An image reference as `docker`/`kubectl` take it: no whitespace, no uppercase repository. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:-]*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/** A relative path under the image's /app: segments of safe characters, none of them `.` or `..`. */
const PACK_IN_IMAGE = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[\w.-]+(?:\/[\w.-]+)*$/;

/**
 * Resolve the options' topology and render its manifests (containers/k8s-files.ts). Nothing is written.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for bad flags, a bad topology file, unusable names, or a
 *   pack or certificate set too big for a ConfigMap or Secret; SIM_ERR_DATA_PACK_* from the pack loader.
 */
export async function renderK8sFromOptions(o: K8sOptions): Promise<RenderedK8s & { dir: string }> {
  checkFlags(o);
  const dir = path.resolve(o.out ?? path.join(repoRoot, K8S_EXAMPLE_DIR));
  const resolved = await topologyFromOptions({
    ...o,
    host: TopologyDefaults.host,
    portBase: TopologyDefaults.brokerPort,
  });
  const certsDir = path.resolve(o.certsDir ?? path.join(dir, 'certs'));
  const r = await renderK8sFiles(resolved, {
    namespace: o.namespace ?? DEFAULT_NAMESPACE,
    regenerate: regenerateCommand(o),
    ...(o.image !== undefined ? { image: o.image } : {}),
    ...(o.instance !== undefined ? { instance: o.instance } : {}),
    ...(o.packInImage !== undefined ? { packInImage: o.packInImage } : {}),
    ...(o.communitiesPerContainer !== undefined
      ? { communitiesPerContainer: o.communitiesPerContainer }
      : {}),
    ...(o.target !== undefined ? { target: o.target } : {}),
    // podman kube play has no kustomize to generate the Secret: the set is always inline there.
    ...(o.security
      ? { security: true, certsDir, embedCerts: o.embedCerts === true || o.target === 'podman' }
      : {}),
  });
  if (o.security) {
    const communities = r.plan.services.flatMap((s) => (s.communities ?? []).map((c) => c.name));
    const note = composeCertificatesNote(certsDir, communities);
    if (note !== undefined && !o.embedCerts && o.target !== 'podman')
      r.notes.push(
        note
          .replace(
            'npm run sim certs generate',
            `npm run sim certs generate -- --out ${path.resolve(certsDir)}`,
          )
          .replace('before docker compose up', 'before kubectl apply -k'),
      );
  }
  return { ...r, dir };
}

/** Register `k8s render`. */
export function k8sCommand(y: Argv): Argv {
  return y.command(
    'k8s <action>',
    'Kubernetes manifests of a topology (kubectl apply -k): render them',
    (a) =>
      withTopologyFlags(
        a,
        'data pack directory (default: data-packs/default, inside the image; any other goes in a ConfigMap, 1 MiB at most)',
      )
        .positional('action', { choices: ['render'] as const, demandOption: true })
        .option('communities-per-container', {
          coerce: numberFlag('--communities-per-container'),
          describe: 'communities per gateway Deployment, 1 to 64 (default: at most 8 gateway Deployments)',
        })
        .option('namespace', {
          type: 'string',
          nargs: 1,
          describe: `namespace of every object, a DNS-1123 label (default ${DEFAULT_NAMESPACE})`,
        })
        .option('instance', {
          type: 'string',
          nargs: 1,
          describe:
            "prefix of every name but the Services' (Deployments, ConfigMaps, claims), a DNS-1123 label of at most 30 characters (default nir-sim)",
        })
        .option('pack-in-image', {
          type: 'string',
          nargs: 1,
          describe:
            'the data pack is baked into --image at this path under /app (e.g. data-packs/my-pack): no ConfigMap',
        })
        .option('image', { type: 'string', nargs: 1, describe: 'image the pods run (default nir-sim:local)' })
        .option('security', {
          type: 'boolean',
          default: false,
          describe:
            'mutual TLS to HTTPS gateways, the integration port 8443, the certificate set as a Secret',
        })
        .option('embed-certs', {
          type: 'boolean',
          default: false,
          describe: 'with --security: put the certificates inline in certs.yaml (no kustomize needed)',
        })
        .option('target', {
          choices: ['kubernetes', 'podman'] as const,
          describe:
            'podman: for podman 4.3 kube play (no containerPorts, which it would publish on 0.0.0.0; with --security the set inline as a ConfigMap)',
        })
        .option('certs-dir', {
          type: 'string',
          nargs: 1,
          describe: 'with --embed-certs: the certificate set to embed (default: OUT/certs)',
        })
        .option('out', {
          type: 'string',
          nargs: 1,
          describe: `directory to write (default: ${K8S_EXAMPLE_DIR})`,
        })
        .option('check', {
          type: 'boolean',
          default: false,
          describe: 'write nothing; fail when the directory differs from a fresh render',
        }),
    async (argv) => {
      const opts: K8sOptions = {
        ...topologyFlagOptions(argv),
        ...(argv['communities-per-container'] !== undefined
          ? { communitiesPerContainer: argv['communities-per-container'] }
          : {}),
        ...(argv.namespace !== undefined ? { namespace: argv.namespace } : {}),
        ...(argv.image !== undefined ? { image: argv.image } : {}),
        ...(argv.instance !== undefined ? { instance: argv.instance } : {}),
        ...(argv['pack-in-image'] !== undefined ? { packInImage: argv['pack-in-image'] } : {}),
        ...(argv.security ? { security: true } : {}),
        ...(argv['embed-certs'] ? { embedCerts: true } : {}),
        ...(argv.target !== undefined ? { target: argv.target } : {}),
        ...(argv['certs-dir'] !== undefined ? { certsDir: argv['certs-dir'] } : {}),
        ...(argv.out !== undefined ? { out: argv.out } : {}),
      };
      const r = await renderK8sFromOptions(opts);
      for (const n of r.notes) process.stderr.write(`nir-sim: note: ${n}\n`);
      const shown = shownPath(r.dir);
      if (argv.check) return checkDir(r, shown, regenerateCommand(opts));
      await writeDir(r, shown);
      const deployments = r.plan.services.length;
      process.stdout.write(
        `wrote ${r.files.length} files to ${shown}: ${deployments} Deployments (broker, pars, ${deployments - 2} gateway); apply them with kubectl apply -k ${shown}\n`,
      );
    },
  );
}

/** True when `text` is a file this command wrote (its header), so a re-render may remove it. */
function generated(text: string): boolean {
  return text.startsWith('# GENERATED by ') && text.includes('(simulator/containers/k8s-render.ts)');
}

/** The YAML files in `dir` this command wrote, by name (none when the directory is absent). */
async function generatedFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort()) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => '');
    if (generated(text)) out.set(name, text);
  }
  return out;
}

/**
 * Write the files, and remove the generated ones a fresh render no longer has (a gateway
 * Deployment of a larger topology).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the directory is a file or cannot be written.
 */
async function writeDir(r: RenderedK8s & { dir: string }, shown: string): Promise<void> {
  try {
    if (existsSync(r.dir) && !(await stat(r.dir)).isDirectory())
      throw new SimError(SimErrorCode.BadArgument, `--out ${shown} is a file: name a directory`);
    await mkdir(r.dir, { recursive: true });
    await access(r.dir, constants.W_OK);
    const stale = await generatedFiles(r.dir);
    for (const f of r.files) {
      stale.delete(f.file);
      await writeFile(path.join(r.dir, f.file), f.text);
    }
    for (const name of stale.keys()) await rm(path.join(r.dir, name));
  } catch (err) {
    if (err instanceof SimError) throw err;
    throw new SimError(
      SimErrorCode.BadArgument,
      `cannot write the manifests to ${shown} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give --out a directory you can write`,
    );
  }
}

/** @throws SimError SIM_ERR_BAD_ARGUMENT naming the first stale file and the command that regenerates them. */
async function checkDir(r: RenderedK8s & { dir: string }, shown: string, regenerate: string): Promise<void> {
  const current = await generatedFiles(r.dir);
  const problems: string[] = [];
  for (const f of r.files) {
    const text = current.get(f.file);
    if (text === undefined) problems.push(`${f.file} is missing`);
    else if (text !== f.text) problems.push(`${f.file} is out of date`);
    current.delete(f.file);
  }
  for (const name of current.keys()) problems.push(`${name} is no longer rendered`);
  if (problems.length === 0) return void process.stdout.write(`${shown} is up to date\n`);
  throw new SimError(
    SimErrorCode.BadArgument,
    `${shown}: ${problems.join(', ')}: regenerate it with ${regenerate}`,
  );
}

/**
 * Flags that do not go together, a namespace or image Kubernetes would refuse, and `sim up`'s checks.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the flag and what to do.
 */
function checkFlags(o: K8sOptions): void {
  if (o.embedCerts && !o.security)
    throw new SimError(
      SimErrorCode.BadArgument,
      '--embed-certs puts the certificate set of --security in a Secret: add --security, or drop --embed-certs',
    );
  if (o.certsDir !== undefined && !(o.security && (o.embedCerts || o.target === 'podman')))
    throw new SimError(
      SimErrorCode.BadArgument,
      '--certs-dir names the certificates to embed: add --security --embed-certs, or drop --certs-dir (without --embed-certs the Secret is generated from OUT/certs by kustomize)',
    );
  if (o.namespace !== undefined && !DNS_1123_LABEL.test(o.namespace))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--namespace ${JSON.stringify(o.namespace)} is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
    );
  if (o.instance !== undefined && !(DNS_1123_LABEL.test(o.instance) && o.instance.length <= 30))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--instance ${JSON.stringify(o.instance)} is not a DNS-1123 label of at most 30 characters: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  if (o.packInImage !== undefined && !PACK_IN_IMAGE.test(o.packInImage))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--pack-in-image ${JSON.stringify(o.packInImage)}: give the pack's path under the image's /app, e.g. data-packs/my-pack (no leading /, no ..)`,
    );
  if (o.packInImage !== undefined && o.image === undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      '--pack-in-image names a pack baked into your own image: add --image <that image>',
    );
  if (o.image !== undefined && !IMAGE_REF.test(o.image))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--image ${JSON.stringify(o.image)} is not an image reference: e.g. nir-sim:local or registry.example.org/nir-sim:1.2`,
    );
  checkDeadlineAndGateways(o);
}

/** The command line that renders the same directory again: `npm run k8s:render` for the example. */
export function regenerateCommand(o: K8sOptions): string {
  const flags: [string, string | number | true | undefined][] = [
    ['--topology', o.topology],
    ['--gateways', o.gateways],
    ['--mhd-gateways', o.mhdGateways],
    ['--data-pack', o.dataPack],
    ['--seed', o.seed],
    ['--deadline-ms', o.deadlineMs],
    ['--communities-per-container', o.communitiesPerContainer],
    ['--namespace', o.namespace],
    ['--instance', o.instance],
    ['--image', o.image],
    ['--pack-in-image', o.packInImage],
    ['--security', o.security ? true : undefined],
    ['--embed-certs', o.embedCerts ? true : undefined],
    ['--target', o.target],
    ['--certs-dir', o.certsDir],
  ];
  const args = flagWords(flags);
  const example = o.out === undefined || path.resolve(o.out) === path.join(repoRoot, K8S_EXAMPLE_DIR);
  if (args.length === 0 && example) return 'npm run k8s:render';
  const out = example ? [] : ['--out', shellWord(o.out!)];
  return ['npm run sim k8s render --', ...args, ...out].join(' ');
}

/**
 * `dir` as the user should read it: relative to the working directory when inside it, else
 * absolute (a `../../tmp/x` says less than `/tmp/x`).
 */
function shownPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? dir : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(dir) : rel;
}
