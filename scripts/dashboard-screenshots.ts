/**
 * `npm run docs:screenshots`: (re)writes the dashboard screenshots the README and docs/dashboard.md
 * show, docs/images/dashboard-{topology,faults,transactions,detail,failed-leg,scenarios,audit,conformance}.png
 * (PNG, 1280x800, the
 * smallest screen the dashboard is made for). It starts the default pack in this process on free
 * ports of 127.0.0.1, sends one clean FindDocuments, adds a `timeout` fault on the first community
 * and a 300 ms `latency` on the second through the control API, sends a second one (PartialSuccess),
 * and photographs each view in Debian's chromium (/usr/bin/chromium, or NIR_SIM_CHROMIUM), the
 * detail once more at the timed-out leg (its request, and why no response came); then runs
 * `known-to-all-networks` from the Scenarios view (failing under those faults) and searches the
 * Audit view for the patient (the simulated PARS on a free port, its files in a temporary directory),
 * and photographs the Conformance view (consumer-mode verdicts on the requests sent).
 * The machine's clock and speed show in the pictures (times, durations); nothing else varies.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_MISSING, CHROMIUM_PATH, launchChromium } from '../test/browser/browser.js';
import { findDocuments, startDashboardSim } from '../test/browser/dashboard-sim.js';
import { scenarioRoutes } from '../simulator/cli/scenario-routes.js';
import { existsSync } from 'node:fs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the pictures go. */
const imagesDir = path.join(repoRoot, 'docs', 'images');
/** The broker's per-community deadline, ms: the timed-out leg's bar reaches this line. */
const DEADLINE_MS = 3_000;

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(CHROMIUM_MISSING.replace(' tests skipped', ' screenshots'));
  mkdirSync(imagesDir, { recursive: true });
  const auditDir = mkdtempSync(path.join(tmpdir(), 'nir-sim-screenshots-'));
  const sim = await startDashboardSim(DEADLINE_MS, { audit: { dir: auditDir }, routes: [scenarioRoutes()] });
  const browser = await launchChromium();
  try {
    const [first, second] = sim.pack.communities.map((c) => c.name);
    await findDocuments(sim, sim.patientEverywhere);
    const added = await fetch(`${sim.controlUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { name: `timeout-${first}`, gateway: first, kind: 'timeout' },
        { name: `latency-300ms-${second}`, gateway: second, kind: 'latency', latencyMs: 300 },
      ]),
    });
    if (added.status !== 201)
      throw new Error(`adding the faults: HTTP ${added.status} ${await added.text()}`);
    await findDocuments(sim, sim.patientEverywhere);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
    const shot = async (view: string, ready: string, name: string): Promise<void> => {
      await page.goto(`${sim.dashboardUrl}#${view}`);
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      await page.locator(ready).first().waitFor();
      const file = path.join(imagesDir, `dashboard-${name}.png`);
      await page.screenshot({ path: file });
      process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
    };
    await shot('topology', 'table.communities tbody tr', 'topology');
    await shot('faults', 'tr[data-fault]', 'faults');
    await shot('transactions', 'tr[data-status="PartialSuccess"]', 'transactions');
    const tx = await page.locator('tr[data-status="PartialSuccess"]').getAttribute('data-tx');
    await shot(`tx/${tx}`, '.leg-detail', 'detail');
    await page.locator(`.leg-detail[data-community="${first}"]`).scrollIntoViewIfNeeded();
    const failedLeg = path.join(imagesDir, 'dashboard-failed-leg.png');
    await page.screenshot({ path: failedLeg });
    process.stdout.write(`wrote ${path.relative(repoRoot, failedLeg)}\n`);

    await page.goto(`${sim.dashboardUrl}#scenarios`);
    await page.getByRole('button', { name: 'Run known-to-all-networks' }).click();
    await shot('scenarios', '.scenario-result', 'scenarios');
    await sim.running.audit!.drained();
    await page.goto(`${sim.dashboardUrl}#audit`);
    await page.getByLabel('Patient (NHS number)').fill(sim.patientEverywhere);
    await page.getByRole('button', { name: 'Search' }).click();
    await shot('audit', 'table.audit-events tbody tr', 'audit');
    await shot('conformance', 'details.conformance-request', 'conformance');
  } finally {
    await browser.close();
    await sim.stop();
    rmSync(auditDir, { recursive: true, force: true });
  }
}

await main();
