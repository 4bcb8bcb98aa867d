/**
 * A mixed network through the federation core: two simulated XCA responding gateways of the
 * default pack and the pack's third community as a simulated MHD community
 * (gateway-server.ts `protocol: 'mhd'`), all real HTTP on port 0. ITI-38 for a patient in all
 * three holds all three communities' documents, the MHD ones encoded as ebRIM for the XCA
 * consumer; ITI-39 of an MHD community's document returns its bytes (ITI-67 by identifier +
 * ITI-68); the MHD community's faults reach the consolidated answer as docs/mhd.md says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommunityDirectory, type CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { crossGatewayQuery } from '../../simulator/broker/cross-gateway-query.js';
import { crossGatewayRetrieve } from '../../simulator/broker/cross-gateway-retrieve.js';
import { ebrimObjects } from '../../simulator/broker/ebrim-objects.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { mhdEndpoints } from '../../simulator/shared/fhir-endpoints.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import {
  EntryStatus,
  ErrorCode,
  ErrorSeverity,
  ResponseStatus,
  StoredQueryId,
} from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

let topo: TestTopology;
let mhd: CommunityData;
let gateway: RunningGateway;
let faults: FaultStore;
let bc: BrokerContext;
let nhs: string;
const agent = new HttpAgent({ connections: 8 });

beforeAll(async () => {
  warmFhirValidators();
  topo = await startTestTopology({ simulated: 2 });
  mhd = topo.pack.communities[2]!;
  faults = new FaultStore(1, () => [mhd.name]);
  gateway = await startRespondingGateway({
    community: mhd,
    protocol: 'mhd',
    faults,
    logger: silentLogger(),
    maxBodyBytes: 1 << 20,
    host: '127.0.0.1',
    port: 0,
  });
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
      endpoints: mhdEndpoints(gateway.url),
      fhirBase: `${gateway.url}/fhir`,
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
  await gateway.stop();
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
      requestLine: `GET ${gateway.url}/fhir/DocumentReference?${new URLSearchParams({ 'patient.identifier': `https://fhir.nhs.uk/Id/nhs-number|${nhs}`, status: 'current' }).toString()}`,
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

describe("the MHD community's faults in the consolidated ITI-38 answer", () => {
  const findDocuments = (): AdhocQueryRequest => ({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
      { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
    ],
  });
  /** ITI-38 with `fault` on the MHD community: status, errors, the MHD documents kept, the MHD leg. */
  async function withFault(fault: Record<string, unknown>) {
    const added = faults.add({ name: 'f', gateway: mhd.name, transaction: 'ITI-67', ...fault });
    expect(added.ok).toBe(true);
    try {
      const { response, event } = await crossGatewayQuery(findDocuments(), nhsNumberToCx(nhs), {}, bc);
      const xcaCount = topo.pack.communities.slice(0, 2).flatMap(approvedOf).length;
      expect(response.objects.filter((o) => o.form === 'ebrim')).toHaveLength(xcaCount);
      const leg = event.legs.find((l) => l.homeCommunityId === mhd.homeCommunityId)!;
      return {
        status: response.status,
        errors: response.errors,
        mhdDocuments: response.objects.filter((o) => o.form === 'fhir').length,
        leg: { outcome: leg.outcome, httpStatus: leg.httpStatus, failure: leg.failure },
      };
    } finally {
      faults.remove('f');
    }
  }
  const at = (errorCode: string, codeContext: unknown, severity: string = ErrorSeverity.Error) => ({
    errorCode,
    codeContext,
    severity,
    location: mhd.homeCommunityId,
  });

  it('malformed-json truncated / not-well-formed: the leg fails `malformed`; the XCA documents stay', async () => {
    for (const variant of ['truncated', 'not-well-formed']) {
      const r = await withFault({ kind: 'malformed-json', variant });
      const detail = r.leg.failure?.detail ?? '';
      expect(detail).toMatch(/^the ITI-67 answer is not FHIR JSON \(the body is not JSON: /);
      expect(r).toEqual({
        status: ResponseStatus.PartialSuccess,
        errors: [at(ErrorCode.XDSRegistryError, expect.stringContaining(detail))],
        mhdDocuments: 0,
        leg: { outcome: 'failed', httpStatus: 200, failure: { reason: 'malformed', detail } },
      });
    }
  });

  it('malformed-json wrong-resource-type: `invalid-response` naming the resource', async () => {
    const detail =
      'the searchset Bundle is not usable: Bundle.resourceType: the body is a Parameters, not a Bundle';
    expect(await withFault({ kind: 'malformed-json', variant: 'wrong-resource-type' })).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [at(ErrorCode.XDSRegistryError, expect.stringContaining(detail))],
      mhdDocuments: 0,
      leg: { outcome: 'failed', httpStatus: 200, failure: { reason: 'invalid-response', detail } },
    });
  });

  it('http-status 500 (an OperationOutcome body): XDSUnavailableCommunity', async () => {
    const r = await withFault({ kind: 'http-status', status: 500 });
    expect(r).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [at(ErrorCode.XDSUnavailableCommunity, expect.stringContaining('HTTP 500'))],
      mhdDocuments: 0,
      leg: {
        outcome: 'failed',
        httpStatus: 500,
        failure: { reason: 'http-status', detail: 'HTTP 500: error exception: simulated HTTP 500' },
      },
    });
  });

  it('registry-error with documents: the issue located at the community, its documents kept', async () => {
    expect(
      await withFault({ kind: 'registry-error', errorCode: 'XDSRegistryBusy', withDocuments: true }),
    ).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [at(ErrorCode.XDSRegistryBusy, `simulated XDSRegistryBusy from ${mhd.displayName}`)],
      mhdDocuments: approvedOf(mhd).length,
      leg: { outcome: 'answered', httpStatus: 200, failure: undefined },
    });
  });

  it('wrong-home: every DocumentReference dropped with an Error; missing-home: kept with a Warning', async () => {
    const wrong = await withFault({ kind: 'wrong-home', home: 'urn:oid:2.25.1' });
    expect(wrong.status).toBe(ResponseStatus.PartialSuccess);
    expect(wrong.mhdDocuments).toBe(0);
    expect(wrong.errors).toEqual(
      approvedOf(mhd).map(() =>
        at(
          ErrorCode.XDSRegistryError,
          expect.stringMatching(
            /with home urn:oid:2\.25\.1; it was dropped because it names another community$/,
          ),
        ),
      ),
    );
    const missing = await withFault({ kind: 'missing-home' });
    expect(missing.status).toBe(ResponseStatus.Success);
    expect(missing.mhdDocuments).toBe(approvedOf(mhd).length);
    expect(missing.errors).toEqual(
      approvedOf(mhd).map(() =>
        at(
          ErrorCode.XDSRegistryError,
          expect.stringMatching(
            new RegExp(`without home; nir-sim set home to ${mhd.homeCommunityId.replace(/\./g, '\\.')}$`),
          ),
          ErrorSeverity.Warning,
        ),
      ),
    );
  });

  it('connection-reset: `reset`, XDSUnavailableCommunity', async () => {
    expect(await withFault({ kind: 'connection-reset' })).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [
        at(ErrorCode.XDSUnavailableCommunity, expect.stringContaining('connection broken: ECONNRESET')),
      ],
      mhdDocuments: 0,
      leg: {
        outcome: 'failed',
        httpStatus: undefined,
        failure: { reason: 'reset', detail: 'connection broken: ECONNRESET' },
      },
    });
  });
});

