/**
 * A resolved topology as the text of a docker-compose file (README "Docker"): planned as containers
 * (container-plan.ts) and written as compose (compose-render.ts), with the notes a user needs
 * about what the file cannot carry. No file is read or written here.
 */
import path from 'node:path';
import type { ResolvedTopology } from '../topology/resolve-topology.js';
import type { TopologySpec } from '../topology/topology-spec.js';
import { repoRoot } from '../shared/sim-paths.js';
import { COMPOSE_USER, renderCompose } from './compose-render.js';
import { composeCertificatesNote } from './container-certs.js';
import { planContainers, type ContainerPlan } from './container-plan.js';
import { containerPlanInput } from './container-plan-input.js';

/** Where the committed compose file lives, relative to the repository root. */
export const COMPOSE_FILE = 'compose/docker-compose.yml';

/** How to render. */
export interface ComposeFileOptions {
  /** Host port of the broker sandbox; the other published ports follow from it. */
  portBase: number;
  /** The file the text is for (relative paths from the working directory); `-` for stdout. Default: COMPOSE_FILE in the repository. */
  out?: string;
  /** Mount this certificate directory (absolute): `user:`, HTTPS gateways, the integration port. */
  certsDir?: string;
  /** The command line that renders the same file again, written into its header. */
  regenerate: string;
}

/** A rendered compose file, what it was made from, and notes for stderr. */
export interface RenderedCompose {
  text: string;
  plan: ContainerPlan;
  /** Absolute path of the file, or undefined for stdout. */
  file?: string;
  /** One line each: what the compose file leaves out (faults), certificates not ready. */
  notes: string[];
}

/**
 * Plan `resolved` as containers and render it as compose.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for unusable ports and names (container-published.ts).
 */
export function renderComposeFile(
  resolved: Pick<ResolvedTopology, 'topology'> & { spec: TopologySpec },
  o: ComposeFileOptions,
): RenderedCompose {
  const { topology, spec } = resolved;
  const plan = planContainers(
    containerPlanInput(topology, {
      seed: spec.seed,
      portBase: o.portBase,
      ...(o.certsDir !== undefined ? { security: { certsDir: o.certsDir, user: COMPOSE_USER } } : {}),
    }),
  );
  const communities = plan.services.flatMap((s) => (s.communities ?? []).map((c) => c.name));
  const certsNote = o.certsDir !== undefined ? composeCertificatesNote(o.certsDir, communities) : undefined;
  const out = o.out ?? path.join(repoRoot, COMPOSE_FILE);
  const file = out === '-' ? undefined : path.resolve(out);
  const text = renderCompose(plan, {
    regenerate: o.regenerate,
    repoRoot,
    ...(file !== undefined ? { composeDir: path.dirname(file), file: o.out ?? COMPOSE_FILE } : {}),
  });
  return {
    text,
    plan,
    notes: [...notes(spec, plan.published.control.url), ...(certsNote !== undefined ? [certsNote] : [])],
    ...(file !== undefined ? { file } : {}),
  };
}

/** What the compose file cannot carry, one line each. */
function notes(spec: TopologySpec, controlUrl: string): string[] {
  const out: string[] = [];
  const n = spec.faults.length;
  if (n > 0) {
    out.push(
      `the topology's ${n} fault${n === 1 ? ' is' : 's are'} not in the compose file: add ${n === 1 ? 'it' : 'them'} at runtime with npm run sim fault add -- --control-url ${controlUrl}`,
    );
  }
  return out;
}
