/**
 * WADO-RS Retrieve Study on the broker (DICOM PS3.18 10.4.1; IHE RAD-107), served by ITI-38 (the
 * study's KOS manifest entry), ITI-39 (the manifest) and RAD-75 (the images) to the default pack's
 * simulated communities: the multipart/related parts are exactly the study's instances, byte for
 * byte; 406, unknown study, unknown community, no token and a community that is down answered
 * with their whole OperationOutcome; every answer recorded before it left.
 */
import { readFile } from 'node:fs/promises';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { parseContentType } from '../../simulator/soap/content-type.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { CommunityData, ImagingStudy } from '../../simulator/data-pack/pack-format.js';
import { identity, parseDicom } from '../helpers/imaging-dicom-tools.js';
import { startRetrieveBroker, type RetrieveBroker } from '../helpers/mhd-retrieve.js';
import { external, refusingUrl, startTestTopology, type TestTopology } from '../helpers/topology.js';

const DOWN = 'urn:oid:2.25.143717819127266221728204988935439350416.99.3';
const UNKNOWN = 'urn:oid:2.25.143717819127266221728204988935439350416.99.9';
const DICOM = 'multipart/related; type="application/dicom"';
const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const HOW = 'mint one with `sim token issue --patient <NHS number>`';

/** A bearer token naming `nhs` as the IUA patient (the sandbox reads it without verifying). */
async function tokenFor(nhs: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ extensions: { ihe_iua: { person_id: nhsNumberToCx(nhs) } } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

/** The parts of a multipart body (RFC 2046 §5.1.1), each with its headers, split at the boundary. */
function multipartParts(body: Buffer, contentType: string): { headers: string; bytes: Buffer }[] {
  const boundary = parseContentType(contentType).params.get('boundary')!;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; bytes: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  expect(at).toBe(0);
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') {
      expect(body.subarray(start).toString()).toBe('--\r\n');
      return parts;
    }
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    expect(next).toBeGreaterThan(start);
    const part = body.subarray(start + 2, next);
    const sep = part.indexOf('\r\n\r\n');
    parts.push({ headers: part.subarray(0, sep).toString('latin1'), bytes: part.subarray(sep + 4) });
    at = next + 2;
  }
}

