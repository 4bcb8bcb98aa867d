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
import type { Readable } from 'node:stream';
import type { WireProtocol } from '../events/transaction-events.js';
import type { DeadlineClock } from '../shared/clock.js';
import type {
  AdhocQueryRequest,
  DocumentRequest,
  DocumentResponse,
  RegistryError,
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

/**
 * One document's bytes still on the wire (CommunityCodec.retrieveStream): the answer's description
 * of it, and its bytes as they arrive from the community, never held whole by the broker.
 */
export interface DocumentStream {
  /** The DocumentResponse as the community's answer describes it; `content` is empty (the bytes are `body`). */
  document: DocumentResponse;
  /**
   * The bytes, pulled from the community's connection only as fast as they are read. Read it to its
   * end (the exchange then completes) or destroy it (the connection is dropped).
   */
  body: Readable;
  /** The length the community declared for the bytes (the MIME part's or HTTP Content-Length), bytes. */
  declaredBytes?: number;
  /**
   * What the leg's own metadata says the bytes are (an MHD DocumentReference's attachment.size,
   * bytes, and attachment.hash as hex SHA-1, ITI TF-3 4.2.3.2.12 / 4.2.3.2.25), when it read any.
   */
  expected?: { size?: number; hash?: string };
}

/** A streamed retrieve's answer: the community's RegistryErrors and, when it sent it, the document. */
export interface StreamedDocumentAnswer {
  errors: RegistryError[];
  stream?: DocumentStream;
}

/** How long a streamed document may stay silent once its answer has begun. */
export interface DocumentStreamOptions {
  /** A body read fails when the community sends nothing for this long, ms of `clock`. */
  idleTimeoutMs: number;
  /** The broker's clock (virtual in tests). */
  clock: DeadlineClock;
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
  /**
   * Retrieve one document (at `community`) streamed: resolves once the answer's description of it
   * (XCA: the MTOM root part and the document part's headers; MHD: the ITI-68 response head) has
   * arrived, under `signal`; its bytes stay on the connection (`stream.body`), bounded then by
   * `opts.idleTimeoutMs` only. Used by the broker's ITI-68 (retrieve-document.ts).
   * @throws as query.
   */
  retrieveStream(
    community: CommunityEndpoint,
    req: DocumentRequest,
    signal: AbortSignal,
    t: LegTransport,
    opts: DocumentStreamOptions,
  ): Promise<LegAnswer<StreamedDocumentAnswer>>;
  /** Map whatever query/retrieve threw to a LegFailure; `timedOut` wins over the error's own kind. */
  classify(error: unknown, timedOut: boolean, deadlineMs: number): LegFailure;
}
