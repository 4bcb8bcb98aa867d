/**
 * The federation core's edge towards communities: one codec per protocol a community speaks
 * (docs/architecture.md "Federation core"). The core plans, fans out with deadlines and
 * consolidates; a codec turns the core's request (an XDS stored query, ITI TF-2 3.18.4.1.2, the
 * query model MHD ITI-67 is itself defined by; or DocumentRequests) into the community's
 * transaction and its answer back into FederatedObjects / DocumentResponses and RegistryErrors,
 * and classifies what it threw.
 * - `xca`: ITI-38 / ITI-39 over SOAP 1.2 (community-client.ts).
 * - `mhd`: ITI-67 / ITI-68 over FHIR R4 REST (IHE MHD 4.2.x).
 */
import type { WireProtocol } from '../events/transaction-events.js';
import type {
  AdhocQueryRequest,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { LegAnswer, LegTransport } from './community-client.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { CommunityQueryAnswer } from './federated-object.js';
import type { LegFailure } from './leg.js';

/** What the consumer's face will need of a query's answer, beyond the objects as sent. */
export interface QueryNeeds {
  /**
   * Each DocumentEntry as decoded (xca/document-entry-model.ts): the MHD face (ITI-67) maps every
   * one to a DocumentReference, so a codec that parses the entries anyway gives them from that one
   * parse. The XCA face (ITI-38) relays the objects as sent and leaves it false.
   */
  documentEntries?: boolean;
}

export interface CommunityCodec {
  readonly protocol: WireProtocol;
  /**
   * Ask `community` the stored query `req` (FindDocuments and the other ITI-18 queries; a codec
   * that cannot carry one answers a RegistryError, XDSUnknownStoredQuery, rather than throwing).
   * `needs`: what the consumer's face will read of the answer (default: nothing more).
   * @throws whatever the exchange threw; `classify` turns it into a LegFailure.
   */
  query(
    community: CommunityEndpoint,
    req: AdhocQueryRequest,
    signal: AbortSignal,
    t: LegTransport,
    needs?: QueryNeeds,
  ): Promise<LegAnswer<CommunityQueryAnswer>>;
  /** Retrieve `req`'s documents (all at `community`). @throws as query. */
  retrieve(
    community: CommunityEndpoint,
    req: RetrieveDocumentSetRequest,
    signal: AbortSignal,
    t: LegTransport,
  ): Promise<LegAnswer<RetrieveDocumentSetResponse>>;
  /** Map whatever query/retrieve threw to a LegFailure; `timedOut` wins over the error's own kind. */
  classify(error: unknown, timedOut: boolean, deadlineMs: number): LegFailure;
}
