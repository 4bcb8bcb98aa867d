/**
 * The `mhd` CommunityCodec (broker/community-codec.ts): the broker's legs to an MHD-speaking
 * community, an MHD Document Responder (IHE MHD 4.2.x, FHIR R4 REST), for the federation core's
 * stored queries and DocumentRequests (docs/mhd.md "MHD communities"):
 * - query: the stored query as an ITI-67 search (mhd-leg-search.ts; what ITI-67 cannot say is a
 *   RegistryError located at the community and no HTTP call), `GET {ITI-67}?...` with
 *   `Accept: application/fhir+json` (mhd-leg-http.ts), the answer read per status class
 *   (mhd-leg-answer.ts), each DocumentReference mapped to a FhirDocument (mhd-leg-documents.ts),
 *   the searchset's OperationOutcome issues as RegistryErrors located at the community
 *   (mhd/registry-errors.ts). For an ObjectRef returnType the whole entries are returned: ITI-67
 *   has no ids-only answer and the core writes the ObjectRefs.
 * - retrieve: ITI-67 by identifier, then ITI-68 per document (mhd-leg-retrieve.ts); one document
 *   streamed, its ITI-68 body left on the connection (mhd-leg-stream.ts).
 * - classify: mhd-leg-errors.ts.
 */
import { operationOutcomeToRegistryErrors } from '../mhd/registry-errors.js';
import { ErrorCode } from '../xca/constants.js';
import { registryWarning } from '../xca/status.js';
import type { AdhocQueryRequest, RegistryError } from '../xca/types.js';
import type { CommunityCodec } from './community-codec.js';
import type { LegAnswer, LegExchange, LegTransport } from './community-client.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { CommunityQueryAnswer } from './federated-object.js';
import { readSearchAnswer } from './mhd-leg-answer.js';
import { documentsFromMatches } from './mhd-leg-documents.js';
import { withExchange } from './failed-leg.js';
import { classifyMhdLegError } from './mhd-leg-errors.js';
import { FHIR_JSON, fhirGet, type MhdLegTransport } from './mhd-leg-http.js';
import { endpointOf, retrieveFromMhdCommunity, type RetrieveExchange } from './mhd-leg-retrieve.js';
import { iti67SearchFor } from './mhd-leg-search.js';
import { retrieveDocumentStreamFromMhd } from './mhd-leg-stream.js';

/**
 * Ask the MHD community `c` the stored query `req` with one ITI-67 search.
 * @throws HttpTransportError, MhdLegError, FhirReadError (classifyMhdLegError maps each).
 */
export async function queryMhdCommunity(
  c: CommunityEndpoint,
  req: AdhocQueryRequest,
  signal: AbortSignal,
  t: MhdLegTransport,
): Promise<LegAnswer<CommunityQueryAnswer>> {
  const search = iti67SearchFor(req, c.homeCommunityId);
  if (!search.ok) return { value: { errors: search.errors, objects: [] }, exchange: { httpStatus: 0 } };
  const url = endpointOf(c, 'ITI-67');
  url.search = search.search;
  const a = await fhirGet(url, FHIR_JSON, signal, t).catch((err: unknown) => {
    throw withExchange(err, { httpStatus: 0, requestLine: `GET ${url.href}` });
  });
  const exchange: LegExchange = {
    httpStatus: a.status,
    requestLine: a.requestLine,
    responseBody: a.body.toString('utf8'),
  };
  let answer: ReturnType<typeof readSearchAnswer>;
  try {
    answer = readSearchAnswer(a, c.homeCommunityId);
  } catch (err) {
    throw withExchange(err, exchange);
  }
  if (answer.kind === 'refused')
    return { value: { errors: [...search.warnings, ...answer.errors], objects: [] }, exchange };
  const errors: RegistryError[] = [...search.warnings];
  for (const o of answer.read.outcomes)
    errors.push(...operationOutcomeToRegistryErrors(o, c.homeCommunityId).errors);
  if (answer.read.next !== undefined)
    errors.push(
      registryWarning(
        ErrorCode.XDSRegistryError,
        `the MHD community paged its ITI-67 answer; only the first page (${answer.read.matches.length} entries) is used, the next page (${answer.read.next}) is not fetched`,
        c.homeCommunityId,
      ),
    );
  const mapped = documentsFromMatches(answer.read.matches, c.homeCommunityId);
  return { value: { errors: [...errors, ...mapped.errors], objects: mapped.objects }, exchange };
}

/** A retrieve's exchange as the transaction log keeps a leg's (document bytes are not logged). */
function legExchange(e: RetrieveExchange): LegExchange {
  return {
    httpStatus: e.httpStatus,
    requestLine: e.requestLines.join('\n'),
    responseBody: e.responseBodies.join('\n'),
  };
}

/** The `mhd` codec: ITI-67 / ITI-68 legs (IHE MHD 4.2.x). */
export const mhdCodec: CommunityCodec = {
  protocol: 'mhd',
  query: (c, req, signal, t: LegTransport) => queryMhdCommunity(c, req, signal, t),
  async retrieve(c, req, signal, t: LegTransport) {
    const r = await retrieveFromMhdCommunity(c, req, signal, t);
    return { value: r.value, exchange: legExchange(r.exchange) };
  },
  async retrieveStream(c, req, signal, t: LegTransport) {
    const r = await retrieveDocumentStreamFromMhd(c, req, signal, t);
    return { value: r.value, exchange: legExchange(r.exchange) };
  },
  classify: classifyMhdLegError,
};
