/**
 * The `drop-slot` and `wrong-slot` faults on one registry object: a DocumentEntry
 * (rim:ExtrinsicObject, ITI TF-3 4.2.3.2) without one of its rim:Slots, or with that Slot holding
 * another value, as a gateway with incomplete or wrong metadata sends it. The object is read with
 * the hardened parser and the Slot is cut out of (or replaced in) its text at the offsets the
 * parser reports, so the rest of the object stays byte for byte as it was.
 */
import { attr, childElements, esc, parseXml } from '../soap/xml.js';
import { XcaNs } from '../xca/constants.js';
import type { RegistryObjectXml } from '../xca/types.js';

/**
 * `o` with its rim:Slot `slot` removed (`value` undefined) or replaced by one holding only
 * `value`; every Slot of that name is affected. Objects other than an ExtrinsicObject, and one
 * without that Slot, are returned unchanged; a changed object has no `entryIds` (they were read
 * from the old text).
 * @throws XmlParseError when `o.xml` is not well-formed (never for what a gateway encodes).
 */
export function withSlot(o: RegistryObjectXml, slot: string, value: string | undefined): RegistryObjectXml {
  if (o.kind !== 'ExtrinsicObject') return o;
  const root = parseXml(o.xml).documentElement;
  if (!root) return o;
  const found = childElements(root, XcaNs.rim, 'Slot').filter((s) => attr(s, 'name') === slot);
  if (found.length === 0) return o;
  let xml = o.xml;
  for (const s of [...found].reverse()) {
    const src = s.source!;
    const p = s.prefix ? `${s.prefix}:` : '';
    const replacement =
      value === undefined
        ? ''
        : `<${p}Slot name="${esc(slot)}"><${p}ValueList><${p}Value>${esc(value)}</${p}Value></${p}ValueList></${p}Slot>`;
    xml = xml.slice(0, src.start) + replacement + xml.slice(src.end);
  }
  const { entryIds: _stale, ...rest } = o;
  return { ...rest, xml };
}
