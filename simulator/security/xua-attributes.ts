/**
 * Reading a SAML 2.0 assertion's parts and its XUA attributes (IHE ITI TF-2 3.40.4.1.2), tolerant
 * of the variants real senders use: homeCommunityId under the IHE or the NHIN name, the purpose
 * of use as `PurposeOfUse` or `PurposeForUse`, and a CE either as an element or as escaped XML
 * text (Norsk Helsenett). Pure: reading is not validating; xua-validate.ts decides.
 */
import { childElements, parseXml, textOf, type Element } from '../soap/xml.js';
import { PURPOSE_ELEMENTS, SamlNs, XuaAttribute, type CodedValue, type PurposeElement } from './saml.js';

/** The parts of an assertion that validation looks at (absent parts are undefined / empty). */
export interface AssertionView {
  id: string;
  issueInstant?: string;
  issuer?: string;
  nameId?: string;
  /** SubjectConfirmation/@Method values. */
  confirmations: string[];
  notBefore?: string;
  notOnOrAfter?: string;
  /** Every Audience of every AudienceRestriction. */
  audiences: string[];
  /** AuthnStatement count and the first AuthnContextClassRef / DeclRef. */
  authnStatements: number;
  authnContext?: string;
  /** AttributeValue elements by Attribute/@Name, across every AttributeStatement. */
  attributes: Map<string, Element[]>;
}

const saml = SamlNs.saml2;
const first = (el: Element | undefined, local: string): Element | undefined =>
  el ? childElements(el, saml, local)[0] : undefined;
const text = (el: Element | undefined): string | undefined => {
  const t = el ? textOf(el) : '';
  return t === '' ? undefined : t;
};

/** Read the structure of a saml2:Assertion element. */
export function readAssertion(a: Element): AssertionView {
  const subject = first(a, 'Subject');
  const conditions = first(a, 'Conditions');
  const authn = childElements(a, saml, 'AuthnStatement');
  const ctx = first(authn[0], 'AuthnContext');
  const attributes = new Map<string, Element[]>();
  for (const st of childElements(a, saml, 'AttributeStatement')) {
    for (const at of childElements(st, saml, 'Attribute')) {
      const name = at.getAttribute('Name') ?? '';
      attributes.set(name, [...(attributes.get(name) ?? []), ...childElements(at, saml, 'AttributeValue')]);
    }
  }
  const view: AssertionView = {
    id: a.getAttribute('ID') ?? '',
    confirmations: subject
      ? childElements(subject, saml, 'SubjectConfirmation').map((c) => c.getAttribute('Method') ?? '')
      : [],
    audiences: conditions
      ? childElements(conditions, saml, 'AudienceRestriction').flatMap((r) =>
          childElements(r, saml, 'Audience').map((x) => textOf(x)),
        )
      : [],
    authnStatements: authn.length,
    attributes,
  };
  const set = <K extends keyof AssertionView>(k: K, v: AssertionView[K] | undefined): void => {
    if (v !== undefined) view[k] = v;
  };
  set('issueInstant', a.getAttribute('IssueInstant') ?? undefined);
  set('issuer', text(first(a, 'Issuer')));
  set('nameId', text(first(subject, 'NameID')));
  set('notBefore', conditions?.getAttribute('NotBefore') ?? undefined);
  set('notOnOrAfter', conditions?.getAttribute('NotOnOrAfter') ?? undefined);
  set('authnContext', text(first(ctx, 'AuthnContextClassRef')) ?? text(first(ctx, 'AuthnContextDeclRef')));
  return view;
}

/** The trimmed text of each value of a plain-text attribute. */
export function textValues(view: AssertionView, name: string): string[] {
  return (view.attributes.get(name) ?? []).map((v) => textOf(v)).filter((t) => t !== '');
}

/** homeCommunityId values and which attribute name carried them (IHE name first). */
export function homeCommunityIds(view: AssertionView): {
  value: string;
  attribute: typeof XuaAttribute.homeCommunityId | typeof XuaAttribute.homeCommunityIdNhin;
}[] {
  return [
    ...textValues(view, XuaAttribute.homeCommunityId).map((value) => ({
      value,
      attribute: XuaAttribute.homeCommunityId,
    })),
    ...textValues(view, XuaAttribute.homeCommunityIdNhin).map((value) => ({
      value,
      attribute: XuaAttribute.homeCommunityIdNhin,
    })),
  ];
}

function toCoded(el: Element): CodedValue | undefined {
  const code = el.getAttribute('code')?.trim();
  if (!code) return undefined;
  const out: CodedValue = { code };
  for (const k of ['codeSystem', 'codeSystemName', 'displayName'] as const) {
    const v = el.getAttribute(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

/** The HL7 v3 elements inside an AttributeValue: children, or escaped XML text parsed (hardened parser). */
function hl7Elements(value: Element): Element[] {
  const kids = childElements(value);
  if (kids.length > 0) return kids;
  const t = textOf(value);
  if (!t.startsWith('<')) return [];
  try {
    const root = parseXml(t).documentElement;
    return root ? [root] : [];
  } catch {
    return [];
  }
}

/** A CE found in an attribute: the coded value (undefined when it has no code) and its element name. */
interface FoundCode {
  value?: CodedValue;
  element: string;
}

/**
 * The CE values of a coded attribute (role: `Role`; purpose of use: `PurposeOfUse` or
 * `PurposeForUse`), each as written. Elements of another name or namespace are ignored (they are
 * not values of this attribute).
 */
function codedValues(view: AssertionView, name: string, elements: readonly string[]): FoundCode[] {
  const out: FoundCode[] = [];
  for (const v of view.attributes.get(name) ?? []) {
    for (const el of hl7Elements(v)) {
      if (el.namespaceURI !== SamlNs.hl7 || !elements.includes(el.localName)) continue;
      const value = toCoded(el);
      out.push({ element: el.localName, ...(value ? { value } : {}) });
    }
  }
  return out;
}

/** The role CEs of an assertion. */
export function roles(view: AssertionView): FoundCode[] {
  return codedValues(view, XuaAttribute.role, ['Role']);
}

/** The purpose-of-use CEs (`PurposeOfUse` or `PurposeForUse`). */
export function purposes(view: AssertionView): (FoundCode & { element: PurposeElement })[] {
  return codedValues(view, XuaAttribute.purposeOfUse, PURPOSE_ELEMENTS) as (FoundCode & {
    element: PurposeElement;
  })[];
}
