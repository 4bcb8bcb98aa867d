/**
 * The broker container role serves consumer mode too (docs/conformance.md "Consumer mode"): its
 * control API's `GET /conformance/consumer` judges the requests its sandbox port received, held to
 * the role's deadline (per-community deadline + the broker's consolidation margin).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerReport } from '../../simulator/conformance/consumer-report.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { XcaPath } from '../../simulator/shared/xca-endpoints.js';
import { findDocuments } from '../helpers/requests.js';
import { post } from '../helpers/soap-http.js';

let broker: RunningRole;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-consumer-role-'));
  broker = await startBrokerRole({
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    seed: 1,
    logger: silentLogger(),
    deadlineMs: 2_000,
    maxBodyBytes: 1 << 20,
    communities: [],
    external: [],
    auditDir: dir,
  });
});
afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('broker container: GET /conformance/consumer', () => {
  it("judges the sandbox port's requests: a request without wsa:ReplyTo fails CON-WSA-REPLYTO", async () => {
    const envelope = findDocuments('9995649284').replace(/<wsa:ReplyTo>.*?<\/wsa:ReplyTo>/, '');
    expect(envelope).not.toContain('ReplyTo');
    const r = await post(broker.url + XcaPath.iti38, envelope, undefined, { 'x-nir-consumer': 'role-pacs' });
    expect(r.status).toBe(200);
    const res = await fetch(`${broker.control.url}/conformance/consumer?consumer=role-pacs`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as ConsumerReport;
    expect([report.requestCount, report.deadlineMs]).toEqual([1, 3_000]);
    expect(report.results.filter((x) => x.outcome === 'failed').map((x) => x.id)).toEqual([
      'CON-WSA-REPLYTO',
      'CON-XUA-PRESENT',
    ]);
    expect(report.requests[0]!.verdicts.find((v) => v.id === 'CON-WSA-REPLYTO')).toEqual({
      id: 'CON-WSA-REPLYTO',
      outcome: 'failed',
      message:
        'wsa:ReplyTo is missing; send <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>',
    });
  });
});
