/**
 * The reports privacy officers draw from PARS (NHS England PARS: Patient Access Report, User
 * Access Report), over NIR's AuditEvents: who accessed a patient's records, when, with what
 * outcome and which documents; or everything one user (or, without XUA, one calling system)
 * accessed. Pure functions over FHIR R4 AuditEvents; reading them is the caller's job.
 */
import type { AuditEvent, AuditEventAgent } from 'fhir/r4.js';
import { AuditSystem, DicomObjectIdType, DicomRoleId, IheEventType, ObjectRole } from './codes.js';

/** The transaction of each AuditEvent.subtype code (WADO-RS is audited as RAD-107). */
const TRANSACTION_OF_SUBTYPE: ReadonlyMap<string, string> = new Map(
  Object.entries(IheEventType).map(([tx, c]) => [c.code, tx]),
);

/** One access, as both reports list it. Times are ISO 8601 UTC. */
export interface AccessRecord {
  id: string;
  recorded: string;
  /** ITI-38, ITI-39, RAD-75, ITI-67, ITI-68 or WADO-RS. */
  transaction: string;
  /** AuditEvent.action (C R U D E). */
  action: string;
  /** 0, 4, 8 or 12. */
  outcome: string;
  outcomeDesc?: string;
  /** NHS number (or the id as sent when it was not one). */
  patient?: string;
  user?: string;
  role?: string;
  organisation?: string;
  callingSystem?: string;
  /** `validated`, `unverified` or `unknown` (identity-assurance). */
  assurance: string;
  /** DocumentUniqueIds retrieved (ITI-39) and Study Instance UIDs accessed (RAD-75). */
  documents: string[];
  /** The wsa:MessageID. */
  messageId?: string;
  /**
   * `document` when the event names no patient and the report placed it by a document, entry or
   * study that belongs to the patient (Patient Access Report only).
   */
  via?: 'document';
}

/** A report: what it is about, the accesses (oldest first) and how many per transaction. */
export interface AccessReport {
  kind: 'patient' | 'user';
  subject: string;
  accesses: AccessRecord[];
  /** Accesses per transaction (ITI-38, ..., ITI-67, ITI-68, WADO-RS), in order of first access. */
  byTransaction: Record<string, number>;
}

/** Flatten one AuditEvent into an access record. */
export function accessRecord(e: AuditEvent): AccessRecord {
  const whoType = (t: string): AuditEventAgent | undefined => e.agent.find((a) => a.who?.type === t);
  const ident = (a: AuditEventAgent | undefined): string | undefined => a?.who?.identifier?.value;
  const user = whoType('Practitioner');
  const org = whoType('Organization');
  // The calling system; not the broker's own server agent (Destination Role ID, FHIR requests).
  const device = e.agent.find(
    (a) =>
      a.who?.type === 'Endpoint' &&
      !(a.type?.coding ?? []).some((c) => c.code === DicomRoleId.Destination.code),
  );
  const role = whoType('PractitionerRole');
  const entities = e.entity ?? [];
  const patient = entities.find((x) => x.role?.code === ObjectRole.Patient.code)?.what?.identifier?.value;
  const messageId = entities.find((x) => x.what?.identifier?.system === AuditSystem.transaction)?.what
    ?.identifier?.value;
  const documents = entities.flatMap((x) => {
    if (x.role?.code !== ObjectRole.Report.code) return [];
    const id = x.what?.identifier;
    const isStudy =
      id?.type?.coding?.some((c) => c.code === DicomObjectIdType.StudyInstanceUid.code) ?? false;
    return id?.value !== undefined ? [isStudy ? `study ${id.value}` : id.value] : [];
  });
  const userId = ident(user);
  const systemId = ident(device);
  const orgName = org?.who?.identifier?.value ?? org?.who?.display;
  const assurance = (org ?? device)?.extension?.find(
    (x) => x.url === AuditSystem.identityAssurance,
  )?.valueCode;
  return {
    id: e.id ?? '',
    recorded: e.recorded,
    transaction: TRANSACTION_OF_SUBTYPE.get(e.subtype?.[0]?.code ?? '') ?? e.subtype?.[0]?.code ?? '',
    action: e.action ?? '',
    outcome: e.outcome ?? '',
    ...(e.outcomeDesc !== undefined ? { outcomeDesc: e.outcomeDesc } : {}),
    ...(patient !== undefined ? { patient } : {}),
    ...(userId !== undefined ? { user: userId } : {}),
    ...(role?.who?.display !== undefined ? { role: role.who.display } : {}),
    ...(orgName !== undefined ? { organisation: orgName } : {}),
    ...(systemId !== undefined ? { callingSystem: systemId } : {}),
    assurance: assurance ?? 'unknown',
    documents,
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

/**
 * Patient Access Report: every access to `nhsNumber`'s records, oldest first: the events naming
 * the patient, and those naming no patient (no party revealed it) but a document uniqueId, an
 * entryUUID or a `study <Study Instance UID>` in `patientDocuments` (e.g. from the registry, the
 * data pack) or named by one of the patient's own events; those carry `via: 'document'`.
 */
export function patientAccessReport(
  events: readonly AuditEvent[],
  nhsNumber: string,
  patientDocuments: ReadonlySet<string> = new Set(),
): AccessReport {
  const records = events.map(accessRecord);
  const mine = records.filter((r) => r.patient === nhsNumber);
  const known = new Set([...patientDocuments, ...mine.flatMap((r) => r.documents)]);
  const linked = records
    .filter((r) => r.patient === undefined && r.documents.some((d) => known.has(d)))
    .map((r) => ({ ...r, via: 'document' as const }));
  return report('patient', nhsNumber, byTime([...mine, ...linked]));
}

/**
 * User Access Report: every access by `userId`, matched against the user (XUA subject-id) and,
 * since the sandbox often has no assertion, the calling system (`X-NIR-Consumer`). Oldest first.
 */
export function userAccessReport(events: readonly AuditEvent[], userId: string): AccessReport {
  const accesses = events.map(accessRecord).filter((r) => r.user === userId || r.callingSystem === userId);
  return report('user', userId, byTime(accesses));
}

function report(kind: AccessReport['kind'], subject: string, accesses: AccessRecord[]): AccessReport {
  const byTransaction: Record<string, number> = {};
  for (const a of accesses) byTransaction[a.transaction] = (byTransaction[a.transaction] ?? 0) + 1;
  return { kind, subject, accesses, byTransaction };
}

function byTime(rs: AccessRecord[]): AccessRecord[] {
  return rs.sort((a, b) => (a.recorded < b.recorded ? -1 : a.recorded > b.recorded ? 1 : 0));
}
