/**
 * Debian's chromium (`apt-get install chromium`, /usr/bin/chromium) driven by playwright-core, for
 * the dashboard's browser tests and screenshots. Outside CI a missing chromium skips those tests
 * with {@link CHROMIUM_MISSING}; under CI (`CI` set) nothing may be skipped, so they fail with it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { inCi } from '../helpers/system-tools.js';

/** Where Debian's chromium package puts the browser (NIR_SIM_CHROMIUM overrides it). */
export const CHROMIUM_PATH = process.env['NIR_SIM_CHROMIUM'] ?? '/usr/bin/chromium';

/** The line a run prints when the browser is absent. */
export const CHROMIUM_MISSING = `dashboard browser tests skipped: no chromium at ${CHROMIUM_PATH} (install it: sudo apt-get install -y chromium)`;

/** True when the browser tests must skip (chromium absent, not CI); throws under CI when absent. */
export function skipWithoutChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return false;
  if (inCi()) throw new Error(CHROMIUM_MISSING.replace('skipped', 'cannot run under CI'));
  console.warn(CHROMIUM_MISSING);
  return true;
}

/** Launch chromium headless (no sandbox: CI containers run as root without user namespaces). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}
