/**
 * The federation core's options for the MHD face (crossGatewayQuery opts), against the default
 * pack's simulated communities over real HTTP: Target Communities (MHD 4.2.4) and a query without
 * patient id sent to every community with its own AdhocQuery/@home (ITI-67 `identifier` search).
 * The ITI-38 face's behaviour is in broker-query.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommunityDirectory } from '../../simulator/broker/community-directory.js';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { crossGatewayQuery } from '../../simulator/broker/cross-gateway-query.js';
import type { FederatedObject } from '../../simulator/broker/federated-object.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus, ErrorSeverity, ResponseStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

const rimOf = (o: FederatedObject) => {
  if (o.form !== 'ebrim') throw new Error(`expected an XCA community's object, got ${o.form}`);
  return o.object;
};

describe('crossGatewayQuery with the MHD face options, XCA communities answering', () => {
  let t: TestTopology;
  let bc: BrokerContext;
  beforeAll(async () => {
    t = await startTestTopology();
    bc = {
      directory: new CommunityDirectory(
        t.running.communities.map((c) => ({
          name: c.name,
          homeCommunityId: c.homeCommunityId,
          endpoints: c.endpoints,
        })),
        { 'no-third': { exclude: [t.running.communities[2]!.homeCommunityId] } },
      ),
      deadlineMs: 10_000,
      clock: systemClock,
      logger: silentLogger(),
      transport: { maxResponseBytes: 16 * 1024 * 1024 },
    };
  });
  afterAll(() => t.running.stop());

  it('target communities: only those are asked; an unknown and an excluded one each get a located XDSUnknownCommunity', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const [first, second, third] = t.pack.communities;
    const unknown = 'urn:oid:1.2.826.0.1.999.999';
    const req: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    };
    const { response, event } = await crossGatewayQuery(
      req,
      nhsNumberToCx(nhs),
      { consumerId: 'no-third' },
      bc,
      {
        transaction: 'ITI-67',
        targetCommunityIds: [
          second!.homeCommunityId,
          unknown,
          third!.homeCommunityId,
          first!.homeCommunityId,
        ],
      },
    );
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSUnknownCommunity',
        codeContext: `homeCommunityId ${unknown} is not a community NIR knows`,
        severity: ErrorSeverity.Error,
        location: unknown,
      },
      {
        errorCode: 'XDSUnknownCommunity',
        codeContext: `homeCommunityId ${third!.homeCommunityId} is excluded by the profile of consumer 'no-third'`,
        severity: ErrorSeverity.Error,
        location: third!.homeCommunityId,
      },
    ]);
    // Asked in the order named; each community's entries for the patient, with its home.
    const expected = [second!, first!].flatMap((c) =>
      c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`)).map((e) => [e.entryUUID, c.homeCommunityId]),
    );
    expect(expected.length).toBeGreaterThan(2);
    expect(response.objects.map((o) => [rimOf(o).id, rimOf(o).home])).toEqual(expected);
    expect(event.transaction).toBe('ITI-67');
    // XCA legs of an ITI-67 request name the transaction they sent; their protocol is the default.
    expect(event.legs.map((l) => [l.homeCommunityId, l.outcome, l.transaction, l.protocol])).toEqual([
      [second!.homeCommunityId, 'answered', 'ITI-38', undefined],
      [first!.homeCommunityId, 'answered', 'ITI-38', undefined],
    ]);
  });

  it('perLegHome: GetDocuments without patient id or home goes to every community, each leg with its own home', async () => {
    const holder = t.pack.communities[1]!;
    const entry = holder.entries[0]!;
    const req: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      slots: [{ name: '$XDSDocumentEntryUniqueId', values: [`('${entry.uniqueId}')`] }],
    };
    const { response, event } = await crossGatewayQuery(req, undefined, {}, bc, {
      transaction: 'ITI-67',
      perLegHome: true,
    });
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(response.objects.map((o) => [rimOf(o).id, rimOf(o).home, rimOf(o).entryIds?.uniqueId])).toEqual([
      [entry.entryUUID, holder.homeCommunityId, entry.uniqueId],
    ]);
    expect(event.legs.map((l) => [l.homeCommunityId, l.outcome])).toEqual(
      t.pack.communities.map((c) => [c.homeCommunityId, 'answered']),
    );
    for (const leg of event.legs)
      expect(leg.requestXml, leg.community).toMatch(
        new RegExp(`<rim:AdhocQuery [^>]*home="${leg.homeCommunityId.replace(/\./g, '\\.')}"`),
      );
    // The request the face passed in is not changed: the home is set per leg, on a copy.
    expect(req.home).toBeUndefined();
  });
});
