/**
 * ITI-68 and WADO-RS on the integration port, over real mutual TLS with IHE IUA bearer tokens
 * (ITI TF-2 3.72; RFC 6750), admitted as the ITI-67 face admits (iua-enforcement.ts): the patient
 * of WADO-RS is the validated token's; ITI-68 serves a document only to a token for its patient;
 * refusals say no more than RFC 6750 §3 allows and are recorded.
 */
import https from 'node:https';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFhirResource, warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { brokerIuaValidator } from '../../simulator/broker/iua-enforcement.js';
import { XDS_ERROR_CODE_SYSTEM } from '../../simulator/mhd/registry-errors.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
} from '../../simulator/security/iua-claims.js';
import { issueAccessToken, type AccessTokenInput } from '../../simulator/security/iua-token.js';
import { CodeSystem, SUPPLIER_TEST_IDENTITY, xuaPolicy } from '../../simulator/security/saml.js';
import type { SigningCredential } from '../../simulator/security/xua-issue.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { CommunityData, ImagingStudy } from '../../simulator/data-pack/pack-format.js';
import { startRetrieveBroker, type RetrieveBroker } from '../helpers/mhd-retrieve.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { external, refusingUrl, startTestTopology, type TestTopology } from '../helpers/topology.js';

const DICOM = 'multipart/related; type="application/dicom"';
const OTHER = '9995649306';
const DOWN = 'urn:oid:2.25.143717819127266221728204988935439350416.99.3';

