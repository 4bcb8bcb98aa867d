/**
 * A WSDL 1.1 shape check for one-operation SOAP 1.2 documents (WSDL 1.1 §2; the W3C WSDL 1.1
 * SOAP 1.2 binding note; WS-Addressing 1.0 Metadata §3-4; WS-Policy 1.5): well-formed, every
 * QName reference resolves (part → schema element, input/output → message, binding → portType,
 * port → binding, PolicyReference → Policy), document/literal SOAP 1.2 over HTTP, and the facts a
 * client reads from it, returned for the test to compare.
 */
import { childElements, firstChild, parseXml, type Element } from '../../simulator/soap/xml.js';

const NS = {
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  soap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  xs: 'http://www.w3.org/2001/XMLSchema',
  wsam: 'http://www.w3.org/2007/05/addressing/metadata',
  wsp: 'http://www.w3.org/ns/ws-policy',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wsoma: 'http://schemas.xmlsoap.org/ws/2004/09/policy/optimizedmimeserialization',
} as const;

/** What the WSDL says, element QNames as `{ns}local`. */
export interface WsdlFacts {
  operation: string;
  inputAction: string;
  outputAction: string;
  inputElement: string;
  outputElement: string;
  mtom: boolean;
  address: string;
}

function fail(what: string): never {
  throw new Error(`not a WSDL 1.1 SOAP 1.2 document as expected: ${what}`);
}

function one(parent: Element, ns: string, local: string): Element {
  const all = childElements(parent, ns, local);
  if (all.length !== 1) fail(`${parent.localName} has ${all.length} ${local} children, expected 1`);
  return all[0]!;
}

function attr(el: Element, name: string, ns: string | null = null): string {
  const v = ns === null ? el.getAttribute(name) : el.getAttributeNS(ns, name);
  if (v === null || v === '') fail(`${el.localName} has no ${name}`);
  return v;
}

/** `{ns}local` of a QName-valued attribute, resolved where it is written. */
function qname(el: Element, name: string, ns: string | null = null): string {
  const v = attr(el, name, ns);
  const i = v.indexOf(':');
  const uri = el.lookupNamespaceURI(i < 0 ? null : v.slice(0, i));
  if (!uri) fail(`${el.localName}/@${name}="${v}": prefix not declared`);
  return `{${uri}}${v.slice(i + 1)}`;
}

/** Check `xml` and return its facts. @throws Error naming the first shape problem. */
export function checkWsdlShape(xml: string): WsdlFacts {
  const root = parseXml(xml).documentElement;
  if (root?.namespaceURI !== NS.wsdl || root.localName !== 'definitions')
    fail('root is not wsdl:definitions');
  const tns = attr(root, 'targetNamespace');
  const order = childElements(root)
    .filter((e) => e.namespaceURI === NS.wsdl && e.localName !== 'documentation')
    .map((e) => e.localName);
  if (order.join(' ') !== 'types message message portType binding service')
    fail(`top level is ${order.join(' ')}`);

  const declared = new Set<string>();
  for (const schema of childElements(one(root, NS.wsdl, 'types'), NS.xs, 'schema')) {
    const ns = attr(schema, 'targetNamespace');
    for (const el of childElements(schema, NS.xs, 'element')) {
      const any = firstChild(
        firstChild(firstChild(el, NS.xs, 'complexType')!, NS.xs, 'sequence')!,
        NS.xs,
        'any',
      );
      if (any?.getAttribute('processContents') !== 'lax')
        fail(`element ${el.getAttribute('name')} is not open`);
      declared.add(`{${ns}}${attr(el, 'name')}`);
    }
  }
  const messages = new Map<string, string>();
  for (const m of childElements(root, NS.wsdl, 'message')) {
    const element = qname(one(m, NS.wsdl, 'part'), 'element');
    if (!declared.has(element))
      fail(`message ${m.getAttribute('name')}: ${element} is not declared in types`);
    messages.set(`{${tns}}${attr(m, 'name')}`, element);
  }

  const portType = one(root, NS.wsdl, 'portType');
  const op = one(portType, NS.wsdl, 'operation');
  const input = one(op, NS.wsdl, 'input');
  const output = one(op, NS.wsdl, 'output');
  const inputElement = messages.get(qname(input, 'message')) ?? fail('input message not defined');
  const outputElement = messages.get(qname(output, 'message')) ?? fail('output message not defined');

  const binding = one(root, NS.wsdl, 'binding');
  if (qname(binding, 'type') !== `{${tns}}${attr(portType, 'name')}`)
    fail('binding/@type is not the portType');
  const soapBinding = one(binding, NS.soap12, 'binding');
  if (attr(soapBinding, 'style') !== 'document') fail('not document style');
  if (attr(soapBinding, 'transport') !== 'http://schemas.xmlsoap.org/soap/http') fail('not SOAP over HTTP');
  const bop = one(binding, NS.wsdl, 'operation');
  if (attr(bop, 'name') !== attr(op, 'name')) fail('binding operation differs from the portType operation');
  const soapAction = attr(one(bop, NS.soap12, 'operation'), 'soapAction');
  for (const dir of ['input', 'output']) {
    if (attr(one(one(bop, NS.wsdl, dir), NS.soap12, 'body'), 'use') !== 'literal') fail(`${dir} not literal`);
  }
  const policyId = attr(one(binding, NS.wsp, 'PolicyReference'), 'URI').replace(/^#/, '');
  const policy = childElements(root, NS.wsp, 'Policy').find(
    (p) => p.getAttributeNS(NS.wsu, 'Id') === policyId,
  );
  if (!policy) fail(`PolicyReference #${policyId} resolves to no wsp:Policy`);
  const addressing = one(policy, NS.wsam, 'Addressing');
  if (addressing.getAttributeNS(NS.wsp, 'Optional') === 'true') fail('WS-Addressing is optional');
  one(addressing, NS.wsp, 'Policy');

  const service = one(root, NS.wsdl, 'service');
  const port = one(service, NS.wsdl, 'port');
  if (qname(port, 'binding') !== `{${tns}}${attr(binding, 'name')}`) fail('port/@binding is not the binding');
  const inputAction = attr(input, 'Action', NS.wsam);
  if (soapAction !== inputAction) fail('soapAction differs from the input wsam:Action');
  return {
    operation: attr(op, 'name'),
    inputAction,
    outputAction: attr(output, 'Action', NS.wsam),
    inputElement,
    outputElement,
    mtom: childElements(policy, NS.wsoma, 'OptimizedMimeSerialization').length === 1,
    address: attr(one(port, NS.soap12, 'address'), 'location'),
  };
}
