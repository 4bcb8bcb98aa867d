/**
 * ITI-68 on the broker streams the document (IHE MHD ITI TF-2 3.68; broker/retrieve-document-send.ts,
 * broker/iti68-relay.ts), from an XCA community (ITI-39, the MTOM part) and from an MHD community
 * (ITI-67 + ITI-68, the body): a 20 MB document (added to a simulated community's pack in the test)
 * arrives byte-identical with its head (200, mimeType, Content-Length and ETag from the
 * DocumentEntry); a community whose connection is reset mid-document (`connection-reset` with
 * `afterBytes`) and bytes that do not match the DocumentEntry's hash each give the consumer an
 * aborted body, never a complete-looking 200, and the transaction recorded once more as failed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import type { TransactionEvent } from '../../simulator/events/transaction-events.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { FhirPath, mhdEndpoints } from '../../simulator/shared/fhir-endpoints.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ErrorCode, ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import type { DocumentEntry } from '../../simulator/xca/document-entry-model.js';
import { startRetrieveBroker, type RetrieveBroker } from '../helpers/mhd-retrieve.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

const BIG_BYTES = 20 * 1024 * 1024;
const WRONG_HASH = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'; // SHA-1 of no bytes

const documentUrl = (base: string, e: DocumentEntry) =>
  `${base}${FhirPath.iti68}?${new URLSearchParams({ homeCommunityId: e.homeCommunityId, repositoryUniqueId: e.repositoryUniqueId, uniqueId: e.uniqueId }).toString()}`;

/**
 * Add a document of `bytes` to `c` (a copy of its first PDF entry with a new uniqueId, size and
 * hash), served by its gateway from memory; returns its entry (replace it in `c.entries` to change
 * what the metadata says).
 */
function addDocument(c: CommunityData, bytes: Buffer, n: number): DocumentEntry {
  const base = c.entries.find((e) => e.mimeType === 'application/pdf')!;
  const entry: DocumentEntry = {
    ...base,
    entryUUID: `urn:uuid:${randomUUID()}`,
    uniqueId: `${base.uniqueId}.77${n}`,
    size: bytes.length,
    hash: createHash('sha1').update(bytes).digest('hex'),
  };
  c.entries.push(entry);
  const read = c.readDocument.bind(c);
  c.readDocument = (uid) => (uid === entry.uniqueId ? Promise.resolve(bytes) : read(uid));
  return entry;
}

/** Replace `e` in `c.entries` with `changed` (what the community's metadata then says). */
function setEntry(c: CommunityData, e: DocumentEntry, changed: DocumentEntry): void {
  c.entries[c.entries.indexOf(e)] = changed;
}

