/**
 * A ready-to-send, human-readable ITI-38 FindDocuments request for a patient, and the curl
 * command that posts it (printed by `sim up`; the README shows the same text).
 */
import { randomUUID } from 'node:crypto';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import { SoapAction } from '../xca/constants.js';

/**
 * A SOAP 1.2 ITI-38 FindDocuments (LeafClass, Approved) envelope for `nhsNumber`, indented, with
 * the WS-Addressing headers ITI TF-2 V.3.2.1 asks of a request (wsa:To the endpoint `to`, when
 * given, so the example passes the kit's consumer checks, docs/conformance.md).
 * @throws Error when `nhsNumber` is not a valid NHS number or `to` not an http(s) URL (both are
 * pasted into XML unescaped).
 */
export function findDocumentsEnvelope(
  nhsNumber: string,
  messageId = `urn:uuid:${randomUUID()}`,
  to?: string,
): string {
  if (!/^\d{10}$/.test(nhsNumber) || !isValidNhsNumber(nhsNumber))
    throw new Error(`not an NHS number: ${nhsNumber}`);
  if (to !== undefined && !/^https?:\/\/[^\s<>&'"]+$/.test(to)) throw new Error(`not an http(s) URL: ${to}`);
  const toHeader = to === undefined ? '' : `\n    <wsa:To soap:mustUnderstand="1">${to}</wsa:To>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <wsa:Action soap:mustUnderstand="1">${SoapAction.CrossGatewayQuery}</wsa:Action>
    <wsa:MessageID>${messageId}</wsa:MessageID>${toHeader}
    <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>
  </soap:Header>
  <soap:Body>
    <query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
      <query:ResponseOption returnType="LeafClass" returnComposedObjects="true"/>
      <rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">
        <rim:Slot name="$XDSDocumentEntryPatientId">
          <rim:ValueList><rim:Value>'${nhsNumber}^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'</rim:Value></rim:ValueList>
        </rim:Slot>
        <rim:Slot name="$XDSDocumentEntryStatus">
          <rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList>
        </rim:Slot>
      </rim:AdhocQuery>
    </query:AdhocQueryRequest>
  </soap:Body>
</soap:Envelope>`;
}

/** A shell command (curl + heredoc) that posts the FindDocuments envelope to `url`. */
export function curlFindDocuments(nhsNumber: string, url: string): string {
  return [
    `curl -sS -X POST '${url}' \\`,
    `  -H 'Content-Type: application/soap+xml; charset=UTF-8' \\`,
    `  --data-binary @- <<'XML'`,
    findDocumentsEnvelope(nhsNumber, 'urn:uuid:7d1f6a53-2f37-4e7c-9a57-3f1f8f1c2a10', url),
    'XML',
  ].join('\n');
}
