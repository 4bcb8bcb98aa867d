/**
 * The robustness checks' own requests, so that they judge answers even when they run alone: an
 * ITI-38 FindDocuments (LeafClass, Approved) for the test data's first patient with documents, an
 * ITI-39 for that patient's first document, and, with a RAD-75 URL, a RAD-75 for the first image
 * of the patient's first study (IHE ITI TF-2 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75.4.1.2).
 */
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { EntryStatus, StoredQueryId } from '../xca/constants.js';
import { encodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import { encodeRetrieveImagingDocumentSetRequest } from '../xca/retrieve-imaging-document-set.js';
import type { ExchangeRecord } from './exchange-record.js';
import type { ProviderContext } from './provider-check.js';

/** Explicit VR Little Endian (DICOM PS3.5 A.2), every Storage SCP's syntax. */
const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';

/** Send the probe requests of `checkId`; returns their records, in order. */
export async function sendProbes(ctx: ProviderContext, checkId: string): Promise<ExchangeRecord[]> {
  const { target, testData, initiator } = ctx;
  const patient = testData.patients.find((p) => p.documents.length > 0) ?? testData.patients[0];
  if (!patient) return [];
  const out: ExchangeRecord[] = [];
  const query = await initiator.send({
    checkId,
    label: 'find-documents',
    transaction: 'ITI-38',
    url: target.iti38Url,
    patientCx: patient.patientCx,
    bodyXml: encodeAdhocQueryRequest({
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${patient.patientCx}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    }),
  });
  out.push(query.record);
  const doc = patient.documents[0];
  if (doc) {
    const sent = await initiator.send({
      checkId,
      label: 'retrieve-document',
      transaction: 'ITI-39',
      url: target.iti39Url,
      patientCx: patient.patientCx,
      bodyXml: encodeRetrieveDocumentSetRequest({
        documents: [
          {
            homeCommunityId: target.homeCommunityId,
            repositoryUniqueId: doc.repositoryUniqueId,
            documentUniqueId: doc.uniqueId,
          },
        ],
      }),
    });
    out.push(sent.record);
  }
  const study = patient.studies[0];
  const series = study?.series[0];
  const image = series?.instances[0];
  const manifest = patient.documents.find((d) => d.studyInstanceUid === study?.studyInstanceUid);
  if (target.rad75Url !== undefined && study && series && image && manifest) {
    const sent = await initiator.send({
      checkId,
      label: 'retrieve-imaging',
      transaction: 'RAD-75',
      url: target.rad75Url,
      patientCx: patient.patientCx,
      bodyXml: encodeRetrieveImagingDocumentSetRequest({
        studies: [
          {
            studyInstanceUid: study.studyInstanceUid,
            series: [
              {
                seriesInstanceUid: series.seriesInstanceUid,
                documents: [
                  {
                    homeCommunityId: target.homeCommunityId,
                    repositoryUniqueId: manifest.repositoryUniqueId,
                    documentUniqueId: image.sopInstanceUid,
                  },
                ],
              },
            ],
          },
        ],
        transferSyntaxUids: [...new Set([...study.transferSyntaxUids, EXPLICIT_VR_LE])],
      }),
    });
    out.push(sent.record);
  }
  return out;
}
