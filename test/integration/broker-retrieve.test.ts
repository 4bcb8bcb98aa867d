/**
 * ITI-39 through the broker: split by HomeCommunityId, parallel retrieve, one MTOM response.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from '../../simulator/shared/clock.js';
import { buildMtom } from '../../simulator/soap/mtom.js';
import { ErrorSeverity, ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { itRef } from '../helpers/reference-tests.js';
import { DeferredSchemaChecks, xopToInlineForValidation } from '../helpers/xsd.js';

/** Envelopes of the tests below, schema-checked by the last test (needs the IHE reference set). */
const schema = new DeferredSchemaChecks();
import { blackHole, external, startTestTopology, type TestTopology } from '../helpers/topology.js';
import { retrieve } from '../helpers/requests.js';
import { timersAre } from '../helpers/virtual-time.js';
import { post, readRetrieveResponse } from '../helpers/soap-http.js';

const E = ErrorSeverity.Error;

describe('ITI-39 through the broker', () => {
  let t: TestTopology;
  let url: string;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  const HUNG = 'urn:oid:2.25.143717819127266221728204988935439350416.99.2';
  // Deadlines on virtual time: the hung community's runs out only when a test moves time on.
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
  beforeAll(async () => {
    hole = await blackHole();
    t = await startTestTopology({
      clock,
      deadlineMs: 300,
      externals: [external('hung-network', '2.25.143717819127266221728204988935439350416.99.2', hole.url)],
    });
    url = t.running.broker.endpoints['ITI-39'];
  });
  afterAll(async () => {
    await t.running.stop();
    await hole.close();
  });

  it('documents from two communities come back in one MTOM response, byte for byte', async () => {
    const [a, b] = [t.pack.communities[0]!, t.pack.communities[1]!];
    const ea = a.entries[0]!;
    const eb = b.entries[0]!;
    const raw = await post(
      url,
      retrieve([
        {
          homeCommunityId: a.homeCommunityId,
          repositoryUniqueId: a.repositoryUniqueId,
          documentUniqueId: ea.uniqueId,
        },
        {
          homeCommunityId: b.homeCommunityId,
          repositoryUniqueId: b.repositoryUniqueId,
          documentUniqueId: eb.uniqueId,
        },
      ]),
    );
    expect(raw.status).toBe(200);
    expect(raw.contentType).toMatch(/^multipart\/related;/);
    expect(raw.contentType).toContain('type="application/xop+xml"');
    expect(raw.contentType).toContain('start-info="application/soap+xml"');
    const { response, xml, action } = readRetrieveResponse(raw);
    expect(action).toBe(SoapAction.CrossGatewayRetrieveResponse);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(
      response.documents.map((d) => [
        d.homeCommunityId,
        d.repositoryUniqueId,
        d.documentUniqueId,
        d.mimeType,
      ]),
    ).toEqual([
      [a.homeCommunityId, a.repositoryUniqueId, ea.uniqueId, 'application/pdf'],
      [b.homeCommunityId, b.repositoryUniqueId, eb.uniqueId, 'application/pdf'],
    ]);
    expect(response.documents.map((d) => createHash('sha1').update(d.content).digest('hex'))).toEqual([
      ea.hash,
      eb.hash,
    ]);
    expect(response.documents[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    schema.add('MTOM response with documents from two communities', xopToInlineForValidation(xml));
  });

  it('a request sent as MTOM/XOP (as Axis2-based initiating gateways do) is answered the same', async () => {
    const a = t.pack.communities[0]!;
    const ea = a.entries[0]!;
    const mtom = buildMtom(
      retrieve([
        {
          homeCommunityId: a.homeCommunityId,
          repositoryUniqueId: a.repositoryUniqueId,
          documentUniqueId: ea.uniqueId,
        },
      ]),
      [],
      { action: SoapAction.CrossGatewayRetrieve },
    );
    const raw = await post(url, Buffer.concat(mtom.chunks), mtom.contentType);
    const { response } = readRetrieveResponse(raw);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.documents.map((d) => d.documentUniqueId)).toEqual([ea.uniqueId]);
  });

  it('unknown document, missing and unknown HomeCommunityId, and a hung community: PartialSuccess with every error', async () => {
    const a = t.pack.communities[0]!;
    const ea = a.entries[0]!;
    const answer = post(
      url,
      retrieve([
        {
          homeCommunityId: a.homeCommunityId,
          repositoryUniqueId: a.repositoryUniqueId,
          documentUniqueId: ea.uniqueId,
        },
        {
          homeCommunityId: a.homeCommunityId,
          repositoryUniqueId: a.repositoryUniqueId,
          documentUniqueId: '1.2.3.4.5.404',
        },
        { repositoryUniqueId: a.repositoryUniqueId, documentUniqueId: '1.2.3.4.5.6' },
        {
          homeCommunityId: 'urn:oid:1.2.3.999',
          repositoryUniqueId: '1.2.3',
          documentUniqueId: '1.2.3.4.5.7',
        },
        { homeCommunityId: HUNG, repositoryUniqueId: '1.2.3', documentUniqueId: '1.2.3.4.5.8' },
      ]),
    );
    await timersAre(clock, [300]); // the first community answered; only the hung one's deadline is left
    clock.advance(300);
    const { response } = readRetrieveResponse(await answer);
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.documents.map((d) => d.documentUniqueId)).toEqual([ea.uniqueId]);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSMissingHomeCommunityId',
        codeContext:
          'DocumentRequest for document 1.2.3.4.5.6 has no HomeCommunityId: ITI-39 requires the home returned by the query',
        severity: E,
      },
      {
        errorCode: 'XDSUnknownCommunity',
        codeContext: 'homeCommunityId urn:oid:1.2.3.999 is not a community NIR knows (document 1.2.3.4.5.7)',
        severity: E,
      },
      {
        errorCode: 'XDSDocumentUniqueIdError',
        codeContext: `document 1.2.3.4.5.404 is not in repository ${a.repositoryUniqueId}`,
        severity: E,
        location: a.homeCommunityId,
      },
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${HUNG} (hung-network) did not answer within 300 ms for document(s) 1.2.3.4.5.8`,
        severity: E,
        location: HUNG,
      },
    ]);
  });

  it('nothing retrievable: Failure', async () => {
    const a = t.pack.communities[0]!;
    const { response } = readRetrieveResponse(
      await post(
        url,
        retrieve([
          {
            homeCommunityId: a.homeCommunityId,
            repositoryUniqueId: '9.9.9',
            documentUniqueId: a.entries[0]!.uniqueId,
          },
        ]),
      ),
    );
    expect(response).toEqual({
      status: ResponseStatus.Failure,
      documents: [],
      errors: [
        {
          errorCode: 'XDSUnknownRepositoryId',
          codeContext: `repository 9.9.9 is not in ${a.homeCommunityId}; this community's repository is ${a.repositoryUniqueId}`,
          severity: E,
          location: a.homeCommunityId,
        },
      ],
    });
  });
});

itRef('every envelope above is valid against the IHE schemas', async () => {
  await schema.expectValid(['MTOM response with documents from two communities']);
});
