/**
 * A mixed network through the federation core: two simulated XCA responding gateways of the
 * default pack (real SOAP on port 0) and one MHD community (real FHIR JSON on port 0, the pack's
 * third community as DocumentReferences and ITI-68 bytes). ITI-38 for a patient in all three
 * holds all three communities' documents, the MHD ones encoded as ebRIM for the XCA consumer; ITI-39
 * of an MHD community's document returns its bytes (ITI-67 by identifier + ITI-68).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Codecs from '../../simulator/broker/community-codecs.js';
import { CommunityDirectory, type CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { crossGatewayQuery } from '../../simulator/broker/cross-gateway-query.js';
import { crossGatewayRetrieve } from '../../simulator/broker/cross-gateway-retrieve.js';
import { ebrimObjects } from '../../simulator/broker/ebrim-objects.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { searchsetBundle } from '../../simulator/fhir/bundle.js';
import { warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { toDocumentReference } from '../../simulator/mhd/document-reference.js';
import { mhdEndpoints } from '../../simulator/shared/fhir-endpoints.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import { EntryStatus, ResponseStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import type { DocumentEntry } from '../../simulator/xca/document-entry-model.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { listenOnPort0, type Listening } from '../helpers/listen.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

// community-codecs.ts lists the `mhd` codec when the branches are merged (one import line); until
// then this file lists it the same way, so the core reaches the MHD community through mhdCodec.
vi.mock('../../simulator/broker/community-codecs.js', async (original) => {
  const real = await original<typeof Codecs>();
  const { mhdCodec } = await import('../../simulator/broker/mhd-community-client.js');
  return {
    ...real,
    codecFor: (c: CommunityEndpoint): ReturnType<typeof real.codecFor> =>
      c.protocol === 'mhd' ? mhdCodec : real.codecFor(c),
  };
});

let topo: TestTopology;
let mhd: CommunityData;
let fhir: Listening;
let bc: BrokerContext;
let nhs: string;
const agent = new HttpAgent({ connections: 8 });

/** The MHD community: ITI-67 by patient or identifier over `mhd`'s entries; ITI-68 its bytes. */
function fhirCommunity(c: CommunityData, base: () => string): http.Server {
  const docRef = (e: DocumentEntry) =>
    toDocumentReference(e, {
      attachmentUrl: (x) =>
        `${base()}/fhir/document?${new URLSearchParams({ homeCommunityId: x.homeCommunityId, repositoryUniqueId: x.repositoryUniqueId, uniqueId: x.uniqueId }).toString()}`,
    }).value;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    if (url.pathname === '/fhir/DocumentReference') {
      const ids = q
        .get('identifier')
        ?.split(',')
        .map((t) => t.replace(/^urn:ietf:rfc:3986\|urn:oid:/, ''));
      const who = q.get('patient.identifier')?.split('|')[1];
      const entries = c.entries.filter((e) =>
        ids
          ? ids.includes(e.uniqueId)
          : e.patientId === nhsNumberToCx(who ?? '') && e.availabilityStatus === EntryStatus.Approved,
      );
      const body = searchsetBundle({
        self: `${base()}${req.url ?? ''}`,
        matches: entries.map((e) => ({
          fullUrl: `${base()}/fhir/DocumentReference/${e.entryUUID.slice(9)}`,
          resource: docRef(e),
        })),
      });
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(body));
      return;
    }
    const e =
      url.pathname === '/fhir/document' ? c.entries.find((x) => x.uniqueId === q.get('uniqueId')) : undefined;
    void (e ? c.readDocument(e.uniqueId) : Promise.resolve(undefined)).then((bytes) => {
      res.writeHead(bytes ? 200 : 404, { 'content-type': bytes ? e!.mimeType : 'application/fhir+json' });
      res.end(
        bytes ??
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'not-found' }],
          }),
      );
    });
  });
}

