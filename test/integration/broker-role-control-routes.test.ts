/**
 * The container stack's broker (`sim serve broker`) mounts the audit and scenario routes as `sim
 * up` does (simulator/cli/broker-control-routes.ts), so the dashboard's Audit and Scenarios views
 * work there: the broker role started as its container starts it, but in this process on port 0,
 * beside a PARS role and one gateway role per community of the default pack. `GET /audit-events`
 * and `GET /audit-report` read the PARS container; `GET /scenarios` lists the shipped scenarios
 * and `POST /scenarios/{name}/run` runs one against the broker at its own URL (the published one,
 * given here as a port where nothing listens, does not reach it from inside its container).
 */
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerControlRoutes } from '../../simulator/cli/broker-control-routes.js';
import { shippedScenarios } from '../../simulator/cli/commands/scenario.js';
import type { DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { startRoleStack, type RoleStack } from '../helpers/role-stack.js';

const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 1, logger: silentLogger() };
/** Generous: the machine may be busy; nothing here measures time. */
const WAIT_MS = 30_000;
const ANY_STRING: unknown = expect.any(String);
const INSTANT: unknown = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

let stack: RoleStack;
let pack: DataPack;
let dir: string;
let gateways: RoleStack['gateways'] = [];
let pars: RoleStack['pars'] | undefined;
let broker: RoleStack['broker'] | undefined;
let control = '';

async function call(method: 'GET' | 'POST', route: string): Promise<{ status: number; body: unknown }> {
  const res = await request(`${control}${route}`, { method });
  return { status: res.statusCode, body: await res.body.json() };
}

beforeAll(async () => {
  stack = await startRoleStack('broker-role-routes');
  ({ pack, dir, gateways, pars, broker } = stack);
  control = stack.broker.control.url;
});
afterAll(async () => {
  await stack?.stop();
});

describe('the broker role reads the PARS container for the Audit view', () => {
  it('lists the AuditEvents of a patient queried through it, and gives the Patient Access Report', async () => {
    const nhs = pack.manifest.examples.inAllCommunities!;
    const res = await post(`${broker!.url}/xca/iti38`, findDocuments(nhs), undefined, {
      'x-nir-consumer': 'acme-pacs',
    });
    expect(readQueryResponse(res).response.status).toBe(ResponseStatus.Success);
    // The broker forwards its AuditEvents to PARS after answering (its durable queue).
    await expect
      .poll(
        async () => ((await call('GET', `/audit-events?patient=${nhs}`)).body as { total?: number }).total,
        {
          timeout: WAIT_MS,
        },
      )
      .toBe(1);
    const event = {
      id: ANY_STRING,
      recorded: INSTANT,
      transaction: 'ITI-38',
      action: 'R',
      outcome: '0',
      outcomeDesc: 'Success',
      agents: [
        {
          who: 'unknown organisation (no XUA assertion)',
          type: 'Organization',
          role: 'healthcare provider',
          requestor: true,
        },
        { who: 'acme-pacs', type: 'Endpoint', role: 'Source Role ID', requestor: false },
      ],
      patient: nhs,
    };
    expect(await call('GET', `/audit-events?patient=${nhs}`)).toEqual({
      status: 200,
      body: { pars: pars!.url, total: 1, events: [event] },
    });
    expect(await call('GET', `/audit-report?patient=${nhs}`)).toEqual({
      status: 200,
      body: {
        kind: 'patient',
        subject: nhs,
        accesses: [
          {
            id: ANY_STRING,
            recorded: INSTANT,
            transaction: 'ITI-38',
            action: 'R',
            outcome: '0',
            outcomeDesc: 'Success',
            patient: nhs,
            organisation: 'unknown organisation (no XUA assertion)',
            callingSystem: 'acme-pacs',
            assurance: 'unverified',
            documents: [],
            messageId: ANY_STRING,
          },
        ],
        byTransaction: { 'ITI-38': 1 },
        pars: pars!.url,
      },
    });
    expect(await call('GET', '/audit-events?patient=123')).toEqual({
      status: 400,
      body: {
        error: 'invalid audit query',
        problems: ['patient=123: not an NHS number (10 digits, modulus 11 check digit)'],
      },
    });
  });
});

describe('the broker role runs scenarios for the Scenarios view', () => {
  it('lists the shipped scenarios as sim scenario list --json does', async () => {
    expect(await call('GET', '/scenarios')).toEqual({
      status: 200,
      body: { scenarios: await shippedScenarios() },
    });
  });

  it('runs one against its own broker and answers the result, passed', async () => {
    const { status, body } = await call('POST', '/scenarios/known-to-all-networks/run');
    expect(status).toBe(200);
    const r = body as { name: string; passed: boolean; notes: string[]; steps: Record<string, unknown>[] };
    expect({ name: r.name, passed: r.passed, notes: r.notes }).toEqual({
      name: 'known-to-all-networks',
      passed: true,
      notes: ['broker settings for this run: deadline 10000 ms (was 5000 ms); put back afterwards'],
    });
    expect(r.steps.map((s) => [s['index'], s['id'], s['kind'], s['passed'], s['differences']])).toEqual([
      [1, 'find', 'query', true, []],
      [2, 'step-2', 'retrieve', true, []],
    ]);
    // The run's settings were put back.
    expect(((await call('GET', '/broker/settings')).body as { deadlineMs: number }).deadlineMs).toBe(5_000);
  });

  it('refuses a run over a data pack that is not the one the gateways serve', async () => {
    const other = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 1 << 20,
      // The pack's community names, but other homeCommunityIds: gateways of another pack.
      communities: gateways.map((g, i) => ({
        name: pack.communities[i]!.name,
        homeCommunityId: `urn:oid:1.2.826.0.1.99.${i + 1}`,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      auditDir: path.join(dir, 'audit-other'),
      routes: brokerControlRoutes({ dataPackDir: pack.dir, brokerUrl: () => other.url }),
    });
    try {
      const res = await request(`${other.control.url}/scenarios/known-to-all-networks/run`, {
        method: 'POST',
      });
      expect({ status: res.statusCode, body: await res.body.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid scenario',
          problems: [
            `the data pack ${pack.dir} has no community urn:oid:1.2.826.0.1.99.1 (${pack.communities[0]!.name}), which the simulator at ${other.control.url} serves: give the pack its communities serve (sim serve broker --data-pack, or --data-pack here)`,
          ],
        },
      });
      // Without a PARS the broker has no audit routes.
      const audit = await request(`${other.control.url}/audit-events`);
      expect({ status: audit.statusCode, body: await audit.body.json() }).toEqual({
        status: 404,
        body: { error: 'no route GET /audit-events' },
      });
    } finally {
      await other.stop();
    }
  });
});
