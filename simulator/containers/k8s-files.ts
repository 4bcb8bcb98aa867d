/**
 * A resolved topology as the files of a Kubernetes manifest directory (docs/kubernetes.md): planned
 * as containers (container-plan.ts, the plan the compose file is written from), made into objects
 * (k8s-objects.ts) and written (k8s-render.ts). Reads a host data pack's files and, with
 * `--embed-certs`, the certificate set; writes nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedTopology } from '../topology/resolve-topology.js';
import type { TopologySpec } from '../topology/topology-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { MAX_OBJECT_DATA_BYTES, runtimeCertFiles, type BundleFile } from './k8s-bundle.js';
import { k8sObjects, type K8sManifests, type K8sTarget } from './k8s-objects.js';
import { renderK8s, type RenderedK8sFile } from './k8s-render.js';
import { ContainerDefaults, planContainers, type ContainerPlan } from './container-plan.js';
import { containerPlanInput } from './container-plan-input.js';

/** Where the committed example lives, relative to the repository root. */
export const K8S_EXAMPLE_DIR = 'compose/k8s';

/** The namespace when none is given. */
export const DEFAULT_NAMESPACE = 'nir-sim';

/** How to render. */
export interface K8sFilesOptions {
  /** The namespace every object goes to (kustomization `namespace`). */
  namespace: string;
  /** The instance: `app.kubernetes.io/instance` and the prefix of every name but the Services' (default nir-sim). */
  instance?: string;
  /**
   * The data pack is baked into `image` at this path (relative to its /app, e.g.
   * `data-packs/my-pack`): the gateways read it there, and no ConfigMap carries it. The pack is
   * still read on this machine for its communities.
   */
  packInImage?: string;
  /** The project image the pods run (default nir-sim:local). */
  image?: string;
  /** Communities per gateway Deployment (default: at most 8 gateway Deployments). */
  communitiesPerContainer?: number;
  /** Security on: HTTPS gateways with mutual TLS, the integration port, the certificate Secret. */
  security?: boolean;
  /** With security and `embedCerts`: the certificate directory (absolute) whose files go inline. */
  certsDir?: string;
  /** Put the certificates inline in a Secret instead of a kustomize secretGenerator. */
  embedCerts?: boolean;
  /** Who plays the manifests (k8s-objects.ts K8sObjectsInput.target); default kubernetes. */
  target?: K8sTarget;
  /** The command line that renders the same directory again, written into every header. */
  regenerate: string;
}

/** A rendered directory, the plan it came from and notes for stderr. */
export interface RenderedK8s {
  files: RenderedK8sFile[];
  plan: ContainerPlan;
  manifests: K8sManifests;
  /** One line each: what the manifests leave out (faults), what to do before applying. */
  notes: string[];
}

/**
 * Plan `resolved` as containers and render it as Kubernetes manifests.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for unusable names (container-published.ts), a host data
 *   pack or certificate set that does not fit a ConfigMap or Secret (1 MiB) or cannot be read.
 */
