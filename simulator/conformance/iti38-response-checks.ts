/**
 * The ITI-38 checks of what every answer must carry: `home` on each returned object, the
 * community's homeCommunityId as each RegistryError's `location`, a status that agrees with the
 * errors, and DocumentEntry metadata complete for NIR (ITI TF-2 3.38.4.1.2.1, 3.38.4.1.3; ITI TF-3
 * 4.2.3.2, 4.2.4.2; ebRS 3.0 rs.xsd).
 */
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { AdhocQueryResponse } from '../xca/types.js';
import { metadataProblems } from './iti38-entries.js';
import {
  errorsText,
  findDocumentsWithoutPatientXml,
  findDocumentsXml,
  getDocumentsXml,
  iti38Check,
  listSome,
  MAX_GET_DOCUMENTS_IDS,
  sendQuery,
  shortUrn,
  verdict,
  type QueryOutcome,
} from './iti38-exchange.js';
import type { ProviderContext } from './provider-check.js';

const HOME_SOURCE = 'IHE ITI TF-2 3.38.4.1.2.1 (home on every returned object)';

/** The queries whose objects the home check reads: LeafClass and ObjectRef FindDocuments, GetDocuments. */
async function homeQueries(ctx: ProviderContext, id: string): Promise<QueryOutcome[]> {
  const out: QueryOutcome[] = [];
  for (const p of ctx.testData.patients)
    out.push(
      await sendQuery(
        ctx,
        id,
        'find-documents-leafclass',
        findDocumentsXml(p.patientCx, 'LeafClass'),
        p.patientCx,
      ),
    );
  const first = ctx.testData.patients.find((p) => p.documents.length > 0);
  if (first) {
    out.push(
      await sendQuery(
        ctx,
        id,
        'find-documents-objectref',
        findDocumentsXml(first.patientCx, 'ObjectRef'),
        first.patientCx,
      ),
    );
    const ids = first.documents.slice(0, MAX_GET_DOCUMENTS_IDS).map((d) => d.uniqueId);
    out.push(
      await sendQuery(
        ctx,
        id,
        'get-documents',
        getDocumentsXml(ctx.target.homeCommunityId, 'uniqueId', ids),
        first.patientCx,
      ),
    );
  }
  return out;
}

const home = iti38Check(
  {
    id: 'ITI38-HOME',
    area: 'ITI-38',
    title: "Every returned object carries home = the community's homeCommunityId",
    given: "the test-data patients are loaded in the supplier's community",
    when: 'NIR sends FindDocuments (LeafClass and ObjectRef) and GetDocuments',
    then: "every rim:ExtrinsicObject and rim:ObjectRef in the answers has @home equal to the community's homeCommunityId",
    source: `${HOME_SOURCE}; ITI TF-3 4.2.3.2.12 (homeCommunityId)`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const want = ctx.target.homeCommunityId;
    const outs = await homeQueries(ctx, id);
    const exchanges = outs.map((o) => o.exchange);
    const problems: string[] = [];
    let objects = 0;
    for (const out of outs) {
      if (!out.ok) {
        problems.push(`${out.exchange}: ${out.problem}`);
        continue;
      }
      objects += out.response.objects.length;
      const absent = out.response.objects.filter((o) => o.home === undefined).map((o) => o.id);
      const other = out.response.objects.filter((o) => o.home !== undefined && o.home !== want);
      if (absent.length > 0)
        problems.push(`${out.exchange}: ${absent.length} object(s) without home (${listSome(absent, 3)})`);
      if (other.length > 0)
        problems.push(
          `${out.exchange}: ${other.length} object(s) with home ${[...new Set(other.map((o) => o.home))].join(', ')} (${listSome(
            other.map((o) => o.id),
            3,
          )})`,
        );
    }
    if (problems.length === 0 && objects === 0) problems.push('no object came back to inspect');
    return verdict(
      id,
      problems,
      `All ${objects} returned objects carry home ${want}.`,
      `Objects must carry home ${want}`,
      exchanges,
    );
  },
);

const errorLocation = iti38Check(
  {
    id: 'ITI38-ERROR-LOCATION',
    area: 'ITI-38',
    title: "RegistryError location = the community's homeCommunityId",
    given: 'a FindDocuments query without its required $XDSDocumentEntryPatientId',
    when: 'NIR sends it',
    then: "the answer holds a RegistryError (XDSStoredQueryMissingParam), each RegistryError's @location being the community's homeCommunityId",
    source:
      'IHE ITI TF-2 3.38.4.1.3 (location of errors); ITI TF-2 3.18.4.1.2.3.7.1 (required parameters); RAD TF-3 4.75 RAD75-004 (its imaging equivalent)',
  },
  async (ctx, id) => {
    const want = ctx.target.homeCommunityId;
    const out = await sendQuery(
      ctx,
      id,
      'find-documents-without-patient-id',
      findDocumentsWithoutPatientXml(),
    );
    const lead = `FindDocuments without $XDSDocumentEntryPatientId (${out.exchange})`;
    if (!out.ok) return verdict(id, [out.problem], '', lead, [out.exchange]);
    const errors = out.response.errors;
    if (errors.length === 0)
      return verdict(
        id,
        [
          `answered ${shortUrn(out.response.status)} with no RegistryError and ${out.response.objects.length} object(s); the gateway must refuse a query missing a required parameter (XDSStoredQueryMissingParam), so there was no location to check`,
        ],
        '',
        lead,
        [out.exchange],
      );
    const wrong = errors.filter((e) => e.location !== want);
    return verdict(
      id,
      wrong.length > 0
        ? [
            `${wrong.length} of ${errors.length} RegistryError(s) not located at ${want}: ${errorsText(wrong)}`,
          ]
        : [],
      `${lead} was refused with ${errors.map((e) => e.errorCode).join(', ')}, each located at ${want}.`,
      lead,
      [out.exchange],
    );
  },
);

