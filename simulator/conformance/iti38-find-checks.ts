/**
 * The ITI-38 checks that ask for a patient's documents: FindDocuments as LeafClass and as
 * ObjectRef, GetDocuments by entryUUID and by uniqueId with `home`, and an unknown patient
 * (ITI TF-2 3.38.4.1.2, 3.38.4.1.3; stored queries ITI TF-2 3.18.4.1.2.3.7.1 and .5).
 */
import { ErrorCode, ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { CheckResult } from './check.js';
import { documentSetProblem, type ExpectedSet } from './iti38-documents.js';
import {
  MAX_GET_DOCUMENTS_IDS,
  errorsText,
  findDocumentsXml,
  getDocumentsXml,
  iti38Check,
  sendQuery,
  shortUrn,
  verdict,
} from './iti38-exchange.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';
import type { TestPatient } from './test-data.js';

const TF_QUERY = 'IHE ITI TF-2 3.38.4.1.2, 3.38.4.1.3';
const NIR_UAT01 = 'NIR onboarding UAT-01 (a known patient: full history, no errors)';

/** How many documents each patient has, for a passed message: `4 of 9995649284, 8 of 9992549033`. */
function counts(patients: readonly TestPatient[]): string {
  return patients.map((p) => `${p.documents.length} of ${p.nhsNumber}`).join(', ');
}

/**
 * For each of `patients`: send the query `ask` builds and compare the answer with the document set
 * it expects (iti38-documents.ts). Returns the exchanges in order and one problem per patient whose
 * answer differed, named by patient and exchange.
 */
async function documentSetsOf(
  ctx: ProviderContext,
  id: string,
  patients: readonly TestPatient[],
  ask: (p: TestPatient) => { label: string; body: string; want: ExpectedSet },
): Promise<{ exchanges: string[]; problems: string[] }> {
  const exchanges: string[] = [];
  const problems: string[] = [];
  for (const p of patients) {
    const { label, body, want } = ask(p);
    const out = await sendQuery(ctx, id, label, body, p.patientCx);
    exchanges.push(out.exchange);
    const problem = documentSetProblem(out, want);
    if (problem) problems.push(`patient ${p.nhsNumber} (${out.exchange}): ${problem}`);
  }
  return { exchanges, problems };
}

const leafClass = iti38Check(
  {
    id: 'ITI38-FIND-LEAFCLASS',
    area: 'ITI-38',
    title: 'FindDocuments (LeafClass) returns every document of a known patient, and nothing else',
    given: "the test-data patients are loaded in the supplier's community with their documents",
    when: 'NIR sends FindDocuments (Approved, returnType LeafClass) for each patient',
    then: 'the answer is Success with one DocumentEntry per expected document (by uniqueId), each of that patient, and no other object',
    source: `${TF_QUERY}; ITI TF-2 3.18.4.1.2.3.7.1 (FindDocuments); ${NIR_UAT01}`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const { exchanges, problems } = await documentSetsOf(ctx, id, ctx.testData.patients, (p) => ({
      label: 'find-documents-leafclass',
      body: findDocumentsXml(p.patientCx, 'LeafClass'),
      want: { kind: 'ExtrinsicObject', by: 'uniqueId', documents: p.documents, patientCx: p.patientCx },
    }));
    return verdict(
      id,
      problems,
      `FindDocuments (LeafClass) returned exactly the expected DocumentEntries (${counts(ctx.testData.patients)}), status Success.`,
      'FindDocuments (LeafClass) did not return exactly the expected DocumentEntries',
      exchanges,
    );
  },
);

const objectRef = iti38Check(
  {
    id: 'ITI38-FIND-OBJECTREF',
    area: 'ITI-38',
    title: 'FindDocuments (ObjectRef) returns the entryUUID of every document of a known patient',
    given: "the test-data patients are loaded in the supplier's community with their documents",
    when: 'NIR sends FindDocuments (Approved, returnType ObjectRef) for each patient',
    then: 'the answer is Success with one rim:ObjectRef per expected document, its id the entryUUID, and nothing else',
    source: `${TF_QUERY}; ITI TF-2 3.18.4.1.2.3.7.1; ebRS 3.0 query.xsd ResponseOption/@returnType`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const { exchanges, problems } = await documentSetsOf(ctx, id, ctx.testData.patients, (p) => ({
      label: 'find-documents-objectref',
      body: findDocumentsXml(p.patientCx, 'ObjectRef'),
      want: { kind: 'ObjectRef', by: 'entryUUID', documents: p.documents },
    }));
    return verdict(
      id,
      problems,
      `FindDocuments (ObjectRef) returned exactly the expected entryUUIDs (${counts(ctx.testData.patients)}), status Success.`,
      'FindDocuments (ObjectRef) did not return exactly the expected entryUUIDs',
      exchanges,
    );
  },
);

/** GetDocuments for every patient's documents (at most {@link MAX_GET_DOCUMENTS_IDS} each) by `by`. */
async function getDocuments(
  ctx: ProviderContext,
  id: string,
  by: 'entryUUID' | 'uniqueId',
): Promise<CheckResult> {
  const asked: TestPatient[] = ctx.testData.patients.filter((p) => p.documents.length > 0);
  const { exchanges, problems } = await documentSetsOf(ctx, id, asked, (p) => {
    const docs = p.documents.slice(0, MAX_GET_DOCUMENTS_IDS);
    const ids = docs.map((d) => (by === 'entryUUID' ? d.entryUuid : d.uniqueId));
    return {
      label: `get-documents-by-${by}`,
      body: getDocumentsXml(ctx.target.homeCommunityId, by, ids),
      want: { kind: 'ExtrinsicObject', by, documents: docs, patientCx: p.patientCx },
    };
  });
  if (asked.length === 0)
    return verdict(id, ['the test data has no document to ask for'], '', 'GetDocuments could not run', []);
  return verdict(
    id,
    problems,
    `GetDocuments by ${by} with home ${ctx.target.homeCommunityId} returned exactly the documents asked for (${counts(asked)}), status Success.`,
    `GetDocuments by ${by} with home ${ctx.target.homeCommunityId} did not return exactly the documents asked for`,
    exchanges,
  );
}

const getByEntryUuid = iti38Check(
  {
    id: 'ITI38-GETDOCS-UUID',
    area: 'ITI-38',
    title: 'GetDocuments by entryUUID, with home, returns exactly those documents',
    given: "the test-data documents are loaded in the supplier's community",
    when: "NIR sends GetDocuments with $XDSDocumentEntryEntryUUID listing a patient's entryUUIDs and AdhocQuery/@home = the community's homeCommunityId",
    then: 'the answer is Success with exactly those DocumentEntries',
    source: `${TF_QUERY}; ITI TF-2 3.38.4.1.2.1 (home on queries without a patient id); ITI TF-2 3.18.4.1.2.3.7.5 (GetDocuments)`,
  },
  (ctx, id) => getDocuments(ctx, id, 'entryUUID'),
);

const getByUniqueId = iti38Check(
  {
    id: 'ITI38-GETDOCS-UNIQUEID',
    area: 'ITI-38',
    title: 'GetDocuments by uniqueId, with home, returns exactly those documents',
    given: "the test-data documents are loaded in the supplier's community",
    when: "NIR sends GetDocuments with $XDSDocumentEntryUniqueId listing a patient's document uniqueIds and AdhocQuery/@home = the community's homeCommunityId",
    then: 'the answer is Success with exactly those DocumentEntries',
    source: `${TF_QUERY}; ITI TF-2 3.38.4.1.2.1; ITI TF-2 3.18.4.1.2.3.7.5 (GetDocuments)`,
  },
  (ctx, id) => getDocuments(ctx, id, 'uniqueId'),
);

const unknownPatient = iti38Check(
  {
    id: 'ITI38-UNKNOWN-PATIENT',
    area: 'ITI-38',
    title: 'A patient the community does not know: no documents, no other error',
    given: 'a valid NHS number that no community holds',
    when: 'NIR sends FindDocuments (LeafClass) for it',
    then: 'the answer is Success with no objects, or Failure with only XDSUnknownPatientId RegistryErrors (both are what communities do)',
    source: 'IHE ITI TF-2 3.38.4.1.3 (XDSUnknownPatientId); ITI TF-3 Table 4.2.4.1-2; ebRS 3.0 rs.xsd',
  },
  async (ctx, id) => {
    const u = ctx.testData.unknownPatient;
    const out = await sendQuery(
      ctx,
      id,
      'find-documents-unknown-patient',
      findDocumentsXml(u.patientCx, 'LeafClass'),
      u.patientCx,
    );
    const lead = `FindDocuments for the unknown patient ${u.nhsNumber}`;
    if (!out.ok) return verdict(id, [out.problem], '', lead, [out.exchange]);
    const r = out.response;
    const errors = r.errors.filter((e) => e.severity === ErrorSeverity.Error);
    const onlyUnknown =
      errors.length > 0 && errors.every((e) => e.errorCode === ErrorCode.XDSUnknownPatientId);
    if (r.objects.length > 0)
      return verdict(
        id,
        [
          `returned ${r.objects.length} object(s) (${r.objects
            .map((o) => o.id)
            .slice(0, 3)
            .join(', ')})`,
        ],
        '',
        lead,
        [out.exchange],
      );
    if (r.status === ResponseStatus.Success && errors.length === 0)
      return verdict(id, [], `${lead} was answered Success with no objects (the empty-result way).`, lead, [
        out.exchange,
      ]);
    if (r.status === ResponseStatus.Failure && onlyUnknown)
      return verdict(id, [], `${lead} was answered Failure with XDSUnknownPatientId (the error way).`, lead, [
        out.exchange,
      ]);
    return verdict(
      id,
      [
        `status ${shortUrn(r.status)} with ${errorsText(r.errors)}; expected Success with no objects, or Failure with XDSUnknownPatientId`,
      ],
      '',
      lead,
      [out.exchange],
    );
  },
);

/** In the order the report shows them. */
export const iti38FindChecks: readonly ProviderCheck[] = [
  leafClass,
  objectRef,
  getByEntryUuid,
  getByUniqueId,
  unknownPatient,
];
