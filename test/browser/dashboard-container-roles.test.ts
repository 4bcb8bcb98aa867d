/**
 * The dashboard served by the container stack's broker (`sim serve broker`), in a real browser
 * (Debian's chromium through playwright-core): the broker role started as its container starts it
 * (with the command line's audit and scenario routes, cli/broker-control-routes.ts), in this process
 * on port 0, beside a PARS role and a gateway role per community of the default pack. After a
 * consumer's query the Audit view finds its AuditEvent in the PARS container, the Conformance view
 * judges it, and the Scenarios view lists the shipped scenarios and runs one to a pass.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedScenarios } from '../../simulator/cli/commands/scenario.js';
import { findDocuments } from '../helpers/requests.js';
import { startRoleStack, type RoleStack } from '../helpers/role-stack.js';
import { post } from '../helpers/soap-http.js';
import { launchChromium, skipWithoutChromium } from './browser.js';

/** Generous: the machine may be busy; nothing here measures time. */
const STEP_MS = 30_000;

describe.skipIf(skipWithoutChromium())('dashboard on the container stack broker role in chromium', () => {
  let stack: RoleStack;
  let broker: RoleStack['broker'];
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let nhs = '';

  beforeAll(async () => {
    stack = await startRoleStack('dashboard-container');
    broker = stack.broker;
    nhs = stack.pack.manifest.examples.inAllCommunities!;
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
    await stack?.stop();
  });

  it("the Audit view finds the query's AuditEvent in the PARS container", async () => {
    await page.goto(`${broker.control.url}/ui/#audit`);
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
      .toBe(`1 of 1 AuditEvents, newest first (from PARS ${stack.pars.url})`);
    const cells = await page.locator('table.audit-events tbody tr td').allInnerTexts();
    expect(cells.slice(1, 5)).toEqual(['ITI-38', 'Read', 'Success', nhs]);
  });

  it('the Conformance view judges the consumer request', async () => {
    await page.goto(`${broker.control.url}/ui/#conformance`);
    await page.getByText('1 request(s) judged; answer deadline').waitFor();
    expect(
      await page.locator('details.conformance-request tr[data-check="CON-XUA-PRESENT"] td').allInnerTexts(),
    ).toEqual(['failed', 'no saml2:Assertion in a wsse:Security header']);
    expect(
      await page.locator('details.conformance-request tr[data-check="CON-WSA-ACTION"] td').allInnerTexts(),
    ).toEqual(['passed', 'wsa:Action urn:ihe:iti:2007:CrossGatewayQuery, mustUnderstand']);
  });

  it('the Scenarios view lists the shipped scenarios and runs one to a pass', async () => {
    await page.goto(`${broker.control.url}/ui/#scenarios`);
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
