/**
 * The kit's self-test for its ITI-38 checks, pointed at nir-sim's own simulated responding
 * gateway: against the clean default-pack community every check passes; each fault of
 * the catalogue that breaks one rule makes exactly the check of that rule fail (and no other,
 * where the rule is the only one the fault breaks), with a message naming what was wrong and where.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../simulator/conformance/check.js';
import { Initiator } from '../../simulator/conformance/initiator.js';
import { iti38Checks } from '../../simulator/conformance/iti38-checks.js';
import type { ProviderContext } from '../../simulator/conformance/provider-check.js';
import { buildTestData } from '../../simulator/conformance/test-data-build.js';
import type { FaultSpecInput } from '../../simulator/faults/fault-spec.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { encodeAdhocQueryResponse } from '../../simulator/xca/adhoc-query-response.js';
import { ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

let topo: TestTopology;
let H: string;
const U = '2.25.143717819127266221728204988935439350416';
const KNOWN = '9995649284';
const RICHEST = '9992549033';
const UNKNOWN = '9990442576';

beforeAll(async () => {
  topo = await startTestTopology({ simulated: 1 });
  H = topo.running.communities[0]!.homeCommunityId;
});
afterAll(async () => {
  await topo.running.stop();
});

const IDS = [
  'ITI38-FIND-LEAFCLASS',
  'ITI38-FIND-OBJECTREF',
  'ITI38-GETDOCS-UUID',
  'ITI38-GETDOCS-UNIQUEID',
  'ITI38-UNKNOWN-PATIENT',
  'ITI38-FILTER-DATE',
  'ITI38-FILTER-CODE',
  'ITI38-HOME',
  'ITI38-ERROR-LOCATION',
  'ITI38-STATUS',
  'ITI38-METADATA',
];

/** Every ITI-38 check, in order, against `iti38Url` (default: the simulated community). */
async function runChecks(iti38Url?: string): Promise<CheckResult[]> {
  const community = topo.running.communities[0]!;
  const initiator = new Initiator({ clock: systemClock });
  const ctx: ProviderContext = {
    target: {
      iti38Url: iti38Url ?? community.endpoints['ITI-38']!,
      iti39Url: community.endpoints['ITI-39']!,
      homeCommunityId: community.homeCommunityId,
    },
    testData: buildTestData(topo.pack, topo.pack.communities[0]!.name),
    initiator,
    clock: systemClock,
    deadlineMs: 10_000,
    seed: 1,
  };
  try {
    const out: CheckResult[] = [];
    for (const c of iti38Checks) out.push(await c.run(ctx));
    expect(initiator.records().map((r) => r.name)).toEqual(out.flatMap((r) => r.exchanges));
    return out;
  } finally {
    await initiator.close();
  }
}

/** A fault of any kind without its name and gateway (Omit distributed over the union). */
type FaultOf<F> = F extends unknown ? Omit<F, 'name' | 'gateway'> : never;

/** The checks with `fault` on the community's ITI-38 endpoint. */
async function runWith(fault: FaultOf<FaultSpecInput>): Promise<CheckResult[]> {
  const added = topo.faults.add({
    name: 'iti38-check',
    gateway: topo.pack.communities[0]!.name,
    transaction: 'ITI-38',
    ...fault,
  });
  expect(added).toMatchObject({ ok: true });
  try {
    return await runChecks();
  } finally {
    topo.faults.remove('iti38-check');
  }
}

function outcomes(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, r.outcome]));
}

/** Every check passed but those in `failed`. */
function onlyFailed(...failed: string[]): Record<string, string> {
  return Object.fromEntries(IDS.map((id) => [id, failed.includes(id) ? 'failed' : 'passed']));
}

const byId = (results: readonly CheckResult[], id: string) => results.find((r) => r.id === id)!;

