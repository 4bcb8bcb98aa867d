/**
 * The dashboard's Audit view in a real browser (Debian's chromium through playwright-core) against a
 * sim with the simulated PARS, after two consumers' queries: a patient's AuditEvents show their
 * transaction, action, outcome, patient and agents (the requestor marked); a time window after both
 * finds none; a bad NHS number shows the control API's problem; the Patient Access Report lists the
 * patient's access with its calling system.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { findDocuments, startDashboardSim, type DashboardSim } from './dashboard-sim.js';

/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 30_000;
/** Known to every community of the default pack; the other patient to one fewer at least. */
const P1 = '9995649284';
const P2 = '9995527421';

describe.skipIf(skipWithoutChromium())('dashboard Audit view in chromium', () => {
  let dir: string;
  let sim: DashboardSim;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-dashboard-audit-'));
    sim = await startDashboardSim(5_000, { audit: { dir } });
    expect((await findDocuments(sim, P1, 'acme-pacs')).status).toBe(200);
    expect((await findDocuments(sim, P2, 'gp-viewer')).status).toBe(200);
    await sim.running.audit!.drained();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${sim.dashboardUrl}#audit`);
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const form = () => page.getByRole('form', { name: 'Search AuditEvents' });
  async function search(fields: { patient?: string; since?: string; until?: string }): Promise<void> {
    await form()
      .getByLabel('Patient (NHS number)')
      .fill(fields.patient ?? '');
    await form()
      .getByLabel('From')
      .fill(fields.since ?? '');
    await form()
      .getByLabel('To')
      .fill(fields.until ?? '');
    await form().getByRole('button', { name: 'Search' }).click();
  }
  /** Each row of the events table, its cells' text. */
  async function eventRows(): Promise<string[][]> {
    const out = [];
    for (const tr of await page.locator('table.audit-events tbody tr').all())
      out.push((await tr.locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim()));
    return out;
  }

  it("lists a patient's AuditEvents with transaction, action, outcome, patient and agents", async () => {
    await search({ patient: P1 });
    await expect
      .poll(() => page.locator('.summary').first().textContent())
      .toBe(`1 of 1 AuditEvents, newest first (from PARS ${sim.running.pars!.url})`);
    const rows = await eventRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(1)).toEqual([
      'ITI-38',
      'Read',
      'Success',
      P1,
      'unknown organisation (no XUA assertion) (Organization, healthcare provider) requestor ' +
        'acme-pacs (Endpoint, Source Role ID)',
    ]);
    expect(rows[0]![0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('lists a time window: both queries up to now, none after', async () => {
    const local = (d: Date) =>
      new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    const now = new Date();
    await search({
      since: local(new Date(now.getTime() - 3_600_000)),
      until: local(new Date(now.getTime() + 60_000)),
    });
    await expect.poll(async () => (await eventRows()).map((r) => r[4])).toEqual([P2, P1]);
    await search({ since: local(new Date(now.getTime() + 60_000)) });
    await expect
      .poll(() => page.locator('.summary').first().textContent())
      .toBe(`0 of 0 AuditEvents, newest first (from PARS ${sim.running.pars!.url})`);
    expect(await eventRows()).toEqual([]);
  });

  it('shows what the control API refuses', async () => {
    await search({ patient: '1234' });
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.innerText())
      .toBe('invalid audit query\npatient=1234: not an NHS number (10 digits, modulus 11 check digit)');
  });

  it('shows the Patient Access Report', async () => {
    await form().getByLabel('Patient (NHS number)').fill(P2);
    await form().getByRole('button', { name: 'Patient Access Report' }).click();
    await page.getByRole('heading', { name: `Patient Access Report for ${P2}` }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    const rows = [];
    for (const tr of await page.locator('table.access-report tbody tr').all())
      rows.push((await tr.locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim()));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(1)).toEqual([
      'ITI-38',
      expect.stringMatching(
        /^Success Success: XDSUnknownPatientId \(Warning\) at urn:oid:[0-9.]+$/,
      ) as unknown,
      '—',
      'unknown organisation (no XUA assertion)',
      'gp-viewer',
      'unverified',
      '—',
    ]);
    expect(pageErrors).toEqual([]);
  });
});
