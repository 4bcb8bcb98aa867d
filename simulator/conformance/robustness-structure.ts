/**
 * nir-sim's own structural checks of one SOAP answer, run whether or not the IHE schemas are
 * configured: the HTTP entity is SOAP 1.2 (application/soap+xml, or MTOM multipart/related,
 * SOAP 1.2 Part 2 §7; ITI TF-2 Appendix V), the envelope is well-formed SOAP 1.2 with one Body
 * child, and that child is the transaction's response (query:AdhocQueryResponse for ITI-38,
 * xdsb:RetrieveDocumentSetResponse for ITI-39 and RAD-75, decoded with the project's codecs, which
 * refuse what ebRS 3.0 / XDS.b do not define) or an env:Fault with Code and Reason, sent with the
 * HTTP status SOAP 1.2's HTTP binding gives it (Part 2 §7.5.1.2: 400 for env:Sender, else 500).
 */
import { isFaultEnvelope } from '../soap/envelope.js';
import { SoapFaultError } from '../soap/fault.js';
import { readSoapMessage, type ReadSoapMessage } from '../soap/message-body.js';
import { SoapNs } from '../soap/namespaces.js';
import { childElements, firstChild, textOf } from '../soap/xml.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { decodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import type { ExchangeRecord } from './exchange-record.js';

/** What the structural checks found about one answer. */
export interface StructureVerdict {
  /** Empty when the answer passed. */
  problems: string[];
  /** The parsed message, when it was SOAP 1.2. */
  message?: ReadSoapMessage;
}

/** Check the answer of `r` (which must have a response). */
export function checkStructure(r: ExchangeRecord): StructureVerdict {
  const res = r.response;
  if (!res) return { problems: [] };
  let message: ReadSoapMessage;
  try {
    message = readSoapMessage(res.body, res.headers['content-type'], [], { enforceMustUnderstand: false });
  } catch (err) {
    const why = err instanceof SoapFaultError ? err.reason : err instanceof Error ? err.message : String(err);
    return {
      problems: [
        `HTTP ${res.status} with Content-Type ${res.headers['content-type'] ?? '(none)'} is not a SOAP 1.2 message: ${why}`,
      ],
    };
  }
  const env = message.envelope;
  const problems: string[] = [];
  if (env.bodyChildren !== 1)
    problems.push(`env:Body has ${env.bodyChildren} element children; a response has exactly one`);
  const body = env.body;
  if (body && isFaultEnvelope(env)) {
    const code = firstChild(body, SoapNs.soap12, 'Code');
    const value = code ? firstChild(code, SoapNs.soap12, 'Value') : undefined;
    const reason = firstChild(body, SoapNs.soap12, 'Reason');
    const text = reason ? childElements(reason, SoapNs.soap12, 'Text') : [];
    if (!value || textOf(value).trim() === '') problems.push('env:Fault has no env:Code/env:Value');
    if (text.length === 0) problems.push('env:Fault has no env:Reason/env:Text');
    const sender = value !== undefined && /(^|:)Sender$/.test(textOf(value).trim());
    const expected = sender ? 400 : 500;
    if (value && res.status !== expected)
      problems.push(
        `env:Fault ${textOf(value).trim()} came with HTTP ${res.status}; SOAP 1.2 Part 2 §7.5.1.2 gives ${expected}`,
      );
  } else if (body) {
    if (res.status !== 200)
      problems.push(`a response that is not a Fault came with HTTP ${res.status}, not 200`);
    try {
      if (r.transaction === 'ITI-38') decodeAdhocQueryResponse(body);
      else decodeRetrieveDocumentSetResponse(body, () => Buffer.alloc(0));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { problems, message };
}
