/**
 * PARS refuses an AuditEvent nested deeper than MAX_JSON_DEPTH with a 400 OperationOutcome. Before,
 * the FHIR schema validator overflowed the stack on extensions nested 1,000 deep: the rejection
 * went unhandled and the request never got an answer.
 */
import type { AuditEvent } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParsService, type RunningPars } from '../../simulator/pars/pars-service.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import { MAX_JSON_DEPTH } from '../../simulator/shared/json-depth.js';
import { silentLogger } from '../../simulator/shared/logger.js';

const NOW = Date.UTC(2025, 2, 14, 12, 0, 0);

/** A minimal valid AuditEvent whose one extension nests `levels` extensions deep. */
function auditEvent(id: string, levels: number): string {
  const open = '{"url":"http://example.org/x","extension":[';
  const leaf = '{"url":"http://example.org/x","valueString":"v"}';
  const extension = open.repeat(levels) + leaf + ']}'.repeat(levels);
  return (
    `{"resourceType":"AuditEvent","id":"${id}","extension":[${extension}],` +
    '"type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110112"},' +
    `"recorded":"${new Date(NOW).toISOString()}",` +
    '"agent":[{"who":{"display":"x"},"requestor":true}],"source":{"observer":{"display":"NIR"}}}'
  );
}

const post = async (url: string, body: string) => {
  const res = await fetch(`${url}/FHIR/R4/AuditEvent`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as AuditEvent | Record<string, unknown> };
};

describe('PARS: nesting depth', () => {
  let pars: RunningPars;
  beforeAll(async () => {
    pars = await startParsService({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      clock: fixedClock(NOW),
    });
  });
  afterAll(() => pars.stop());

  it('stores an AuditEvent nested exactly MAX_JSON_DEPTH deep', async () => {
    // AuditEvent (1) + extension array and object per level (2 each) + the leaf's: 64 = 1 + 2 * 31 + 1.
    const r = await post(pars.url, auditEvent('deep-ok', (MAX_JSON_DEPTH - 2) / 2 - 1));
    expect(r.status).toBe(201);
    expect((r.body as AuditEvent).id).toBe('deep-ok');
  });

  it.each([32, 1_000, 40_000])(
    'answers extensions nested %i deep with 400 structure, then keeps serving',
    async (levels) => {
      const r = await post(pars.url, auditEvent(`deep-${levels}`, levels));
      expect(r).toEqual({
        status: 400,
        body: {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'structure',
              diagnostics: 'the AuditEvent nests deeper than 64 levels (MAX_JSON_DEPTH)',
            },
          ],
        },
      });
      const health = await fetch(`${pars.url}/health`);
      expect(health.status).toBe(200);
      expect(pars.store.get(`deep-${levels}`)).toBeUndefined();
    },
  );
});
