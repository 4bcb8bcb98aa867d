import { describe, expect, it } from 'vitest';
import { applyToQueryResponse } from '../faults/message-effects.js';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import { ResponseStatus } from '../xca/constants.js';
import { sampleEntry } from '../xca/test-support/xca-fixtures.js';
import { cachedEntryEncoder } from './encoded-entries.js';

describe('cachedEntryEncoder', () => {
  it('gives exactly what encodeDocumentEntry gives, once per entry and return type', () => {
    const encode = cachedEntryEncoder();
    const entry = sampleEntry(1);
    for (const rt of ['LeafClass', 'ObjectRef'] as const) {
      const first = encode(entry, rt);
      expect(first).toEqual(encodeDocumentEntry(entry, rt));
      expect(encode(entry, rt)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    }
    expect(encode(entry, 'LeafClass').xml).not.toBe(encode(entry, 'ObjectRef').xml);
    expect(encode(sampleEntry(2), 'LeafClass')).toEqual(encodeDocumentEntry(sampleEntry(2), 'LeafClass'));
  });

  it('is left untouched by a content fault that edits home on the served objects', () => {
    const encode = cachedEntryEncoder();
    const entry = sampleEntry(1);
    const cached = encode(entry, 'LeafClass');
    const fresh = encodeDocumentEntry(entry, 'LeafClass');
    const ctx = { homeCommunityId: entry.homeCommunityId, displayName: 'Test' };
    const base = { name: 'f', gateway: 'test', probability: 1, after: 0 };
    const served = { status: ResponseStatus.Success, errors: [], objects: [cached] };
    const wrong = applyToQueryResponse(served, [{ ...base, kind: 'wrong-home', home: 'urn:oid:1.2.3' }], ctx);
    expect(wrong.objects[0]!.home).toBe('urn:oid:1.2.3');
    expect(wrong.objects[0]!.xml).toContain('home="urn:oid:1.2.3"');
    const missing = applyToQueryResponse(served, [{ ...base, kind: 'missing-home' }], ctx);
    expect(missing.objects[0]!.home).toBeUndefined();
    expect(missing.objects[0]!.xml).not.toContain(' home=');
    expect(encode(entry, 'LeafClass')).toBe(cached);
    expect(cached).toEqual(fresh);
  });
});