export async function renderK8sFiles(
  resolved: Pick<ResolvedTopology, 'topology'> & { spec: TopologySpec },
  o: K8sFilesOptions,
): Promise<RenderedK8s> {
  const { topology, spec } = resolved;
  const plan = planContainers({
    ...containerPlanInput(topology, {
      seed: spec.seed,
      portBase: 8080,
      ...(o.communitiesPerContainer !== undefined
        ? { communitiesPerContainer: o.communitiesPerContainer }
        : {}),
      // The pods run as the image's user; the Secret's mode and fsGroup let it read the keys.
      ...(o.security ? { security: { certsDir: o.certsDir ?? '/certs', user: '1000:1000' } } : {}),
    }),
    ...(o.image !== undefined ? { image: o.image } : {}),
    ...(o.instance !== undefined ? { project: o.instance } : {}),
    ...(o.packInImage !== undefined ? { dataPack: { inImage: o.packInImage } } : {}),
  });
  const packDir = hostPackDir(plan);
  const communities = plan.services.flatMap((s) => (s.communities ?? []).map((c) => c.name));
  // A generated pack is generated again in each gateway pod (k8s-objects.ts generatedPack), unless baked into the image.
  const generated =
    typeof spec.dataPack === 'object' && o.packInImage === undefined ? spec.dataPack : undefined;
  if (generated !== undefined && o.target === 'podman')
    throw new SimError(
      SimErrorCode.BadArgument,
      `--target podman: the generated data pack (seed ${generated.seed}, ${generated.communities} communities) would be generated in each gateway pod by an init container, which podman 4.3 kube play does not run as Kubernetes does: use the default pack (3 communities or fewer), a pack directory under 1 MiB (--data-pack), or bake the pack into an image (--image, --pack-in-image)`,
    );
  const manifests = k8sObjects({
    plan,
    ...(generated !== undefined ? { generatedPack: generated } : {}),
    ...(o.target !== undefined ? { target: o.target } : {}),
    ...(packDir !== undefined && generated === undefined
      ? { packFiles: await readBundle(packDir, 'data pack') }
      : {}),
    ...(o.security && o.embedCerts
      ? { embeddedCerts: await readCerts(o.certsDir!, runtimeCertFiles(communities)) }
      : {}),
  });
  const files = renderK8s(manifests, { regenerate: o.regenerate, namespace: o.namespace });
  return { files, plan, manifests, notes: notes(spec) };
}

/** The host directory of the plan's data pack, when it is not the image's. */
function hostPackDir(plan: ContainerPlan): string | undefined {
  for (const s of plan.services)
    for (const m of s.mounts)
      if (m.kind === 'bind' && m.target === ContainerDefaults.packMount) return m.source;
  return undefined;
}

/**
 * Every file under `dir` with its path relative to it, stopping as soon as the bytes read pass
 * what a ConfigMap holds (a generated pack of thousands of DICOM files is not read whole to say so).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the directory cannot be read or holds more than 1 MiB.
 */
async function readBundle(dir: string, what: string): Promise<BundleFile[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .sort();
  } catch (err) {
    throw new SimError(SimErrorCode.BadArgument, `cannot read the ${what} ${dir}: ${(err as Error).message}`);
  }
  const files: BundleFile[] = [];
  let bytes = 0;
  for (const rel of entries) {
    const data = await readFile(path.join(dir, rel));
    bytes += data.byteLength;
    if (bytes > MAX_OBJECT_DATA_BYTES)
      throw new SimError(
        SimErrorCode.BadArgument,
        `the ${what} ${dir} holds more than a Kubernetes ConfigMap can (1 MiB = ${MAX_OBJECT_DATA_BYTES} bytes, passed at ${rel}): bake it into an image instead (a Dockerfile FROM nir-sim:local that COPYs it to /app/data-packs/<name>) and render with --image <that image> --pack-in-image data-packs/<name>, or use a smaller pack`,
      );
    files.push({ path: rel, data });
  }
  return files;
}

/**
 * The certificate files `paths` (relative) of `dir`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the first missing file and the command that mints it.
 */
async function readCerts(dir: string, paths: readonly string[]): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  for (const rel of paths) {
    try {
      out.push({ path: rel, data: await readFile(path.join(dir, rel)) });
    } catch {
      throw new SimError(
        SimErrorCode.BadArgument,
        `--embed-certs: ${path.join(dir, rel)} is missing: mint the set with npm run sim certs generate -- --out ${dir}`,
      );
    }
  }
  return out;
}

/** What the manifests cannot carry, one line each. */
function notes(spec: TopologySpec): string[] {
  const n = spec.faults.length;
  return n > 0
    ? [
        `the topology's ${n} fault${n === 1 ? ' is' : 's are'} not in the manifests: add ${n === 1 ? 'it' : 'them'} at runtime through the broker's control API (port 8090 of Service broker) with npm run sim fault add -- --control-url <that URL>`,
      ]
    : [];
}
