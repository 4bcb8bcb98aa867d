/**
 * The dashboard's Scenarios view in a real browser (Debian's chromium through playwright-core)
 * against a sim serving the command line's scenario routes, as `sim up` does: the view lists every
 * shipped scenario with its description; running one shows each step passed; with a community taken
 * down by the user's own fault the same scenario shows its steps failed with the differences.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedScenarios } from '../../simulator/cli/commands/scenario.js';
import { scenarioRoutes } from '../../simulator/cli/scenario-routes.js';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { startDashboardSim, type DashboardSim } from './dashboard-sim.js';

/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 60_000;
const SCENARIO = 'known-to-all-networks';

describe.skipIf(skipWithoutChromium())('dashboard Scenarios view in chromium', () => {
  let sim: DashboardSim;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sim = await startDashboardSim(5_000, { routes: [scenarioRoutes()] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${sim.dashboardUrl}#scenarios`);
    await page.getByRole('heading', { name: 'Scenarios' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  /** Each step of the result: its title's verdict and its differences. */
  async function steps(): Promise<{ id: string | null; passed: string | null; differences: string[] }[]> {
    const out = [];
    for (const li of await page.locator('ol.steps > li').all())
      out.push({
        id: await li.getAttribute('data-step'),
        passed: await li.getAttribute('data-passed'),
        differences: await li.locator('ul.differences li').allInnerTexts(),
      });
    return out;
  }

  it('lists every shipped scenario with its description', async () => {
    const rows = page.locator('table.scenarios tbody tr');
    const shipped = await shippedScenarios();
    await expect.poll(() => rows.count()).toBe(shipped.length);
    const seen = [];
    for (const tr of await rows.all())
      seen.push([await tr.locator('th').innerText(), await tr.locator('td').first().innerText()]);
    expect(seen).toEqual(shipped.map((s) => [s.name, s.description]));
  });

  it('runs a scenario against the sim and shows each step passed', async () => {
    await page.getByRole('button', { name: `Run ${SCENARIO}` }).click();
    const heading = page.getByRole('heading', { name: `${SCENARIO}: passed` });
    await heading.waitFor();
    expect(await steps()).toEqual([
      { id: 'find', passed: 'true', differences: [] },
      { id: 'step-2', passed: 'true', differences: [] },
    ]);
  });

  it("shows the steps failed with their differences when the user's fault breaks it", async () => {
    const add = await fetch(`${sim.controlUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ne-down', gateway: 'north-east-imaging-network', kind: 'refuse' }),
    });
    expect(add.status).toBe(201);
    try {
      await page.getByRole('button', { name: `Run ${SCENARIO}` }).click();
      await page.getByRole('heading', { name: `${SCENARIO}: failed` }).waitFor();
      const s = await steps();
      expect(s.map((x) => [x.id, x.passed])).toEqual([
        ['find', 'false'],
        ['step-2', 'false'],
      ]);
      expect(s[0]!.differences).toContain('status: expected Success, got PartialSuccess');
      expect(pageErrors).toEqual([]);
    } finally {
      await fetch(`${sim.controlUrl}/reset`, { method: 'POST' });
    }
  });
});
