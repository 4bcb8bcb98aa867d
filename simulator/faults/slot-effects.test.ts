/**
 * The `drop-slot`, `wrong-slot` and `registry-error-location` content faults on a community's
 * ITI-38 answer: the DocumentEntry as a consumer decodes it (ITI TF-3 4.2.3.2) lacks the Slot or
 * carries the wrong value, and every RegistryError loses or changes its `location`.
 */
import { describe, expect, it } from 'vitest';
import { applyToQueryResponse } from './message-effects.js';
import type { ContentFault } from './fault-plan.js';
import { parseFaultSpec } from './fault-spec.js';
import { parseXml } from '../soap/xml.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { decodeExtrinsicObject, encodeDocumentEntry } from '../xca/document-entry.js';
import { readSlots } from '../xca/rim-xml.js';
import type { AdhocQueryResponse, RegistryObjectXml } from '../xca/types.js';
import { sampleEntry } from '../xca/test-support/xca-fixtures.js';

const HOME = 'urn:oid:1.2.826.0.1.1';
const CTX = { homeCommunityId: HOME, displayName: 'Community A' };

function fault(input: Record<string, unknown>): ContentFault {
  const r = parseFaultSpec({ name: 'f', gateway: 'g', ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.fault as ContentFault;
}

const answer = (...objects: RegistryObjectXml[]): AdhocQueryResponse => ({
  status: ResponseStatus.Success,
  errors: [],
  objects,
});

const decoded = (o: RegistryObjectXml) => decodeExtrinsicObject(parseXml(o.xml).documentElement!);
const slotsOf = (o: RegistryObjectXml) => readSlots(parseXml(o.xml).documentElement!);

describe('drop-slot and wrong-slot on an ITI-38 answer', () => {
  const entry = { ...sampleEntry(1), homeCommunityId: HOME };
  const leaf = encodeDocumentEntry(entry, 'LeafClass');
  const ref = encodeDocumentEntry(entry, 'ObjectRef');

  it('drop-slot removes that Slot of each ExtrinsicObject and nothing else', () => {
    const out = applyToQueryResponse(answer(leaf, ref), [fault({ kind: 'drop-slot', slot: 'hash' })], CTX);
    expect(out.status).toBe(ResponseStatus.Success);
    expect(out.errors).toEqual([]);
    expect(slotsOf(out.objects[0]!).has('hash')).toBe(false);
    expect(decoded(out.objects[0]!)).toEqual({ ...entry, hash: '' });
    expect(out.objects[1]).toEqual(ref);
  });

  it('drop-slot of repositoryUniqueId: the entry decodes without it', () => {
    const out = applyToQueryResponse(
      answer(leaf),
      [fault({ kind: 'drop-slot', slot: 'repositoryUniqueId' })],
      CTX,
    );
    expect(decoded(out.objects[0]!).repositoryUniqueId).toBe('');
  });

  it('wrong-slot keeps the Slot with the one value given', () => {
    const out = applyToQueryResponse(
      answer(leaf),
      [fault({ kind: 'wrong-slot', slot: 'size', value: '42' })],
      CTX,
    );
    expect(decoded(out.objects[0]!)).toEqual({ ...entry, size: 42 });
  });

  it('a Slot the entry does not have leaves it as it was', () => {
    const out = applyToQueryResponse(answer(leaf), [fault({ kind: 'drop-slot', slot: 'no-such' })], CTX);
    expect(out.objects).toEqual([leaf]);
  });
});

describe('registry-error-location on an ITI-38 answer', () => {
  const errorAt = (location: string) => ({
    errorCode: 'XDSStoredQueryMissingParam',
    codeContext: 'missing $XDSDocumentEntryPatientId',
    severity: ErrorSeverity.Error,
    location,
  });
  const failure: AdhocQueryResponse = {
    status: ResponseStatus.Failure,
    errors: [errorAt(HOME)],
    objects: [],
  };

  it('without location: every error loses it; the status stays', () => {
    const { location: _l, ...bare } = errorAt(HOME);
    expect(applyToQueryResponse(failure, [fault({ kind: 'registry-error-location' })], CTX)).toEqual({
      ...failure,
      errors: [bare],
    });
  });

  it('with location: every error names it', () => {
    expect(
      applyToQueryResponse(
        failure,
        [fault({ kind: 'registry-error-location', location: 'urn:oid:2.25.9' })],
        CTX,
      ),
    ).toEqual({ ...failure, errors: [errorAt('urn:oid:2.25.9')] });
  });
});
