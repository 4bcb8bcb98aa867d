/**
 * The system tools some tests run (not npm packages), with the Debian/Ubuntu package that provides
 * each, so a missing one is named with the command that installs it.
 *
 * Outside CI a test needing a missing tool is skipped (`it.skipIf(skipWithoutTool('xmlsec1'))`) and
 * the vitest global setup (test/helpers/global-setup.ts) prints one line per run naming what to
 * install. Under CI (`CI` set) nothing may be skipped silently: {@link skipWithoutTool} throws while
 * the test file is collected, so the file fails with the same message.
 */
import { spawnSync } from 'node:child_process';

/** One system tool: the command, the arguments that make it print a version, and its package. */
export interface SystemTool {
  command: string;
  versionArgs: readonly string[];
  /** Debian/Ubuntu package (`apt-get install ...`). */
  aptPackage: string;
  /** What the tests use it for, in a few words. */
  usedFor: string;
}

/** Every system tool the unit, integration and e2e suites run (CONTRIBUTING.md lists them). */
export const SYSTEM_TOOLS = {
  openssl: {
    command: 'openssl',
    versionArgs: ['version'],
    aptPackage: 'openssl',
    usedFor: 'verifying the minted certificate chains and CRLs',
  },
  xmlsec1: {
    command: 'xmlsec1',
    versionArgs: ['--version'],
    aptPackage: 'xmlsec1',
    usedFor: 'verifying XUA assertion signatures independently',
  },
  dcmdump: {
    command: 'dcmdump',
    versionArgs: ['--version'],
    aptPackage: 'dcmtk',
    usedFor: 'reading every DICOM file the packs and the broker produce',
  },
  'docker-compose': {
    command: 'docker-compose',
    versionArgs: ['version'],
    aptPackage: 'docker-compose',
    usedFor: 'checking compose files with `docker-compose config`',
  },
  dciodvfy: {
    command: 'dciodvfy',
    versionArgs: ['-version'],
    aptPackage: 'dicom3tools',
    usedFor: 'checking DICOM objects against the IODs',
  },
} as const satisfies Record<string, SystemTool>;

export type SystemToolName = keyof typeof SYSTEM_TOOLS;

/** True when `CI` is set to anything but "", "0" or "false": then nothing may be skipped. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env['CI'] ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

const probed = new Map<SystemToolName, boolean>();

/** Whether `name` can be run from PATH (probed once per process). */
export function toolAvailable(name: SystemToolName): boolean {
  let ok = probed.get(name);
  if (ok === undefined) {
    const t = SYSTEM_TOOLS[name];
    const r = spawnSync(t.command, [...t.versionArgs], { stdio: 'ignore', timeout: 30_000 });
    ok = !(r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT');
    probed.set(name, ok);
  }
  return ok;
}

/** The apt-get line that installs `names`' packages. */
export function aptGetLine(names: readonly SystemToolName[]): string {
  const pkgs = [...new Set(names.map((n) => SYSTEM_TOOLS[n].aptPackage))];
  return `sudo apt-get install -y ${pkgs.join(' ')}`;
}

/** One line naming the missing tools of `names`, what they are for and how to install them; '' if none. */
export function missingToolsMessage(names: readonly SystemToolName[]): string {
  const missing = names.filter((n) => !toolAvailable(n));
  if (missing.length === 0) return '';
  const what = missing.map((n) => `${n} (${SYSTEM_TOOLS[n].usedFor})`).join(', ');
  return `not installed: ${what}; install with \`${aptGetLine(missing)}\` (Debian/Ubuntu; CONTRIBUTING.md "Prerequisites for the tests")`;
}

/**
 * For `it.skipIf` / `describe.skipIf`: true when one of `names` is missing outside CI.
 * @throws Error {@link missingToolsMessage} when one is missing under CI, so the file fails.
 */
export function skipWithoutTool(...names: SystemToolName[]): boolean {
  const message = missingToolsMessage(names);
  if (message === '') return false;
  if (inCi()) throw new Error(`CI must not skip tests: ${message}`);
  return true;
}
