/**
 * What a request-reply SOAP 1.2 endpoint requires of a request before its handler runs, beyond a
 * well-formed envelope: the WS-Addressing 1.0 message addressing properties (SOAP Binding §6.4),
 * the SOAP 1.2 `action` media-type parameter agreeing with wsa:Action (RFC 3902 §3; WS-Addressing
 * 1.0 SOAP Binding §4.1.1), and exactly one env:Body child (document/literal: WS-I Basic Profile
 * 2.0 R9981; every XCA request is one element). Each failure is a Sender SoapFaultError (HTTP 400).
 */
import { SoapFaultError, WsaFaultSubcode, WsaFaultSubsubcode } from './fault.js';
import type { SoapEnvelope } from './envelope.js';
import { parseContentType } from './content-type.js';
import { SoapNs, WSA_ANONYMOUS } from './namespaces.js';

const wsaHeader = (local: string): { ns: string; local: string } => ({ ns: SoapNs.wsa, local });

function relatesTo(env: SoapEnvelope): { requestMessageId?: string } {
  const id = env.addressing.messageId;
  return id === undefined ? {} : { requestMessageId: id };
}

/** wsa:Action present (SOAP Binding §6.4.2) and the one this endpoint serves (§6.4.4). */
function checkAction(env: SoapEnvelope, expected: string): void {
  const got = env.addressing.action;
  if (got === undefined) {
    throw new SoapFaultError(
      'Sender',
      'A required header representing a Message Addressing Property is not present: wsa:Action',
      {
        ...relatesTo(env),
        subcode: WsaFaultSubcode.MessageAddressingHeaderRequired,
        problemHeader: wsaHeader('Action'),
      },
    );
  }
  if (got !== expected) {
    throw new SoapFaultError('Sender', `The action is not supported at this endpoint; expected ${expected}`, {
      ...relatesTo(env),
      subcode: WsaFaultSubcode.ActionNotSupported,
      logDetail: `received wsa:Action ${got}`,
    });
  }
}

/**
 * Every `action` parameter the HTTP entity carries: on application/soap+xml (RFC 3902 §3), on
 * multipart/related (as nir-sim and Axis2 send it), inside its `start-info`, and inside the MTOM
 * root part's `type` parameter (XOP 1.0 §4.1 / SOAP 1.2 MTOM §4.3).
 */
function mediaTypeActions(contentType: string | undefined, rootContentType: string | undefined): string[] {
  const out: string[] = [];
  const outer = parseContentType(contentType);
  const push = (v: string | undefined): void => {
    if (v !== undefined) out.push(v.trim());
  };
  push(outer.params.get('action'));
  if (outer.mediaType === 'multipart/related') {
    const startInfo = outer.params.get('start-info');
    if (startInfo !== undefined) push(parseContentType(startInfo).params.get('action'));
    const rootType = rootContentType && parseContentType(rootContentType).params.get('type');
    if (rootType) push(parseContentType(rootType).params.get('action'));
  }
  return out;
}

/**
 * An `action` media-type parameter that contradicts wsa:Action (WS-Addressing 1.0 SOAP Binding
 * §4.1.1: "the value of the action parameter ... MUST be identical to [action]") is fault
 * wsa:InvalidAddressingHeader / wsa:ActionMismatch (§6.4.1.7) naming wsa:Action.
 */
function checkActionParameter(
  env: SoapEnvelope,
  contentType: string | undefined,
  rootContentType: string | undefined,
): void {
  const action = env.addressing.action;
  const mismatch = mediaTypeActions(contentType, rootContentType).find((a) => a !== action);
  if (mismatch === undefined) return;
  throw new SoapFaultError('Sender', 'The Content-Type action parameter differs from wsa:Action', {
    ...relatesTo(env),
    subcode: WsaFaultSubcode.InvalidAddressingHeader,
    subsubcode: WsaFaultSubsubcode.ActionMismatch,
    problemHeader: wsaHeader('Action'),
    logDetail: `action parameter ${mismatch}, wsa:Action ${action}`,
  });
}

/**
 * A request that expects a reply must carry wsa:MessageID (WS-Addressing 1.0 Core §3.4; ITI TF-2
 * V.3.2.1): without it the reply cannot carry wsa:RelatesTo. Fault §6.4.2.
 */
function checkMessageId(env: SoapEnvelope): void {
  if (env.addressing.messageId !== undefined) return;
  throw new SoapFaultError(
    'Sender',
    'A required header representing a Message Addressing Property is not present: wsa:MessageID',
    { subcode: WsaFaultSubcode.MessageAddressingHeaderRequired, problemHeader: wsaHeader('MessageID') },
  );
}

/**
 * Synchronous exchange only: a non-anonymous wsa:ReplyTo or wsa:FaultTo would ask for the reply
 * or the fault on a new connection (ITI TF-2 V.3 Asynchronous Web Services Exchange), which
 * nir-sim does not do, so it is refused (SOAP Binding §6.4.1.5 OnlyAnonymousAddressSupported)
 * instead of silently answered on the back-channel.
 */
function checkAnonymousResponses(env: SoapEnvelope): void {
  for (const [local, address] of [
    ['ReplyTo', env.addressing.replyTo],
    ['FaultTo', env.addressing.faultTo],
  ] as const) {
    if (address === undefined || address === WSA_ANONYMOUS) continue;
    throw new SoapFaultError(
      'Sender',
      `Only the anonymous wsa:${local} address (synchronous exchange) is supported`,
      {
        ...relatesTo(env),
        subcode: WsaFaultSubcode.InvalidAddressingHeader,
        subsubcode: WsaFaultSubsubcode.OnlyAnonymousAddressSupported,
        problemHeader: wsaHeader(local),
        logDetail: `received wsa:${local} ${address}`,
      },
    );
  }
}

/** env:Body holds exactly one element. */
function checkBody(env: SoapEnvelope): void {
  if (!env.body) throw new SoapFaultError('Sender', 'env:Body is empty', relatesTo(env));
  if (env.bodyChildren > 1) {
    throw new SoapFaultError('Sender', 'env:Body must contain exactly one element', {
      ...relatesTo(env),
      logDetail: `env:Body has ${env.bodyChildren} element children`,
    });
  }
}

/** The HTTP facts a request is checked against. */
interface RequestEntity {
  /** The HTTP Content-Type value. */
  contentType: string | undefined;
  /** For MTOM, the root part's Content-Type. */
  rootContentType: string | undefined;
}

/**
 * Check a parsed request for endpoint `expectedAction`, in this order: wsa:Action present and
 * served here, the `action` media-type parameter agreeing with it, wsa:MessageID present,
 * anonymous wsa:ReplyTo / wsa:FaultTo, exactly one env:Body child.
 * @throws SoapFaultError `Sender` (with the WS-Addressing subcode, subsubcode and
 *   wsa:ProblemHeaderQName where the SOAP Binding defines them; wsa:RelatesTo set when the
 *   request's wsa:MessageID is known).
 */
export function checkRequest(env: SoapEnvelope, expectedAction: string, entity: RequestEntity): void {
  checkAction(env, expectedAction);
  checkActionParameter(env, entity.contentType, entity.rootContentType);
  checkMessageId(env);
  checkAnonymousResponses(env);
  checkBody(env);
}
