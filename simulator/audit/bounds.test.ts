/**
 * What an AuditEvent carries from a request is bounded (bounds.ts): long values cut with a marker
 * giving their length and SHA-256, a long query cut, a huge retrieve spread over events that each
 * fit PARS's 2 MiB; and which PARS answers dead-letter an event (pars-client.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NIR_ACTION_CODES } from './action-codes.js';
import { transactionAuditEvents } from './audit-event.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import { MAX_AUDIT_EVENT_BYTES, MAX_AUDIT_QUERY } from './bounds.js';
import { classify } from './pars-client.js';
import { validateAuditEvent } from '../fhir/schema-validator.js';
import { ResponseStatus } from '../xca/constants.js';

const cfg = {
  actions: NIR_ACTION_CODES,
  observer: { id: 'nir-sim', display: 'NIR' },
  productId: 'nir-sim',
};
const base = {
  id: 'tx-1',
  startedAt: Date.UTC(2025, 2, 14, 12),
  durationMs: 5,
  status: ResponseStatus.Success,
  errors: [],
  resultCount: 1,
  legs: [],
} satisfies Partial<TransactionEvent>;
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('bounded AuditEvents', () => {
  it('cuts a long query with a digest detail and a long MessageID with a marker', () => {
    const queryXml = `<query:AdhocQueryRequest><rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d" home="urn:oid:1.2.3">${'<x/>'.repeat(50_000)}</rim:AdhocQuery></query:AdhocQueryRequest>`;
    const messageId = `urn:uuid:${'b'.repeat(5000)}`;
    const [e, more] = transactionAuditEvents(
      {
        ...base,
        transaction: 'ITI-38',
        patient: '9995649284',
        messageId,
        queryXml,
        storedQuery: { id: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d', home: 'urn:oid:1.2.3' },
      },
      cfg,
    );
    expect(more).toBeUndefined();
    const marker = (s: string) => `…[truncated: ${s.length} characters, sha256 ${sha(s)}]`;
    expect(e!.entity!.find((x) => x.type?.code === 'XrequestId')!.what!.identifier!.value).toBe(
      messageId.slice(0, 1024 - marker(messageId).length) + marker(messageId),
    );
    const q = e!.entity!.find((x) => x.role?.code === '24')!;
    expect(Buffer.from(q.query!, 'base64').toString('utf8')).toBe(queryXml.slice(0, MAX_AUDIT_QUERY));
    expect(q.what).toEqual({ identifier: { value: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d' } });
    expect(q.detail).toEqual([
      { type: 'QueryEncoding', valueString: 'UTF-8' },
      { type: 'ihe:homeCommunityID', valueString: 'urn:oid:1.2.3' },
      { type: 'truncated', valueString: marker(queryXml) },
    ]);
    expect(validateAuditEvent(e!)).toEqual({ ok: true });
  });

  it('spreads 30,000 retrieved documents over events within the bound, in order, none lost', () => {
    const documents = Array.from({ length: 30_000 }, (_, i) => ({
      documentUniqueId: `2.25.${1_000_000_000 + i}.${'7'.repeat(40)}`,
      repositoryUniqueId: '1.3.6.1.4.1.21367.2010.1.2.1125',
      homeCommunityId: 'urn:oid:1.3.6.1.4.1.21367.2010.1.2.2045',
      patient: '9995649284',
    }));
    const events = transactionAuditEvents(
      { ...base, transaction: 'ITI-39', messageId: 'urn:uuid:m', documents },
      cfg,
    );
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) {
      expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(MAX_AUDIT_EVENT_BYTES);
      expect(e.entity!.slice(0, 3).map((x) => x.what?.identifier?.value)).toEqual([
        '9995649284',
        'urn:uuid:m',
        undefined,
      ]);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.flatMap((e) => e.entity!.slice(3).map((x) => x.what!.identifier!.value))).toEqual(
      documents.map((d) => d.documentUniqueId),
    );
  });
});

describe('PARS answers', () => {
  it('dead-letters a 4xx that refuses the event, retries the rest', () => {
    const oo = JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'too-costly', diagnostics: 'the AuditEvent exceeds 2 MiB' }],
    });
    expect([201, 200].map((s) => classify(s, '{}'))).toEqual([
      { kind: 'delivered', status: 201 },
      { kind: 'delivered', status: 200 },
    ]);
    expect([400, 409, 413, 415, 422].map((s) => classify(s, oo))).toEqual(
      [400, 409, 413, 415, 422].map((status) => ({
        kind: 'rejected',
        status,
        detail: 'the AuditEvent exceeds 2 MiB',
      })),
    );
    expect(classify(400, 'plain text')).toEqual({ kind: 'rejected', status: 400, detail: 'plain text' });
    expect([401, 403, 404, 405, 408, 429, 500, 503].map((s) => classify(s, oo))).toEqual(
      [401, 403, 404, 405, 408, 429, 500, 503].map((s) => ({ kind: 'retry', detail: `HTTP ${s}` })),
    );
  });
});
