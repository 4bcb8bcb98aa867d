/**
 * The ITI-39 Cross Gateway Retrieve provider checks (IHE ITI TF-2 3.39; docs/conformance.md lists
 * each with its source): NIR retrieves the test documents from the supplier's responding gateway
 * and checks the answer, the bytes and the MTOM/XOP package; then it sends requests the gateway
 * must refuse, each with the one RegistryError ITI TF-3 Table 4.2.4.1-2 names, located at the
 * gateway's homeCommunityId (ITI39-012).
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '../xca/constants.js';
import type { DocumentRequest } from '../xca/types.js';
import { result, type CheckDefinition, type CheckResult } from './check.js';
import {
  check,
  completeProblem,
  listed,
  refusalProblem,
  sendRetrieve,
  verdict,
  type RetrieveExchange,
} from './iti39-exchange.js';
import { mtomProblems } from './iti39-mtom.js';
import {
  documentRequest,
  firstPatient,
  fullestPatient,
  retrieveBody,
  severalDocuments,
  unknownOid,
} from './iti39-picks.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';
import type { TestDocument } from './test-data.js';

const ITI39 = 'IHE ITI TF-2 3.39';

/** Send one ITI-39 request for a check. */
function retrieve(
  ctx: ProviderContext,
  checkId: string,
  label: string,
  requests: readonly DocumentRequest[],
): Promise<RetrieveExchange> {
  return sendRetrieve(ctx, {
    checkId,
    label,
    transaction: 'ITI-39',
    url: ctx.target.iti39Url,
    bodyXml: retrieveBody(requests),
  });
}

const noDocuments = (id: string, what: string): CheckResult =>
  result(id, 'skipped', `the test data has ${what}; give --patient with a patient who has documents`);

const oneDocument = check(
  {
    id: 'ITI39-ONE-DOCUMENT',
    area: 'ITI-39',
    title: 'Retrieve one document',
    given: 'a document the test data says the gateway holds for the first test patient',
    when: 'NIR retrieves it with HomeCommunityId, RepositoryUniqueId and DocumentUniqueId',
    then: 'the answer has status Success, no RegistryError and exactly one DocumentResponse, for that document',
    source: `${ITI39}.4.1.3, 3.39.4.2.2`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const doc = firstPatient(ctx.testData)?.documents[0];
    if (!doc) return noDocuments(id, 'no document');
    const ex = await retrieve(ctx, id, 'one-document', [documentRequest(doc, ctx.target.homeCommunityId)]);
    return verdict(
      id,
      ex,
      completeProblem(ex, [doc.uniqueId]),
      `document ${doc.uniqueId} came back alone, status Success, no RegistryError`,
    );
  },
);

const severalDocumentsCheck = check(
  {
    id: 'ITI39-SEVERAL-DOCUMENTS',
    area: 'ITI-39',
    title: 'Retrieve several documents in one request',
    given: "the fullest test patient's documents (at most 20)",
    when: 'NIR retrieves them all in one RetrieveDocumentSetRequest',
    then: 'the answer has status Success, no RegistryError and one DocumentResponse per requested document, none missing, repeated or unrequested',
    source: `${ITI39}.4.1.3, 3.39.4.2.2`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const docs = severalDocuments(ctx.testData);
    if (!docs) return noDocuments(id, 'fewer than 2 documents');
    const ex = await retrieve(
      ctx,
      id,
      'several-documents',
      docs.map((d) => documentRequest(d, ctx.target.homeCommunityId)),
    );
    return verdict(
      id,
      ex,
      completeProblem(
        ex,
        docs.map((d) => d.uniqueId),
      ),
      `all ${docs.length} documents came back in one answer, status Success, no RegistryError`,
    );
  },
);

/** What differs between a returned document and the test data's. */
function contentProblems(ex: RetrieveExchange, expected: readonly TestDocument[]): string[] {
  const problems: string[] = [];
  (ex.response?.documents ?? []).forEach((d, i) => {
    const want = expected.find((e) => e.uniqueId === d.documentUniqueId);
    if (!want) return;
    const bad = ex.unresolved.get(i);
    if (bad !== undefined) return void problems.push(`${d.documentUniqueId}: no bytes (${bad})`);
    const hash = createHash('sha1').update(d.content).digest('hex');
    const diffs: string[] = [];
    if (d.content.length !== want.size) diffs.push(`size ${d.content.length} bytes, expected ${want.size}`);
    if (hash !== want.hash) diffs.push(`SHA-1 ${hash}, expected ${want.hash}`);
    if (d.mimeType !== want.mimeType) diffs.push(`mimeType ${d.mimeType}, expected ${want.mimeType}`);
    if (diffs.length > 0) problems.push(`${d.documentUniqueId}: ${diffs.join(', ')}`);
  });
  return problems;
}

