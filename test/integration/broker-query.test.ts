/**
 * ITI-38 through the broker over real HTTP: fan-out to the simulated communities, per-community
 * deadlines, and the consolidated status plus the full RegistryErrorList.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorSeverity, ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { itRef } from '../helpers/reference-tests.js';
import { DeferredSchemaChecks } from '../helpers/xsd.js';

/** Envelopes of the tests below, schema-checked by the last test (needs the IHE reference set). */
const schema = new DeferredSchemaChecks();
import {
  blackHole,
  external,
  refusingUrl,
  startTestTopology,
  type TestTopology,
} from '../helpers/topology.js';
import { findDocuments, getDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { timersAre } from '../helpers/virtual-time.js';

const E = ErrorSeverity.Error;

describe('ITI-38 through the broker, all communities up', () => {
  let t: TestTopology;
  let url: string;
  beforeAll(async () => {
    t = await startTestTopology();
    url = t.running.broker.endpoints['ITI-38'];
  });
  afterAll(() => t.running.stop());

  /** What communities with the XDSUnknownPatientId policy that lack the patient add: Warnings. */
  const unknownPatientWarnings = (nhs: string) =>
    t.pack.communities
      .filter(
        (c) =>
          c.unknownPatientPolicy === 'XDSUnknownPatientId' &&
          !c.entries.some((e) => e.patientId.startsWith(`${nhs}^`)),
      )
      .map((c) => ({
        errorCode: 'XDSUnknownPatientId',
        codeContext: `patient ${nhs}^^^&2.16.840.1.113883.2.1.4.1&ISO is not known to ${c.displayName} (community does not know the patient; nir-sim reports this as a Warning)`,
        severity: ErrorSeverity.Warning,
        location: c.homeCommunityId,
      }));

  it("a patient known to every community: Success with every community's entries, each with its home", async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const raw = await post(
      url,
      findDocuments(nhs, { messageId: 'urn:uuid:11111111-2222-4333-8444-555555555555' }),
    );
    expect(raw.status).toBe(200);
    const { response, xml, action, relatesTo } = readQueryResponse(raw);
    expect(action).toBe(SoapAction.CrossGatewayQueryResponse);
    expect(relatesTo).toBe('urn:uuid:11111111-2222-4333-8444-555555555555');
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    const expected = t.pack.communities.flatMap((c) =>
      c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`)).map((e) => [e.entryUUID, c.homeCommunityId]),
    );
    expect(expected.length).toBeGreaterThan(t.pack.communities.length);
    expect(response.objects.map((o) => [o.id, o.home])).toEqual(expected);
    schema.add('Success response from every community', xml);
  });

  it('what the broker sends to each community, and what each community answers, is collected for the schema check', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const before = t.transactions.length;
    await post(url, findDocuments(nhs));
    const legs = t.transactions[before]!.legs;
    expect(legs.map((l) => [l.outcome, l.httpStatus])).toEqual(
      t.pack.communities.map(() => ['answered', 200]),
    );
    schema.add('fan-out requests and community answers', [
      ...legs.map((l) => l.requestXml!),
      ...legs.map((l) => l.responseXml!),
    ]);
  });

  it('a patient known to exactly one community: Success, entries from that community only', async () => {
    const nhs = t.pack.manifest.examples.inExactlyOneCommunity!;
    const { response } = readQueryResponse(await post(url, findDocuments(nhs)));
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual(unknownPatientWarnings(nhs));
    expect(new Set(response.objects.map((o) => o.home)).size).toBe(1);
    expect(response.objects.length).toBeGreaterThan(0);
  });

  it('a patient known to no community: Success, nothing, no errors', async () => {
    const nhs = t.pack.manifest.examples.inNoCommunity!;
    const { response } = readQueryResponse(await post(url, findDocuments(nhs)));
    expect(response).toEqual({
      status: ResponseStatus.Success,
      errors: unknownPatientWarnings(nhs),
      objects: [],
    });
    expect(response.errors.length).toBeGreaterThan(0); // the default pack has an XDSUnknownPatientId community
  });

  it('an invalid NHS number fails before any fan-out', async () => {
    const before = t.transactions.length;
    const { response, xml } = readQueryResponse(await post(url, findDocuments('9999999991')));
    expect(response.status).toBe(ResponseStatus.Failure);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSUnknownPatientId',
        codeContext: expect.stringContaining(
          "patient id '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO' is not an NHS number",
        ) as string,
        severity: E,
      },
    ]);
    expect(t.transactions[before]?.legs).toEqual([]);
    schema.add('Failure for an invalid NHS number', xml);
  });

  it('ObjectRef answers carry home on every ObjectRef', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const { response } = readQueryResponse(await post(url, findDocuments(nhs, { returnType: 'ObjectRef' })));
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.objects.length).toBeGreaterThan(0);
    for (const o of response.objects) {
      expect(o.kind).toBe('ObjectRef');
      expect(t.pack.communities.map((c) => c.homeCommunityId)).toContain(o.home);
    }
  });

  it('GetDocuments routes by home; missing or unknown home give the IHE errors', async () => {
    const c = t.pack.communities[1]!;
    const entry = c.entries[0]!;
    const ok = readQueryResponse(await post(url, getDocuments([entry.uniqueId], c.homeCommunityId))).response;
    expect(ok.status).toBe(ResponseStatus.Success);
    expect(ok.objects.map((o) => [o.id, o.home])).toEqual([[entry.entryUUID, c.homeCommunityId]]);

    const missing = readQueryResponse(await post(url, getDocuments([entry.uniqueId]))).response;
    expect(missing).toEqual({
      status: ResponseStatus.Failure,
      objects: [],
      errors: [
        {
          errorCode: 'XDSMissingHomeCommunityId',
          codeContext: expect.stringContaining('AdhocQuery/@home is required') as string,
          severity: E,
        },
      ],
    });

    const unknown = readQueryResponse(
      await post(url, getDocuments([entry.uniqueId], 'urn:oid:1.2.3.999')),
    ).response;
    expect(unknown).toEqual({
      status: ResponseStatus.Failure,
      objects: [],
      errors: [
        {
          errorCode: 'XDSUnknownCommunity',
          codeContext: 'homeCommunityId urn:oid:1.2.3.999 is not a community NIR knows',
          severity: E,
        },
      ],
    });
  });

  it('AdhocQuery/@home on a patient query targets that one community', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const c = t.pack.communities[2]!;
    const before = t.transactions.length;
    const { response } = readQueryResponse(await post(url, findDocuments(nhs, { home: c.homeCommunityId })));
    expect(response.status).toBe(ResponseStatus.Success);
    expect(new Set(response.objects.map((o) => o.home))).toEqual(new Set([c.homeCommunityId]));
    expect(t.transactions[before]?.legs.map((l) => l.homeCommunityId)).toEqual([c.homeCommunityId]);
  });

  it('a missing required parameter is a stored-query error, not a fan-out', async () => {
    const xml = findDocuments(t.pack.manifest.examples.inAllCommunities!).replace(
      /<(\w+:)?Slot name="\$XDSDocumentEntryStatus">[\s\S]*?<\/(\w+:)?Slot>/,
      '',
    );
    const { response } = readQueryResponse(await post(url, xml));
    expect(response.status).toBe(ResponseStatus.Failure);
    expect(response.errors.map((e) => [e.errorCode, e.severity])).toEqual([
      ['XDSStoredQueryMissingParam', E],
    ]);
    expect(response.errors[0]!.codeContext).toContain('$XDSDocumentEntryStatus');
  });
});

describe('ITI-38 with communities that fail', () => {
  it('one refuses and one never answers: PartialSuccess with both located at their community', async () => {
    const hole = await blackHole();
    const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
    const t = await startTestTopology({
      clock,
      deadlineMs: 300,
      externals: [
        external('down-network', '2.25.143717819127266221728204988935439350416.99.1', await refusingUrl()),
        external('hung-network', '2.25.143717819127266221728204988935439350416.99.2', hole.url),
      ],
    });
    try {
      const nhs = t.pack.manifest.examples.inAllCommunities!;
      const answer = post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs));
      await timersAre(clock, [300]); // every other community settled; the hung one's deadline is left
      clock.advance(300);
      const { response, xml } = readQueryResponse(await answer);
      expect(response.status).toBe(ResponseStatus.PartialSuccess);
      expect(response.errors).toEqual([
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: expect.stringMatching(
            /^community urn:oid:2\.25\.143717819127266221728204988935439350416\.99\.1 \(down-network\) refused the connection/,
          ) as string,
          severity: E,
          location: 'urn:oid:2.25.143717819127266221728204988935439350416.99.1',
        },
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext:
            'community urn:oid:2.25.143717819127266221728204988935439350416.99.2 (hung-network) did not answer within 300 ms',
          severity: E,
          location: 'urn:oid:2.25.143717819127266221728204988935439350416.99.2',
        },
      ]);
      const homes = new Set(response.objects.map((o) => o.home));
      expect(homes).toEqual(new Set(t.pack.communities.map((c) => c.homeCommunityId)));
      schema.add('PartialSuccess with a refusing and a hung community', xml);
    } finally {
      await t.running.stop();
      await hole.close();
    }
  });

  it('no community answers: Failure with one error per community', async () => {
    const hole = await blackHole();
    const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
    const t = await startTestTopology({
      clock,
      simulated: 0,
      deadlineMs: 200,
      externals: [
        external('down-network', '2.25.143717819127266221728204988935439350416.99.1', await refusingUrl()),
        external('hung-network', '2.25.143717819127266221728204988935439350416.99.2', hole.url),
      ],
    });
    try {
      const nhs = t.pack.manifest.examples.inAllCommunities!;
      const answer = post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs));
      await timersAre(clock, [200]);
      clock.advance(200);
      const { response } = readQueryResponse(await answer);
      expect(response.status).toBe(ResponseStatus.Failure);
      expect(response.objects).toEqual([]);
      expect(response.errors.map((e) => [e.errorCode, e.severity, e.location])).toEqual([
        ['XDSUnavailableCommunity', E, 'urn:oid:2.25.143717819127266221728204988935439350416.99.1'],
        ['XDSUnavailableCommunity', E, 'urn:oid:2.25.143717819127266221728204988935439350416.99.2'],
      ]);
      expect(response.errors[1]!.codeContext).toBe(
        'community urn:oid:2.25.143717819127266221728204988935439350416.99.2 (hung-network) did not answer within 200 ms',
      );
    } finally {
      await t.running.stop();
      await hole.close();
    }
  });

  it('a consumer profile that excludes a community never contacts it', async () => {
    const pack = await startTestTopology();
    const excluded = pack.pack.communities[0]!.homeCommunityId;
    await pack.running.stop();
    const t = await startTestTopology({ consumers: { 'supplier-a': { exclude: [excluded] } } });
    try {
      const nhs = t.pack.manifest.examples.inAllCommunities!;
      const { response } = readQueryResponse(
        await post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs), undefined, {
          'x-nir-consumer': 'supplier-a',
        }),
      );
      expect(response.status).toBe(ResponseStatus.Success);
      expect(response.objects.some((o) => o.home === excluded)).toBe(false);
      expect(t.transactions.at(-1)?.legs.map((l) => l.homeCommunityId)).not.toContain(excluded);
    } finally {
      await t.running.stop();
    }
  });
});

itRef('every envelope above is valid against the IHE schemas', async () => {
  await schema.expectValid([
    'Success response from every community',
    'fan-out requests and community answers',
    'Failure for an invalid NHS number',
    'PartialSuccess with a refusing and a hung community',
  ]);
});
