/**
 * Relaying communities' DICOM parts to the consumer (the streaming half of the broker's RAD-75):
 * each community's parts are read in the order they arrive, renamed to the consolidated answer's
 * Content-IDs and handed to the SOAP server one at a time; a community whose parts are not needed
 * yet waits on its paused connection (only the socket buffer is held). On the way through, the
 * Patient ID at the start of each part sent is read (part-patient.ts) and reported to a
 * {@link PartWatch}, for the audit of the retrieve.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../shared/logger.js';
import type { ClosableParts, StreamedPart } from '../soap/mtom-stream.js';
import type { DicomPatientId } from '../xca/dicom-patient-id.js';
import type { RetrieveAttachment } from '../xca/retrieve-document-set.js';
import type { StreamedRetrieveResponse } from './imaging-client.js';
import { patientOfBytes, withPatientTap } from './part-patient.js';

/** An answered community leg: who it is (for logs) and its streamed answer. */
export interface RelayLeg {
  /** `community urn:oid:... (name)`. */
  who: string;
  response: StreamedRetrieveResponse;
}

/** What the relay tells about the parts it sends the consumer. */
export interface PartWatch {
  /** The patient at the start of the consumer's part `contentId` (undefined: none could be read). */
  patient(contentId: string, patient: DicomPatientId | undefined): void;
  /**
   * Called once, after the relay ended, failed or was closed and every part body it opened has
   * ended or been destroyed: no `patient` call follows.
   */
  end(): void;
}

/** A consolidated document's part as the consumer will see it. */
interface Target {
  contentId: string;
  contentType: string;
}

/** Read a part body to its end, discarding it (a part no kept document refers to). */
async function drain(body: NodeJS.ReadableStream): Promise<void> {
  for await (const _chunk of body) {
    // discarded
  }
}

/**
 * The consumer's parts for the consolidated `attachments` (encodeRetrieveDocumentSetResponse of
 * the consolidated response; each body is a community's placeholder or inline bytes): inline
 * documents first, then each leg's parts in arrival order. The iterable fails (and the SOAP
 * server aborts the consumer connection) when a leg's connection breaks or ends without a part
 * its root part referenced; the failure is logged at error with the community. Every community
 * connection is closed when the iterable ends or fails, and by `close()` (the SOAP server calls
 * it once the response has ended, even if the parts were never read).
 */
export function relayParts(
  legs: readonly RelayLeg[],
  attachments: readonly RetrieveAttachment[],
  logger: Logger,
  watch?: PartWatch,
): ClosableParts {
  const byPlaceholder = new Map<Buffer, Target>(attachments.map((a) => [a.body, a]));
  const plans = legs.map((leg) => {
    const wanted = new Map<string, Target>();
    for (const [placeholder, cid] of leg.response.partIds) {
      const target = byPlaceholder.get(placeholder);
      if (target) wanted.set(cid, target);
      byPlaceholder.delete(placeholder);
    }
    return { leg, wanted };
  });
  const inline = attachments.filter((a) => byPlaceholder.has(a.body));
  let finished = false;
  let open = 0;
  let ended = false;
  const maybeEnd = (): void => {
    if (!finished || open > 0 || ended) return;
    ended = true;
    watch?.end();
  };
  const closeAll = (): void => {
    for (const { leg } of plans) leg.response.parts.close();
    finished = true;
    maybeEnd();
  };
  /** The part's body as the consumer reads it, its patient read on the way (when watched). */
  const tapped = (contentId: string, body: Readable): (() => Readable) =>
    !watch
      ? () => body
      : () => {
          open++;
          return withPatientTap(body, (p) => {
            watch.patient(contentId, p);
            open--;
            maybeEnd();
          });
        };
  // A community none of whose parts is needed is released now rather than after the others.
  for (const p of plans) if (p.wanted.size === 0) p.leg.response.parts.close();
  async function* relay(): AsyncGenerator<StreamedPart> {
    try {
      for (const a of inline) {
        watch?.patient(a.contentId, patientOfBytes(a.body));
        yield { contentId: a.contentId, contentType: a.contentType, body: { kind: 'buffer', bytes: a.body } };
      }
      for (const { leg, wanted } of plans) {
        if (wanted.size === 0) continue;
        const fail = (why: string): Error => {
          const err = new Error(`${leg.who} ${why}`);
          logger.error(
            { community: leg.who, err: why },
            'community stream broke after the root part was sent: aborting the consumer connection (the status can no longer change)',
          );
          return err;
        };
        const next = () =>
          leg.response.parts.next().catch((e: unknown) => {
            throw fail(`broke between parts: ${e instanceof Error ? e.message : String(e)}`);
          });
        for (let p = await next(); p; p = await next()) {
          const target = p.contentId === undefined ? undefined : wanted.get(p.contentId);
          if (!target) {
            await drain(p.body);
            continue;
          }
          wanted.delete(p.contentId!);
          const { body, contentId } = p;
          body.once('error', (e) => fail(`broke while sending part ${contentId}: ${e.message}`));
          yield {
            contentId: target.contentId,
            contentType: target.contentType,
            body: { kind: 'stream', open: tapped(target.contentId, body) },
          };
        }
        if (wanted.size > 0)
          throw fail(`ended without the part(s) its answer referenced: ${[...wanted.keys()].join(', ')}`);
      }
    } finally {
      closeAll();
    }
  }
  const iterator = relay();
  return { [Symbol.asyncIterator]: () => iterator, close: closeAll };
}