const content = check(
  {
    id: 'ITI39-CONTENT',
    area: 'ITI-39',
    title: 'Returned bytes match the metadata',
    given:
      "the fullest test patient's documents, with the size, SHA-1 hash and mimeType of their DocumentEntries",
    when: 'NIR retrieves them',
    then: "every returned document's bytes have that size and SHA-1, and its DocumentResponse that mimeType",
    source: `${ITI39}.4.2.2; IHE ITI TF-3 4.2.3.2.18 (hash), 4.2.3.2.19 (size), 4.2.3.2.12 (mimeType)`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const docs = severalDocuments(ctx.testData) ?? fullestPatient(ctx.testData)?.documents;
    if (!docs || docs.length === 0) return noDocuments(id, 'no document');
    const ex = await retrieve(
      ctx,
      id,
      'content',
      docs.map((d) => documentRequest(d, ctx.target.homeCommunityId)),
    );
    if (!ex.response) return verdict(id, ex, ex.problem, '');
    const checked = ex.response.documents.filter((d) => docs.some((e) => e.uniqueId === d.documentUniqueId));
    const problems = contentProblems(ex, docs);
    if (checked.length === 0)
      problems.push(
        `no requested document came back to compare (${ex.response.documents.length} DocumentResponse(s))`,
      );
    return verdict(
      id,
      ex,
      problems.length > 0 ? `the returned bytes differ from the test data: ${listed(problems)}` : undefined,
      `${checked.length} document(s) match their size, SHA-1 and mimeType`,
    );
  },
);

const echoIds = check(
  {
    id: 'ITI39-ECHO-IDS',
    area: 'ITI-39',
    title: 'Each DocumentResponse names its community, repository and document',
    given: "the fullest test patient's documents",
    when: 'NIR retrieves them',
    then: "every DocumentResponse carries HomeCommunityId equal to the gateway's homeCommunityId, and the RepositoryUniqueId and DocumentUniqueId of a requested document",
    source: `${ITI39}.4.2.2 (HomeCommunityId required in each DocumentResponse); IHE ITI TF-2 3.43.4.2.2`,
  },
  async (ctx, id) => {
    const docs = severalDocuments(ctx.testData) ?? fullestPatient(ctx.testData)?.documents;
    if (!docs || docs.length === 0) return noDocuments(id, 'no document');
    const home = ctx.target.homeCommunityId;
    const ex = await retrieve(
      ctx,
      id,
      'echo-ids',
      docs.map((d) => documentRequest(d, home)),
    );
    if (!ex.response) return verdict(id, ex, ex.problem, '');
    const problems: string[] = [];
    ex.response.documents.forEach((d, i) => {
      const where = `DocumentResponse[${i + 1}] (${d.documentUniqueId})`;
      if (d.homeCommunityId !== home)
        problems.push(`${where} HomeCommunityId is ${d.homeCommunityId || '(absent)'}, expected ${home}`);
      const want = docs.find((e) => e.uniqueId === d.documentUniqueId);
      if (!want) problems.push(`${where} DocumentUniqueId was not requested`);
      else if (d.repositoryUniqueId !== want.repositoryUniqueId)
        problems.push(
          `${where} RepositoryUniqueId is ${d.repositoryUniqueId}, expected ${want.repositoryUniqueId}`,
        );
    });
    if (ex.response.documents.length === 0) problems.push('no DocumentResponse came back to check');
    return verdict(
      id,
      ex,
      problems.length > 0 ? listed(problems) : undefined,
      `${ex.response.documents.length} DocumentResponse(s) name ${home}, the requested repository and document`,
    );
  },
);

const mtom = check(
  {
    id: 'ITI39-MTOM',
    area: 'ITI-39',
    title: 'MTOM/XOP framing',
    given: "the first test patient's documents",
    when: 'NIR retrieves them',
    then: 'the answer is multipart/related with type="application/xop+xml", start and start-info="application/soap+xml", its root part application/xop+xml, and each Document an xop:Include whose cid names a MIME part',
    source: `${ITI39}.4.2 and Appendix V (V.7); W3C XOP 1.0 §3; SOAP 1.2 MTOM §4.3; RFC 2387`,
  },
  async (ctx, id) => {
    const docs = firstPatient(ctx.testData)?.documents.slice(0, 20);
    if (!docs || docs.length === 0) return noDocuments(id, 'no document');
    const ex = await retrieve(
      ctx,
      id,
      'mtom',
      docs.map((d) => documentRequest(d, ctx.target.homeCommunityId)),
    );
    const problems = mtomProblems(ex);
    return verdict(
      id,
      ex,
      problems.length > 0 ? `MTOM/XOP framing: ${listed(problems)}` : undefined,
      `multipart/related with application/xop+xml root; ${ex.response?.documents.length ?? 0} xop:Include(s) each name a MIME part`,
    );
  },
);

