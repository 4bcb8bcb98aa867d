/**
 * The dashboard with a large network and a full log, in a real browser (Debian's chromium through
 * playwright-core): a generated pack of 50 communities as simulated gateways, and 500 real ITI-38
 * queries through the broker (the transaction log's capacity; most as a consumer whose profile
 * reaches two communities, a few fanning out to all 50). The topology lists all 50 communities; the
 * transaction list holds the 500 and draws the newest 200; the patient and community filters narrow
 * it to exactly the matching transactions; the Conformance view judges the 500 and draws the newest
 * 50. What is shown is asserted, never how long it took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataPack } from '../../simulator/data-pack/generator.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { findDocuments, startDashboardSim, type DashboardSim } from './dashboard-sim.js';

const COMMUNITIES = 50;
/** The transaction log's capacity (docs/faults.md "The control API"). */
const LOG_SIZE = 500;
/** Queries that fan out to every community (the rest reach two). */
const WIDE = 5;
/** Rows the page draws at most (docs/dashboard.md "Views"). */
const MAX_ROWS = 200;
/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 60_000;

describe.skipIf(skipWithoutChromium())('dashboard with 50 communities and a full log, in chromium', () => {
  let dir: string;
  let sim: DashboardSim;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** The patient of each query, in the order sent. */
  const sent: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-dashboard-scale-'));
    await generateDataPack({
      seed: 18,
      communities: COMMUNITIES,
      patients: 20,
      outDir: dir,
      studiesPerCommunity: { min: 1, max: 1 },
    });
    // The profile `two` reaches the first two communities only: 495 cheap queries, 5 wide ones.
    const pack = await loadDataPack(dir);
    sim = await startDashboardSim(10_000, {
      packDir: dir,
      consumers: { two: { include: pack.communities.slice(0, 2).map((c) => c.homeCommunityId) } },
    });
    const patients = sim.pack.patients.map((p) => p.nhsNumber);
    for (let i = 0; i < LOG_SIZE; i++) sent.push(patients[i % patients.length]!);
    const wideAt = new Set(Array.from({ length: WIDE }, (_, k) => k * 97));
    // Eight at a time: bounded load on a shared machine.
    for (let i = 0; i < LOG_SIZE; i += 8)
      await Promise.all(
        sent.slice(i, i + 8).map(async (nhs, j) => {
          const r = await findDocuments(sim, nhs, wideAt.has(i + j) ? undefined : 'two');
          expect(r.status).toBe(200);
        }),
      );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(sim.dashboardUrl);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists all 50 communities in the topology', async () => {
    const rows = page.locator('table.communities tbody tr');
    await expect.poll(() => rows.count(), { timeout: STEP_MS }).toBe(COMMUNITIES);
    const names = [];
    for (const tr of await rows.all()) names.push((await tr.locator('th, td').first().innerText()).trim());
    expect(names).toEqual(sim.pack.communities.map((c) => c.name));
  });

  it('holds the 500 transactions, draws the newest 200, and the filters narrow them', async () => {
    await page.getByRole('link', { name: 'Transactions' }).click();
    const summary = page.locator('section[aria-labelledby="log-title"] .summary');
    const rows = page.locator('table.log tbody tr');
    const text = async () => ((await summary.textContent()) ?? '').replace(/\s+/g, ' ').trim();
    await expect
      .poll(text, { timeout: STEP_MS })
      .toMatch(/^500 of 500 transactions \(the newest 200 shown\)/);
    expect(await rows.count()).toBe(MAX_ROWS);

    // A patient: exactly the queries for them.
    const patient = sent[0]!;
    const forPatient = sent.filter((p) => p === patient).length;
    await page.getByLabel('Patient (NHS number)').fill(patient);
    await expect.poll(text).toMatch(new RegExp(`^${forPatient} of 500 transactions ?;`));
    expect(await rows.count()).toBe(forPatient);
    const patients = await rows.locator('td:nth-child(3)').allInnerTexts();
    expect(new Set(patients)).toEqual(new Set([patient]));

    // The last community: only the wide queries had a leg to it, each with all 50 legs.
    await page.getByLabel('Patient (NHS number)').fill('');
    const last = sim.pack.communities[COMMUNITIES - 1]!.name;
    await page.getByLabel('Community').selectOption(last);
    await expect.poll(text).toMatch(new RegExp(`^${WIDE} of 500 transactions ?;`));
    expect(await rows.count()).toBe(WIDE);
    for (const tr of await rows.all()) expect(await tr.locator('li.leg').count()).toBe(COMMUNITIES);
    expect(pageErrors).toEqual([]);
  });

  it('judges the 500 requests in the Conformance view and draws the newest 50', async () => {
    await page.getByRole('link', { name: 'Conformance' }).click();
    await page.getByText(`${LOG_SIZE} request(s) judged; answer deadline`).waitFor({ timeout: STEP_MS });
    expect(
      await page.getByRole('heading', { name: `Requests (${LOG_SIZE}, the newest 50 shown)` }).count(),
    ).toBe(1);
    expect(await page.locator('details.conformance-request').count()).toBe(50);
    expect(pageErrors).toEqual([]);
  });
});
