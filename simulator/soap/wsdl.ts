/**
 * WSDL 1.1 for one SOAP 1.2 request-response operation, written for the endpoint that serves it
 * (`GET <endpoint>?wsdl`): document/literal SOAP 1.2 binding (WSDL 1.1 §3 as extended by the W3C
 * "WSDL 1.1 Binding Extension for SOAP 1.2" note), wsam:Action per message (WS-Addressing 1.0
 * Metadata §4.4), WS-Addressing required (wsam:Addressing, Metadata §3.1.1) and, for operations
 * whose messages carry binary parts, the MTOM policy assertion used by IHE (ITI TF-2 Appendix V:
 * wsoma:OptimizedMimeSerialization). The service address is the URL the client used.
 *
 * Types: the body elements are declared permissively (any attributes, any content, lax) in one
 * inline schema per namespace, so a WSDL-driven client (node-soap, zeep, SoapUI) needs no other
 * file; the IHE schemas, where a client has them, give the content its real types (the content
 * is processed laxly, so they apply when loaded).
 */
import { esc } from './xml.js';
import type { QName } from './namespaces.js';

/** WSDL 1.1 and extension namespaces. */
const WsdlNs = {
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  soap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  xs: 'http://www.w3.org/2001/XMLSchema',
  /** WS-Addressing 1.0 Metadata §2. */
  wsam: 'http://www.w3.org/2007/05/addressing/metadata',
  /** WS-Policy 1.5 Framework. */
  wsp: 'http://www.w3.org/ns/ws-policy',
  /** WS-Security utility (wsu:Id names the policies; WS-Policy 1.5 §2.2 allows it). */
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  /** MTOM policy assertion as IHE ITI TF-2 Appendix V writes it. */
  wsoma: 'http://schemas.xmlsoap.org/ws/2004/09/policy/optimizedmimeserialization',
} as const;

/** SOAP over HTTP transport URI for the soap12:binding (WSDL 1.1 SOAP 1.2 binding note §3.2). */
const HTTP_TRANSPORT = 'http://schemas.xmlsoap.org/soap/http';

/** One request-response operation as the WSDL describes it. */
export interface WsdlOperation {
  /** wsdl:definitions/@name and the stem of every other name, e.g. `RespondingGatewayQuery`. */
  serviceName: string;
  /** wsdl:definitions/@targetNamespace. */
  targetNamespace: string;
  /** wsdl:operation/@name, e.g. `CrossGatewayQuery`. */
  operation: string;
  /** Request wsa:Action (also the soap12:operation/@soapAction). */
  inputAction: string;
  /** Response wsa:Action. */
  outputAction: string;
  /** The request's env:Body element. */
  inputElement: QName;
  /** The response's env:Body element. */
  outputElement: QName;
  /** Messages may carry binary parts as MTOM/XOP (ITI TF-2 Appendix V). */
  mtom: boolean;
  /** Text for wsdl:documentation. */
  documentation: string;
}

/** An inline schema per namespace with each body element declared open (any attribute, any content). */
function typesSection(elements: QName[]): string {
  const byNs = new Map<string, Set<string>>();
  for (const e of elements) byNs.set(e.ns, (byNs.get(e.ns) ?? new Set()).add(e.local));
  const schemas = [...byNs].map(([ns, locals]) => {
    const decls = [...locals].map(
      (local) =>
        `<xs:element name="${esc(local)}"><xs:complexType>` +
        '<xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>' +
        '<xs:anyAttribute namespace="##any" processContents="lax"/>' +
        '</xs:complexType></xs:element>',
    );
    return `<xs:schema targetNamespace="${esc(ns)}" elementFormDefault="qualified">${decls.join('')}</xs:schema>`;
  });
  return `<wsdl:types>${schemas.join('')}</wsdl:types>`;
}

/**
 * The WSDL 1.1 document for `op` served at `address`.
 * @param address the endpoint URL (`http(s)://host:port/path`), written into soap12:address.
 * @returns XML text starting with an XML declaration (UTF-8).
 */
export function buildWsdl(op: WsdlOperation, address: string): string {
  const n = esc(op.serviceName);
  const prefixes = new Map<string, string>();
  const prefixOf = (q: QName): string => {
    let p = prefixes.get(q.ns);
    if (p === undefined) prefixes.set(q.ns, (p = `b${prefixes.size}`));
    return p;
  };
  const inEl = `${prefixOf(op.inputElement)}:${esc(op.inputElement.local)}`;
  const outEl = `${prefixOf(op.outputElement)}:${esc(op.outputElement.local)}`;
  const bodyNs = [...prefixes].map(([ns, p]) => ` xmlns:${p}="${esc(ns)}"`).join('');
  const mtom = op.mtom ? '<wsoma:OptimizedMimeSerialization/>' : '';
  const body = '<soap12:body use="literal"/>';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<wsdl:definitions name="${n}" targetNamespace="${esc(op.targetNamespace)}"` +
    ` xmlns:tns="${esc(op.targetNamespace)}" xmlns:wsdl="${WsdlNs.wsdl}" xmlns:soap12="${WsdlNs.soap12}"` +
    ` xmlns:xs="${WsdlNs.xs}" xmlns:wsam="${WsdlNs.wsam}" xmlns:wsp="${WsdlNs.wsp}"` +
    ` xmlns:wsu="${WsdlNs.wsu}" xmlns:wsoma="${WsdlNs.wsoma}"${bodyNs}>` +
    `<wsdl:documentation>${esc(op.documentation)}</wsdl:documentation>` +
    `<wsp:Policy wsu:Id="${n}_Policy"><wsam:Addressing><wsp:Policy><wsam:AnonymousResponses/></wsp:Policy></wsam:Addressing>${mtom}</wsp:Policy>` +
    typesSection([op.inputElement, op.outputElement]) +
    `<wsdl:message name="${esc(op.operation)}_Message"><wsdl:part name="body" element="${inEl}"/></wsdl:message>` +
    `<wsdl:message name="${esc(op.operation)}Response_Message"><wsdl:part name="body" element="${outEl}"/></wsdl:message>` +
    `<wsdl:portType name="${n}_PortType"><wsdl:operation name="${esc(op.operation)}">` +
    `<wsdl:input message="tns:${esc(op.operation)}_Message" wsam:Action="${esc(op.inputAction)}"/>` +
    `<wsdl:output message="tns:${esc(op.operation)}Response_Message" wsam:Action="${esc(op.outputAction)}"/>` +
    '</wsdl:operation></wsdl:portType>' +
    `<wsdl:binding name="${n}_Binding_Soap12" type="tns:${n}_PortType">` +
    `<wsp:PolicyReference URI="#${n}_Policy"/>` +
    `<soap12:binding style="document" transport="${HTTP_TRANSPORT}"/>` +
    `<wsdl:operation name="${esc(op.operation)}">` +
    `<soap12:operation soapAction="${esc(op.inputAction)}" soapActionRequired="true"/>` +
    `<wsdl:input>${body}</wsdl:input><wsdl:output>${body}</wsdl:output>` +
    '</wsdl:operation></wsdl:binding>' +
    `<wsdl:service name="${n}_Service"><wsdl:port name="${n}_Port_Soap12" binding="tns:${n}_Binding_Soap12">` +
    `<soap12:address location="${esc(address)}"/>` +
    '</wsdl:port></wsdl:service></wsdl:definitions>'
  );
}
