/**
 * The evidence bundle's zip: every file of a directory, deflated by Node's zlib as it is read and
 * framed by fflate's streaming Zip, written to disk a chunk at a time (never the whole zip in
 * memory), entries in path order with one fixed timestamp so that the same directory gives the same
 * bytes. The onboarding portal takes one upload smaller than
 * 250 MB (NHS England Digital Onboarding Service, stage 3); a zip that would be larger is refused.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';
import { Zip, type ZipInputFile } from 'fflate';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** The portal's upload limit, bytes (250 MB, decimal: the stricter reading). */
export const EVIDENCE_ZIP_MAX_BYTES = 250_000_000;

/** Bytes read from a file per step. */
const CHUNK_BYTES = 64 * 1024;

/** The deflate level (zlib's default: the usual size/time balance). */
const DEFLATE_LEVEL = 6;

/**
 * Adds the file at `file` to `zip` as `entry`, deflated (APPNOTE 4.4.5 method 8) by Node's zlib
 * as it is read (a chunk at a time, off the main thread), its CRC-32 computed on the way; fflate
 * writes the headers and the data descriptor (a {@link ZipInputFile} of our own, as fflate's
 * documentation describes for custom compression). Stops reading once `stop()` says so.
 */
async function addDeflated(
  zip: Zip,
  entry: string,
  file: string,
  mtime: Date,
  stop: () => boolean,
): Promise<void> {
  const input: ZipInputFile = { filename: entry, size: 0, crc: 0, compression: 8, mtime };
  zip.add(input);
  const emit = (data: Uint8Array<ArrayBuffer>, final: boolean): void => input.ondata!(null, data, final);
  const stopped = new Error('stopped');
  try {
    await pipeline(
      createReadStream(file, { highWaterMark: CHUNK_BYTES }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          input.crc = crc32(chunk, input.crc);
          input.size += chunk.length;
          yield chunk;
        }
      },
      createDeflateRaw({ level: DEFLATE_LEVEL }),
      async function (source: AsyncIterable<Buffer<ArrayBuffer>>) {
        for await (const out of source) {
          emit(out, false);
          if (stop()) throw stopped;
        }
      },
    );
  } catch (err) {
    if (err !== stopped) throw err;
    return;
  }
  emit(new Uint8Array(0), true);
}

/** Every regular file under `dir`, `/`-separated paths relative to it, sorted by code unit. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The Date whose local-time fields are `iso`'s UTC fields: a zip stores MS-DOS local date and time
 * (APPNOTE 4.4.6), which fflate reads with the local getters, so this gives the run's UTC time in
 * the zip whatever the machine's time zone. Outside 1980-2099 (what MS-DOS time holds): 1980-01-01.
 */
export function dosTime(iso: string): Date {
  const t = Date.parse(iso);
  const year = new Date(t).getUTCFullYear();
  const utc = Number.isNaN(t) || year < 1980 || year > 2099 ? Date.UTC(1980, 0, 1) : t;
  const u = new Date(utc);
  return new Date(
    u.getUTCFullYear(),
    u.getUTCMonth(),
    u.getUTCDate(),
    u.getUTCHours(),
    u.getUTCMinutes(),
    u.getUTCSeconds(),
  );
}

/** What {@link zipDirectory} wrote. */
export interface ZipWritten {
  zipPath: string;
  /** The zip's size, bytes. */
  bytes: number;
  /** The entries, in order. */
  entries: string[];
}

/**
 * Zips every file of `dir` into `zipPath` (entries named by their path relative to `dir`), each
 * stamped `mtime`. Writes `<zipPath>.partial` and renames it when done; an older `zipPath` is
 * removed first.
 * @param maxBytes the largest zip allowed, bytes (default {@link EVIDENCE_ZIP_MAX_BYTES}).
 * @throws SimError `SIM_ERR_BAD_ARGUMENT` when the zip would exceed `maxBytes` (the partial file is
 *   removed; the message gives the limit, the size reached and the directory's size).
 */
export async function zipDirectory(
  dir: string,
  zipPath: string,
  mtime: Date,
  maxBytes = EVIDENCE_ZIP_MAX_BYTES,
): Promise<ZipWritten> {
  const entries = await listFiles(dir);
  let dirBytes = 0;
  for (const e of entries) dirBytes += (await stat(path.join(dir, e))).size;
  await rm(zipPath, { force: true });
  const partial = `${zipPath}.partial`;
  const fd = openSync(partial, 'w');
  let bytes = 0;
  let failure: Error | undefined;
  let over = false;
  const zip = new Zip((err, data) => {
    if (err) {
      failure = err;
      return;
    }
    if (over) return;
    bytes += data.length;
    if (bytes > maxBytes) {
      over = true;
      return;
    }
    writeSync(fd, data);
  });
  let done = false;
  try {
    for (const entry of entries) {
      await addDeflated(zip, entry, path.join(dir, entry), mtime, () => over || failure !== undefined);
      if (over || failure) break;
    }
    if (!over && !failure) zip.end();
    if (failure) throw failure;
    if (over) {
      zip.terminate();
      const mb = (n: number): string => (n / 1_000_000).toFixed(1);
      throw new SimError(
        SimErrorCode.BadArgument,
        `the evidence zip ${zipPath} would exceed the onboarding portal's upload limit of ${mb(maxBytes)} MB (${maxBytes} bytes): ` +
          `it had reached ${bytes} bytes before the end, from a directory of ${dirBytes} bytes; ` +
          'run fewer patients or checks (--patient) so that the evidence fits in one upload',
      );
    }
    done = true;
  } finally {
    closeSync(fd);
    if (done) await rename(partial, zipPath);
    else await rm(partial, { force: true });
  }
  return { zipPath, bytes, entries };
}
