/**
 * The federation core's rules that need no community to answer: a community whose protocol the
 * broker has no codec for fails its leg cleanly (no call, one located RegistryError, a LegEvent
 * naming the protocol and the transaction it would have sent), and the MHD options' planning.
 * `dicomweb` stands for a protocol value the broker does not know (WireProtocol has none: a
 * directory is typed, but a leg must not throw on a value it cannot serve).
 * Queries answered by real communities: test/integration/broker-federation-core.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { ErrorSeverity, EntryStatus, ResponseStatus, StoredQueryId } from '../xca/constants.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import type { AdhocQueryRequest } from '../xca/types.js';
import type { WireProtocol } from '../events/transaction-events.js';
import { codecFor } from './community-codecs.js';
import { CommunityDirectory, type CommunityEndpoint } from './community-directory.js';
import type { BrokerContext } from './context.js';
import { crossGatewayQuery, MAX_TARGET_COMMUNITIES } from './cross-gateway-query.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const MHD: CommunityEndpoint = {
  name: 'east-mhd',
  homeCommunityId: 'urn:oid:1.2.826.0.1.9.7',
  protocol: 'mhd',
  endpoints: {
    'ITI-67': 'http://127.0.0.1:9/fhir/DocumentReference',
    'ITI-68': 'http://127.0.0.1:9/fhir/document',
  },
  fhirBase: 'http://127.0.0.1:9/fhir',
};
const context = (communities: CommunityEndpoint[]): BrokerContext => ({
  directory: new CommunityDirectory(communities, { gp: { exclude: [MHD.homeCommunityId] } }),
  deadlineMs: 5_000,
  clock: fixedClock(NOW),
  logger: silentLogger(),
  transport: { maxResponseBytes: 1024 * 1024 },
});
const PATIENT = nhsNumberToCx('9434765919');
const findDocuments: AdhocQueryRequest = {
  returnType: 'LeafClass',
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: [`'${PATIENT}'`] },
    { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
  ],
};
const E = ErrorSeverity.Error;

/**
 * The protocols the broker has no codec for: `mhd` until broker/mhd-community-client.ts is listed
 * in community-codecs.ts, and always a protocol from a directory written for a newer broker.
 */
const UNSERVED = (['mhd', 'dicomweb'] as WireProtocol[]).filter(
  (p) => !('protocol' in codecFor({ ...MHD, protocol: p })),
);

describe('a community whose protocol has no codec', () => {
  it('a protocol the broker does not know is one of them', () => {
    expect(UNSERVED).toContain('dicomweb');
  });

  it.each(UNSERVED)(
    '%s: the leg fails without a call: XDSUnavailableCommunity located at it, a LegEvent naming the protocol',
    async (protocol) => {
      const community = { ...MHD, protocol };
      const { response, event } = await crossGatewayQuery(findDocuments, PATIENT, {}, context([community]));
      expect(response).toEqual({
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${MHD.homeCommunityId} (east-mhd) cannot be asked: no codec serves protocol ${protocol}`,
            severity: E,
            location: MHD.homeCommunityId,
          },
        ],
        objects: [],
      });
      expect(event.transaction).toBe('ITI-38');
      expect(event.legs).toEqual([
        {
          community: 'east-mhd',
          homeCommunityId: MHD.homeCommunityId,
          startedAt: NOW,
          durationMs: 0,
          protocol,
          // What an MHD leg of ITI-38 sends; a protocol the broker does not know names none.
          ...(protocol === 'mhd' ? { transaction: 'ITI-67' } : {}),
          outcome: 'failed',
          failure: { reason: 'unsupported', detail: `no codec serves protocol ${protocol}` },
          errorCodes: [],
        },
      ]);
    },
  );
});

describe('the MHD face options, planned before any leg', () => {
  it('target communities unknown or excluded for the consumer: one XDSUnknownCommunity each, located at it', async () => {
    const { response, event } = await crossGatewayQuery(
      findDocuments,
      PATIENT,
      { consumerId: 'gp' },
      context([MHD]),
      { transaction: 'ITI-67', targetCommunityIds: ['urn:oid:9.9.9', MHD.homeCommunityId, 'urn:oid:9.9.9'] },
    );
    expect(response).toEqual({
      status: ResponseStatus.Failure,
      errors: [
        {
          errorCode: 'XDSUnknownCommunity',
          codeContext: 'homeCommunityId urn:oid:9.9.9 is not a community NIR knows',
          severity: E,
          location: 'urn:oid:9.9.9',
        },
        {
          errorCode: 'XDSUnknownCommunity',
          codeContext: `homeCommunityId ${MHD.homeCommunityId} is excluded by the profile of consumer 'gp'`,
          severity: E,
          location: MHD.homeCommunityId,
        },
      ],
      objects: [],
    });
    expect({ transaction: event.transaction, legs: event.legs, patient: event.patient }).toEqual({
      transaction: 'ITI-67',
      legs: [],
      patient: '9434765919',
    });
  });

  it('a query without patient id or home is still refused without perLegHome (the ITI-38 rule)', async () => {
    const getDocuments: AdhocQueryRequest = {
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      slots: [{ name: '$XDSDocumentEntryUniqueId', values: [`('1.2.3')`] }],
    };
    const { response, event } = await crossGatewayQuery(getDocuments, undefined, {}, context([MHD]));
    expect(response).toEqual({
      status: ResponseStatus.Failure,
      errors: [
        {
          errorCode: 'XDSMissingHomeCommunityId',
          codeContext:
            'AdhocQuery/@home is required for a query without a patient id: set it to the homeCommunityId returned with the object',
          severity: E,
        },
      ],
      objects: [],
    });
    expect(event.legs).toEqual([]);
  });
});

describe('target communities, bounded', () => {
  it(`more than ${MAX_TARGET_COMMUNITIES} distinct ids: Failure with one XDSRegistryError and no leg`, async () => {
    const ids = Array.from({ length: MAX_TARGET_COMMUNITIES + 1 }, (_, i) => `urn:oid:1.2.826.0.1.9.${i}`);
    const { response, event } = await crossGatewayQuery(findDocuments, PATIENT, {}, context([MHD]), {
      targetCommunityIds: [...ids, ...ids],
    });
    expect(response).toEqual({
      status: ResponseStatus.Failure,
      errors: [
        {
          errorCode: 'XDSRegistryError',
          codeContext: `${MAX_TARGET_COMMUNITIES + 1} target communities named: at most ${MAX_TARGET_COMMUNITIES} per query`,
          severity: E,
        },
      ],
      objects: [],
    });
    expect(event.legs).toEqual([]);
  });
});
