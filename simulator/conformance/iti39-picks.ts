/**
 * Which test documents each ITI-39 check retrieves, and the identifiers no gateway can know. The
 * picks are fixed by the test data (patient order), so runs repeat exactly and the self-test can
 * aim a fault at one check by its patient: the first patient's documents for the single-document
 * and MTOM checks, the fullest patient's for the several-document, content and identifier checks.
 */
import { encodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import type { DocumentRequest } from '../xca/types.js';
import type { ConformanceTestData, TestDocument, TestPatient } from './test-data.js';

/** Most documents one check asks for in one request (a data-pack patient has 2 to 8 per community). */
export const MAX_RETRIEVE_DOCUMENTS = 20;

/** The first test patient (the one every community holds, by default). */
export function firstPatient(td: ConformanceTestData): TestPatient | undefined {
  return td.patients.find((p) => p.documents.length > 0);
}

/** The test patient with the most documents (the last one on a tie, so that it differs from the first when it can). */
export function fullestPatient(td: ConformanceTestData): TestPatient | undefined {
  let best: TestPatient | undefined;
  for (const p of td.patients)
    if (p.documents.length > 0 && p.documents.length >= (best?.documents.length ?? 0)) best = p;
  return best;
}

/** Documents for a request of several: the fullest patient's, else every test document; undefined when fewer than 2. */
export function severalDocuments(td: ConformanceTestData): TestDocument[] | undefined {
  const own = fullestPatient(td)?.documents ?? [];
  const docs = own.length >= 2 ? own : td.patients.flatMap((p) => p.documents);
  return docs.length >= 2 ? docs.slice(0, MAX_RETRIEVE_DOCUMENTS) : undefined;
}

/**
 * An OID no repository, document or community holds: under 2.999, the arc ITU-T X.660 reserves for
 * examples, with the run's seed.
 */
export const unknownOid = (seed: number, n: number): string => `2.999.${Math.abs(Math.trunc(seed))}.${n}`;

/** The xdsb:DocumentRequest NIR sends for `d` (ITI TF-2 3.39.4.1.2), with the target's homeCommunityId. */
export function documentRequest(d: TestDocument, home: string): DocumentRequest {
  return { homeCommunityId: home, repositoryUniqueId: d.repositoryUniqueId, documentUniqueId: d.uniqueId };
}

/** An xdsb:RetrieveDocumentSetRequest body. */
export function retrieveBody(requests: readonly DocumentRequest[]): string {
  return encodeRetrieveDocumentSetRequest({ documents: [...requests] });
}