describe('the ITI-38 checks against the clean simulated community', () => {
  it('all pass, each saying what it verified, with its exchanges', async () => {
    const results = await runChecks();
    expect(results.map((r) => r.id)).toEqual(IDS);
    expect(outcomes(results)).toEqual(onlyFailed());
    expect(byId(results, 'ITI38-FIND-LEAFCLASS')).toEqual({
      id: 'ITI38-FIND-LEAFCLASS',
      outcome: 'passed',
      message: `FindDocuments (LeafClass) returned exactly the expected DocumentEntries (4 of ${KNOWN}, 8 of ${RICHEST}), status Success.`,
      exchanges: [
        'ITI38-FIND-LEAFCLASS-01-find-documents-leafclass',
        'ITI38-FIND-LEAFCLASS-02-find-documents-leafclass',
      ],
    });
    expect(byId(results, 'ITI38-UNKNOWN-PATIENT').message).toBe(
      `FindDocuments for the unknown patient ${UNKNOWN} was answered Success with no objects (the empty-result way).`,
    );
    expect(byId(results, 'ITI38-FILTER-DATE').message).toBe(
      `FindDocuments with creationTime 20220731100157 (inclusive) to 20241118133048 (exclusive) for patient ${RICHEST} returned exactly the 4 of 8 documents created then.`,
    );
    expect(byId(results, 'ITI38-FILTER-CODE')).toEqual({
      id: 'ITI38-FILTER-CODE',
      outcome: 'passed',
      message: `FindDocuments by code for patient ${RICHEST} returned exactly the expected documents (classCode 4201000179104^^2.16.840.1.113883.6.96: 4 of 8 documents expected; typeCode 371572003^^2.16.840.1.113883.6.96: 2 of 8 documents expected).`,
      exchanges: [
        'ITI38-FILTER-CODE-01-find-documents-coding-schemes',
        'ITI38-FILTER-CODE-02-find-documents-classcode',
        'ITI38-FILTER-CODE-03-find-documents-typecode',
      ],
    });
    expect(byId(results, 'ITI38-HOME').message).toBe(`All 20 returned objects carry home ${H}.`);
    expect(byId(results, 'ITI38-ERROR-LOCATION').message).toBe(
      `FindDocuments without $XDSDocumentEntryPatientId (ITI38-ERROR-LOCATION-01-find-documents-without-patient-id) was refused with XDSStoredQueryMissingParam, each located at ${H}.`,
    );
    expect(byId(results, 'ITI38-STATUS').message).toBe(
      'The status of all 4 answers agrees with their RegistryErrors.',
    );
    expect(byId(results, 'ITI38-METADATA').message).toBe(
      'All 12 DocumentEntries returned carry complete NIR metadata equal to the test data.',
    );
  });

  it('says which of the two unknown-patient answers it saw', async () => {
    const results = await runWith({ kind: 'unknown-patient', patient: UNKNOWN });
    expect(outcomes(results)).toEqual(onlyFailed());
    expect(byId(results, 'ITI38-UNKNOWN-PATIENT').message).toBe(
      `FindDocuments for the unknown patient ${UNKNOWN} was answered Failure with XDSUnknownPatientId (the error way).`,
    );
  });
});