describe('MHD legs of the MHD face and of retrieves', () => {
  it("GetDocuments with perLegHome (the MHD face's identifier search) finds the MHD document by identifier alone", async () => {
    const m = approvedOf(mhd)[0]!;
    const x = approvedOf(topo.pack.communities[1]!)[0]!;
    const req: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      slots: [{ name: '$XDSDocumentEntryUniqueId', values: [`('${m.uniqueId}','${x.uniqueId}')`] }],
    };
    const { response } = await crossGatewayQuery(req, undefined, {}, bc, { perLegHome: true });
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(
      ebrimObjects(response.objects, 'LeafClass')
        .map((o) => `${o.home} ${o.entryIds?.uniqueId}`)
        .sort(),
    ).toEqual([`${m.homeCommunityId} ${m.uniqueId}`, `${x.homeCommunityId} ${x.uniqueId}`].sort());
  });

  it('an ITI-68 http-status fault: XDSRepositoryError for the MHD document, the XCA document still returned', async () => {
    expect(
      faults.add({ name: 'f68', gateway: mhd.name, transaction: 'ITI-68', kind: 'http-status', status: 503 })
        .ok,
    ).toBe(true);
    try {
      const m = approvedOf(mhd)[0]!;
      const x = approvedOf(topo.pack.communities[0]!)[0]!;
      const asked = [m, x].map((e) => ({
        homeCommunityId: e.homeCommunityId,
        repositoryUniqueId: e.repositoryUniqueId,
        documentUniqueId: e.uniqueId,
      }));
      const { response } = await crossGatewayRetrieve({ documents: asked }, {}, bc);
      expect(response.status).toBe(ResponseStatus.PartialSuccess);
      expect(response.documents.map((d) => d.documentUniqueId)).toEqual([x.uniqueId]);
      expect(response.errors).toEqual([
        {
          errorCode: ErrorCode.XDSRepositoryError,
          codeContext: `document ${m.uniqueId}: ITI-68 answered HTTP 503: error transient: simulated HTTP 503`,
          severity: ErrorSeverity.Error,
          location: mhd.homeCommunityId,
        },
      ]);
    } finally {
      faults.remove('f68');
    }
  });
});
