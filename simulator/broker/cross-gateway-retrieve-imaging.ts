/**
 * The broker's RAD-75 Cross Gateway Retrieve Imaging Document Set (IHE RAD TF-3 4.75; the XCA-I
 * initiating imaging gateway of RAD TF-1 and NIST iig tests 5403a / 5405b): split the request by
 * HomeCommunityId keeping the study/series nesting, send one RAD-75 per community in parallel
 * with the per-community deadline, consolidate the root parts with consolidateRetrieve (the ITI-39
 * rules: errors located at the community), then relay each community's DICOM parts to the
 * consumer as they arrive, without holding them (streaming design: docs/imaging.md).
 * The Patient ID (0010,0020) at the start of each part relayed is read on the way; once the relay
 * has ended, `onRelayedPatients` gets those patients with their studies (for the audit: the
 * request names studies, never patients).
 *
 * Limitation, by design: once the consolidated root part is on its way to the consumer the status
 * cannot change. If a community's stream breaks after that (reset, idle timeout, missing part) the
 * consumer's connection is aborted, so the consumer sees an incomplete message, never a wrong one,
 * and the failure is logged with the community.
 */
import type { RelayedPatient, RequestedStudy, TransactionEvent } from '../events/transaction-events.js';
import type { Logger } from '../shared/logger.js';
import type { ClosableParts } from '../soap/mtom-stream.js';
import { ErrorCode, Transaction } from '../xca/constants.js';
import { encodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import {
  filterImagingRequest,
  imagingDocumentRequests,
  type RetrieveImagingDocumentSetRequest,
} from '../xca/retrieve-imaging-document-set.js';
import { registryError } from '../xca/status.js';
import type { RegistryError, RetrieveDocumentSetResponse } from '../xca/types.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateRetrieve } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import { endpointOf } from './community-client.js';
import { protocolOf } from './community-codecs.js';
import { retrieveImagingFromCommunity } from './imaging-client.js';
import type { RetrieveLeg } from './leg.js';
import { describeCommunity } from './leg-errors.js';
import { relayParts, type PartWatch, type RelayLeg } from './imaging-relay.js';
import { runLegs } from './run-legs.js';
import { resolveTarget } from './targets.js';
import { transactionEvent } from './transaction-record.js';

/** Default idle timeout of a community's DICOM parts once its root part is in: 5 minutes, ms. */
export const DEFAULT_IMAGING_IDLE_TIMEOUT_MS = 300_000;

/** Most distinct patients reported per RAD-75 (a consolidated answer is normally one patient's). */
const MAX_RELAYED_PATIENTS = 16;

interface Group {
  community: CommunityEndpoint;
  request: RetrieveImagingDocumentSetRequest;
}

/** The consolidated answer: the root part's response, its parts to stream, and the event. */
interface ImagingRetrieveAnswer {
  response: RetrieveDocumentSetResponse;
  /** The consolidated xdsb:RetrieveDocumentSetResponse, its Documents xop:Includes of `parts`. */
  bodyXml: string;
  /** Relayed while the response is written; `close()` drops every community connection still open. */
  parts: ClosableParts;
  event: TransactionEvent;
}

/**
 * Split by HomeCommunityId: missing -> XDSMissingHomeCommunityId, unknown/excluded ->
 * XDSUnknownCommunity, a community that does not speak XCA -> XDSUnavailableCommunity (no leg:
 * RAD-75 is an XCA-I transaction, RAD TF-3 4.75; the id is known, so "unknown" would tell the
 * consumer its HomeCommunityId is wrong, while "unavailable" says the community cannot be
 * reached by this request, as a failed leg does; an MHD community offers documents over ITI-68,
 * not images).
 */
function split(
  req: RetrieveImagingDocumentSetRequest,
  rc: RequestContext,
  bc: BrokerContext,
): { groups: Group[]; errors: RegistryError[] } {
  const errors: RegistryError[] = [];
  const communities = new Map<string, CommunityEndpoint>();
  for (const r of imagingDocumentRequests(req)) {
    const hcid = r.document.homeCommunityId?.trim() ?? '';
    const image = `${r.studyInstanceUid}:${r.seriesInstanceUid}:${r.document.documentUniqueId}`;
    if (hcid === '') {
      errors.push(
        registryError(
          ErrorCode.XDSMissingHomeCommunityId,
          `DocumentRequest for image ${image} has no HomeCommunityId: RAD-75 requires the home of the manifest`,
        ),
      );
      continue;
    }
    if (communities.has(hcid)) continue;
    const t = resolveTarget(bc.directory, rc.consumerId, hcid);
    if ('error' in t) errors.push({ ...t.error, codeContext: `${t.error.codeContext} (image ${image})` });
    else if (protocolOf(t.community) !== 'xca') errors.push(notXcaError(t.community, image));
    else communities.set(hcid, t.community);
  }
  const groups = [...communities].map(([hcid, community]) => ({
    community,
    request: filterImagingRequest(req, (r) => r.document.homeCommunityId?.trim() === hcid),
  }));
  return { groups, errors };
}

/** The error for an image whose community does not speak XCA-I (see split): located at it. */
function notXcaError(c: CommunityEndpoint, image: string): RegistryError {
  return registryError(
    ErrorCode.XDSUnavailableCommunity,
    `${describeCommunity(c)} speaks ${protocolOf(c)}, not XCA-I: the broker has no RAD-75 leg to it for image ${image}`,
    c.homeCommunityId,
  );
}

/**
 * The studies asked for, for the transaction log and the Study Used audit event (DCM 110103): one
 * per Study Instance UID and place (HomeCommunityId, RepositoryUniqueId), in request order, with
 * its Series Instance UIDs and SOP Instance UIDs. The broker does not know the patient (a RAD-75
 * request names none), so `patient` is left for the audit to find.
 */
function studiesOf(req: RetrieveImagingDocumentSetRequest): RequestedStudy[] {
  const out = new Map<string, RequestedStudy>();
  for (const r of imagingDocumentRequests(req)) {
    const home = r.document.homeCommunityId?.trim() ?? '';
    const key = `${r.studyInstanceUid}|${home}|${r.document.repositoryUniqueId}`;
    const s = out.get(key) ?? {
      studyInstanceUid: r.studyInstanceUid,
      seriesInstanceUids: [],
      ...(home !== '' ? { homeCommunityId: home } : {}),
      repositoryUniqueId: r.document.repositoryUniqueId,
      documentUniqueIds: [],
    };
    if (!s.seriesInstanceUids.includes(r.seriesInstanceUid)) s.seriesInstanceUids.push(r.seriesInstanceUid);
    s.documentUniqueIds.push(r.document.documentUniqueId);
    out.set(key, s);
  }
  return [...out.values()];
}

/**
 * Answer one RetrieveImagingDocumentSetRequest. Resolves when every community's root part has
 * arrived or its leg failed (deadline, refused, reset, fault, invalid answer): the returned
 * `parts` then relay the DICOM bytes in community order. `messageTag` makes Content-IDs unique.
 */
export async function crossGatewayRetrieveImagingDocumentSet(
  req: RetrieveImagingDocumentSetRequest,
  rc: RequestContext,
  bc: BrokerContext,
  opts: {
    idleTimeoutMs: number;
    messageTag: string;
    /**
     * Called once when the relay has ended (completed, broken or abandoned) with the distinct
     * patients (Patient ID + Issuer of Patient ID) the parts sent named, at most
     * MAX_RELAYED_PATIENTS, each with the Study Instance UIDs of its parts; [] when none did.
     */
    onRelayedPatients?: (patients: RelayedPatient[]) => void;
  },
): Promise<ImagingRetrieveAnswer> {
  const startedAt = bc.clock.now();
  const { groups, errors } = split(req, rc, bc);
  // Only `xca` communities are in `groups` (split): their codec classifies what the call threw.
  const { legs, events } = await runLegs(groups, Transaction.Rad75, rc, bc, (_codec, g, signal) =>
    retrieveImagingFromCommunity(
      endpointOf(g.community, Transaction.Rad75),
      g.request,
      signal,
      bc.transport,
      opts.idleTimeoutMs,
      bc.clock,
    ),
  );
  const retrieveLegs: RetrieveLeg[] = legs.map((l) => ({
    ...l,
    requestedDocumentIds: imagingDocumentRequests(l.target.request).map((r) => r.document.documentUniqueId),
  }));
  const response = consolidateRetrieve(retrieveLegs, errors);
  const { bodyXml, attachments } = encodeRetrieveDocumentSetResponse(response, {
    contentIdFor: (i) => partContentId(i, opts.messageTag),
  });
  const relayLegs: RelayLeg[] = legs.flatMap((l) =>
    l.outcome === 'answered' ? [{ who: describeCommunity(l.community), response: l.response }] : [],
  );
  const studies = studiesOf(req);
  const parts = relayParts(
    relayLegs,
    attachments,
    bc.logger,
    opts.onRelayedPatients &&
      patientWatch(response, studies, opts.messageTag, opts.onRelayedPatients, bc.logger),
  );
  const documents = imagingDocumentRequests(req).map(({ document: d }) => ({
    ...(d.homeCommunityId !== undefined ? { homeCommunityId: d.homeCommunityId } : {}),
    repositoryUniqueId: d.repositoryUniqueId,
    documentUniqueId: d.documentUniqueId,
  }));
  const event = transactionEvent(
    {
      transaction: Transaction.Rad75,
      response,
      resultCount: response.documents.length,
      legs: events,
      startedAt,
      about: { documents, studies },
    },
    rc,
    bc.clock,
  );
  return { response, bodyXml, parts, event };
}

/**
 * Collect the patients of the consumer's parts: each part's Content-ID names a consolidated
 * DocumentResponse (by index, as encodeRetrieveDocumentSetResponse numbers them), whose home,
 * repository and SOP Instance UID place it in a requested study.
 */
function patientWatch(
  response: RetrieveDocumentSetResponse,
  studies: readonly RequestedStudy[],
  messageTag: string,
  report: (patients: RelayedPatient[]) => void,
  logger: Logger,
): PartWatch {
  const studyOf = new Map<string, string>();
  for (const s of studies)
    for (const doc of s.documentUniqueIds)
      studyOf.set(placeKey(s.homeCommunityId, s.repositoryUniqueId, doc), s.studyInstanceUid);
  const studyOfPart = new Map<string, string | undefined>(
    response.documents.map((d, i) => [
      partContentId(i, messageTag),
      studyOf.get(placeKey(d.homeCommunityId, d.repositoryUniqueId, d.documentUniqueId)),
    ]),
  );
  const seen = new Map<string, RelayedPatient>();
  let dropped = 0;
  return {
    patient: (contentId, p) => {
      if (!p) return;
      const key = `${p.patientId}\u0000${p.issuerOfPatientId ?? ''}`;
      let entry = seen.get(key);
      if (!entry) {
        if (seen.size >= MAX_RELAYED_PATIENTS) {
          dropped++;
          return;
        }
        entry = { ...p, studyInstanceUids: [] };
        seen.set(key, entry);
      }
      const study = studyOfPart.get(contentId);
      if (study !== undefined && !entry.studyInstanceUids.includes(study))
        entry.studyInstanceUids.push(study);
    },
    end: () => {
      if (dropped > 0)
        logger.warn(
          { reported: MAX_RELAYED_PATIENTS, dropped },
          'RAD-75 parts named more patients than are audited per request: the rest are not reported',
        );
      report([...seen.values()]);
    },
  };
}

/** The Content-ID of the consumer's part for consolidated DocumentResponse `i`. */
function partContentId(i: number, messageTag: string): string {
  return `doc${i}.${messageTag}@nir-sim.invalid`;
}

function placeKey(home: string | undefined, repository: string | undefined, document: string): string {
  return `${home?.trim() ?? ''}|${repository ?? ''}|${document}`;
}