beforeAll(async () => {
  warmFhirValidators();
  topo = await startTestTopology({ simulated: 2 });
  mhd = topo.pack.communities[2]!;
  let base = '';
  fhir = await listenOnPort0(fhirCommunity(mhd, () => base));
  base = fhir.url;
  const ids = topo.pack.communities.slice(0, 3).map((c) => c.homeCommunityId);
  nhs = topo.pack.patients.find((p) => ids.every((id) => p.homeCommunityIds.includes(id)))!.nhsNumber;
  const communities: CommunityEndpoint[] = [
    ...topo.running.communities.map((c) => ({
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      endpoints: c.endpoints,
    })),
    {
      name: mhd.name,
      homeCommunityId: mhd.homeCommunityId,
      protocol: 'mhd',
      endpoints: mhdEndpoints(fhir.url),
      fhirBase: `${fhir.url}/fhir`,
    },
  ];
  bc = {
    directory: new CommunityDirectory(communities),
    deadlineMs: 20_000,
    clock: systemClock,
    logger: silentLogger(),
    transport: { agent, maxResponseBytes: 16 * 1024 * 1024 },
  };
});

afterAll(async () => {
  await agent.close();
  await fhir.close();
  await topo.running.stop();
});

const approvedOf = (c: CommunityData) =>
  c.entries.filter(
    (e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved,
  );

describe('a mixed network (2 XCA + 1 MHD) through the federation core', () => {
  it("ITI-38 holds every community's documents; the MHD ones as ebRIM ExtrinsicObjects with their home", async () => {
    const req: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    };
    const { response, event } = await crossGatewayQuery(req, nhsNumberToCx(nhs), {}, bc);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    const expected = topo.pack.communities
      .slice(0, 3)
      .flatMap((c) => approvedOf(c).map((e) => `${c.homeCommunityId} ${e.uniqueId}`))
      .sort();
    const rim = ebrimObjects(response.objects, 'LeafClass');
    expect(rim.map((o) => `${o.home} ${o.entryIds?.uniqueId}`).sort()).toEqual(expected);
    expect(new Set(rim.map((o) => o.kind))).toEqual(new Set(['ExtrinsicObject']));
    const fromMhd = response.objects.filter((o) => o.form === 'fhir');
    expect(fromMhd.map((o) => o.entry.uniqueId).sort()).toEqual(
      approvedOf(mhd)
        .map((e) => e.uniqueId)
        .sort(),
    );
    expect(fromMhd.length).toBeGreaterThan(0);
    const leg = event.legs.find((l) => l.homeCommunityId === mhd.homeCommunityId)!;
    expect(leg).toMatchObject({
      community: mhd.name,
      protocol: 'mhd',
      transaction: 'ITI-67',
      outcome: 'answered',
      httpStatus: 200,
      requestLine: `GET ${fhir.url}/fhir/DocumentReference?${new URLSearchParams({ 'patient.identifier': `https://fhir.nhs.uk/Id/nhs-number|${nhs}`, status: 'current' }).toString()}`,
    });
  });

  it("ITI-39 of an MHD community's document (beside an XCA one) returns both documents' bytes", async () => {
    const m = approvedOf(mhd)[0]!;
    const x = approvedOf(topo.pack.communities[0]!)[0]!;
    const asked = [m, x].map((e) => ({
      homeCommunityId: e.homeCommunityId,
      repositoryUniqueId: e.repositoryUniqueId,
      documentUniqueId: e.uniqueId,
    }));
    const { response, event } = await crossGatewayRetrieve({ documents: asked }, {}, bc);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    const bytes = await Promise.all([
      mhd.readDocument(m.uniqueId),
      topo.pack.communities[0]!.readDocument(x.uniqueId),
    ]);
    expect(
      [...response.documents].sort((a, b) =>
        a.homeCommunityId === mhd.homeCommunityId ? -1 : b.homeCommunityId === mhd.homeCommunityId ? 1 : 0,
      ),
    ).toEqual(
      [m, x].map((e, i) => ({
        homeCommunityId: e.homeCommunityId,
        repositoryUniqueId: e.repositoryUniqueId,
        documentUniqueId: e.uniqueId,
        mimeType: e.mimeType,
        content: bytes[i],
      })),
    );
    expect(event.legs.find((l) => l.homeCommunityId === mhd.homeCommunityId)).toMatchObject({
      protocol: 'mhd',
      transaction: 'ITI-68',
      outcome: 'answered',
    });
  });
});