describe('each ITI-38 check fails under the fault that breaks its rule', () => {
  it('missing-home: the home check names every object without home', async () => {
    const results = await runWith({ kind: 'missing-home' });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-HOME'));
    const r = byId(results, 'ITI38-HOME');
    expect(r.outcome).toBe('failed');
    expect(r.message).toMatch(
      new RegExp(
        `^Objects must carry home ${H.replace(/\./g, '\\.')}: ITI38-HOME-01-find-documents-leafclass: 4 object\\(s\\) without home \\(urn:uuid:[0-9a-f-]{36}, urn:uuid:[0-9a-f-]{36}, urn:uuid:[0-9a-f-]{36} and 1 more\\); ITI38-HOME-02-find-documents-leafclass: 8 object\\(s\\) without home \\(.* and 5 more\\); ITI38-HOME-03-find-documents-objectref: 4 object\\(s\\) without home \\(.* and 1 more\\); ITI38-HOME-04-get-documents: 4 object\\(s\\) without home \\(.* and 1 more\\)\\.$`,
      ),
    );
  });

  it('wrong-home: the home check names the other community', async () => {
    const results = await runWith({ kind: 'wrong-home', home: 'urn:oid:2.25.7' });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-HOME'));
    const message = byId(results, 'ITI38-HOME').message;
    expect(
      message.startsWith(
        `Objects must carry home ${H}: ITI38-HOME-01-find-documents-leafclass: 4 object(s) with home urn:oid:2.25.7 (`,
      ),
    ).toBe(true);
    expect(message.match(/with home urn:oid:2\.25\.7/g)).toHaveLength(4);
  });

  it('status-mismatch: the status check shows Success over an Error', async () => {
    const results = await runWith({ kind: 'status-mismatch', patient: KNOWN });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-STATUS'));
    expect(byId(results, 'ITI38-STATUS')).toEqual({
      id: 'ITI38-STATUS',
      outcome: 'failed',
      message: `The response status disagrees with the RegistryErrors: ITI38-STATUS-01-find-documents-known-patient: status Success with 1 Error-severity RegistryError(s) and 4 object(s): Success allows Warnings only (XDSRegistryError (Error at ${H}): simulated: an Error entry under status Success).`,
      exchanges: [
        'ITI38-STATUS-01-find-documents-known-patient',
        'ITI38-STATUS-02-find-documents-known-patient',
        'ITI38-STATUS-03-find-documents-unknown-patient',
        'ITI38-STATUS-04-find-documents-without-patient-id',
      ],
    });
  });

  it('registry-error-location without a location: the error-location check', async () => {
    const results = await runWith({ kind: 'registry-error-location' });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-ERROR-LOCATION'));
    expect(byId(results, 'ITI38-ERROR-LOCATION')).toEqual({
      id: 'ITI38-ERROR-LOCATION',
      outcome: 'failed',
      message: `FindDocuments without $XDSDocumentEntryPatientId (ITI38-ERROR-LOCATION-01-find-documents-without-patient-id): 1 of 1 RegistryError(s) not located at ${H}: XDSStoredQueryMissingParam (Error, no location): FindDocuments: required parameter $XDSDocumentEntryPatientId is missing.`,
      exchanges: ['ITI38-ERROR-LOCATION-01-find-documents-without-patient-id'],
    });
  });

  it('registry-error-location elsewhere: the error-location check names it', async () => {
    const results = await runWith({ kind: 'registry-error-location', location: 'urn:oid:2.25.9' });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-ERROR-LOCATION'));
    expect(byId(results, 'ITI38-ERROR-LOCATION').message).toBe(
      `FindDocuments without $XDSDocumentEntryPatientId (ITI38-ERROR-LOCATION-01-find-documents-without-patient-id): 1 of 1 RegistryError(s) not located at ${H}: XDSStoredQueryMissingParam (Error at urn:oid:2.25.9): FindDocuments: required parameter $XDSDocumentEntryPatientId is missing.`,
    );
  });

  it('registry-error for the unknown patient: the unknown-patient check', async () => {
    const results = await runWith({ kind: 'registry-error', errorCode: 'XDSRegistryBusy', patient: UNKNOWN });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-UNKNOWN-PATIENT'));
    expect(byId(results, 'ITI38-UNKNOWN-PATIENT')).toEqual({
      id: 'ITI38-UNKNOWN-PATIENT',
      outcome: 'failed',
      message: `FindDocuments for the unknown patient ${UNKNOWN}: status Failure with XDSRegistryBusy (Error at ${H}): simulated XDSRegistryBusy from North East Imaging Network; expected Success with no objects, or Failure with XDSUnknownPatientId.`,
      exchanges: ['ITI38-UNKNOWN-PATIENT-01-find-documents-unknown-patient'],
    });
  });

  it('drop-documents: every check of a document set names the missing documents', async () => {
    const results = await runWith({ kind: 'drop-documents' });
    expect(outcomes(results)).toEqual(
      onlyFailed(
        'ITI38-FIND-LEAFCLASS',
        'ITI38-FIND-OBJECTREF',
        'ITI38-GETDOCS-UUID',
        'ITI38-GETDOCS-UNIQUEID',
        'ITI38-FILTER-DATE',
        'ITI38-FILTER-CODE',
      ),
    );
    expect(byId(results, 'ITI38-FIND-LEAFCLASS').message).toBe(
      `FindDocuments (LeafClass) did not return exactly the expected DocumentEntries: patient ${KNOWN} (ITI38-FIND-LEAFCLASS-01-find-documents-leafclass): 2 of 4 expected uniqueIds missing: ${U}.4.1.2, ${U}.8.1.2; patient ${RICHEST} (ITI38-FIND-LEAFCLASS-02-find-documents-leafclass): 4 of 8 expected uniqueIds missing: ${U}.4.1.22, ${U}.8.1.22, ${U}.4.1.23, ${U}.8.1.23.`,
    );
    expect(byId(results, 'ITI38-FIND-OBJECTREF').message).toMatch(
      new RegExp(
        `^FindDocuments \\(ObjectRef\\) did not return exactly the expected entryUUIDs: patient ${KNOWN} \\(ITI38-FIND-OBJECTREF-01-find-documents-objectref\\): 2 of 4 expected entryUUIDs missing: urn:uuid:[0-9a-f-]{36}, urn:uuid:[0-9a-f-]{36}; patient ${RICHEST} .*: 4 of 8 expected entryUUIDs missing: .*\\.$`,
      ),
    );
    expect(byId(results, 'ITI38-GETDOCS-UNIQUEID').message).toBe(
      `GetDocuments by uniqueId with home ${H} did not return exactly the documents asked for: patient ${KNOWN} (ITI38-GETDOCS-UNIQUEID-01-get-documents-by-uniqueid): 2 of 4 expected uniqueIds missing: ${U}.4.1.2, ${U}.8.1.2; patient ${RICHEST} (ITI38-GETDOCS-UNIQUEID-02-get-documents-by-uniqueid): 4 of 8 expected uniqueIds missing: ${U}.4.1.22, ${U}.8.1.22, ${U}.4.1.23, ${U}.8.1.23.`,
    );
    expect(byId(results, 'ITI38-GETDOCS-UUID').message).toMatch(
      /^GetDocuments by entryUUID with home .* did not return exactly the documents asked for: patient 9995649284 .*: 2 of 4 expected entryUUIDs missing: .*; patient 9992549033 .*: 4 of 8 expected entryUUIDs missing: .*\.$/,
    );
    expect(byId(results, 'ITI38-FILTER-DATE').message).toBe(
      `FindDocuments with creationTime 20220731100157 (inclusive) to 20241118133048 (exclusive) for patient ${RICHEST} did not return exactly the 4 of 8 documents created then (ITI38-FILTER-DATE-01-find-documents-creation-time): 2 of 4 expected uniqueIds missing: ${U}.4.1.22, ${U}.8.1.22.`,
    );
    expect(byId(results, 'ITI38-FILTER-CODE').message).toBe(
      `FindDocuments by code for patient ${RICHEST}: classCode 4201000179104^^2.16.840.1.113883.6.96: 4 of 8 documents expected (ITI38-FILTER-CODE-02-find-documents-classcode): 2 of 4 expected uniqueIds missing: ${U}.4.1.22, ${U}.4.1.23; typeCode 371572003^^2.16.840.1.113883.6.96: 2 of 8 documents expected (ITI38-FILTER-CODE-03-find-documents-typecode): 1 of 2 expected uniqueIds missing: ${U}.8.1.20.`,
    );
  });

  it('drop-documents on the filtered queries only: exactly the filter checks', async () => {
    // The richest patient's ITI-38 requests in check order: LeafClass, ObjectRef (GetDocuments
    // names no patient), the creationTime query, the code checks' three: skip two, drop in four.
    const results = await runWith({ kind: 'drop-documents', patient: RICHEST, after: 2, times: 4 });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-FILTER-DATE', 'ITI38-FILTER-CODE'));
    expect(byId(results, 'ITI38-FILTER-DATE').outcome).toBe('failed');
  });

  it('drop-slot hash: the metadata check names each document and the Slot', async () => {
    const results = await runWith({ kind: 'drop-slot', slot: 'hash' });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-METADATA'));
    const docs = ['4.1.1', '8.1.1', '4.1.2', '8.1.2', '4.1.20', '8.1.20', '4.1.21', '8.1.21'];
    expect(byId(results, 'ITI38-METADATA')).toEqual({
      id: 'ITI38-METADATA',
      outcome: 'failed',
      message: `12 of 12 DocumentEntries fall short of NIR's metadata: ${docs.map((d) => `document ${U}.${d}: Slot hash is missing`).join('; ')}; and 4 more.`,
      exchanges: ['ITI38-METADATA-01-find-documents-leafclass', 'ITI38-METADATA-02-find-documents-leafclass'],
    });
  });

  it('wrong-slot size: the metadata check gives the value seen and the one expected', async () => {
    const results = await runWith({ kind: 'wrong-slot', slot: 'size', value: '42', patient: KNOWN });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-METADATA'));
    expect(byId(results, 'ITI38-METADATA').message).toBe(
      `4 of 12 DocumentEntries fall short of NIR's metadata: document ${U}.4.1.1: Slot size is 42, expected 2733; document ${U}.8.1.1: Slot size is 42, expected 2234; document ${U}.4.1.2: Slot size is 42, expected 2756; document ${U}.8.1.2: Slot size is 42, expected 2234.`,
    );
  });

  it('drop-slot referenceIdList: the metadata check wants the accession number and Study Instance UID', async () => {
    const results = await runWith({
      kind: 'drop-slot',
      slot: 'urn:ihe:iti:xds:2013:referenceIdList',
      patient: KNOWN,
    });
    expect(outcomes(results)).toEqual(onlyFailed('ITI38-METADATA'));
    const docs = ['4.1.1', '8.1.1', '4.1.2', '8.1.2'];
    const missing = (d: string) => [
      `document ${U}.${d}: Slot referenceIdList has no accession number (^urn:ihe:iti:xds:2013:accession)`,
      `document ${U}.${d}: Slot referenceIdList has no Study Instance UID (^urn:ihe:iti:xds:2016:studyInstanceUID)`,
    ];
    expect(byId(results, 'ITI38-METADATA').message).toBe(
      `4 of 12 DocumentEntries fall short of NIR's metadata: ${docs.flatMap(missing).join('; ')}.`,
    );
  });
});

