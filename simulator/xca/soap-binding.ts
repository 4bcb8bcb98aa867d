/**
 * The XCA SOAP binding glue shared by the broker and the gateways: body decoding that turns a
 * malformed XCA body into a SOAP Sender fault (ITI TF-2 V.3: unprocessable messages are faults,
 * not RegistryErrors), and the MTOM packaging of retrieve responses (ITI TF-2 3.39.4.2.3, V.7).
 */
import { SoapFaultError } from '../soap/fault.js';
import type { MtomPart } from '../soap/mtom.js';
import { XcaDecodeError } from './decode-error.js';
import { encodeRetrieveDocumentSetResponse } from './retrieve-document-set.js';
import type { RetrieveDocumentSetResponse } from './types.js';

/**
 * Run a body decoder; an XcaDecodeError becomes a Sender fault whose reason is the decoder's
 * message (it names the element at fault, never a stack).
 */
export function decodeBody<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof XcaDecodeError) throw new SoapFaultError('Sender', err.message);
    throw err;
  }
}

/** A retrieve response as a SOAP body plus its MTOM parts (one `application/...` part per document). */
export function retrieveResponseParts(
  resp: RetrieveDocumentSetResponse,
  messageTag: string,
): { bodyXml: string; attachments: MtomPart[] } {
  return encodeRetrieveDocumentSetResponse(resp, {
    contentIdFor: (i) => `doc${i}.${messageTag}@nir-sim.invalid`,
  });
}
