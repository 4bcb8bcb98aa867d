/**
 * The one request every security check sends: an ITI-38 FindDocuments (IHE ITI TF-2 3.38.4.1.2,
 * ITI TF-2 3.18.4.1.2.3.7.1) for the run's first test patient, so that a gateway that lets it
 * through answers with that patient's documents, and the assertion's resource-id names the
 * queried patient (ITI TF-2 3.40.4.1.2).
 */
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { EntryStatus, StoredQueryId } from '../xca/constants.js';
import type { SendRequest, SentExchange } from './initiator.js';
import type { ProviderContext } from './provider-check.js';

/** What a check may change in the probe (TLS material, security header). */
export type ProbeOverrides = Pick<SendRequest, 'tls' | 'securityHeaderXml'>;

/** The patient the probes ask about, as a CX (`<nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO`). */
export function probePatientCx(ctx: ProviderContext): string {
  return (ctx.testData.patients[0] ?? ctx.testData.unknownPatient).patientCx;
}

/** Send the probe for `checkId`, labelled `label`, with `over` applied. Never throws. */
export function sendProbe(
  ctx: ProviderContext,
  checkId: string,
  label: string,
  over: ProbeOverrides = {},
): Promise<SentExchange> {
  const patientCx = probePatientCx(ctx);
  return ctx.initiator.send({
    checkId,
    label,
    transaction: 'ITI-38',
    url: ctx.target.iti38Url,
    bodyXml: encodeAdhocQueryRequest({
      returnType: 'ObjectRef',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${patientCx}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    }),
    patientCx,
    ...over,
  });
}
