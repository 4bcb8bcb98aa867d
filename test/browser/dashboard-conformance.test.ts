/**
 * The dashboard's Conformance view and MHD in a real browser (Debian's chromium through
 * playwright-core) against a sim whose first community is an MHD Document Responder: the topology
 * marks it MHD; the Conformance view shows no request, then, live after a consumer's FindDocuments
 * (no wsa:To, no XUA assertion), the consumer-mode verdicts GET /conformance/consumer gives, each
 * check with its outcome and message and the request's own verdicts; the consumer filter narrows
 * it; a request refused with a SOAP Fault (the `refusal` event) is judged live too; an ITI-67 search through the broker's FHIR face appears in the log with its MHD leg, and its
 * detail shows the request lines and the FHIR JSON bodies pretty-printed.
 */
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import { findDocuments, startDashboardSim, type DashboardSim } from './dashboard-sim.js';

/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 30_000;
const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

interface ConsumerReport {
  requestCount: number;
  results: { id: string; outcome: string; message: string }[];
  items: { item: string; outcome: string; passed: string[]; failed: string[] }[];
  requests: {
    transactionId: string;
    verdicts: { id: string; outcome: string; message: string }[];
    refusal?: { httpStatus: number };
  }[];
}

describe.skipIf(skipWithoutChromium())('dashboard Conformance view and MHD in chromium', () => {
  let sim: DashboardSim;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let mhd = '';

  beforeAll(async () => {
    const { loadDataPack } = await import('../../simulator/data-pack/loader.js');
    const { defaultPackDir } = await import('../helpers/topology.js');
    mhd = (await loadDataPack(defaultPackDir)).communities[0]!.name;
    sim = await startDashboardSim(5_000, { mhd: [mhd] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${sim.dashboardUrl}#topology`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  it('marks the MHD community in the topology', async () => {
    const row = page.locator('tr', { hasText: mhd }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain('MHD (simulated)');
  });

  it('shows the consumer-mode verdicts, live, per check and per request', async () => {
    await page.getByRole('link', { name: 'Conformance' }).click();
    await page.getByRole('heading', { name: 'Conformance: consumer mode' }).waitFor();
    await page.getByText('No consumer request yet: send one to the broker.').waitFor();

    expect((await findDocuments(sim, sim.patientEverywhere, 'acme-pacs')).status).toBe(200);
    // The page fetches the report again when the transaction event arrives; no reload.
    await page.getByText('1 request(s) judged; answer deadline').waitFor();
    const report = (await (
      await request(`${sim.controlUrl}/conformance/consumer`)
    ).body.json()) as ConsumerReport;
    expect(report.requestCount).toBe(1);

    // Every check: its outcome in words and its message, as the route gives them.
    const shown = [];
    for (const r of report.results) {
      const row = page.locator(`table.conformance-checks tr[data-check="${r.id}"]`);
      shown.push({
        id: r.id,
        outcome: await row.locator('[data-outcome]').getAttribute('data-outcome'),
        message: ((await row.locator('td').nth(1).textContent()) ?? '').startsWith(r.message),
      });
    }
    expect(shown).toEqual(report.results.map((r) => ({ id: r.id, outcome: r.outcome, message: true })));
    expect(report.results.find((r) => r.id === 'CON-WSA-TO')!.outcome).toBe('failed');
    expect(
      (await page.locator('ul.items li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
    ).toEqual(
      report.items.map(
        (i) =>
          `${i.item} ${i.outcome === 'skipped' ? 'not applicable' : i.outcome} (${i.passed.length} request(s) passed, ${i.failed.length} failed)`,
      ),
    );

    // The request's own verdicts, each with its message, and a link to its transaction.
    const [req] = report.requests;
    const details = page.locator(`details.conformance-request[data-tx="${req!.transactionId}"]`);
    const rows = [];
    for (const tr of await details.locator('tbody tr').all())
      rows.push({
        id: await tr.getAttribute('data-check'),
        outcome: await tr.locator('[data-outcome]').getAttribute('data-outcome'),
        message: await tr.locator('td').nth(1).textContent(),
      });
    expect(rows).toEqual(req!.verdicts.map((v) => ({ id: v.id, outcome: v.outcome, message: v.message })));
    expect(rows.find((r) => r.id === 'CON-WSA-TO')).toEqual({
      id: 'CON-WSA-TO',
      outcome: 'failed',
      message: `wsa:To is missing; send the endpoint URL (${sim.running.broker.endpoints['ITI-38']})`,
    });
    expect(
      await details.getByRole('link', { name: `Transaction ${req!.transactionId}` }).getAttribute('href'),
    ).toBe(`#tx/${req!.transactionId}`);

    // Another consumer's verdicts only: none.
    await page.getByLabel('Consumer (X-NIR-Consumer or TLS client CN)').fill('gp-viewer');
    await page.getByRole('button', { name: 'Show' }).press('Enter');
    await page.getByText('0 request(s) judged from gp-viewer; answer deadline').waitFor();

    // A request the broker refuses with a SOAP Fault (an unknown wsa:Action) arrives as a
    // `refusal` event: the view follows it too.
    await page.getByLabel('Consumer (X-NIR-Consumer or TLS client CN)').fill('');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('1 request(s) judged; answer deadline').waitFor();
    const refused = await request(sim.running.broker.endpoints['ITI-38'], {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=UTF-8', 'x-nir-consumer': 'acme-pacs' },
      body: findDocumentsEnvelope(sim.patientEverywhere).replace(
        'urn:ihe:iti:2007:CrossGatewayQuery',
        'urn:ihe:iti:2007:NoSuchAction',
      ),
    });
    expect(refused.statusCode).toBe(400);
    await refused.body.dump();
    await page.getByText('2 request(s) judged; answer deadline').waitFor();
    const after = (await (
      await request(`${sim.controlUrl}/conformance/consumer`)
    ).body.json()) as ConsumerReport;
    const refusal = after.requests.find((q) => q.refusal !== undefined)!;
    const shownRefusal = page.locator(`details.conformance-request[data-tx="${refusal.transactionId}"]`);
    expect(await shownRefusal.locator('summary .badge').textContent()).toBe('refused: HTTP 400');
  });

  it('shows an ITI-67 search through the FHIR face with its MHD leg, the FHIR JSON pretty-printed', async () => {
    const url = `${sim.running.broker.fhirBase}/DocumentReference?patient.identifier=${encodeURIComponent(`${NHS_SYSTEM}|${sim.patientEverywhere}`)}&status=current`;
    const res = await request(url, { headers: { accept: 'application/fhir+json' } });
    expect(res.statusCode).toBe(200);
    const bundle = (await res.body.json()) as { resourceType: string };
    expect(bundle.resourceType).toBe('Bundle');

    await page.getByRole('link', { name: 'Transactions' }).click();
    const row = page.locator('tr[data-tx]', { hasText: 'ITI-67' }).first();
    await row.waitFor();
    const txId = (await row.getAttribute('data-tx'))!;
    await row.getByRole('button', { name: `Open ${txId}` }).click();
    await page.getByRole('heading', { name: `ITI-67 ${txId}` }).waitFor();
    const consumer = (part: string) =>
      page.locator(`section.detail > details.body[data-body="${part}"] pre`).textContent();
    expect(await consumer('request')).toBe(`GET ${url}`);
    const answer = await consumer('response');
    expect(answer).toBe(JSON.stringify(bundle, null, 2));

    const leg = page.locator(`.leg-detail[data-community="${mhd}"]`);
    expect(await leg.locator('h3').textContent()).toMatch(
      new RegExp(`^Leg \\d+: ${mhd} \\(ITI-67\\): HTTP 200`),
    );
    const legRequest = await leg.locator('details.body[data-body="request"] pre').textContent();
    expect(legRequest).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/fhir\/DocumentReference\?/);
    const legAnswer = (await leg.locator('details.body[data-body="response"] pre').textContent()) ?? '';
    expect(legAnswer.startsWith('{\n  "resourceType": "Bundle",\n')).toBe(true);
    expect(JSON.parse(legAnswer)).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(pageErrors).toEqual([]);
  });
});
