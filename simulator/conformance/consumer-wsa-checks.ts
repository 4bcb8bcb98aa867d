/**
 * Consumer-mode checks of the request's SOAP 1.2 message and WS-Addressing headers (IHE ITI TF-2
 * Appendix V.3.2; ITI TF-2 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75.4.1.2; WS-Addressing 1.0 SOAP
 * Binding §2.4, §6.4): the envelope and body readable, wsa:Action the transaction's with
 * env:mustUnderstand, wsa:MessageID a `urn:uuid:`, wsa:To the endpoint with env:mustUnderstand,
 * wsa:ReplyTo anonymous (synchronous exchange).
 */
import type { BrokerTransaction } from '../events/transaction-events.js';
import { SoapNs, WSA_ANONYMOUS } from '../soap/namespaces.js';
import type { Element } from '../soap/xml.js';
import { SoapAction, Transaction } from '../xca/constants.js';
import type { ConsumerCheck } from './consumer-check.js';
import type { ConsumerRequest } from './consumer-request.js';
import { refusalNote, verdict, withoutEnvelope } from './consumer-verdict.js';

/** The request wsa:Action of each XCA transaction (ITI TF-2 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75.4.1.2). */
const REQUEST_ACTION: Partial<Record<BrokerTransaction, string>> = {
  [Transaction.Iti38]: SoapAction.CrossGatewayQuery,
  [Transaction.Iti39]: SoapAction.CrossGatewayRetrieve,
  [Transaction.Rad75]: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
};

/** The request's body element, as the transaction names it. */
const BODY_ELEMENT: Partial<Record<BrokerTransaction, string>> = {
  [Transaction.Iti38]: 'query:AdhocQueryRequest',
  [Transaction.Iti39]: 'xdsb:RetrieveDocumentSetRequest',
  [Transaction.Rad75]: 'iherad:RetrieveImagingDocumentSetRequest',
};

const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The first wsa header block named `local`. */
function wsaBlock(r: ConsumerRequest, local: string): Element | undefined {
  return r.envelope?.headerBlocks.find((b) => b.namespaceURI === SoapNs.wsa && b.localName === local);
}

/** env:mustUnderstand is `1` or `true` (SOAP 1.2 Part 1 §5.2.3). */
function mustUnderstand(b: Element): boolean {
  const v = b.getAttributeNS(SoapNs.soap12, 'mustUnderstand')?.trim();
  return v === '1' || v === 'true';
}

const ID = {
  message: 'CON-SOAP-MESSAGE',
  action: 'CON-WSA-ACTION',
  messageId: 'CON-WSA-MESSAGEID',
  to: 'CON-WSA-TO',
  replyTo: 'CON-WSA-REPLYTO',
} as const;

const soapMessage: ConsumerCheck = {
  definition: {
    id: ID.message,
    area: 'consumer',
    title: 'The request is a SOAP 1.2 envelope whose body is the transaction request',
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker receives it',
    then: 'it is a SOAP 1.2 envelope (application/soap+xml or MTOM/XOP) with one env:Body child, the request element of its transaction, decodable by its schema rules',
    source:
      'IHE ITI TF-2 Appendix V.3; ITI TF-2 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75.4.1.2; SOAP 1.2 Part 1 §5',
    items: ['UAT-01'],
  },
  evaluate(r) {
    if (r.protocol !== 'xca')
      return verdict(ID.message, 'skipped', `${r.transaction} is FHIR REST, not SOAP`);
    if (!r.envelope)
      return verdict(
        ID.message,
        'failed',
        `${r.envelopeProblem ?? 'the request envelope was not recorded'}${refusalNote(r)}`,
      );
    const expected = BODY_ELEMENT[r.transaction] ?? 'the request element';
    if (r.body?.kind === 'unreadable')
      return verdict(
        ID.message,
        'failed',
        `env:Body is not a valid ${expected}: ${r.body.problem}${refusalNote(r)}`,
      );
    if (r.envelope.bodyChildren !== 1)
      return verdict(
        ID.message,
        'failed',
        `env:Body has ${r.envelope.bodyChildren} element children; exactly one (${expected}) is expected`,
      );
    return verdict(ID.message, 'passed', `a SOAP 1.2 envelope whose body is a ${expected}`);
  },
};

