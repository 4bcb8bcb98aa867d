/** The NHS number a request is about, for fault targeting (`patient` in a fault). */
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { storedQueryPatientId } from '../xca/stored-query.js';
import type { AdhocQueryRequest, RetrieveDocumentSetRequest } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';

/** The query's patient, when it names a valid NHS number. */
export function queryPatient(req: AdhocQueryRequest): string | undefined {
  const cx = storedQueryPatientId(req);
  if (cx === undefined) return undefined;
  const r = nhsNumberFromPatientId(cx);
  return r.ok ? r.nhsNumber : undefined;
}

/** The patient of the documents asked for, when they all belong to one patient of this community. */
export function retrievePatient(req: RetrieveDocumentSetRequest, c: CommunityStore): string | undefined {
  const ids = new Set(req.documents.map((d) => d.documentUniqueId));
  const patients = new Set(c.entries.filter((e) => ids.has(e.uniqueId)).map((e) => e.patientId));
  if (patients.size !== 1) return undefined;
  const r = nhsNumberFromPatientId([...patients][0]!);
  return r.ok ? r.nhsNumber : undefined;
}
