/**
 * WADO-RS on the integration port: the patient comes from an IUA access token validated against
 * the supplier's pinned signing certificate (security/iua-validate.ts); a token that fails is
 * refused as RFC 6750 §3 says (status, WWW-Authenticate, no detail in the body) and recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPLIER_TEST_IDENTITY, CodeSystem } from '../../simulator/security/saml.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
  iuaPolicy,
} from '../../simulator/security/iua-claims.js';
import { issueAccessToken, type AccessTokenInput } from '../../simulator/security/iua-token.js';
import { createIuaValidator } from '../../simulator/security/iua-validate.js';
import type { SigningCredential } from '../../simulator/security/xua-issue.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import {
  nhsNumberFromPatientId,
  nhsNumberToCx,
  patientIdProblemText,
} from '../../simulator/xca/patient-id.js';
import type { CommunityData, ImagingStudy } from '../../simulator/data-pack/pack-format.js';
import { startRetrieveBroker, type RetrieveBroker } from '../helpers/mhd-retrieve.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

const DICOM = 'multipart/related; type="application/dicom"';

describe('WADO-RS with a validated IUA token (integration port)', () => {
  let t: TestTopology;
  let b: RetrieveBroker;
  let certs: CertDir;
  let supplier: SigningCredential;
  let c: CommunityData;
  let study: ImagingStudy;
  const input = (o: Partial<AccessTokenInput> = {}): AccessTokenInput => ({
    issuer: SUPPLIER_TEST_IDENTITY.issuer,
    clientId: SUPPLIER_TEST_CLIENT_ID,
    scope: SUPPLIER_TEST_SCOPE,
    subjectName: SUPPLIER_TEST_IDENTITY.subjectId,
    organization: SUPPLIER_TEST_IDENTITY.organization,
    organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
    homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
    role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
    purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
    personId: nhsNumberToCx(study.patientId),
    audiences: [NIR_FHIR_AUDIENCE],
    now: new Date(),
    ...o,
  });
  const get = (token?: string) =>
    fetch(`${b.url}${FhirPath.wadoRs}/${c.homeCommunityId}/studies/${study.studyInstanceUid}`, {
      headers: { Accept: DICOM, ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}) },
    });
  beforeAll(async () => {
    certs = await mintCertDir([]);
    supplier = { certPem: certs.read('supplier/signing.pem'), keyPem: certs.read('supplier/signing.key') };
    t = await startTestTopology({ simulated: 1 });
    c = t.pack.communities[0]!;
    study = c.imaging[0]!;
    const iua = createIuaValidator(
      iuaPolicy({
        issuers: [SUPPLIER_TEST_IDENTITY.issuer],
        audiences: [NIR_FHIR_AUDIENCE],
        trustedSigners: [supplier.certPem],
        personIdProblem: (v) => {
          const r = nhsNumberFromPatientId(v);
          return r.ok ? undefined : patientIdProblemText[r.reason];
        },
      }),
    );
    b = await startRetrieveBroker(t.running, { clock: systemClock, deadlineMs: 10_000, iua });
  });
  afterAll(async () => {
    await b?.close();
    await t?.running.stop();
    certs?.remove();
  });

  it("serves the study for the validated token's patient and records the validated requester", async () => {
    const res = await get(await issueAccessToken(input(), supplier));
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(b.transactions().at(-1)).toMatchObject({
      transaction: 'WADO-RS',
      patient: study.patientId,
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

  it('refuses a missing token and a token for another audience with minimal detail, each recorded', async () => {
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const noneBody = (await none.json()) as { issue: { code: string; diagnostics: string }[] };
    expect(noneBody.issue).toHaveLength(1);
    expect(noneBody.issue[0]!.code).toBe('login');

    const other = await get(
      await issueAccessToken(input({ audiences: ['https://elsewhere.example/fhir'] }), supplier),
    );
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const body = (await other.json()) as { resourceType: string; issue: { diagnostics: string }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]!.diagnostics).not.toContain('audience');
    expect(b.faults().slice(-2)).toMatchObject([
      { transaction: 'WADO-RS', httpStatus: 401, code: 'login' },
      { transaction: 'WADO-RS', httpStatus: 401, code: 'login' },
    ]);
  });
});
