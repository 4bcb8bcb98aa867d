#!/usr/bin/env node
// `nir-sim` (package.json "bin", `npx nir-sim ...`, `npm run sim -- ...`): the compiled CLI,
// dist/simulator/cli/main.js. In a clone whose sources changed since the last build it first
// rebuilds dist/ incrementally (scripts/build.mjs; one line on stderr says why), so a developer
// never runs stale JavaScript. NIR_SIM_SKIP_BUILD_CHECK=1 skips the check (a few ms).
import module from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build, distMain, staleReason } from '../scripts/build.mjs';

if (process.env.NIR_SIM_SKIP_BUILD_CHECK !== '1') {
  const why = staleReason();
  if (why !== undefined) {
    process.stderr.write(`nir-sim: ${why}: building dist/ (npm run build)\n`);
    const status = build({ ifStale: true });
    if (status !== 0) {
      process.stderr.write('nir-sim: the build failed (above); fix the sources or run npm run build\n');
      process.exit(status === 1 ? 70 : status);
    }
  }
}
// Node 22.1+ (absent from Node 20's types): keep V8's compiled code of dist/ and node_modules
// between runs, in NODE_COMPILE_CACHE or the OS temporary directory (Node.js docs, "Module
// compile cache").
/** @type {{ enableCompileCache?: () => unknown }} */ (module).enableCompileCache?.();
await import(pathToFileURL(distMain).href);
