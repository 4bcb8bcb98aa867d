import { describe, expect, it } from 'vitest';
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { TransactionLog } from './transaction-log.js';

const SUCCESS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success';

/** A transaction whose consumer envelopes and one leg's are `xml` each (four bodies). */
function tx(id: string, xml: string): TransactionEvent {
  const leg: LegEvent = {
    community: 'north',
    homeCommunityId: 'urn:oid:1.2.3',
    startedAt: 0,
    durationMs: 1,
    outcome: 'answered',
    httpStatus: 200,
    errorCodes: [],
    requestXml: xml,
    responseXml: xml,
  };
  return {
    id,
    transaction: 'ITI-38',
    startedAt: 0,
    durationMs: 1,
    status: SUCCESS,
    errors: [],
    resultCount: 0,
    legs: [leg],
    requestXml: xml,
    responseXml: xml,
  };
}

describe('TransactionLog: bounded in count, per body and in all', () => {
  it('drops the oldest transactions once the bodies kept in all pass maxTotalBytes, and always keeps the newest', () => {
    const log = new TransactionLog({ capacity: 10, maxBodyBytes: 1_000, maxTotalBytes: 1_000 });
    const body = `<a>${'x'.repeat(93)}</a>`; // 100 characters, four bodies a transaction
    for (const id of ['t1', 't2', 't3']) log.record(tx(id, body));
    expect([log.list().map((t) => t.id), log.bodyBytes]).toEqual([['t3', 't2'], 800]); // newest first
    log.record(tx('big', `<a>${'y'.repeat(993)}</a>`)); // 4,000 alone
    expect([log.list().map((t) => t.id), log.bodyBytes, log.get('big')?.responseXml?.length]).toEqual([
      ['big'],
      4_000,
      1_000,
    ]);
    log.record(tx('big', body)); // the same id again replaces it
    expect([log.list().map((t) => t.id), log.bodyBytes]).toEqual([['big'], 400]);
    log.clear();
    expect([log.size, log.bodyBytes]).toEqual([0, 0]);
  });

  it('cuts a body over maxBodyBytes of UTF-8 with a marker, and keeps one within it whole', () => {
    const log = new TransactionLog({ maxBodyBytes: 12 });
    log.record(tx('t', '<a>ééé</a>')); // 10 characters, 13 bytes
    log.record(tx('u', '<a>éé</a>')); // 9 characters, 11 bytes
    expect([log.get('t')?.requestXml, log.get('u')?.requestXml]).toEqual([
      '<a>ééé</a\n<!-- nir-sim: body truncated: 13 bytes, the first 12 kept -->',
      '<a>éé</a>',
    ]);
  });
});