describe('ITI-68 streamed through the broker', () => {
  let t: TestTopology;
  let b: RetrieveBroker;
  let mhd: CommunityData;
  let gateway: RunningGateway;
  let mhdFaults: FaultStore;
  const big = randomBytes(BIG_BYTES);
  const docs: Record<'xca' | 'mhd', DocumentEntry> = {} as never;

  beforeAll(async () => {
    warmFhirValidators();
    t = await startTestTopology({ simulated: 2, deadlineMs: 30_000 });
    mhd = t.pack.communities[2]!;
    mhdFaults = new FaultStore(1, () => [mhd.name]);
    gateway = await startRespondingGateway({
      community: mhd,
      protocol: 'mhd',
      faults: mhdFaults,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
    });
    docs.xca = addDocument(t.pack.communities[0]!, big, 1);
    docs.mhd = addDocument(mhd, big, 2);
    b = await startRetrieveBroker(t.running, {
      clock: systemClock,
      deadlineMs: 30_000,
      communities: [
        {
          name: mhd.name,
          homeCommunityId: mhd.homeCommunityId,
          protocol: 'mhd',
          endpoints: mhdEndpoints(gateway.url),
          fhirBase: `${gateway.url}/fhir`,
        },
      ],
    });
  });
  afterAll(async () => {
    await b.close();
    await gateway.stop();
    await t.running.stop();
  });
  beforeEach(() => {
    t.faults.reset();
    mhdFaults.reset();
  });

  const cases = [
    { protocol: 'xca', legs: ['ITI-39', 'ITI-38'], fault: 'ITI-39' },
    { protocol: 'mhd', legs: ['ITI-68', 'ITI-67'], fault: 'ITI-68' },
  ] as const;
  const communityOf = (protocol: 'xca' | 'mhd') => (protocol === 'xca' ? t.pack.communities[0]! : mhd);
  const faultsOf = (protocol: 'xca' | 'mhd') => (protocol === 'xca' ? t.faults : mhdFaults);

  /** The records of the request just made: its TransactionEvent(s), in order. */
  const recordsSince = (before: number): TransactionEvent[] =>
    b.records.slice(before).flatMap((r) => (r.kind === 'transaction' ? [r.event] : []));

  for (const c of cases) {
    describe(`from an ${c.protocol.toUpperCase()} community`, () => {
      it('a 20 MB document arrives byte-identical, with its head from the DocumentEntry, recorded once', async () => {
        const d = docs[c.protocol];
        const before = b.records.length;
        const res = await fetch(documentUrl(b.url, d));
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(d.mimeType);
        expect(res.headers.get('content-length')).toBe(String(BIG_BYTES));
        expect(res.headers.get('etag')).toBe(`"${d.hash}"`);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(bytes.equals(big)).toBe(true);
        const [e, ...more] = recordsSince(before);
        expect(more).toEqual([]);
        expect(e).toMatchObject({
          transaction: 'ITI-68',
          protocol: 'mhd',
          status: ResponseStatus.Success,
          errors: [],
          resultCount: 1,
        });
        expect(e!.legs.map((l) => [l.transaction ?? 'ITI-68', l.homeCommunityId, l.outcome])).toEqual([
          [c.legs[0], d.homeCommunityId, 'answered'],
          [c.legs[1], d.homeCommunityId, 'answered'],
        ]);
      });

      it('a community reset mid-document: the consumer sees an aborted body, and the failure is recorded', async () => {
        const d = docs[c.protocol];
        const added = faultsOf(c.protocol).add({
          name: 'reset-mid-document',
          gateway: communityOf(c.protocol).name,
          transaction: c.fault,
          kind: 'connection-reset',
          afterBytes: 5 * 1024 * 1024,
        });
        expect(added.ok).toBe(true);
        const before = b.records.length;
        const res = await fetch(documentUrl(b.url, d));
        expect(res.status).toBe(200);
        expect(res.headers.get('content-length')).toBe(String(BIG_BYTES));
        await expect(res.arrayBuffer()).rejects.toThrow();
        await expect.poll(() => recordsSince(before).length).toBe(2);
        const [first, failed] = recordsSince(before);
        expect(first!.status).toBe(ResponseStatus.Success);
        expect(failed!.id).toBe(first!.id);
        expect(failed).toMatchObject({
          transaction: 'ITI-68',
          status: ResponseStatus.Failure,
          resultCount: 0,
        });
        expect(failed!.errors.map((e) => [e.errorCode, e.severity, e.location])).toEqual([
          [ErrorCode.XDSUnavailableCommunity, ErrorSeverity.Error, d.homeCommunityId],
        ]);
        // The bytes sent before the reset and the transport's words for it vary with timing.
        expect(failed!.errors[0]!.codeContext).toMatch(
          new RegExp(
            `^community ${d.homeCommunityId} \\(${communityOf(c.protocol).name}\\) failed while sending document ${d.uniqueId.replace(/\./g, '\\.')}: the community's stream broke after \\d+ bytes: .+; the consumer's connection was aborted$`,
          ),
        );
        expect(failed!.legs.map((l) => [l.outcome, l.failure?.reason])).toEqual([
          ['failed', 'reset'],
          ['answered', undefined],
        ]);
      });

      it("bytes that do not match the DocumentEntry's hash: an aborted body, and XDSRepositoryError recorded", async () => {
        const d = docs[c.protocol];
        const community = communityOf(c.protocol);
        const wrong = { ...d, hash: WRONG_HASH };
        setEntry(community, d, wrong);
        try {
          const before = b.records.length;
          const res = await fetch(documentUrl(b.url, d));
          expect(res.status).toBe(200);
          expect(res.headers.get('etag')).toBe(`"${WRONG_HASH}"`);
          const body = res.arrayBuffer();
          await expect(body).rejects.toThrow();
          await expect.poll(() => recordsSince(before).length).toBe(2);
          const [first, failed] = recordsSince(before);
          expect(failed!.id).toBe(first!.id);
          const sha1 = createHash('sha1').update(big).digest('hex');
          expect(failed).toMatchObject({
            status: ResponseStatus.Failure,
            resultCount: 0,
            errors: [
              {
                errorCode: ErrorCode.XDSRepositoryError,
                location: d.homeCommunityId,
                codeContext: `community ${d.homeCommunityId} (${community.name}) sent document ${d.uniqueId} with bytes that do not match its metadata: the SHA-1 of the ${BIG_BYTES} bytes the community sent is ${sha1}, but the document's hash is ${WRONG_HASH}; the consumer's connection was aborted`,
              },
            ],
          });
          expect(failed!.legs.map((l) => l.outcome)).toEqual(['answered', 'answered']);
        } finally {
          setEntry(community, wrong, d);
        }
      });
    });
  }
});
