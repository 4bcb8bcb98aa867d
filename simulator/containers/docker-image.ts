/**
 * The project image for the docker runtime (docs/containers.md): reuse it when the engine has it,
 * else (or with `rebuild`) build it from the repository root with compose/Dockerfile through the
 * engine's `POST /build`, printing the build's progress lines.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { DockerEngine } from './docker-engine.js';

/** Where and how to build the image. */
export interface ImageBuild {
  /** The build context: the repository root, absolute. */
  context: string;
  /** The Dockerfile, relative to `context` (e.g. `compose/Dockerfile`). */
  dockerfile: string;
}

/**
 * Top-level entries never sent as build context: the dependency tree, git history and run-time
 * state are large and none of the image's business (the image installs its own dependencies).
 */
const NEVER_SENT = ['node_modules', '.git', '.nir-sim', 'coverage', 'reports'];

/**
 * The top-level entries of the build context to send: every entry except {@link NEVER_SENT} and
 * the plain top-level names the context's .dockerignore lists (`test`, `/bench/`). dockerode
 * applies the whole .dockerignore to these entries again, but matches deeper patterns against
 * absolute paths, so leaving whole directories out here is what keeps the context small.
 */
export function contextEntries(context: string): string[] {
  const ignoreFile = path.join(context, '.dockerignore');
  const listed = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((l) => l.trim().replace(/^\/+|\/+$/g, ''))
        .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!') && !/[/*?[\]]/.test(l))
    : [];
  const left = new Set([...NEVER_SENT, ...listed]);
  return readdirSync(context).filter((e) => !left.has(e));
}

/**
 * Make sure `image` exists on the engine.
 * @param build where to build it from; without it a missing image is an error.
 * @returns `reused` or `built`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the image is missing and cannot be built here (no
 *   `build`, or no Dockerfile), or the build fails (its first error line).
 */
export async function ensureImage(
  engine: DockerEngine,
  image: string,
  o: { build?: ImageBuild; rebuild?: boolean; onProgress?: (line: string) => void },
): Promise<'reused' | 'built'> {
  const say = o.onProgress ?? (() => undefined);
  if (!o.rebuild && (await engine.imageExists(image))) {
    say(`image ${image}: present, reused (--build rebuilds it)`);
    return 'reused';
  }
  const b = o.build;
  if (b === undefined || !existsSync(path.join(b.context, b.dockerfile))) {
    const where =
      b === undefined ? 'no build context given' : `${path.join(b.context, b.dockerfile)} is missing`;
    throw new SimError(
      SimErrorCode.BadArgument,
      `image ${image} is not on the engine at ${engine.address} and cannot be built (${where}): build it with scripts/containers/build-image.sh`,
    );
  }
  say(`image ${image}: building from ${b.dockerfile} in ${b.context}`);
  try {
    await engine.buildImage(
      { context: b.context, entries: contextEntries(b.context), dockerfile: b.dockerfile, tag: image },
      (line) => say(`  build: ${line}`),
    );
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `building ${image} from ${b.dockerfile} failed (${(err as Error).message.split('\n')[0]}): fix the build, or build it with scripts/containers/build-image.sh`,
      { cause: err },
    );
  }
  say(`image ${image}: built`);
  return 'built';
}
