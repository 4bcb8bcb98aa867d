/**
 * Small ebRIM 3.0 building blocks shared by the codecs of this folder: Slot, Name/Description
 * (InternationalString), attribute and child checks (ebRS 3.0 rim.xsd). Writing uses template
 * strings with `esc()`; reading is namespace-aware and never looks at prefixes.
 */
import { attr, childElements, esc, firstChild, textOf, type Element } from '../soap/xml.js';
import { XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';

/** ebRIM objectType of a Classification / ExternalIdentifier (ebRS 3.0 canonical ObjectType scheme). */
export const RimObjectType = {
  Classification: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification',
  ExternalIdentifier: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier',
} as const;

/** Slot name of XDSDocumentEntry.referenceIdList (ITI TF-3 4.2.3.2.28). */
export const REFERENCE_ID_LIST_SLOT = 'urn:ihe:iti:xds:2013:referenceIdList';

/** `<rim:Slot name="..."><rim:ValueList><rim:Value>...</rim:Value>...</rim:ValueList></rim:Slot>` (rim.xsd SlotType1). */
export function slotXml(name: string, values: readonly string[]): string {
  let xml = `<rim:Slot name="${esc(name)}"><rim:ValueList>`;
  for (const v of values) xml += `<rim:Value>${esc(v)}</rim:Value>`;
  return `${xml}</rim:ValueList></rim:Slot>`;
}

/** `<rim:Name>` / `<rim:Description>` holding one `<rim:LocalizedString value="..."/>` (rim.xsd InternationalStringType). */
export function localizedXml(local: 'Name' | 'Description', value: string): string {
  return `<rim:${local}><rim:LocalizedString value="${esc(value)}"/></rim:${local}>`;
}

/**
 * The direct rim:Slot children of `el` as name -> values (text of each rim:Value, trimmed). When a
 * name repeats, the values of the later Slots are appended (ebRIM requires unique slot names on
 * a RegistryObject; this keeps whatever a peer sent).
 */
export function readSlots(el: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const slot of childElements(el, XcaNs.rim, 'Slot')) {
    const name = attr(slot, 'name') ?? '';
    const list = firstChild(slot, XcaNs.rim, 'ValueList');
    const values = list ? childElements(list, XcaNs.rim, 'Value').map(textOf) : [];
    out.set(name, [...(out.get(name) ?? []), ...values]);
  }
  return out;
}

/** The `@value` of the first LocalizedString of the rim:Name / rim:Description child, or undefined when there is none. */
export function localizedValue(el: Element, local: 'Name' | 'Description'): string | undefined {
  const holder = firstChild(el, XcaNs.rim, local);
  const ls = holder ? firstChild(holder, XcaNs.rim, 'LocalizedString') : undefined;
  return ls ? attr(ls, 'value') : undefined;
}

/**
 * `el`'s attribute `name`, required to be present and non-empty.
 * @throws XcaDecodeError `<where>/@<name> is missing` (or `is empty`).
 */
export function requireAttr(el: Element, name: string, where: string): string {
  const v = attr(el, name);
  if (v === undefined) throw new XcaDecodeError(`${where}/@${name} is missing`);
  if (v.trim() === '') throw new XcaDecodeError(`${where}/@${name} is empty`);
  return v;
}

/**
 * Asserts that `el` is the element `{ns}local`.
 * @throws XcaDecodeError naming the expected and the found element (namespace URI + local name).
 */
export function expectElement(el: Element, ns: string, local: string, label: string): void {
  if (el.namespaceURI !== ns || el.localName !== local) {
    throw new XcaDecodeError(
      `expected ${label} ({${ns}}${local}), found {${el.namespaceURI ?? ''}}${el.localName ?? ''}`,
    );
  }
}

/**
 * The trimmed text of the required child `{ns}local` of `el`.
 * @throws XcaDecodeError when the child is missing or its text is empty.
 */
export function requireChildText(el: Element, ns: string, local: string, where: string): string {
  const child = firstChild(el, ns, local);
  if (!child) throw new XcaDecodeError(`${where} is missing`);
  const text = textOf(child);
  if (text === '') throw new XcaDecodeError(`${where} is empty`);
  return text;
}

/**
 * Asserts that every element child of `el` is one of `allowed` (`[namespace URI, local name]`
 * pairs), so a misspelt or wrong-namespace element (a lower-case `homeCommunityId`, a
 * RegistryErrorList in the rim namespace) is reported instead of silently ignored.
 * @throws XcaDecodeError `<where> has an unexpected child {ns}local`.
 */
export function expectOnlyChildren(
  el: Element,
  allowed: readonly (readonly [string, string])[],
  where: string,
): void {
  for (const c of childElements(el)) {
    if (!allowed.some(([ns, local]) => c.namespaceURI === ns && c.localName === local)) {
      throw new XcaDecodeError(
        `${where} has an unexpected child {${c.namespaceURI ?? ''}}${c.localName ?? ''}`,
      );
    }
  }
}
