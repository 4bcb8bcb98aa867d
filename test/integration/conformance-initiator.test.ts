/**
 * The kit's initiator against a simulated responding gateway: what it sends is a SOAP 1.2 ITI-38
 * request with WS-Addressing, what it keeps is the exchange whole, and a closed port is a record
 * with a `refused` failure rather than a throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Initiator } from '../../simulator/conformance/initiator.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { decodeAdhocQueryResponse } from '../../simulator/xca/adhoc-query-response.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { refusingUrl, startTestTopology, type TestTopology } from '../helpers/topology.js';

let topo: TestTopology;
beforeAll(async () => {
  topo = await startTestTopology({ simulated: 1 });
});
afterAll(async () => {
  await topo.running.stop();
});

function findDocuments(nhs: string): string {
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
      { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
    ],
  });
}

describe('Initiator', () => {
  it('sends ITI-38 and keeps the exchange whole', async () => {
    const community = topo.running.communities[0]!;
    const url = community.endpoints['ITI-38']!;
    const initiator = new Initiator({ clock: systemClock });
    try {
      const sent = await initiator.send({
        checkId: 'ITI38-TEST',
        label: 'Find documents',
        transaction: 'ITI-38',
        url,
        bodyXml: findDocuments('9995649284'),
      });
      expect(sent.problem).toBeUndefined();
      expect(sent.record.name).toBe('ITI38-TEST-01-find-documents');
      expect(sent.record.response?.status).toBe(200);
      const request = sent.record.request.body.toString('utf8');
      expect(request).toContain(
        '<wsa:Action env:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>',
      );
      expect(request).toContain(`<wsa:To env:mustUnderstand="1">${url}</wsa:To>`);
      const answer = decodeAdhocQueryResponse(sent.message!.envelope.body!);
      expect(answer.errors).toEqual([]);
      expect(answer.status).toBe('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success');
      expect(answer.objects.length).toBeGreaterThan(0);
      expect(answer.objects.every((o) => o.home === community.homeCommunityId)).toBe(true);
      expect(initiator.records()).toEqual([sent.record]);
    } finally {
      await initiator.close();
    }
  });

  it('records a refused connection as a failure, without throwing', async () => {
    const initiator = new Initiator({ clock: systemClock });
    try {
      const url = await refusingUrl();
      const sent = await initiator.send({
        checkId: 'ITI38-TEST',
        label: 'closed port',
        transaction: 'ITI-38',
        url,
        bodyXml: findDocuments('9995649284'),
      });
      expect(sent.record.response).toBeUndefined();
      expect(sent.record.failure).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
      expect(sent.problem).toBe(`no answer from ${url}: ${sent.record.failure!.detail}`);
    } finally {
      await initiator.close();
    }
  });
});