describe('WADO-RS Retrieve Study on the broker', () => {
  let t: TestTopology;
  let b: RetrieveBroker;
  let c: CommunityData;
  let study: ImagingStudy;
  let token: string;
  const studyUrl = (home: string, uid: string) => `${b.url}${FhirPath.wadoRs}/${home}/studies/${uid}`;
  beforeAll(async () => {
    t = await startTestTopology({
      externals: [external('down-network', DOWN.slice(8), await refusingUrl())],
    });
    c = t.pack.communities[0]!;
    study = c.imaging[0]!;
    token = await tokenFor(study.patientId);
    b = await startRetrieveBroker(t.running, { clock: systemClock, deadlineMs: 10_000 });
  });
  afterAll(async () => {
    await b.close();
    await t.running.stop();
  });

  it("answers the study's instances as multipart/related parts, byte for byte, and records the transaction with its three kinds of legs", async () => {
    const res = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: DICOM, Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const contentType = res.headers.get('content-type')!;
    expect(contentType).toMatch(
      /^multipart\/related; type="application\/dicom"; boundary=nir-sim-wado-[0-9a-f]{32}$/,
    );
    const parts = multipartParts(Buffer.from(await res.arrayBuffer()), contentType);
    const expected = study.series.flatMap((s) =>
      s.instances.map((i) => ({ series: s.seriesInstanceUid, sop: i.sopInstanceUid })),
    );
    expect(expected.length).toBeGreaterThan(1);
    expect(parts).toHaveLength(expected.length);
    const seen = new Set<string>();
    for (const p of parts) {
      expect(p.headers).toBe(`Content-Type: application/dicom; transfer-syntax=${EXPLICIT}`);
      const id = identity(parseDicom(p.bytes));
      const want = expected.find((e) => e.sop === id.sopInstanceUid)!;
      expect(want).toBeDefined();
      expect(id).toMatchObject({
        transferSyntaxUid: EXPLICIT,
        studyInstanceUid: study.studyInstanceUid,
        seriesInstanceUid: want.series,
        patientId: study.patientId,
      });
      const file = c.findImage(study.studyInstanceUid, want.series, want.sop)!;
      expect(p.bytes.equals(await readFile(file.path))).toBe(true);
      seen.add(want.sop);
    }
    expect(seen.size).toBe(expected.length);
    const e = b.transactions().at(-1)!;
    expect(e).toMatchObject({
      transaction: 'WADO-RS',
      protocol: 'mhd',
      requestLine: `GET ${FhirPath.wadoRs}/${c.homeCommunityId}/studies/${study.studyInstanceUid}`,
      status: ResponseStatus.Success,
      errors: [],
      resultCount: expected.length,
      patient: study.patientId,
      patientId: nhsNumberToCx(study.patientId),
      requester: { assurance: 'unknown', patientId: nhsNumberToCx(study.patientId) },
      studies: [
        {
          studyInstanceUid: study.studyInstanceUid,
          seriesInstanceUids: study.series.map((s) => s.seriesInstanceUid),
          homeCommunityId: c.homeCommunityId,
          repositoryUniqueId: c.repositoryUniqueId,
          documentUniqueIds: expected.map((x) => x.sop),
          patient: study.patientId,
        },
      ],
    });
    expect(e.legs.map((l) => [l.transaction, l.homeCommunityId, l.outcome])).toEqual([
      ['ITI-38', c.homeCommunityId, 'answered'],
      ['ITI-39', c.homeCommunityId, 'answered'],
      ['RAD-75', c.homeCommunityId, 'answered'],
    ]);
  });

  it('re-encodes in the transfer syntax asked for, and answers any with transfer-syntax=*', async () => {
    const implicit = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: `${DICOM}; transfer-syntax=${IMPLICIT}`, Authorization: `Bearer ${token}` },
    });
    expect(implicit.status).toBe(200);
    const parts = multipartParts(
      Buffer.from(await implicit.arrayBuffer()),
      implicit.headers.get('content-type')!,
    );
    expect(parts.length).toBe(study.series.reduce((n, s) => n + s.instances.length, 0));
    for (const p of parts) {
      expect(p.headers).toBe(`Content-Type: application/dicom; transfer-syntax=${IMPLICIT}`);
      expect(identity(parseDicom(p.bytes)).transferSyntaxUid).toBe(IMPLICIT);
    }
    const any = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: `${DICOM}; transfer-syntax=*`, Authorization: `Bearer ${token}` },
    });
    expect(any.status).toBe(200);
    const anyParts = multipartParts(Buffer.from(await any.arrayBuffer()), any.headers.get('content-type')!);
    expect(anyParts.map((p) => p.headers)).toEqual(parts.map(() => 'Content-Type: application/dicom'));
  });

  it('406 for an Accept it cannot answer (refused before any leg) and for a transfer syntax the community cannot give', async () => {
    const before = b.records.length;
    const json = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: 'application/dicom+json', Authorization: `Bearer ${token}` },
    });
    expect(json.status).toBe(406);
    expect(await json.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: `the Accept header 'application/dicom+json' names no media type a WADO-RS Retrieve Study can answer: send Accept: multipart/related; type="application/dicom" (optionally ; transfer-syntax=<Transfer Syntax UID> or *; default ${EXPLICIT}, Explicit VR Little Endian)`,
        },
      ],
    });
    expect(b.records.slice(before)).toMatchObject([
      { kind: 'fault', event: { transaction: 'WADO-RS', httpStatus: 406, code: 'not-supported' } },
    ]);

    const jpeg = '1.2.840.10008.1.2.4.50';
    const res = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: `${DICOM}; transfer-syntax=${jpeg}`, Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(406);
    const body = (await res.json()) as { issue: Record<string, unknown>[] };
    const images = study.series.flatMap((s) =>
      s.instances.map((i) => [s.seriesInstanceUid, i.sopInstanceUid]),
    );
    expect(body).toEqual({
      resourceType: 'OperationOutcome',
      issue: images.map(([series, sop]) => ({
        severity: 'error',
        code: 'not-supported',
        extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: c.homeCommunityId }],
        details: {
          coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSRepositoryError' }],
          text: 'XDSRepositoryError',
        },
        diagnostics: `image ${study.studyInstanceUid}:${series}:${sop} cannot be encoded in any of the requested transfer syntaxes (${jpeg}); this community serves ${EXPLICIT} (Explicit VR Little Endian) and ${IMPLICIT} (Implicit VR Little Endian)`,
      })),
    });
    expect(b.transactions().at(-1)).toMatchObject({
      transaction: 'WADO-RS',
      resultCount: 0,
      status: ResponseStatus.Failure,
    });
  });

  it('404 for a study the community does not hold for the patient, and for an unknown community', async () => {
    const res = await fetch(studyUrl(c.homeCommunityId, '1.2.3.4.5.6.7'), {
      headers: { Accept: DICOM, Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          diagnostics: `no imaging manifest of study 1.2.3.4.5.6.7 for patient ${study.patientId} in ${c.homeCommunityId}`,
        },
      ],
    });
    const unknown = await fetch(studyUrl(UNKNOWN, study.studyInstanceUid), {
      headers: { Accept: DICOM, Authorization: `Bearer ${token}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: UNKNOWN }],
          details: {
            coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSUnknownCommunity' }],
            text: 'XDSUnknownCommunity',
          },
          diagnostics: `homeCommunityId ${UNKNOWN} is not a community NIR knows`,
        },
      ],
    });
  });

  it('401 without a token and 400 for a token naming no NHS number, saying how to get one', async () => {
    const none = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: DICOM },
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'login',
          diagnostics: `no access token: send Authorization: Bearer <IUA access token> naming the patient (extensions.ihe_iua.person_id); ${HOW}`,
        },
      ],
    });
    expect(b.faults().at(-1)).toMatchObject({ transaction: 'WADO-RS', httpStatus: 401, code: 'login' });
    const notJwt = await fetch(studyUrl(c.homeCommunityId, study.studyInstanceUid), {
      headers: { Accept: DICOM, Authorization: 'Bearer abc.def' },
    });
    expect(notJwt.status).toBe(400);
    expect(await notJwt.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: `the bearer token is not a JWT: send Authorization: Bearer <IUA access token> naming the patient (extensions.ihe_iua.person_id); ${HOW}`,
        },
      ],
    });
  });

  it('502 when the community refuses the connection', async () => {
    const res = await fetch(studyUrl(DOWN, study.studyInstanceUid), {
      headers: { Accept: DICOM, Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { issue: { diagnostics: string }[] };
    expect(body.issue).toHaveLength(1);
    expect(body.issue[0]).toMatchObject({
      severity: 'error',
      code: 'transient',
      extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: DOWN }],
      details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSUnavailableCommunity' }] },
    });
    expect(body.issue[0]!.diagnostics).toMatch(
      /^community urn:oid:\S+ \(down-network\) refused the connection/,
    );
    expect(
      b
        .transactions()
        .at(-1)!
        .legs.map((l) => [l.transaction, l.outcome]),
    ).toEqual([['ITI-38', 'failed']]);
  });
});
