/**
 * The responding gateway's RAD-75 Cross Gateway Retrieve Imaging Document Set over one
 * community's DICOM images (IHE RAD TF-3 4.75.4.1.3, answering as RAD-69 4.69.4.1.3 does;
 * ihe-xca.md section 9 and the NIST RAD-75 test plans): per DocumentRequest the image, in the
 * first requested transfer syntax this gateway can serve, or one RegistryError located at this
 * community (ITI39-012). Images are streamed from disk (never read whole for a normal retrieve).
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SERVED_TRANSFER_SYNTAXES } from '../data-pack/dicom/dicom-uids.js';
import { transcodePart10 } from '../data-pack/dicom/part10.js';
import type { ImageLocation } from '../data-pack/pack-format.js';
import type { PartBody, StreamedPart } from '../soap/mtom-stream.js';
import { ErrorCode } from '../xca/constants.js';
import {
  imagingDocumentRequests,
  type ImagingDocumentRequest,
  type RetrieveImagingDocumentSetRequest,
} from '../xca/retrieve-imaging-document-set.js';
import { encodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import { deriveStatus, registryError } from '../xca/status.js';
import type { DocumentResponse, RegistryError, RetrieveDocumentSetResponse } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';

/**
 * A RAD-75 answer before encoding. Each document's `content` is an empty placeholder Buffer, a key
 * of `bodies`, which says where the image's bytes come from. Content faults (fault-injection.ts)
 * may drop or relabel documents; they keep `content`, so the key still finds the body.
 */
interface ImagingRetrieveResult {
  response: RetrieveDocumentSetResponse;
  bodies: Map<Buffer, PartBody>;
}

const describeImage = (r: ImagingDocumentRequest): string =>
  `${r.studyInstanceUid}:${r.seriesInstanceUid}:${r.document.documentUniqueId}`;

/** The error for a DocumentRequest this community cannot serve, or its image. */
function locate(r: ImagingDocumentRequest, c: CommunityStore): RegistryError | ImageLocation {
  const d = r.document;
  const hcid = d.homeCommunityId?.trim() ?? '';
  if (hcid === '')
    return registryError(
      ErrorCode.XDSMissingHomeCommunityId,
      `DocumentRequest for image ${describeImage(r)} has no HomeCommunityId: RAD-75 requires it`,
    );
  if (hcid !== c.homeCommunityId)
    return registryError(
      ErrorCode.XDSUnknownCommunity,
      `this responding gateway serves ${c.homeCommunityId}, not ${hcid}`,
    );
  if (d.repositoryUniqueId !== c.repositoryUniqueId)
    return registryError(
      ErrorCode.XDSUnknownRepositoryId,
      `repository ${d.repositoryUniqueId} is not in ${c.homeCommunityId}; this community's imaging document source is ${c.repositoryUniqueId}`,
    );
  const found = c.findImage(r.studyInstanceUid, r.seriesInstanceUid, d.documentUniqueId);
  return (
    found ??
    registryError(
      ErrorCode.XDSDocumentUniqueIdError,
      `no image matching study:series:instance [${describeImage(r)}] in repository ${c.repositoryUniqueId}`,
    )
  );
}

/** Where the bytes of `image` in `transferSyntaxUid` come from: the file itself, or a re-encoding of it. */
async function imageBody(image: ImageLocation, transferSyntaxUid: string): Promise<PartBody> {
  if (image.transferSyntaxUid === transferSyntaxUid)
    return { kind: 'file', path: image.path, size: image.size };
  // Re-encoded once now for its size (Content-Length) and again when written, so that at most one
  // image is in memory at a time whatever the study's size.
  const encode = async (): Promise<Buffer> => transcodePart10(await readFile(image.path), transferSyntaxUid);
  const size = (await encode()).length;
  return { kind: 'stream', size, open: async () => Readable.from([await encode()], { objectMode: false }) };
}

/**
 * Answer a RetrieveImagingDocumentSetRequest from the community's images. Per DocumentRequest:
 * XDSMissingHomeCommunityId, XDSUnknownCommunity (another community), XDSUnknownRepositoryId
 * (another repository), XDSDocumentUniqueIdError (no such study:series:instance), else the image.
 * When no requested transfer syntax is Explicit or Implicit VR Little Endian, every image that
 * exists gets XDSRepositoryError instead (the RAD-69 transfer-syntax error, NIST test 5424a).
 * Status by deriveStatus: Success, PartialSuccess with some images, Failure with none.
 */
export async function respondToImagingRetrieve(
  req: RetrieveImagingDocumentSetRequest,
  c: CommunityStore,
): Promise<ImagingRetrieveResult> {
  const own = c.homeCommunityId;
  const errors: RegistryError[] = [];
  const documents: DocumentResponse[] = [];
  const bodies = new Map<Buffer, PartBody>();
  const syntax = req.transferSyntaxUids.find((ts) => SERVED_TRANSFER_SYNTAXES.has(ts));
  for (const r of imagingDocumentRequests(req)) {
    const found = locate(r, c);
    if ('errorCode' in found) {
      errors.push({ ...found, location: own });
      continue;
    }
    if (syntax === undefined) {
      const served = [...SERVED_TRANSFER_SYNTAXES].map(([uid, name]) => `${uid} (${name})`).join(' and ');
      errors.push(
        registryError(
          ErrorCode.XDSRepositoryError,
          `image ${describeImage(r)} cannot be encoded in any of the requested transfer syntaxes (${req.transferSyntaxUids.join(', ')}); this community serves ${served}`,
          own,
        ),
      );
      continue;
    }
    const content = Buffer.alloc(0);
    bodies.set(content, await imageBody(found, syntax));
    documents.push({
      homeCommunityId: own,
      repositoryUniqueId: c.repositoryUniqueId,
      documentUniqueId: r.document.documentUniqueId,
      mimeType: 'application/dicom',
      content,
    });
  }
  return { response: { status: deriveStatus(errors, documents.length > 0), errors, documents }, bodies };
}

/**
 * The SOAP body and the streamed parts of a RAD-75 answer: an xdsb:RetrieveDocumentSetResponse
 * whose Documents are xop:Includes of parts `doc<i>.<tag>@nir-sim.invalid` (ITI TF-2 Appendix V).
 * A document whose placeholder has no body (a fault replaced it) is sent empty.
 */
export function imagingResponseParts(
  resp: RetrieveDocumentSetResponse,
  bodies: ReadonlyMap<Buffer, PartBody>,
  tag: string,
): { bodyXml: string; parts: StreamedPart[] } {
  const { bodyXml, attachments } = encodeRetrieveDocumentSetResponse(resp, {
    contentIdFor: (i) => `doc${i}.${tag}@nir-sim.invalid`,
  });
  const parts = attachments.map((a) => ({
    contentId: a.contentId,
    contentType: a.contentType,
    body: bodies.get(a.body) ?? ({ kind: 'buffer', bytes: a.body } as const),
  }));
  return { bodyXml, parts };
}

/** The patient of the studies asked for, when they all belong to one patient of this community. */
export function imagingPatient(
  req: RetrieveImagingDocumentSetRequest,
  c: CommunityStore,
): string | undefined {
  const uids = new Set(req.studies.map((s) => s.studyInstanceUid));
  const patients = new Set(c.imaging.filter((s) => uids.has(s.studyInstanceUid)).map((s) => s.patientId));
  return patients.size === 1 ? [...patients][0] : undefined;
}
