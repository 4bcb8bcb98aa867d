/**
 * The simulated PARS's store on a real file: a torn last line (a crash mid-write) must not swallow
 * the next event it acknowledges.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from 'fhir/r4.js';
import { ParsStore } from './pars-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nir-sim-pars-store-'));
  dirs.push(d);
  return path.join(d, 'audit-events.ndjson');
}
const event = (id: string): AuditEvent => ({
  resourceType: 'AuditEvent',
  id,
  type: { code: '110112' },
  recorded: '2025-03-14T12:00:00.000Z',
  agent: [{ requestor: true }],
  source: { observer: { display: 'NIR' } },
});
const NOW = new Date(Date.UTC(2025, 2, 14, 12));

describe('ParsStore', () => {
  it('keeps an event acknowledged after a torn last line, across a reload', () => {
    const file = tempFile();
    const s1 = new ParsStore(file);
    expect(s1.put(event('a'), NOW).created).toBe(true);
    s1.close();
    appendFileSync(file, '{"resourceType":"AuditEvent","id":"torn","ty'); // killed mid-write
    const s2 = new ParsStore(file);
    expect(s2.all().map((e) => e.id)).toEqual(['a']);
    expect(s2.put(event('b'), NOW).created).toBe(true); // 201: acknowledged to the sender
    s2.close();
    const s3 = new ParsStore(file);
    expect(s3.all().map((e) => e.id)).toEqual(['a', 'b']);
    expect(s3.get('b')).toEqual({ ...event('b'), meta: { versionId: '1', lastUpdated: NOW.toISOString() } });
    s3.close();
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => (l ? (JSON.parse(l) as AuditEvent).id : l)),
    ).toEqual(['a', 'b', '']);
  });
});
