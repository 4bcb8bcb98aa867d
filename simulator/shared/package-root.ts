/**
 * The nir-sim package root (the directory of its package.json), found from this module's own
 * location, so that run-time files beside the package (data-packs/, scenarios/, certs/, compose/)
 * resolve the same from the TypeScript sources (`simulator/shared/`) and from the compiled
 * JavaScript (`dist/simulator/shared/`, see tsconfig.build.json), on a host or in the image (/app).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory at or above `from` that holds a package.json.
 * @param from an absolute directory; defaults to this module's directory.
 * @throws Error when no directory up to the filesystem root holds one (a broken install).
 */
export function findPackageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no package.json at or above ${from}: nir-sim is not installed whole`);
  }
}

/** The nir-sim package root, absolute (the repository root in a clone, /app in the image). */
export const packageRoot: string = findPackageRoot();
