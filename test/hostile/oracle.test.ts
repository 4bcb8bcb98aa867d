/**
 * The hostile suite's oracle can fail: each rule of harness.ts `judge` refuses the answer it must
 * refuse, and passes the answers a correct simulator gives.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { repoDir } from '../helpers/topology.js';
import { judge, type Answer } from './harness.js';
import { mutations, ownRequests } from './mutations.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { defaultPackDir } from '../helpers/topology.js';

const fault = (code: string): Buffer =>
  Buffer.from(
    `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:${code}</env:Value></env:Code><env:Reason><env:Text xml:lang="en">no</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`,
  );
const answer = (status: number, body: Buffer | string): Answer => ({
  kind: 'answer',
  status,
  headers: {},
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  ms: 5,
});

describe('the hostile oracle', () => {
  it('passes a Sender fault at 400, a Receiver fault at 500, a 200, and JSON errors of the control API', () => {
    expect(judge('ITI-38', answer(400, fault('Sender')))).toEqual([]);
    expect(judge('ITI-39', answer(500, fault('Receiver')))).toEqual([]);
    expect(judge('ITI-38', answer(500, fault('MustUnderstand')))).toEqual([]);
    expect(judge('RAD-75', answer(200, '<env:Envelope/>'))).toEqual([]);
    expect(judge({ control: '/faults' }, answer(400, '{"error":"invalid fault","problems":[]}'))).toEqual([]);
  });

  it('refuses hangs, closes, wrong fault codes, non-faults, control-API 5xx and leaks', () => {
    expect(judge('ITI-38', { kind: 'hang', ms: 2000 })).toEqual(['no answer within 2000 ms']);
    expect(judge('ITI-38', { kind: 'closed', ms: 3, code: 'ECONNRESET' })).toEqual([
      'the connection was closed without an HTTP answer (ECONNRESET) after 3 ms',
    ]);
    expect(judge('ITI-38', answer(400, fault('Receiver')))).toEqual([
      'HTTP 400 carries env:Receiver, expected env:Sender',
    ]);
    expect(judge('ITI-38', answer(500, 'Internal Server Error'))).toEqual([
      'HTTP 500 is not a SOAP 1.2 Fault: not well-formed XML (missing root element): "Internal Server Error"',
    ]);
    expect(judge({ control: '/faults' }, answer(500, '{"error":"boom"}'))).toEqual([
      'the control API answered HTTP 500: "{\\"error\\":\\"boom\\"}"',
    ]);
    const stack = `Error: x\n    at parse (${repoDir}/simulator/soap/xml.ts:10:5)`;
    expect(judge('ITI-38', answer(200, stack))[0]).toMatch(/^the answer leaks the repository path/);
    expect(judge('ITI-38', answer(200, 'Error: x\n    at Object.parse (node:internal/x:1:1)'))[0]).toMatch(
      /^the answer leaks a stack frame/,
    );
    expect(judge('ITI-38', answer(200, '<a>root:x:0:0:root:/root:/bin/bash</a>'))[0]).toMatch(
      /^the answer leaks/,
    );
  });

  it('generates the same mutations for the same seed, others for another', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const seeds = ownRequests(pack);
    const digest = (seed: number): string[] =>
      mutations(seeds, 20, seed).map(
        (m) =>
          `${m.source} ${m.operators.join(',')} ${createHash('sha256').update(m.request.body).digest('hex')}`,
      );
    const a = digest(42);
    expect(digest(42)).toEqual(a);
    expect(digest(43)).not.toEqual(a);
  });
});
