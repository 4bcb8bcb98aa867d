/**
 * End to end over SOAP: an XCA consumer's ITI-38 and ITI-39 to the broker of an in-process
 * topology of the default pack's first three communities, the third a simulated MHD community
 * (topology `protocol: 'mhd'`). The ITI-38 answer holds all three communities' documents (the MHD
 * ones as ebRIM, same uniqueIds and hashes as the pack), the ITI-39 of an MHD document returns its
 * bytes, and the transaction log shows the MHD legs as ITI-67 / ITI-68 with their request lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData, DataPack } from '../../simulator/data-pack/pack-format.js';
import type { TransactionEvent } from '../../simulator/events/transaction-events.js';
import { warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus, ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

let pack: DataPack;
let running: RunningTopology;
let mhd: CommunityData;
let nhs: string;
const transactions: TransactionEvent[] = [];

beforeAll(async () => {
  warmFhirValidators();
  pack = await loadDataPack(defaultPackDir);
  const three = pack.communities.slice(0, 3);
  mhd = three[2]!;
  nhs = pack.patients.find((p) =>
    three.every((c) => p.homeCommunityIds.includes(c.homeCommunityId)),
  )!.nhsNumber;
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 20_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: three.map((store, i) => ({
        kind: 'simulated' as const,
        store,
        port: 0,
        ...(i === 2 ? { protocol: 'mhd' as const } : {}),
      })),
    },
    { logger: silentLogger() },
  );
  running.events.on('transaction', (e) => transactions.push(e));
});

afterAll(async () => {
  await running.stop();
});

const approvedOf = (c: CommunityData) =>
  c.entries.filter(
    (e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved,
  );

describe('XCA consumer over a mixed network (2 XCA + 1 MHD), SOAP end to end', () => {
  it("ITI-38 answers every community's documents in one Success response", async () => {
    const r = await post(running.broker.endpoints['ITI-38'], findDocuments(nhs));
    expect(r.status).toBe(200);
    const { response } = readQueryResponse(r);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    const expected = pack.communities
      .slice(0, 3)
      .flatMap((c) => approvedOf(c).map((e) => `${c.homeCommunityId} ${e.uniqueId}`))
      .sort();
    expect(response.objects.map((o) => `${o.home} ${o.entryIds?.uniqueId}`).sort()).toEqual(expected);
    const fromMhd = response.objects.filter((o) => o.home === mhd.homeCommunityId);
    expect(fromMhd.length).toBe(approvedOf(mhd).length);
    expect(fromMhd.length).toBeGreaterThan(0);
    // The MHD documents' hashes travel ITI-67 (base64) -> ebRIM (hex) unchanged.
    for (const o of fromMhd) {
      const e = mhd.entries.find((x) => x.uniqueId === o.entryIds?.uniqueId)!;
      expect(o.xml).toContain(`<rim:Value>${e.hash}</rim:Value>`);
    }
    const event = transactions.at(-1)!;
    const leg = event.legs.find((l) => l.homeCommunityId === mhd.homeCommunityId)!;
    expect(leg).toMatchObject({
      protocol: 'mhd',
      transaction: 'ITI-67',
      outcome: 'answered',
      httpStatus: 200,
    });
    expect(leg.requestLine).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/fhir\/DocumentReference\?patient\.identifier=/,
    );
  });

  it("ITI-39 of an MHD community's document returns its bytes through ITI-67 + ITI-68", async () => {
    const m = approvedOf(mhd)[0]!;
    const r = await post(
      running.broker.endpoints['ITI-39'],
      retrieve([
        {
          homeCommunityId: m.homeCommunityId,
          repositoryUniqueId: m.repositoryUniqueId,
          documentUniqueId: m.uniqueId,
        },
      ]),
    );
    expect(r.status).toBe(200);
    const { response } = readRetrieveResponse(r);
    expect(response).toEqual({
      status: ResponseStatus.Success,
      errors: [],
      documents: [
        {
          homeCommunityId: m.homeCommunityId,
          repositoryUniqueId: m.repositoryUniqueId,
          documentUniqueId: m.uniqueId,
          mimeType: m.mimeType,
          content: await mhd.readDocument(m.uniqueId),
        },
      ],
    });
    const leg = transactions.at(-1)!.legs[0]!;
    expect(leg).toMatchObject({
      protocol: 'mhd',
      transaction: 'ITI-68',
      outcome: 'answered',
      httpStatus: 200,
    });
    expect(leg.requestLine?.split('\n')).toHaveLength(2);
  });
});
