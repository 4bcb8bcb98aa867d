/**
 * Real inputs no one here wrote: every sendable ITI-38 / ITI-39 request under
 * ../shared/reference/examples (NIST, IHE, NHN), placeholders filled with default-pack values, goes
 * through the broker's sandbox port and gets the answer the catalogue expects. Every answer is
 * validated against the IHE schemas.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { sendableReferenceRequests, type ReferenceFile } from '../fixtures/reference-requests.js';
import {
  fillPlaceholders,
  mtomRootPart,
  readReference,
  readReferenceBytes,
  wrapInSoapEnvelope,
} from '../helpers/reference.js';
import {
  post,
  readFault,
  readQueryResponse,
  readRetrieveResponse,
  type RawResponse,
} from '../helpers/soap-http.js';
import { describeRef } from '../helpers/reference-tests.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';
import { expectSchemaValid, xopToInlineForValidation } from '../helpers/xsd.js';

const STATUS_URN = {
  Success: ResponseStatus.Success,
  PartialSuccess: ResponseStatus.PartialSuccess,
  Failure: ResponseStatus.Failure,
} as const;

describeRef('reference requests through the broker', () => {
  let t: TestTopology;
  let values: Record<string, string>;
  beforeAll(async () => {
    t = await startTestTopology();
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const c = t.pack.communities[0]!;
    const mine = c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`));
    values = {
      patient_id: nhsNumberToCx(nhs),
      home: c.homeCommunityId,
      repositoryuid: c.repositoryUniqueId,
      docuid: mine[0]!.uniqueId,
      docuid1: mine[0]!.uniqueId,
      docuid2: mine[1]!.uniqueId,
      doc_uuid_1: mine[0]!.entryUUID,
      doc_uuid_2: mine[1]!.entryUUID,
      refId0: mine[0]!.referenceIdList[0]!,
      refId1: mine[0]!.referenceIdList[1]!,
      refId2: mine[1]!.referenceIdList[0]!,
    };
  });
  afterAll(() => t.running.stop());

  async function send(r: ReferenceFile): Promise<RawResponse> {
    const url = t.running.broker.endpoints[r.transaction];
    if (r.form === 'mtom') {
      const root = mtomRootPart(readReferenceBytes(r.path));
      return post(url, readReferenceBytes(r.path), root.httpContentType);
    }
    let xml = readReference(r.path);
    if (r.placeholders.length > 0) xml = fillPlaceholders(xml, values);
    if (r.form === 'body') xml = wrapInSoapEnvelope(xml);
    return post(url, xml);
  }

  it('covers every sendable request in the catalogue', () => {
    expect(sendableReferenceRequests().length).toBeGreaterThanOrEqual(30);
  });

  it.each(sendableReferenceRequests().map((r) => [r.path, r] as const))('%s', async (_path, r) => {
    const raw = await send(r);
    const o = r.outcome;
    if ('fault' in o) {
      expect(raw.status).toBe(o.fault === 'Sender' ? 400 : 500);
      expect(readFault(raw).code).toMatch(new RegExp(`:${o.fault}$`));
      await expectSchemaValid(readFault(raw).xml);
      return;
    }
    expect(raw.status).toBe(200);
    const read = r.transaction === 'ITI-38' ? readQueryResponse(raw) : readRetrieveResponse(raw);
    expect(read.response.status).toBe(STATUS_URN[o.status]);
    const errorCodes = new Set(
      read.response.errors.filter((e) => e.severity === ErrorSeverity.Error).map((e) => e.errorCode),
    );
    expect([...errorCodes].sort()).toEqual([...o.errorCodes].sort());
    const count = 'objects' in read.response ? read.response.objects.length : read.response.documents.length;
    if (r.expectedObjects) {
      expect(count).toBeGreaterThanOrEqual(r.expectedObjects.min);
      if (r.expectedObjects.max !== undefined) expect(count).toBeLessThanOrEqual(r.expectedObjects.max);
      if ('objects' in read.response) {
        for (const obj of read.response.objects) {
          expect(obj.kind).toBe(r.expectedObjects.element);
          expect(obj.home).toBe(values['home'] === undefined ? obj.home : obj.home);
          expect(t.pack.communities.map((c) => c.homeCommunityId)).toContain(obj.home);
        }
      }
    } else if (o.status === 'Failure') {
      expect(count).toBe(0);
    }
    await expectSchemaValid(r.transaction === 'ITI-39' ? xopToInlineForValidation(read.xml) : read.xml);
  });
});