/** Why `r`'s status disagrees with its content, or undefined (ITI TF-3 4.2.4.2; ebRS 3.0). */
function statusProblem(r: AdhocQueryResponse): string | undefined {
  const errors = r.errors.filter((e) => e.severity === ErrorSeverity.Error).length;
  const objects = r.objects.length;
  const seen = `status ${shortUrn(r.status)} with ${errors} Error-severity RegistryError(s) and ${objects} object(s)`;
  switch (r.status) {
    case ResponseStatus.Success:
      return errors === 0 ? undefined : `${seen}: Success allows Warnings only (${errorsText(r.errors)})`;
    case ResponseStatus.PartialSuccess:
      return errors > 0 && objects > 0
        ? undefined
        : `${seen}: PartialSuccess needs both results and an Error`;
    case ResponseStatus.Failure:
      return errors > 0 && objects === 0 ? undefined : `${seen}: Failure needs an Error and no results`;
  }
}

const status = iti38Check(
  {
    id: 'ITI38-STATUS',
    area: 'ITI-38',
    title: 'The response status agrees with its RegistryErrors',
    given:
      'queries that succeed (a known patient), find nothing (an unknown patient) and are refused (a required parameter missing)',
    when: 'NIR sends them',
    then: 'Success carries no Error-severity RegistryError, PartialSuccess carries results and an Error, Failure carries an Error and no results',
    source: 'IHE ITI TF-2 3.38.4.1.3; ITI TF-3 4.2.4.2 (status); ebRS 3.0 rs.xsd RegistryResponse',
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const outs: QueryOutcome[] = [];
    for (const p of ctx.testData.patients)
      outs.push(
        await sendQuery(
          ctx,
          id,
          'find-documents-known-patient',
          findDocumentsXml(p.patientCx, 'LeafClass'),
          p.patientCx,
        ),
      );
    const u = ctx.testData.unknownPatient;
    outs.push(
      await sendQuery(
        ctx,
        id,
        'find-documents-unknown-patient',
        findDocumentsXml(u.patientCx, 'LeafClass'),
        u.patientCx,
      ),
    );
    outs.push(
      await sendQuery(ctx, id, 'find-documents-without-patient-id', findDocumentsWithoutPatientXml()),
    );
    const problems: string[] = [];
    for (const out of outs) {
      const problem = out.ok ? statusProblem(out.response) : out.problem;
      if (problem) problems.push(`${out.exchange}: ${problem}`);
    }
    return verdict(
      id,
      problems,
      `The status of all ${outs.length} answers agrees with their RegistryErrors.`,
      'The response status disagrees with the RegistryErrors',
      outs.map((o) => o.exchange),
    );
  },
);

const metadata = iti38Check(
  {
    id: 'ITI38-METADATA',
    area: 'ITI-38',
    title: 'DocumentEntry metadata is complete for NIR',
    given: "the test-data patients are loaded in the supplier's community with their documents",
    when: 'NIR sends FindDocuments (LeafClass) for each patient',
    then: 'each expected DocumentEntry has an NHS-number CX patientId (assigning authority 2.16.840.1.113883.2.1.4.1), the class, type and format codes, mimeType, creationTime, size, hash and repositoryUniqueId of the test data, and an imaging entry its accession number and Study Instance UID in referenceIdList',
    source:
      'IHE ITI TF-3 4.2.3.2 (Table 4.2.3.2-1), 4.2.3.2.16 (patientId), 4.2.3.2.28 (referenceIdList); RAD TF-3 4.68.4.1.2.3.3 (XDS-I.b); NIR: NHS number OID 2.16.840.1.113883.2.1.4.1 (NHS Data Dictionary)',
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const exchanges: string[] = [];
    const problems: string[] = [];
    let inspected = 0;
    let incomplete = 0;
    for (const p of ctx.testData.patients) {
      const out = await sendQuery(
        ctx,
        id,
        'find-documents-leafclass',
        findDocumentsXml(p.patientCx, 'LeafClass'),
        p.patientCx,
      );
      exchanges.push(out.exchange);
      if (!out.ok) {
        problems.push(`${out.exchange}: ${out.problem}`);
        continue;
      }
      for (const o of out.response.objects) {
        if (o.kind !== 'ExtrinsicObject') continue;
        const doc =
          p.documents.find((d) => d.uniqueId === o.entryIds?.uniqueId) ??
          p.documents.find((d) => d.entryUuid === o.id);
        if (!doc) continue;
        inspected++;
        const found = metadataProblems(o.xml, doc, p.nhsNumber);
        if (found.length > 0) incomplete++;
        problems.push(...found.map((f) => `document ${doc.uniqueId}: ${f}`));
      }
    }
    if (inspected === 0) problems.push('no expected DocumentEntry came back to inspect');
    const shown =
      problems.length > 8 ? [...problems.slice(0, 8), `and ${problems.length - 8} more`] : problems;
    return verdict(
      id,
      shown,
      `All ${inspected} DocumentEntries returned carry complete NIR metadata equal to the test data.`,
      inspected > 0
        ? `${incomplete} of ${inspected} DocumentEntries fall short of NIR's metadata`
        : "NIR's DocumentEntry metadata could not be checked",
      exchanges,
    );
  },
);

/** In the order the report shows them. */
export const iti38ResponseChecks = [home, errorLocation, status, metadata] as const;
