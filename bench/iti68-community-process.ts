/**
 * The MHD bench's large-document communities process (bench/child.ts): two simulated communities of
 * a small generated pack, the first an XCA responding gateway, the second an MHD Document Responder
 * (gateway/gateway-server.ts), each holding one more document of `bytes` random bytes (a copy of a
 * PDF entry with its own uniqueId, size and SHA-1), served from memory in this process so that the
 * broker's process holds only what it buffers itself. Operations:
 *
 * - `start` {@link LargeDocumentConfig}: stop what runs, then start both; resolves with
 *   {@link LargeDocumentCommunities}.
 * - `stop`: stop them.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { CommunityData } from '../simulator/data-pack/pack-format.js';
import { startRespondingGateway } from '../simulator/gateway/gateway-server.js';
import { systemClock } from '../simulator/shared/clock.js';
import { silentLogger } from '../simulator/shared/logger.js';
import type { DocumentEntry } from '../simulator/xca/document-entry-model.js';
import { serveOperations } from './child.js';
import type { CommunityAddress } from './communities-process.js';

/** What the process serves. */
export interface LargeDocumentConfig {
  /** The large document's size, bytes. */
  bytes: number;
}

/** The large document of one community: where it is and what its DocumentEntry says. */
export interface LargeDocument {
  homeCommunityId: string;
  repositoryUniqueId: string;
  uniqueId: string;
  mimeType: string;
  size: number;
  /** SHA-1, hex. */
  hash: string;
  /** A small document of the same community (the PDF it was copied from), to warm the paths with. */
  small: { uniqueId: string; size: number; hash: string };
}

/** The two communities, XCA then MHD, and their large documents in the same order. */
export interface LargeDocumentCommunities {
  communities: CommunityAddress[];
  documents: LargeDocument[];
}

let stops: (() => Promise<void>)[] = [];

async function stop(): Promise<void> {
  const s = stops;
  stops = [];
  await Promise.all(s.map((f) => f()));
}

/** Add `bytes` to `c` as one more document (served from memory); returns its entry and the one copied. */
function addDocument(c: CommunityData, bytes: Buffer): { entry: DocumentEntry; base: DocumentEntry } {
  const base = c.entries.find((e) => e.mimeType === 'application/pdf') ?? c.entries[0]!;
  const entry: DocumentEntry = {
    ...base,
    entryUUID: `urn:uuid:${randomUUID()}`,
    uniqueId: `${base.uniqueId}.1`,
    size: bytes.length,
    hash: createHash('sha1').update(bytes).digest('hex'),
  };
  c.entries.push(entry);
  const read = c.readDocument.bind(c);
  c.readDocument = (uid) => (uid === entry.uniqueId ? Promise.resolve(bytes) : read(uid));
  return { entry, base };
}

async function start(c: LargeDocumentConfig): Promise<LargeDocumentCommunities> {
  await stop();
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-iti68-'));
  stops.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  await generateDataPack({ seed: 7, communities: 2, patients: 4, outDir: dir });
  const pack = await loadDataPack(dir);
  const bytes = randomBytes(c.bytes);
  const communities: CommunityAddress[] = [];
  const documents: LargeDocument[] = [];
  for (const [i, protocol] of (['xca', 'mhd'] as const).entries()) {
    const store = pack.communities[i]!;
    const { entry: e, base } = addDocument(store, bytes);
    const g = await startRespondingGateway({
      community: store,
      logger: silentLogger(),
      maxBodyBytes: 10 * 1024 * 1024,
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      protocol,
    });
    stops.push(() => g.stop());
    communities.push({ name: store.name, homeCommunityId: store.homeCommunityId, url: g.url, protocol });
    documents.push({
      homeCommunityId: store.homeCommunityId,
      repositoryUniqueId: e.repositoryUniqueId,
      uniqueId: e.uniqueId,
      mimeType: e.mimeType,
      size: e.size,
      hash: e.hash,
      small: { uniqueId: base.uniqueId, size: base.size, hash: base.hash },
    });
  }
  return { communities, documents };
}

serveOperations({ start: (c: LargeDocumentConfig) => start(c), stop }, stop);
