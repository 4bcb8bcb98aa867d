/**
 * A FHIR client the project did not write (fhir-kit-client, Vermonster, MIT) drives the broker's
 * MHD face over a mixed network (`sim up --gateways 2 --mhd-gateways 1`, in process, port 0):
 * CapabilityStatement, ITI-67 Find Document References (FHIR R4 search, IHE MHD 4.2.x 2:3.67),
 * an ITI-67 refused with an OperationOutcome, and ITI-68 Retrieve Document of every returned
 * attachment.url. The client parses every body as JSON (http-client.js `request`), so a
 * document's bytes are read with fetch from the URL the client's Bundle gave, and checked against
 * the DocumentReference's size and SHA-1 hash.
 */
import { createHash } from 'node:crypto';
import type { Bundle, DocumentReference, OperationOutcome } from 'fhir/r4.js';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { validateFhirResource, warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { checkComprehensiveDocumentReference } from '../../simulator/mhd/mhd-profile-check.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { topologyFromOptions } from '../../simulator/topology/resolve-topology.js';
import { EntryStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';

const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

describe('fhir-kit-client drives ITI-67 and ITI-68 on the broker over a mixed network', () => {
  let running: RunningTopology;
  let pack: DataPack;
  let nhs: string;
  let client: Client;
  beforeAll(async () => {
    warmFhirValidators();
    const r = await topologyFromOptions({
      gateways: 2,
      mhdGateways: 1,
      portBase: 0,
      host: '127.0.0.1',
      deadlineMs: 20_000,
    });
    running = await startInProcess(r.topology, { logger: silentLogger(), faults: r.faults });
    pack = r.pack;
    nhs = pack.manifest.examples.inAllCommunities!;
    client = new Client({ baseUrl: running.broker.fhirBase });
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  });

  it('reads the CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as { resourceType: string; fhirVersion: string };
    expect(validateFhirResource('CapabilityStatement', cs)).toEqual({ ok: true });
    expect([cs.resourceType, cs.fhirVersion]).toEqual(['CapabilityStatement', '4.0.1']);
  });

  it("ITI-67 returns exactly the patient's current documents of all three communities, each retrievable by ITI-68", async () => {
    const bundle = (await client.search({
      resourceType: 'DocumentReference',
      searchParams: { 'patient.identifier': `${NHS_SYSTEM}|${nhs}`, status: 'current' },
    })) as unknown as Bundle;
    expect(validateFhirResource('Bundle', bundle)).toEqual({ ok: true });
    expect([bundle.type, bundle.entry?.every((e) => e.search?.mode === 'match')]).toEqual([
      'searchset',
      true,
    ]);
    const refs = (bundle.entry ?? []).map((e) => e.resource as DocumentReference);
    const expected = pack.communities.flatMap((c) =>
      c.entries
        .filter((e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved)
        .map((e) => `${c.homeCommunityId} urn:oid:${e.uniqueId} ${e.hash}`),
    );
    const got = refs.map((d) => {
      const home = d.extension?.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;
      const hex = Buffer.from(d.content[0]!.attachment.hash!, 'base64').toString('hex');
      return `${home} ${d.masterIdentifier?.value} ${hex}`;
    });
    expect(got.sort()).toEqual(expected.sort());
    expect(new Set(refs.map((d) => d.extension?.[0]?.valueOid)).size).toBe(3);
    for (const d of refs) expect(checkComprehensiveDocumentReference(d)).toEqual([]);
    for (const d of refs) {
      const a = d.content[0]!.attachment;
      const res = await fetch(a.url!);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([res.status, res.headers.get('content-type'), bytes.length]).toEqual([
        200,
        a.contentType,
        a.size,
      ]);
      expect(createHash('sha1').update(bytes).digest('base64')).toBe(a.hash);
    }
  });

  it('ITI-67 with an invalid NHS number is refused with 400 and an OperationOutcome the client reads', async () => {
    const err = (await client
      .search({
        resourceType: 'DocumentReference',
        searchParams: { 'patient.identifier': `${NHS_SYSTEM}|9995649285`, status: 'current' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as { response: { status: number; data: OperationOutcome } };
    expect(err.response.status).toBe(400);
    expect(validateFhirResource('OperationOutcome', err.response.data)).toEqual({ ok: true });
    expect(err.response.data.issue).toEqual([
      {
        severity: 'error',
        code: 'value',
        diagnostics:
          'patient.identifier: \'9995649285\' is not a valid NHS number: it fails the Modulus 11 check (NHS Data Dictionary "NHS NUMBER")',
        expression: ['http.patient.identifier'],
      },
    ]);
  });
});