/**
 * A check that sends a DocumentRequest the gateway must refuse with `errorCode`: the first test
 * document with `mutate` applied.
 */
function refusal(
  definition: Omit<CheckDefinition, 'area'>,
  errorCode: string,
  label: string,
  mutate: (req: DocumentRequest, ctx: ProviderContext) => DocumentRequest,
): ProviderCheck {
  return check({ ...definition, area: 'ITI-39' }, async (ctx, id) => {
    const doc = firstPatient(ctx.testData)?.documents[0];
    if (!doc) return noDocuments(id, 'no document');
    const req = mutate(documentRequest(doc, ctx.target.homeCommunityId), ctx);
    const ex = await retrieve(ctx, id, label, [req]);
    return verdict(
      id,
      ex,
      refusalProblem(ex, errorCode, ctx.target.homeCommunityId, 1),
      `status Failure with one RegistryError ${errorCode} located at ${ctx.target.homeCommunityId}, no document`,
    );
  });
}

const unknownDocument = refusal(
  {
    id: 'ITI39-UNKNOWN-DOCUMENT',
    title: 'An unknown document',
    given:
      "a DocumentUniqueId no repository holds (under the 2.999 example arc), in the test document's repository",
    when: 'NIR retrieves it',
    then: "the answer has status Failure, no DocumentResponse and one RegistryError XDSDocumentUniqueIdError located at the gateway's homeCommunityId",
    source: `${ITI39}.4.1.3; IHE ITI TF-3 Table 4.2.4.1-2; ITI39-012 (location)`,
  },
  ErrorCode.XDSDocumentUniqueIdError,
  'unknown-document',
  (req, ctx) => ({ ...req, documentUniqueId: unknownOid(ctx.seed, 1) }),
);

const unknownRepository = refusal(
  {
    id: 'ITI39-UNKNOWN-REPOSITORY',
    title: 'A wrong repository',
    given: 'a test document asked for in a RepositoryUniqueId the community does not have',
    when: 'NIR retrieves it',
    then: "the answer has status Failure, no DocumentResponse and one RegistryError XDSUnknownRepositoryId located at the gateway's homeCommunityId",
    source: `${ITI39}.4.1.3; IHE ITI TF-3 Table 4.2.4.1-2; ITI39-012 (location)`,
  },
  ErrorCode.XDSUnknownRepositoryId,
  'unknown-repository',
  (req, ctx) => ({ ...req, repositoryUniqueId: unknownOid(ctx.seed, 2) }),
);

const missingHome = refusal(
  {
    id: 'ITI39-MISSING-HOME',
    title: 'A DocumentRequest without HomeCommunityId',
    given: 'a test document asked for without xdsb:HomeCommunityId',
    when: 'NIR retrieves it',
    then: "the answer has status Failure, no DocumentResponse and one RegistryError XDSMissingHomeCommunityId located at the gateway's homeCommunityId",
    source: `${ITI39}.4.1.2 (HomeCommunityId required), 3.39.4.1.3; IHE ITI TF-3 Table 4.2.4.1-2`,
  },
  ErrorCode.XDSMissingHomeCommunityId,
  'missing-home',
  (req) => ({ repositoryUniqueId: req.repositoryUniqueId, documentUniqueId: req.documentUniqueId }),
);

const unknownCommunity = refusal(
  {
    id: 'ITI39-UNKNOWN-COMMUNITY',
    title: 'A DocumentRequest for another community',
    given:
      "a test document asked for with a HomeCommunityId that is not the gateway's (under the 2.999 example arc)",
    when: 'NIR retrieves it',
    then: "the answer has status Failure, no DocumentResponse and one RegistryError XDSUnknownCommunity located at the gateway's homeCommunityId",
    source: `${ITI39}.4.1.3; IHE ITI TF-3 Table 4.2.4.1-2; ITI39-012 (location)`,
  },
  ErrorCode.XDSUnknownCommunity,
  'unknown-community',
  (req, ctx) => ({ ...req, homeCommunityId: `urn:oid:${unknownOid(ctx.seed, 3)}` }),
);

/** In the order the report shows them. */
export const iti39Checks: readonly ProviderCheck[] = [
  oneDocument,
  severalDocumentsCheck,
  content,
  echoIds,
  mtom,
  unknownDocument,
  unknownRepository,
  missingHome,
  unknownCommunity,
];
