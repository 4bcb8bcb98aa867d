// `npm run build` (also run by `prepare` on `npm install`): compile simulator/ to dist/ with tsc
// (tsconfig.build.json, incremental), write the prebuilt FHIR R4 validators beside their
// module (fhirValidators below) and dist/.build-stamp. bin/nir-sim.js imports
// staleReason() and build() from here, so the CLI a developer runs is never older than the sources:
// when any file under simulator/ or a tsconfig is newer than the stamp, it rebuilds first.
//
// Plain JavaScript on purpose: it runs before anything is compiled. Node's own modules only, plus
// the `typescript` devDependency, which build() runs (it is absent from a production install,
// where dist/ must already be built: the image builds it in its own stage).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root: the directory above scripts/. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The compiled CLI entry point. */
export const distMain = path.join(root, 'dist', 'simulator', 'cli', 'main.js');
const stampFile = path.join(root, 'dist', '.build-stamp');
const lockDir = path.join(root, 'dist', '.build-lock');
/** A lock older than this is left over from a killed build, ms. */
const STALE_LOCK_MS = 10 * 60_000;
/** How long to wait for a concurrent build, ms. */
const WAIT_LOCK_MS = 15 * 60_000;

/**
 * The newest modification time (ms) of the inputs of the build: every file under simulator/,
 * tsconfig.json and tsconfig.build.json. About 200 stat calls, a few ms.
 * @returns the time and the file that has it.
 */
function newestInput() {
  let newest = { ms: 0, file: '' };
  /** @param {string} p */
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      // Tests and their support files beside the sources are not compiled (tsconfig.build.json exclude).
      for (const e of readdirSync(p))
        if (!e.endsWith('.test.ts') && e !== 'test-support') visit(path.join(p, e));
    } else if (st.mtimeMs > newest.ms) {
      newest = { ms: st.mtimeMs, file: p };
    }
  };
  visit(path.join(root, 'simulator'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) visit(path.join(root, f));
  return newest;
}

/**
 * Why dist/ must be rebuilt before it runs, or undefined when it is current (or there are no
 * sources to build from, as in a production image that holds dist/ only).
 * @returns {string | undefined} a short reason for the message on stderr, e.g.
 *   `simulator/cli/up.ts changed`.
 */
export function staleReason() {
  if (!existsSync(path.join(root, 'simulator'))) return undefined;
  if (!existsSync(distMain) || !existsSync(stampFile)) return 'dist/ is not built yet';
  const newest = newestInput();
  if (newest.ms > statSync(stampFile).mtimeMs) return `${path.relative(root, newest.file)} changed`;
  return undefined;
}

/** The compiled FHIR validator module and the ajv standalone validators the build writes beside it. */
const validatorModule = path.join(root, 'dist', 'simulator', 'fhir', 'schema-validator.js');
const validatorFile = path.join(path.dirname(validatorModule), 'fhir-r4-validators.cjs');

/**
 * Write dist/simulator/fhir/fhir-r4-validators.cjs (the FHIR R4 validators of the resource types
 * nir-sim emits, AuditEvent, Bundle, DocumentReference, OperationOutcome, CapabilityStatement and
 * Binary, as one ajv standalone module, from the compiled module's fhirValidatorSource()) when it
 * is missing or older than that module: compiling the schema takes about 1.5-3 s of CPU, loading
 * the file about 0.2 s (the same as the AuditEvent validator alone, whose contained resources
 * already pull in the whole schema), so the simulated PARS (and `sim up`) no longer compiles it
 * on every start. In a child
 * process, since build() is synchronous; written to a temporary name and renamed, so a process
 * never loads half a file.
 * @returns {number} the child's exit status (0 when the file is current or written).
 */
function fhirValidators() {
  if (existsSync(validatorFile) && statSync(validatorFile).mtimeMs >= statSync(validatorModule).mtimeMs)
    return 0;
  const tmp = `${validatorFile}.${process.pid}.tmp`;
  const script = [
    `import { writeFileSync } from 'node:fs';`,
    `const m = await import(${JSON.stringify(pathToFileURL(validatorModule).href)});`,
    `writeFileSync(${JSON.stringify(tmp)}, m.fhirValidatorSource());`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    process.stderr.write('nir-sim: writing the prebuilt FHIR validators failed (above)\n');
    return r.status ?? 1;
  }
  renameSync(tmp, validatorFile);
  return 0;
}

/** @param {number} ms */
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Take dist/.build-lock (mkdir is atomic), waiting for a concurrent build; false when it timed out. */
function lock() {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const until = Date.now() + WAIT_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      return true;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    try {
      if (Date.now() - statSync(lockDir).mtimeMs > STALE_LOCK_MS)
        rmSync(lockDir, { recursive: true, force: true });
    } catch {
      // removed by its owner meanwhile
    }
    if (Date.now() > until) return false;
    sleep(200);
  }
}

/**
 * Compile with `tsc -p tsconfig.build.json` (incremental: only what changed is re-emitted) and
 * write the stamp. One build at a time (dist/.build-lock).
 * @param o.ifStale build only when {@link staleReason} still gives one once the lock is held (a
 *   caller that waited for a concurrent build then finds dist/ current and returns 0).
 * @param {{ ifStale?: boolean }} [o]
 * @returns {number} tsc's exit status, else the validator step's (0 on success); 1 with a message on stderr when typescript
 *   is missing.
 */
export function build(o = {}) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write(
      'nir-sim: cannot build dist/: the typescript devDependency is not installed (run npm install, not npm install --omit=dev)\n',
    );
    return 1;
  }
  if (!lock()) {
    process.stderr.write(
      `nir-sim: another build holds ${lockDir} for too long; remove it if no build runs\n`,
    );
    return 1;
  }
  try {
    if (o.ifStale && staleReason() === undefined) return 0;
    const before = Date.now();
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const status = r.status === 0 ? fhirValidators() : (r.status ?? 1);
    // The stamp carries the time the build started: a source saved during the build stays newer.
    if (status === 0) {
      const t = new Date(before);
      writeFileSync(stampFile, `${t.toISOString()}\n`);
      utimesSync(stampFile, t, t);
    }
    return status;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

// `node scripts/build.mjs [--if-stale]`: --if-stale builds only when staleReason() gives a reason.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const why = ifStale ? staleReason() : 'asked';
  if (why !== undefined && ifStale) process.stderr.write(`nir-sim: ${why}: building dist/\n`);
  process.exitCode = why === undefined ? 0 : build({ ifStale });
}
