/**
 * The dashboard served by the container stack's broker (`sim serve broker`), in a real browser
 * (Debian's chromium through playwright-core): the broker role started as its container starts it
 * (with the command line's audit and scenario routes, cli/broker-control-routes.ts), in this process
 * on port 0, beside a PARS role and a gateway role per community of the default pack. After a
 * consumer's query the Audit view finds its AuditEvent in the PARS container, the Conformance view
 * judges it, and the Scenarios view lists the shipped scenarios and runs one to a pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerControlRoutes } from '../../simulator/cli/broker-control-routes.js';
import { shippedScenarios } from '../../simulator/cli/commands/scenario.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import { startParsRole } from '../../simulator/roles/pars-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { findDocuments } from '../helpers/requests.js';
import { post } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';
import { launchChromium, skipWithoutChromium } from './browser.js';

/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 30_000;
const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 1, logger: silentLogger() };

describe.skipIf(skipWithoutChromium())('dashboard on the container stack broker role in chromium', () => {
  let pack: DataPack;
  let dir: string;
  let gateways: RunningRole[] = [];
  let pars: RunningRole | undefined;
  let broker: RunningRole | undefined;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let nhs = '';

  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    nhs = pack.manifest.examples.inAllCommunities!;
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-dashboard-container-'));
    pars = await startParsRole({ ...where, storeFile: path.join(dir, 'pars', 'audit-events.ndjson') });
    gateways = await Promise.all(
      pack.communities.map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20 })),
    );
    let brokerUrl = '';
    broker = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 10 * 1024 * 1024,
      communities: gateways.map((g, i) => ({
        name: pack.communities[i]!.name,
        homeCommunityId: pack.communities[i]!.homeCommunityId,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      pars: { url: pars.url, controlUrl: pars.control.url },
      auditDir: path.join(dir, 'audit'),
      publicUrl: 'http://127.0.0.1:1',
      routes: brokerControlRoutes({ parsUrl: pars.url, dataPackDir: pack.dir, brokerUrl: () => brokerUrl }),
    });
    brokerUrl = broker.url;
    const res = await post(`${broker.url}/xca/iti38`, findDocuments(nhs), undefined, {
      'x-nir-consumer': 'acme-pacs',
    });
    expect(res.status).toBe(200);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await broker?.stop();
    await Promise.all([pars?.stop(), ...gateways.map((g) => g.stop())]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the Audit view finds the query's AuditEvent in the PARS container", async () => {
    await page.goto(`${broker!.control.url}/ui/#audit`);
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    // The broker forwards to PARS after answering: search until it is there.
    await expect
      .poll(
        async () => {
          await page.getByLabel('Patient (NHS number)').fill(nhs);
          await page.getByRole('button', { name: 'Search' }).click();
          return page.locator('.summary').first().textContent();
        },
        { timeout: STEP_MS },
      )
      .toBe(`1 of 1 AuditEvents, newest first (from PARS ${pars!.url})`);
    const cells = await page.locator('table.audit-events tbody tr td').allInnerTexts();
    expect(cells.slice(1, 5)).toEqual(['ITI-38', 'Read', 'Success', nhs]);
  });

  it('the Conformance view judges the consumer request', async () => {
    await page.goto(`${broker!.control.url}/ui/#conformance`);
    await page.getByText('1 request(s) judged; answer deadline').waitFor();
    expect(
      await page.locator('details.conformance-request tr[data-check="CON-XUA-PRESENT"] td').allInnerTexts(),
    ).toEqual(['failed', 'no saml2:Assertion in a wsse:Security header']);
    expect(
      await page.locator('details.conformance-request tr[data-check="CON-WSA-ACTION"] td').allInnerTexts(),
    ).toEqual(['passed', 'wsa:Action urn:ihe:iti:2007:CrossGatewayQuery, mustUnderstand']);
  });

  it('the Scenarios view lists the shipped scenarios and runs one to a pass', async () => {
    await page.goto(`${broker!.control.url}/ui/#scenarios`);
    const rows = page.locator('table.scenarios tbody tr');
    await expect.poll(() => rows.count(), { timeout: STEP_MS }).toBe((await shippedScenarios()).length);
    await page.getByRole('button', { name: 'Run known-to-all-networks' }).click();
    await page.getByRole('heading', { name: 'known-to-all-networks: passed' }).waitFor();
    const steps = [];
    for (const li of await page.locator('ol.steps > li').all())
      steps.push([await li.getAttribute('data-step'), await li.getAttribute('data-passed')]);
    expect(steps).toEqual([
      ['find', 'true'],
      ['step-2', 'true'],
    ]);
    expect(pageErrors).toEqual([]);
  });
});
