/**
 * `sim up --gateways 2 --mhd-gateways 1` end to end on the in-process runtime (port 0): the broker
 * reaches the default pack's third community, started as a simulated MHD Document Responder, with
 * ITI-67/ITI-68 legs, so an XCA consumer's ITI-38 over SOAP holds all three communities'
 * documents (the same ones an all-XCA network returns) and its ITI-39 of the MHD community's
 * document returns the document's bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { topologyFromOptions } from '../../simulator/topology/resolve-topology.js';
import { EntryStatus, ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';

/** Start `sim up` with these flags on port 0. */
async function up(flags: { gateways: number; mhdGateways?: number }) {
  const r = await topologyFromOptions({ ...flags, portBase: 0, host: '127.0.0.1', deadlineMs: 20_000 });
  const running = await startInProcess(r.topology, { logger: silentLogger(), faults: r.faults });
  return { running, pack: r.pack };
}

describe('sim up --gateways 2 --mhd-gateways 1: an XCA consumer over a mixed network', () => {
  let mixed: RunningTopology;
  let xcaOnly: RunningTopology;
  let pack: DataPack;
  let nhs: string;
  beforeAll(async () => {
    const m = await up({ gateways: 2, mhdGateways: 1 });
    mixed = m.running;
    pack = m.pack;
    xcaOnly = (await up({ gateways: 3 })).running;
    nhs = pack.manifest.examples.inAllCommunities!;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([mixed?.stop(), xcaOnly?.stop()]);
  });

  it('ITI-38 holds every community’s documents, the same as an all-XCA network', async () => {
    expect(mixed.communities.map((c) => c.protocol)).toEqual(['xca', 'xca', 'mhd']);
    const ask = async (t: RunningTopology) =>
      readQueryResponse(await post(t.broker.endpoints['ITI-38'], findDocuments(nhs))).response;
    const [m, x] = await Promise.all([ask(mixed), ask(xcaOnly)]);
    expect([m.status, m.errors]).toEqual([ResponseStatus.Success, []]);
    const ids = (r: typeof m) => r.objects.map((o) => `${o.home} ${o.entryIds?.uniqueId}`).sort();
    expect(ids(m)).toEqual(ids(x));
    const third = pack.communities[2]!;
    expect(m.objects.filter((o) => o.home === third.homeCommunityId).length).toBe(
      third.entries.filter(
        (e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved,
      ).length,
    );
  });

  it("ITI-39 of the MHD community's document returns its bytes", async () => {
    const third = pack.communities[2]!;
    const e = third.entries.find(
      (x) => x.patientId === nhsNumberToCx(nhs) && x.availabilityStatus === EntryStatus.Approved,
    )!;
    const { response } = readRetrieveResponse(
      await post(
        mixed.broker.endpoints['ITI-39'],
        retrieve([
          {
            homeCommunityId: e.homeCommunityId,
            repositoryUniqueId: e.repositoryUniqueId,
            documentUniqueId: e.uniqueId,
          },
        ]),
      ),
    );
    expect([response.status, response.errors]).toEqual([ResponseStatus.Success, []]);
    expect(response.documents).toEqual([
      {
        homeCommunityId: e.homeCommunityId,
        repositoryUniqueId: e.repositoryUniqueId,
        documentUniqueId: e.uniqueId,
        mimeType: e.mimeType,
        content: await third.readDocument(e.uniqueId),
      },
    ]);
  });
});
