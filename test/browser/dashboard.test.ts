/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a sim on free
 * ports: the topology lists every community; the fault form refuses what the API refuses, with the
 * API's problems; a `timeout` fault added from the form makes the next query PartialSuccess with that
 * community's leg marked timed out in the waterfall, and its counters move; the transaction reached
 * the page over the event stream (the page never polls) and an EventSource in the page received it;
 * the detail shows every leg's bodies (the timed-out leg's request, and why no response came) and a cURL command that, run, gets an answer from the broker;
 * a quick toggle takes a community down and the topology follows; a row opens from the keyboard;
 * clear all removes the fault and the next query succeeds again.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { findDocuments, startDashboardSim, type DashboardSim } from './dashboard-sim.js';

/** The broker's per-community deadline: a timed-out leg costs this much, ms. */
const DEADLINE_MS = 4_000;
/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 30_000;

describe.skipIf(skipWithoutChromium())('dashboard in chromium', () => {
  let sim: DashboardSim;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sim = await startDashboardSim(DEADLINE_MS);
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
  });

  const communities = (): string[] => sim.pack.communities.map((c) => c.name);

  /** Each leg of a log row's waterfall: community, failure reason ('' when answered), outcome text. */
  async function legsOf(
    row: Locator,
  ): Promise<{ community: string | null; failure: string | null; state: string }[]> {
    const out = [];
    for (const li of await row.locator('li.leg').all())
      out.push({
        community: await li.getAttribute('data-community'),
        failure: await li.getAttribute('data-failure'),
        state: ((await li.locator('.leg-state').textContent()) ?? '').replace(/, \d+ ms$/, ''),
      });
    return out;
  }
  const target = (): string => communities()[0]!;

  it('lists every community of the topology with its homeCommunityId, kind and state', async () => {
    const rows = page.locator('table.communities tbody tr');
    await expect.poll(() => rows.count()).toBe(sim.pack.communities.length);
    const seen: string[][] = [];
    for (const tr of await rows.all())
      seen.push((await tr.locator('th, td').allTextContents()).slice(0, 5).map((c) => c.trim()));
    expect(seen).toEqual(
      sim.pack.communities.map((c) => [c.name, c.homeCommunityId, 'simulated', 'up', '—']),
    );
  });

  it('shows the problems the control API finds in a fault from the form, and adds nothing', async () => {
    await page.getByRole('link', { name: 'Faults' }).click();
    await page.getByLabel('kind', { exact: true }).selectOption('latency');
    await page.getByLabel(/^gateway/).selectOption(target());
    await page.getByRole('button', { name: 'Add fault' }).click();
    const alert = page.locator('form.fault-form [role=alert]');
    await alert.waitFor();
    // The same fault sent to the API by hand: the form shows exactly its answer.
    const api = await fetch(`${sim.controlUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ name: `latency-${target()}`, gateway: target(), kind: 'latency' }] }),
    });
    expect(api.status).toBe(400);
    const refused = (await api.json()) as { error: string; problems: string[] };
    expect(refused.error).toBe('invalid fault');
    expect(refused.problems.some((p) => p.includes('latencyMs'))).toBe(true);
    expect(await alert.locator('li').allTextContents()).toEqual(refused.problems);
    expect(await alert.locator('strong').textContent()).toBe('invalid fault');
    expect(await (await fetch(`${sim.controlUrl}/faults`)).json()).toEqual({ faults: [] });
  });

  it('a timeout fault added from the form makes the next query PartialSuccess with that leg timed out, live', async () => {
    await page.getByLabel('kind', { exact: true }).selectOption('timeout');
    await page.getByLabel(/^gateway/).selectOption(target());
    await page.getByRole('button', { name: 'Add fault' }).click();
    const name = `timeout-${target()}`;
    await page.locator(`tr[data-fault="${name}"]`).waitFor();
    expect(await (await fetch(`${sim.controlUrl}/faults`)).json()).toEqual({
      faults: [
        {
          fault: { name, gateway: target(), kind: 'timeout', probability: 1, after: 0 },
          matched: 0,
          applied: 0,
        },
      ],
    });

    // An EventSource of the page's own, open before the query, must receive its transaction.
    // (Page-side code as text: the tests' tsconfig has no DOM types.)
    await page.evaluate(`
      window.sse = { open: false, transactions: [] };
      const s = new EventSource('/events');
      s.onopen = () => (window.sse.open = true);
      s.addEventListener('transaction', (e) => window.sse.transactions.push(JSON.parse(e.data)));
    `);
    await page.waitForFunction('window.sse.open');
    await page.getByRole('link', { name: 'Transactions' }).click();

    const answer = await findDocuments(sim, sim.patientEverywhere);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"');

    const row = page.locator('tr[data-tx][data-status="PartialSuccess"]');
    await row.waitFor();
    const txId = await row.getAttribute('data-tx');
    const received = await page.waitForFunction(
      `window.sse.transactions.some((t) => t.id === ${JSON.stringify(txId)})`,
    );
    expect(await received.jsonValue()).toBe(true);
    const legs = await legsOf(row);
    expect(legs).toEqual(
      communities().map((c) =>
        c === target()
          ? { community: c, failure: 'timeout', state: 'timed out' }
          : { community: c, failure: '', state: 'HTTP 200' },
      ),
    );
    expect(await row.locator('.errors').textContent()).toBe('XDSUnavailableCommunity');

    // The counters moved, live, in the Faults view.
    await page.getByRole('link', { name: 'Faults' }).click();
    const counters = page.locator(`tr[data-fault="${name}"] td.num`);
    await expect.poll(() => counters.allTextContents(), { timeout: STEP_MS }).toEqual(['1', '1']);
  });

  it('shows a transaction in detail: every leg with its bodies, and a cURL command the broker answers', async () => {
    await page.getByRole('link', { name: 'Transactions' }).click();
    const row = page.locator('tr[data-tx][data-status="PartialSuccess"]');
    const txId = (await row.getAttribute('data-tx'))!;
    await row.getByRole('button', { name: `Open ${txId}` }).click();
    await page.getByRole('heading', { name: `ITI-38 ${txId}` }).waitFor();
    expect(await page.locator('dd.status').textContent()).toBe('PartialSuccess');
    const consumer = (part: string) => page.locator(`section.detail > details.body[data-body="${part}"] pre`);
    expect(await consumer('request').textContent()).toContain('<query:AdhocQueryRequest');
    expect(await consumer('response').textContent()).toContain(
      'status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"',
    );
    const legs = page.locator('.leg-detail');
    expect(await legs.count()).toBe(sim.pack.communities.length);
    for (const c of communities()) {
      const leg = page.locator(`.leg-detail[data-community="${c}"]`);
      const request = leg.locator('details.body[data-body="request"]');
      const response = leg.locator('details.body[data-body="response"]');
      if (c === target()) {
        // The timed-out leg: the request as sent, and no response with why (run-legs.ts).
        const sent = (await request.locator('pre').textContent()) ?? '';
        expect(sent).toContain('<query:AdhocQueryRequest');
        expect(sent).toContain(
          `<wsa:To env:mustUnderstand="1">${sim.running.communities.find((x) => x.name === c)!.endpoints['ITI-38']}</wsa:To>`,
        );
        expect(await response.locator('.hint').textContent()).toBe(
          `no response: no answer within ${DEADLINE_MS} ms`,
        );
        expect(await response.locator('pre').count()).toBe(0);
        expect(await leg.locator('p.note').textContent()).toBe(`timeout: no answer within ${DEADLINE_MS} ms`);
      } else {
        expect(await request.locator('pre').textContent()).toContain('<query:AdhocQueryRequest');
        expect(await response.locator('pre').textContent()).toContain('<query:AdhocQueryResponse');
      }
    }

    // The cURL command reproduces the consumer's request against the broker.
    const curl = await page.locator('pre.curl').textContent();
    expect(curl).toContain(sim.running.broker.endpoints['ITI-38']);
    // Asynchronously: the sim answering it runs in this process.
    const run = await promisify(execFile)('sh', ['-c', curl!], { encoding: 'utf8', timeout: STEP_MS * 2 });
    expect(run.stdout).toContain('AdhocQueryResponse');
    expect(run.stdout).toContain('status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"');
  });

  it('a quick toggle takes a community down and up, and the topology follows live; a row opens from the keyboard', async () => {
    const c = communities()[1]!;
    await page.getByRole('link', { name: 'Faults' }).click();
    const down = page.getByRole('checkbox', { name: `${c}: down` });
    await down.check();
    await page.locator(`tr[data-fault="refuse-${c}"]`).waitFor();
    await page.getByRole('link', { name: 'Topology' }).click();
    const state = page.locator(`table.communities tr[data-community="${c}"] .badge`);
    await expect.poll(() => state.textContent(), { timeout: STEP_MS }).toBe('down');
    await page.getByRole('link', { name: 'Faults' }).click();
    await page.getByRole('checkbox', { name: `${c}: down` }).uncheck();
    await page.locator(`tr[data-fault="refuse-${c}"]`).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Topology' }).click();
    await expect.poll(() => state.textContent(), { timeout: STEP_MS }).toBe('up');

    // Keyboard only: focus the newest row's open button, press Enter, the detail opens.
    await page.getByRole('link', { name: 'Transactions' }).click();
    const open = page.locator('tr[data-tx] button').first();
    const id = await open.locator('xpath=ancestor::tr').getAttribute('data-tx');
    await open.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(` ${id}$`) }).waitFor();
  });

  it('clear all removes the fault, and the next query succeeds with every leg answered', async () => {
    await page.getByRole('link', { name: 'Faults' }).click();
    await page.getByRole('button', { name: 'Clear all faults' }).click();
    await page.getByText('No fault is active.').waitFor();
    expect(await (await fetch(`${sim.controlUrl}/faults`)).json()).toEqual({ faults: [] });

    await page.getByRole('link', { name: 'Transactions' }).click();
    await page.getByLabel('Status').selectOption('Success');
    const answer = await findDocuments(sim, sim.patientEverywhere);
    expect(answer.body).toContain('status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"');
    const row = page.locator('tr[data-tx][data-status="Success"]').first();
    await row.waitFor();
    expect(await page.locator('tr[data-tx]').count()).toBe(
      await page.locator('tr[data-status="Success"]').count(),
    );
    expect(await legsOf(row)).toEqual(
      communities().map((c) => ({ community: c, failure: '', state: 'HTTP 200' })),
    );
    expect(pageErrors).toEqual([]);
  });
});
