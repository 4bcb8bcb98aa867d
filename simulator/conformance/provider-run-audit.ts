/**
 * The FHIR R4 AuditEvents NIR would send to PARS for the exchanges of a provider run: each ITI-38,
 * ITI-39 or RAD-75 the kit sent is read back (the request envelope, the supplier's answer) into the
 * broker's record of a transaction (events/transaction-events.ts) and written by the same builders
 * the broker's audit pipeline uses (audit/audit-event.ts, docs/audit.md): DICOM/IHE codes, one
 * event per patient, outcome from the answer's status and RegistryErrors (8 for a SOAP Fault, 12
 * when no answer came). A request that cannot be read (the security checks' tampered bytes) is
 * audited with what is known: transaction, endpoint, outcome.
 */
import type { AuditEvent } from 'fhir/r4.js';
import { NIR_ACTION_CODES } from '../audit/action-codes.js';
import { transactionAuditEvents, type AuditEventConfig } from '../audit/audit-event.js';
import type {
  LegEvent,
  RequestedDocument,
  RequestedStudy,
  ReturnedDocument,
  TransactionEvent,
} from '../events/transaction-events.js';
import { isFaultEnvelope, type SoapEnvelope } from '../soap/envelope.js';
import { parseSoapXml, readSoapMessage } from '../soap/message-body.js';
import { serialize } from '../soap/xml.js';
import { decodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import {
  decodeRetrieveDocumentSetRequest,
  decodeRetrieveDocumentSetResponse,
} from '../xca/retrieve-document-set.js';
import { decodeRetrieveImagingDocumentSetRequest } from '../xca/retrieve-imaging-document-set.js';
import { storedQueryPatientId } from '../xca/stored-query.js';
import type { RegistryError } from '../xca/types.js';
import type { ExchangeRecord } from './exchange-record.js';

/** Who the events say wrote them (AuditEvent.source.observer): NIR, played by the kit. */
const KIT_OBSERVER = { id: 'nir-sim', display: 'NIR initiating gateway (nir-sim conformance kit)' };

/**
 * The AuditEvents of `records` (ITI-67/68 exchanges are not the provider run's and are skipped),
 * in record order.
 * @param newId AuditEvent ids (a run derives them from its seed).
 * @param homeCommunityId the supplier's gateway, named as the one community leg of each exchange.
 */
export function exchangeAuditEvents(
  records: readonly ExchangeRecord[],
  newId: () => string,
  homeCommunityId: string,
): AuditEvent[] {
  const cfg: AuditEventConfig = {
    actions: NIR_ACTION_CODES,
    observer: KIT_OBSERVER,
    productId: 'nir-sim',
    newId,
  };
  return records.flatMap((r) => {
    const tx = transactionOf(r, homeCommunityId);
    return tx ? transactionAuditEvents(tx, cfg) : [];
  });
}

/** The broker-style record of one exchange, or undefined for a transaction not audited here. */
export function transactionOf(r: ExchangeRecord, homeCommunityId: string): TransactionEvent | undefined {
  if (r.transaction !== 'ITI-38' && r.transaction !== 'ITI-39' && r.transaction !== 'RAD-75')
    return undefined;
  const startedAt = Date.parse(r.startedAt);
  const request = readRequest(r);
  const answer = readAnswer(r);
  const leg: LegEvent = {
    community: homeCommunityId,
    homeCommunityId,
    startedAt,
    durationMs: r.durationMs,
    outcome: r.response ? 'answered' : 'failed',
    ...(r.response ? { httpStatus: r.response.status } : {}),
    ...(r.failure ? { failure: { reason: r.failure.kind, detail: r.failure.detail } } : {}),
    errorCodes: answer.errors.map((e) => e.errorCode),
  };
  return {
    id: r.name,
    transaction: r.transaction,
    ...(request.messageId !== undefined ? { messageId: request.messageId } : {}),
    ...request.about,
    startedAt,
    durationMs: r.durationMs,
    status: answer.status,
    errors: answer.errors,
    resultCount: answer.resultCount,
    legs: [leg],
    endpoint: r.url,
    ...(answer.returnedDocuments ? { returnedDocuments: answer.returnedDocuments } : {}),
  };
}

type About = Pick<
  TransactionEvent,
  'patient' | 'patientId' | 'documents' | 'studies' | 'queryXml' | 'storedQuery'
>;

function readRequest(r: ExchangeRecord): { messageId?: string; about: About } {
  let env: SoapEnvelope;
  try {
    env = parseSoapXml(r.request.body.toString('utf8'), [], { enforceMustUnderstand: false });
  } catch {
    return { about: {} };
  }
  const messageId = env.addressing.messageId;
  const base = messageId !== undefined ? { messageId } : {};
  try {
    if (!env.body) return { ...base, about: {} };
    if (r.transaction === 'ITI-38') {
      const query = decodeAdhocQueryRequest(env.body);
      const cx = storedQueryPatientId(query);
      const storedQuery = { id: query.queryId, ...(query.home ? { home: query.home } : {}) };
      const about: About = { queryXml: serialize(env.body), storedQuery };
      if (cx === undefined) return { ...base, about };
      const nhs = nhsNumberFromPatientId(cx);
      return { ...base, about: { ...about, ...(nhs.ok ? { patient: nhs.nhsNumber } : {}), patientId: cx } };
    }
    if (r.transaction === 'ITI-39') {
      const documents: RequestedDocument[] = decodeRetrieveDocumentSetRequest(env.body).documents.map(
        (d) => ({
          repositoryUniqueId: d.repositoryUniqueId,
          documentUniqueId: d.documentUniqueId,
          ...(d.homeCommunityId !== undefined ? { homeCommunityId: d.homeCommunityId } : {}),
        }),
      );
      return { ...base, about: { documents } };
    }
    const studies: RequestedStudy[] = decodeRetrieveImagingDocumentSetRequest(env.body).studies.map((s) => {
      const docs = s.series.flatMap((x) => x.documents);
      return {
        studyInstanceUid: s.studyInstanceUid,
        seriesInstanceUids: s.series.map((x) => x.seriesInstanceUid),
        documentUniqueIds: docs.map((d) => d.documentUniqueId),
        ...(docs[0]?.homeCommunityId !== undefined ? { homeCommunityId: docs[0].homeCommunityId } : {}),
        ...(docs[0] !== undefined ? { repositoryUniqueId: docs[0].repositoryUniqueId } : {}),
      };
    });
    return { ...base, about: { studies } };
  } catch {
    return { ...base, about: {} };
  }
}

interface Answer {
  status: string;
  errors: RegistryError[];
  resultCount: number;
  returnedDocuments?: ReturnedDocument[];
}

/** What the supplier answered, as the audit outcome reads it (outcome.ts). */
function readAnswer(r: ExchangeRecord): Answer {
  const failure = (errorCode: string, codeContext: string): Answer => ({
    status: ResponseStatus.Failure,
    errors: [{ errorCode, codeContext, severity: ErrorSeverity.Error }],
    resultCount: 0,
  });
  if (!r.response) return failure('XDSUnavailableCommunity', `no answer: ${r.failure?.detail ?? 'unknown'}`);
  try {
    const msg = readSoapMessage(r.response.body, r.response.headers['content-type'], [], {
      enforceMustUnderstand: false,
    });
    const body = msg.envelope.body;
    if (!body || isFaultEnvelope(msg.envelope))
      return failure('XDSRegistryError', `SOAP Fault (HTTP ${r.response.status})`);
    if (r.transaction === 'ITI-38') {
      const a = decodeAdhocQueryResponse(body);
      const returnedDocuments: ReturnedDocument[] = a.objects.flatMap((o) =>
        o.entryIds?.uniqueId !== undefined
          ? [
              {
                documentUniqueId: o.entryIds.uniqueId,
                entryUuid: o.id,
                ...patientOf(o.entryIds.patientId),
                ...(o.home !== undefined ? { homeCommunityId: o.home } : {}),
                ...(o.entryIds.repositoryUniqueId !== undefined
                  ? { repositoryUniqueId: o.entryIds.repositoryUniqueId }
                  : {}),
              },
            ]
          : [],
      );
      return { status: a.status, errors: a.errors, resultCount: a.objects.length, returnedDocuments };
    }
    const a = decodeRetrieveDocumentSetResponse(body, () => Buffer.alloc(0));
    return { status: a.status, errors: a.errors, resultCount: a.documents.length };
  } catch (err) {
    return failure('XDSRegistryError', `the answer could not be read: ${(err as Error).message}`);
  }
}

function patientOf(cx: string | undefined): { patient?: string } {
  if (cx === undefined) return {};
  const nhs = nhsNumberFromPatientId(cx);
  return nhs.ok ? { patient: nhs.nhsNumber } : {};
}