const action: ConsumerCheck = {
  definition: {
    id: ID.action,
    area: 'consumer',
    title: "wsa:Action is the transaction's and marked mustUnderstand",
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker reads its WS-Addressing headers',
    then: 'wsa:Action is the transaction\'s request action (ITI-38 urn:ihe:iti:2007:CrossGatewayQuery, ITI-39 urn:ihe:iti:2007:CrossGatewayRetrieve, RAD-75 urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSet) with env:mustUnderstand="1"',
    source:
      'IHE ITI TF-2 V.3.2.1, 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75.4.1.2; WS-Addressing 1.0 SOAP Binding §2.4',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.action, r);
    if (none) return none;
    const expected = REQUEST_ACTION[r.transaction]!;
    const got = r.envelope!.addressing.action;
    if (got === undefined)
      return verdict(ID.action, 'failed', `wsa:Action is missing; send ${expected}${refusalNote(r)}`);
    if (got !== expected)
      return verdict(
        ID.action,
        'failed',
        `wsa:Action is ${got}; the ${r.transaction} endpoint expects ${expected}${refusalNote(r)}`,
      );
    if (!mustUnderstand(wsaBlock(r, 'Action')!))
      return verdict(ID.action, 'failed', 'wsa:Action lacks env:mustUnderstand="1"');
    return verdict(ID.action, 'passed', `wsa:Action ${got}, mustUnderstand`);
  },
};

const messageId: ConsumerCheck = {
  definition: {
    id: ID.messageId,
    area: 'consumer',
    title: 'wsa:MessageID is a urn:uuid',
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker reads its WS-Addressing headers',
    then: "wsa:MessageID is present and a urn:uuid: (RFC 4122), so the answer's wsa:RelatesTo and the audit trail can name it",
    source: 'IHE ITI TF-2 V.3.2.1; WS-Addressing 1.0 Core §3.4, SOAP Binding §6.4.2; RFC 4122',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.messageId, r);
    if (none) return none;
    const got = r.envelope!.addressing.messageId;
    if (got === undefined)
      return verdict(
        ID.messageId,
        'failed',
        `wsa:MessageID is missing; send a fresh urn:uuid: per request${refusalNote(r)}`,
      );
    if (!UUID.test(got))
      return verdict(ID.messageId, 'failed', `wsa:MessageID ${got} is not a urn:uuid: (RFC 4122)`);
    return verdict(ID.messageId, 'passed', `wsa:MessageID ${got}`);
  },
};

const to: ConsumerCheck = {
  definition: {
    id: ID.to,
    area: 'consumer',
    title: 'wsa:To names the endpoint and is marked mustUnderstand',
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker reads its WS-Addressing headers',
    then: 'wsa:To is the absolute http(s) URL of the NIR endpoint called, with env:mustUnderstand="1"',
    source: 'IHE ITI TF-2 V.3.2.1 (and its sample messages); WS-Addressing 1.0 SOAP Binding §2.4',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.to, r);
    if (none) return none;
    const got = r.envelope!.addressing.to;
    if (got === undefined)
      return verdict(
        ID.to,
        'failed',
        `wsa:To is missing; send the endpoint URL${r.endpoint ? ` (${r.endpoint})` : ''}`,
      );
    let url: URL | undefined;
    try {
      url = new URL(got);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      return verdict(ID.to, 'failed', `wsa:To ${got} is not an absolute http(s) URL`);
    if (!mustUnderstand(wsaBlock(r, 'To')!))
      return verdict(ID.to, 'failed', 'wsa:To lacks env:mustUnderstand="1"');
    return verdict(ID.to, 'passed', `wsa:To ${got}, mustUnderstand`);
  },
};

const replyTo: ConsumerCheck = {
  definition: {
    id: ID.replyTo,
    area: 'consumer',
    title: 'wsa:ReplyTo is anonymous (synchronous exchange)',
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker reads its WS-Addressing headers',
    then: `wsa:ReplyTo/wsa:Address is ${WSA_ANONYMOUS}: NIR answers on the same connection`,
    source: 'IHE ITI TF-2 V.3.2.1, V.3 (Synchronous Web Services Exchange); WS-Addressing 1.0 Core §3.1',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.replyTo, r);
    if (none) return none;
    const got = r.envelope!.addressing.replyTo;
    if (got === undefined)
      return verdict(
        ID.replyTo,
        'failed',
        `wsa:ReplyTo is missing; send <wsa:ReplyTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`,
      );
    if (got !== WSA_ANONYMOUS)
      return verdict(
        ID.replyTo,
        'failed',
        `wsa:ReplyTo is ${got}; NIR answers synchronously: use ${WSA_ANONYMOUS}${refusalNote(r)}`,
      );
    return verdict(ID.replyTo, 'passed', 'wsa:ReplyTo anonymous');
  },
};

/** The SOAP and WS-Addressing checks, in report order. */
export const consumerWsaChecks: readonly ConsumerCheck[] = [soapMessage, action, messageId, to, replyTo];
