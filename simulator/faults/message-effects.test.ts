/**
 * The `missing-home` and `wrong-home` content faults on a community's typed answer: the `home`
 * field and the `home` attribute of each object's root element (ITI TF-2 3.38.4.1.2.1) change
 * together, read as XML (attribute values may hold `>` or `home=`, XML 1.0 §3.1).
 */
import { describe, expect, it } from 'vitest';
import { applyToQueryResponse, applyToRetrieveResponse } from './message-effects.js';
import type { ContentFault } from './fault-plan.js';
import { parseFaultSpec } from './fault-spec.js';
import { parseXml, serialize } from '../soap/xml.js';
import { ResponseStatus, XcaNs } from '../xca/constants.js';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import type { AdhocQueryResponse, RegistryObjectXml } from '../xca/types.js';
import { sampleEntry } from '../xca/test-support/xca-fixtures.js';

const RIM = XcaNs.rim;
const HOME = 'urn:oid:1.2.826.0.1.1';
const CTX = { homeCommunityId: HOME, displayName: 'Community A' };

function fault(input: { kind: 'missing-home' } | { kind: 'wrong-home'; home?: string }): ContentFault {
  const r = parseFaultSpec({ name: 'f', gateway: 'g', ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.fault as ContentFault;
}

const answer = (...objects: RegistryObjectXml[]): AdhocQueryResponse => ({
  status: ResponseStatus.Success,
  errors: [],
  objects,
});

/** `xml` as soap/xml.ts writes it: the same document, escaped its way (`'` in a value is not `&apos;`). */
const written = (xml: string): string => serialize(parseXml(xml));

/** What a consumer reads from an object's XML: its root's name and every attribute. */
function attributesOf(xml: string): [string, Record<string, string>] {
  const el = parseXml(xml).documentElement!;
  return [el.tagName, Object.fromEntries(el.attributes.map((a) => [a.name, a.value]))];
}

describe('missing-home and wrong-home on an ITI-38 answer', () => {
  const entry = { ...sampleEntry(1), homeCommunityId: HOME };
  const leaf = encodeDocumentEntry(entry, 'LeafClass');
  const ref = encodeDocumentEntry(entry, 'ObjectRef');

  it('missing-home drops the field and the attribute; nothing else changes', () => {
    const out = applyToQueryResponse(answer(leaf, ref), [fault({ kind: 'missing-home' })], CTX);
    expect(out).toEqual({
      status: ResponseStatus.Success,
      errors: [],
      objects: [
        {
          kind: 'ExtrinsicObject',
          id: entry.entryUUID,
          xml: written(leaf.xml.replace(` home="${HOME}"`, '')),
        },
        {
          kind: 'ObjectRef',
          id: entry.entryUUID,
          xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="${entry.entryUUID}"/>`,
        },
      ],
    });
  });

  it('wrong-home names the other community in the field and the attribute', () => {
    const out = applyToQueryResponse(
      answer(ref),
      [fault({ kind: 'wrong-home', home: 'urn:oid:2.25.7' })],
      CTX,
    );
    expect(out).toEqual({
      status: ResponseStatus.Success,
      errors: [],
      objects: [
        {
          kind: 'ObjectRef',
          id: entry.entryUUID,
          home: 'urn:oid:2.25.7',
          xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="${entry.entryUUID}" home="urn:oid:2.25.7"/>`,
        },
      ],
    });
    const [wrongLeaf] = applyToQueryResponse(answer(leaf), [fault({ kind: 'wrong-home' })], CTX).objects;
    expect(wrongLeaf).toEqual({
      ...leaf,
      home: 'urn:oid:2.25.1',
      xml: written(leaf.xml.replace(` home="${HOME}"`, ' home="urn:oid:2.25.1"')),
    });
  });

  it('reads the start tag as XML: a `>` or `home=` inside another quoted value is not the attribute', () => {
    const tricky: RegistryObjectXml[] = [
      {
        kind: 'ObjectRef',
        id: 'urn:uuid:a>b',
        home: HOME,
        xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="urn:uuid:a>b" home="${HOME}"/>`,
      },
      {
        kind: 'ObjectRef',
        id: 'urn:uuid:c',
        home: HOME,
        xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="urn:uuid:c" lid="see home='${HOME}'" home="${HOME}"/>`,
      },
    ];
    const missing = applyToQueryResponse(answer(...tricky), [fault({ kind: 'missing-home' })], CTX);
    expect(missing.objects.map((o) => [o.home, attributesOf(o.xml)])).toEqual([
      [undefined, ['rim:ObjectRef', { 'xmlns:rim': RIM, id: 'urn:uuid:a>b' }]],
      [undefined, ['rim:ObjectRef', { 'xmlns:rim': RIM, id: 'urn:uuid:c', lid: `see home='${HOME}'` }]],
    ]);
    const wrong = applyToQueryResponse(answer(...tricky), [fault({ kind: 'wrong-home' })], CTX);
    expect(wrong.objects.map((o) => [o.home, attributesOf(o.xml)])).toEqual([
      ['urn:oid:2.25.1', ['rim:ObjectRef', { 'xmlns:rim': RIM, id: 'urn:uuid:a>b', home: 'urn:oid:2.25.1' }]],
      [
        'urn:oid:2.25.1',
        [
          'rim:ObjectRef',
          { 'xmlns:rim': RIM, id: 'urn:uuid:c', lid: `see home='${HOME}'`, home: 'urn:oid:2.25.1' },
        ],
      ],
    ]);
  });
});

describe('missing-home and wrong-home on an ITI-39 answer', () => {
  const doc = {
    homeCommunityId: HOME,
    repositoryUniqueId: '1.2.3',
    documentUniqueId: '1.2.3.4',
    mimeType: 'application/dicom',
    content: Buffer.from('x'),
  };
  const resp = { status: ResponseStatus.Success, errors: [], documents: [doc] };

  it('sets the DocumentResponse homeCommunityId to empty or to the other community', () => {
    expect(applyToRetrieveResponse(resp, [fault({ kind: 'missing-home' })], CTX)).toEqual({
      ...resp,
      documents: [{ ...doc, homeCommunityId: '' }],
    });
    expect(applyToRetrieveResponse(resp, [fault({ kind: 'wrong-home' })], CTX)).toEqual({
      ...resp,
      documents: [{ ...doc, homeCommunityId: 'urn:oid:2.25.1' }],
    });
  });
});
