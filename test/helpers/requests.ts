/** ITI-38 / ITI-39 request envelopes for tests, built with the project's encoders. */
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, SoapAction, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { encodeRetrieveDocumentSetRequest } from '../../simulator/xca/retrieve-document-set.js';
import type { DocumentRequest, QuerySlot } from '../../simulator/xca/types.js';

/** FindDocuments for an NHS number (or a raw CX when `rawPatientId`), LeafClass by default. */
export function findDocuments(
  nhsOrCx: string,
  opts: {
    returnType?: 'LeafClass' | 'ObjectRef';
    home?: string;
    extraSlots?: QuerySlot[];
    rawPatientId?: boolean;
    messageId?: string;
  } = {},
): string {
  const cx = opts.rawPatientId ? nhsOrCx : nhsNumberToCx(nhsOrCx);
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayQuery,
    to: 'http://nir.invalid/xca/iti38',
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
    bodyXml: encodeAdhocQueryRequest({
      returnType: opts.returnType ?? 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      ...(opts.home !== undefined ? { home: opts.home } : {}),
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${cx}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
        ...(opts.extraSlots ?? []),
      ],
    }),
  });
}

/** GetDocuments by uniqueId, with `home` when given. */
export function getDocuments(
  uniqueIds: string[],
  home?: string,
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
): string {
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayQuery,
    to: 'http://nir.invalid/xca/iti38',
    bodyXml: encodeAdhocQueryRequest({
      returnType,
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      ...(home !== undefined ? { home } : {}),
      slots: [
        { name: '$XDSDocumentEntryUniqueId', values: [`(${uniqueIds.map((u) => `'${u}'`).join(',')})`] },
      ],
    }),
  });
}

/** A RetrieveDocumentSetRequest envelope. */
export function retrieve(documents: DocumentRequest[]): string {
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayRetrieve,
    to: 'http://nir.invalid/xca/iti39',
    bodyXml: encodeRetrieveDocumentSetRequest({ documents }),
  });
}