describe('ITI-68 and WADO-RS with IUA tokens over mutual TLS (integration port)', () => {
  let t: TestTopology;
  let b: RetrieveBroker;
  let certs: CertDir;
  let supplier: SigningCredential;
  let c: CommunityData;
  let study: ImagingStudy;
  const token = (o: Partial<AccessTokenInput> = {}): Promise<string> =>
    issueAccessToken(
      {
        issuer: SUPPLIER_TEST_IDENTITY.issuer,
        clientId: SUPPLIER_TEST_CLIENT_ID,
        scope: SUPPLIER_TEST_SCOPE,
        subjectName: SUPPLIER_TEST_IDENTITY.subjectId,
        organization: SUPPLIER_TEST_IDENTITY.organization,
        organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
        homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
        role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
        purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose, displayName: 'Treatment' },
        personId: nhsNumberToCx(study.patientId),
        audiences: [NIR_FHIR_AUDIENCE],
        now: new Date(),
        ...o,
      },
      supplier,
    );
  /** An HTTPS GET with the supplier's client certificate, on a fresh connection. */
  const get = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const u = new URL(`${b.url}${path}`);
        const req = https.request(
          {
            host: u.hostname,
            port: u.port,
            path: `${u.pathname}${u.search}`,
            agent: false,
            ca: certs.read('nir/root-ca.pem'),
            cert: certs.read('supplier/client.pem'),
            key: certs.read('supplier/client.key'),
            headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  const studyPath = () => `${FhirPath.wadoRs}/${c.homeCommunityId}/studies/${study.studyInstanceUid}`;
  beforeAll(async () => {
    warmFhirValidators();
    certs = await mintCertDir([]);
    supplier = { certPem: certs.read('supplier/signing.pem'), keyPem: certs.read('supplier/signing.key') };
    t = await startTestTopology({
      simulated: 1,
      externals: [external('down-network', DOWN.slice(8), await refusingUrl())],
    });
    c = t.pack.communities[0]!;
    study = c.imaging[0]!;
    const validator = brokerIuaValidator(
      xuaPolicy({ audiences: [NIR_FHIR_AUDIENCE], trustedSigners: [supplier.certPem] }),
      NIR_FHIR_AUDIENCE,
    );
    b = await startRetrieveBroker(t.running, {
      clock: systemClock,
      deadlineMs: 10_000,
      security: {
        fhir: { validator },
        tls: {
          cert: certs.read('nir/broker-server.pem'),
          key: certs.read('nir/broker-server.key'),
          ca: [certs.read('supplier/root-ca.pem'), certs.read('supplier/intermediate-ca.pem')],
        },
      },
    });
  });
  afterAll(async () => {
    await b?.close();
    await t?.running.stop();
    certs?.remove();
  });

  it("WADO-RS serves the study of the validated token's patient and records the validated requester", async () => {
    const res = await get(studyPath(), { Accept: DICOM, Authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    expect(b.transactions().at(-1)).toMatchObject({
      transaction: 'WADO-RS',
      patient: study.patientId,
      resultCount: study.series.reduce((n, s) => n + s.instances.length, 0),
      requester: {
        assurance: 'validated',
        user: { id: SUPPLIER_TEST_IDENTITY.subjectId, issuer: SUPPLIER_TEST_IDENTITY.issuer },
        organisation: {
          id: SUPPLIER_TEST_IDENTITY.organizationId,
          display: SUPPLIER_TEST_IDENTITY.organization,
        },
        patientId: nhsNumberToCx(study.patientId),
      },
    });
  });

  it('WADO-RS refuses a missing token and a token for another audience with minimal detail, each recorded', async () => {
    const before = b.records.length;
    const none = await get(studyPath(), { Accept: DICOM });
    const other = await get(studyPath(), {
      Accept: DICOM,
      Authorization: `Bearer ${await token({ audiences: ['https://elsewhere.example/fhir'] })}`,
    });
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect([other.status, other.headers['www-authenticate']]).toEqual([401, 'Bearer error="invalid_token"']);
    for (const r of [none, other]) {
      const body = JSON.parse(r.body.toString()) as {
        resourceType: string;
        issue: { code: string; diagnostics: string }[];
      };
      expect(validateFhirResource('OperationOutcome', body)).toEqual({ ok: true });
      expect(body.issue).toHaveLength(1);
      expect(body.issue[0]!.code).toBe('login');
      expect(body.issue[0]!.diagnostics).not.toMatch(/audience|elsewhere/);
    }
    expect(b.records.slice(before)).toMatchObject([
      { kind: 'fault', event: { transaction: 'WADO-RS', httpStatus: 401, code: 'login' } },
      { kind: 'fault', event: { transaction: 'WADO-RS', httpStatus: 401, code: 'login' } },
    ]);
  });

  it('ITI-68 serves a document to a token for its patient and refuses one for another patient with 403', async () => {
    const d = c.entries.find((e) => e.patientId === nhsNumberToCx(study.patientId))!;
    const path = `${FhirPath.iti68}?${new URLSearchParams({ homeCommunityId: d.homeCommunityId, repositoryUniqueId: d.repositoryUniqueId, uniqueId: d.uniqueId }).toString()}`;
    const ok = await get(path, { Authorization: `Bearer ${await token()}` });
    expect(ok.status).toBe(200);
    expect(createHash('sha1').update(ok.body).digest('hex')).toBe(d.hash);

    const denied = await get(path, {
      Authorization: `Bearer ${await token({ personId: nhsNumberToCx(OTHER) })}`,
    });
    expect([denied.status, denied.headers['www-authenticate'], JSON.parse(denied.body.toString())]).toEqual([
      403,
      'Bearer error="insufficient_scope"',
      {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'forbidden',
            diagnostics: 'the access token does not permit this request',
          },
        ],
      },
    ]);
    expect(validateFhirResource('OperationOutcome', JSON.parse(denied.body.toString()))).toEqual({
      ok: true,
    });
    expect(b.transactions().at(-1)).toMatchObject({
      transaction: 'ITI-68',
      resultCount: 0,
      patient: study.patientId,
    });
  });

  it("ITI-68 answers a down community's 502, not 403, when the document's entry could not be read", async () => {
    const path = `${FhirPath.iti68}?${new URLSearchParams({ homeCommunityId: DOWN, repositoryUniqueId: '1.2.3', uniqueId: '1.2.3.4' }).toString()}`;
    const res = await get(path, { Authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(502);
    const body = JSON.parse(res.body.toString()) as { issue: { code: string; details: unknown }[] };
    expect(validateFhirResource('OperationOutcome', body)).toEqual({ ok: true });
    expect(body.issue.map((i) => [i.code, i.details])).toEqual([
      [
        'transient',
        {
          coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSUnavailableCommunity' }],
          text: 'XDSUnavailableCommunity',
        },
      ],
    ]);
  });
});
