/**
 * Relaying one document's bytes from its community to the ITI-68 consumer (IHE MHD ITI TF-2 3.68.4.2)
 * as they arrive, with backpressure (`stream.pipeline`), never holding the document whole: the
 * SHA-1 and the length of the bytes are computed on the way (ITI TF-3 4.2.3.2.12 hash, 4.2.3.2.25
 * size) and checked against the metadata.
 *
 * A check can only fail after the status line has left, so the answer's status cannot change. What
 * the relay does instead is what RAD-75 does for a broken part (imaging-relay.ts): the consumer's
 * connection is destroyed, so the consumer sees an aborted body (fewer bytes than Content-Length,
 * or a chunked body without its last chunk), never a complete-looking wrong one. To make that hold
 * for the hash too, the last chunk read is held back until the next one arrives: the end of the
 * body is written only after the whole document has been checked, so every mismatch is detected
 * before the end is written. Holding one chunk costs at most one source read (a few hundred KiB).
 */
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DeadlineClock } from '../shared/clock.js';

/** What the bytes should be, from the metadata. */
export interface DocumentExpectation {
  /** Length, bytes. */
  size?: number;
  /** SHA-1 of the bytes, hex (either case). */
  sha1?: string;
}

/** How a relay ended. `bytes`: how many the community sent (counted, the held-back chunk included). */
export type RelayResult =
  | { outcome: 'complete'; bytes: number; sha1: string }
  /** The bytes differ from the metadata (longer or shorter than `size`, or another SHA-1). */
  | { outcome: 'mismatch'; bytes: number; detail: string }
  /** The community's stream failed: broke (`reset`) or sent nothing for the idle timeout (`timeout`). */
  | { outcome: 'broken'; reason: 'reset' | 'timeout'; bytes: number; detail: string }
  /** The consumer went away first (its connection closed). */
  | { outcome: 'consumer-gone'; bytes: number };

class RelayStop extends Error {
  constructor(readonly result: Exclude<RelayResult, { outcome: 'complete' | 'consumer-gone' }>) {
    super(result.detail);
  }
}

/**
 * Pipe `body` into `out` (the consumer's response, its head already set), checking `expect`. On
 * any failure both streams are destroyed (the community's connection dropped, the consumer's
 * aborted). Never rejects.
 * @param opts.idleTimeoutMs the community may stay silent this long between chunks, ms of `clock`.
 */
export async function relayDocument(
  body: Readable,
  out: Writable,
  expect: DocumentExpectation,
  opts: { idleTimeoutMs: number; clock: DeadlineClock },
): Promise<RelayResult> {
  const sha1 = createHash('sha1');
  let bytes = 0;
  let digest = '';
  const want = expect.sha1?.toLowerCase();
  // pipeline() destroys every stream as soon as one fails, so the source's own error is noted here:
  // without it a broken community would look like a consumer that went away.
  let sourceError: Error | undefined;
  body.once('error', (err) => (sourceError ??= err));
  let stopped: RelayStop | undefined;
  // A consumer that closes first does not always end the pipeline while the source waits for
  // bytes: its close drops the community's connection here.
  let consumerGone = false;
  out.once('close', () => {
    if (out.writableFinished || stopped || sourceError) return;
    consumerGone = true;
    body.destroy();
  });
  const broken = (err: unknown): RelayStop =>
    new RelayStop({
      outcome: 'broken',
      reason: 'reset',
      bytes,
      detail: `the community's stream broke after ${bytes} bytes: ${err instanceof Error ? err.message : String(err)}`,
    });
  async function* checked(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]();
    let held: Buffer | undefined;
    for (;;) {
      const r = await nextWithin(
        it,
        opts,
        () => bytes,
        (err) => (consumerGone ? err : broken(err)),
      );
      if (r.done) break;
      const chunk = r.value;
      bytes += chunk.length;
      sha1.update(chunk);
      if (expect.size !== undefined && bytes > expect.size)
        throw new RelayStop({
          outcome: 'mismatch',
          bytes,
          detail: `the community sent more than the ${expect.size} bytes of the document's size`,
        });
      if (held) yield held;
      held = chunk;
    }
    digest = sha1.digest('hex');
    if (expect.size !== undefined && bytes !== expect.size)
      throw new RelayStop({
        outcome: 'mismatch',
        bytes,
        detail: `the community sent ${bytes} bytes, but the document's size is ${expect.size}`,
      });
    if (want !== undefined && digest !== want)
      throw new RelayStop({
        outcome: 'mismatch',
        bytes,
        detail: `the SHA-1 of the ${bytes} bytes the community sent is ${digest}, but the document's hash is ${want}`,
      });
    if (held) yield held;
  }
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        try {
          yield* checked(source);
        } catch (err) {
          if (err instanceof RelayStop) stopped = err;
          throw err;
        }
      },
      out,
    );
    return { outcome: 'complete', bytes, sha1: digest };
  } catch {
    if (consumerGone) return { outcome: 'consumer-gone', bytes };
    if (stopped) return stopped.result;
    if (sourceError) return broken(sourceError).result;
    return { outcome: 'consumer-gone', bytes };
  }
}

/**
 * The next chunk of `it`, failing (RelayStop `broken`) when the community sends nothing for
 * `idleTimeoutMs`, or with `broken(err)` when its stream errors.
 */
async function nextWithin(
  it: AsyncIterator<Buffer>,
  opts: { idleTimeoutMs: number; clock: DeadlineClock },
  bytes: () => number,
  broken: (err: unknown) => unknown,
): Promise<IteratorResult<Buffer>> {
  const d = opts.clock.deadline(opts.idleTimeoutMs);
  let onAbort: (() => void) | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    onAbort = () =>
      reject(
        new RelayStop({
          outcome: 'broken',
          reason: 'timeout',
          bytes: bytes(),
          detail: `the community sent nothing for ${opts.idleTimeoutMs} ms after ${bytes()} bytes`,
        }),
      );
    if (d.signal.aborted) onAbort();
    else d.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      it.next().catch((err: unknown) => {
        throw broken(err);
      }),
      idle,
    ]);
  } finally {
    d.clear();
    if (onAbort) d.signal.removeEventListener('abort', onAbort);
  }
}