/** A responding gateway that answers every ITI-38 request Success with nothing (purpose-built). */
async function emptyGateway(): Promise<{ url: string; server: Server }> {
  const body = encodeAdhocQueryResponse({ status: ResponseStatus.Success, errors: [], objects: [] });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/soap+xml; charset=UTF-8' });
      res.end(buildSoapEnvelope({ action: SoapAction.CrossGatewayQueryResponse, bodyXml: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/iti38`, server };
}

describe('a gateway that answers every query Success with nothing', () => {
  it('fails the error-location check: the bad query had to be refused', async () => {
    const { url, server } = await emptyGateway();
    try {
      const results = await runChecks(url);
      expect(outcomes(results)).toEqual({
        ...onlyFailed(
          'ITI38-FIND-LEAFCLASS',
          'ITI38-FIND-OBJECTREF',
          'ITI38-GETDOCS-UUID',
          'ITI38-GETDOCS-UNIQUEID',
          'ITI38-FILTER-DATE',
          'ITI38-FILTER-CODE',
          'ITI38-HOME',
          'ITI38-ERROR-LOCATION',
          'ITI38-METADATA',
        ),
      });
      expect(byId(results, 'ITI38-ERROR-LOCATION').message).toBe(
        'FindDocuments without $XDSDocumentEntryPatientId (ITI38-ERROR-LOCATION-01-find-documents-without-patient-id): answered Success with no RegistryError and 0 object(s); the gateway must refuse a query missing a required parameter (XDSStoredQueryMissingParam), so there was no location to check.',
      );
      expect(byId(results, 'ITI38-HOME').message).toBe(
        `Objects must carry home ${H}: no object came back to inspect.`,
      );
      expect(byId(results, 'ITI38-METADATA').message).toBe(
        "NIR's DocumentEntry metadata could not be checked: no expected DocumentEntry came back to inspect.",
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
