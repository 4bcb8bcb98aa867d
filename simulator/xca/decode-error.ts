/**
 * The one error the XCA codecs throw for a message they cannot turn into a typed value: wrong
 * element, missing required child or attribute, value outside its enumeration (ebRS 3.0 schemas;
 * ITI TF-2 3.38.4.1.2, 3.39.4.1.2). Callers turn it into a SOAP 1.2 `soap:Sender` fault for
 * requests, or into an error about the peer for responses (ITI TF-2 3.38.4.1.3, assertion
 * ITI38-019). Protocol outcomes that the standard defines as RegistryErrors (a malformed
 * stored-query parameter, for example) are never XcaDecodeErrors.
 */

/**
 * Why an XCA message could not be decoded. `message` names the element or attribute at fault as a
 * path with prefixes chosen by us (`query:AdhocQueryRequest/rim:AdhocQuery/@id`), never the
 * sender's prefixes, so it reads the same whatever the message used.
 * @example throw new XcaDecodeError('query:AdhocQueryRequest/query:ResponseOption is missing')
 */
export class XcaDecodeError extends Error {
  override readonly name = 'XcaDecodeError';
  constructor(message: string) {
    super(message);
  }
}
