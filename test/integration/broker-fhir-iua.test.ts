/**
 * ITI-67 on the integration port over real mutual TLS with IHE IUA bearer tokens (ITI TF-2 3.72;
 * RFC 6750; docs/mhd.md "The broker's FHIR face"): a valid token signed with the supplier's pinned
 * key is admitted, its user, organisation, role and purpose of use forwarded to the communities in
 * the broker's XUA assertion and recorded as the validated requester; no token, another audience,
 * another patient, an expired token are refused with the RFC 6750 challenge and an
 * OperationOutcome saying no more, each recorded as a FaultEvent, no community asked.
 */
import https from 'node:https';
import type { Bundle, CapabilityStatement, FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { validateFhirResource, type FhirResourceType } from '../../simulator/fhir/schema-validator.js';
import { documentResponderCapabilityStatement } from '../../simulator/mhd/capability-statement.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
} from '../../simulator/security/iua-claims.js';
import { issueAccessToken, type AccessTokenInput } from '../../simulator/security/iua-token.js';
import { CodeSystem, SUPPLIER_TEST_IDENTITY } from '../../simulator/security/saml.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { useSecureTopology, type CertDir } from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const OTHER = '9995649306';
const t = useSecureTopology();

/** An HTTPS GET on a fresh connection with the supplier's client certificate (or none). */
function getTls(
  certs: CertDir,
  url: string,
  headers: Record<string, string> = {},
  client: string | null = 'supplier/client',
): Promise<
  { status: number; headers: Record<string, string | string[] | undefined>; body: string } | { error: string }
> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        agent: false,
        ca: certs.read('nir/root-ca.pem'),
        ...(client ? { cert: certs.read(`${client}.pem`), key: certs.read(`${client}.key`) } : {}),
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

function tokenInput(over: Partial<AccessTokenInput> = {}): AccessTokenInput {
  return {
    issuer: SUPPLIER_TEST_IDENTITY.issuer,
    clientId: SUPPLIER_TEST_CLIENT_ID,
    scope: SUPPLIER_TEST_SCOPE,
    subjectName: SUPPLIER_TEST_IDENTITY.subjectId,
    organization: SUPPLIER_TEST_IDENTITY.organization,
    organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
    homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
    role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
    purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose, displayName: 'Treatment' },
    personId: nhsNumberToCx(NHS),
    audiences: [NIR_FHIR_AUDIENCE],
    now: new Date(),
    ...over,
  };
}

const token = (over: Partial<AccessTokenInput> = {}): Promise<string> =>
  issueAccessToken(tokenInput(over), {
    certPem: t.certs.read('supplier/signing.pem'),
    keyPem: t.certs.read('supplier/signing.key'),
  });

const search = (nhs = NHS) =>
  `${t.running.broker.integration!.url}/fhir/DocumentReference?patient=Patient/${nhs}&status=current`;

async function ask(url: string, headers: Record<string, string> = {}) {
  const r = await getTls(t.certs, url, headers);
  if ('error' in r) throw new Error(`connection failed: ${r.error}`);
  return { ...r, json: JSON.parse(r.body) as FhirResource };
}

/** A refusal: the status, the challenge, the whole OperationOutcome, its FaultEvent, and no transaction. */
async function expectRefused(
  headers: Record<string, string>,
  want: { status: number; challenge: string; code: string; diagnostics: string },
  url = search(),
): Promise<void> {
  const txBefore = t.transactions.length;
  const faultsBefore = t.faultEvents.length;
  const r = await ask(url, headers);
  expect([r.status, r.headers['www-authenticate'], r.headers['content-type'], r.json]).toEqual([
    want.status,
    want.challenge,
    'application/fhir+json; charset=utf-8',
    {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: want.code, diagnostics: want.diagnostics }],
    },
  ]);
  expect(validateFhirResource('OperationOutcome', r.json)).toEqual({ ok: true });
  expect(t.transactions.length).toBe(txBefore);
  expect(t.faultEvents.slice(faultsBefore)).toMatchObject([
    {
      transaction: 'ITI-67',
      httpStatus: want.status,
      code: want.code,
      reason: want.diagnostics,
      endpoint: `${t.running.broker.integration!.url}/fhir/DocumentReference`,
    },
  ]);
}

describe('ITI-67 on the integration port (mTLS + IUA)', () => {
  it('GET metadata: the CapabilityStatement says mutual TLS and OAuth (IUA) are required', async () => {
    const r = await ask(`${t.running.broker.integration!.url}/fhir/metadata`);
    expect(r.status).toBe(200);
    const cs = r.json as CapabilityStatement;
    expect(validateFhirResource('CapabilityStatement', cs)).toEqual({ ok: true });
    expect(cs).toEqual(
      documentResponderCapabilityStatement({
        fhirBase: `${t.running.broker.integration!.url}/fhir`,
        date: cs.date,
        version: cs.software!.version!,
        integration: true,
      }),
    );
  });

  it('a valid token: admitted, every community asked with the forwarded assertion, the requester validated', async () => {
    const before = t.transactions.length;
    const r = await ask(search(), {
      Authorization: `Bearer ${await token({ tokenId: 'urn:uuid:0b9c6f0e-7f7e-4d1e-9a51-000000000001' })}`,
    });
    expect([r.status, r.body]).toEqual([200, expect.any(String)]);
    const bundle = r.json as Bundle;
    expect(validateFhirResource(bundle.resourceType as FhirResourceType, bundle)).toEqual({ ok: true });
    expect(bundle.total).toBe(
      t.pack.communities
        .flatMap((c) => c.entries)
        .filter((e) => e.patientId.startsWith(`${NHS}^`) && e.availabilityStatus.endsWith('Approved')).length,
    );
    const tx = t.transactions[before]!;
    expect(tx.legs.map((l) => [l.outcome, l.httpStatus])).toEqual(
      t.pack.communities.map(() => ['answered', 200]),
    );
    expect(tx.requester).toEqual({
      assurance: 'validated',
      callingSystem: { id: 'supplier-system', source: 'tls-certificate' },
      user: { id: 'Dr Alex Example', display: 'Dr Alex Example', issuer: 'urn:nir-sim:supplier-idp' },
      organisation: {
        id: 'urn:oid:2.25.147690889658333950155957183334533996289',
        display: 'Example Supplier Imaging Service (synthetic)',
      },
      role: { code: '158965000', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Medical practitioner' },
      purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
      homeCommunityId: 'urn:oid:2.25.147690889658333950155957183334533996289.1',
      patientId: nhsNumberToCx(NHS),
      assertionId: 'urn:uuid:0b9c6f0e-7f7e-4d1e-9a51-000000000001',
    });
  });

  it('no token: 401 with a bare Bearer challenge', async () => {
    await expectRefused(
      {},
      {
        status: 401,
        challenge: 'Bearer',
        code: 'login',
        diagnostics: 'an access token is required (Authorization: Bearer)',
      },
    );
  });

  it('a token for another audience: 401 invalid_token', async () => {
    await expectRefused(
      { Authorization: `Bearer ${await token({ audiences: ['https://elsewhere.example/fhir'] })}` },
      {
        status: 401,
        challenge: 'Bearer error="invalid_token"',
        code: 'login',
        diagnostics: 'the access token is not valid',
      },
    );
  });

  it('an expired token: 401 invalid_token', async () => {
    const old = new Date(Date.now() - 2 * 3_600_000);
    await expectRefused(
      { Authorization: `Bearer ${await token({ now: old, lifetimeMs: 300_000 })}` },
      {
        status: 401,
        challenge: 'Bearer error="invalid_token"',
        code: 'login',
        diagnostics: 'the access token is not valid',
      },
    );
  });

  it("a token for another patient than the search's: 403 insufficient_scope", async () => {
    await expectRefused(
      { Authorization: `Bearer ${await token()}` },
      {
        status: 403,
        challenge: 'Bearer error="insufficient_scope"',
        code: 'forbidden',
        diagnostics: 'the access token does not permit this request',
      },
      search(OTHER),
    );
  });

  it('no client certificate: the connection is dropped before any HTTP', async () => {
    const r = await getTls(t.certs, search(), { Authorization: `Bearer ${await token()}` }, null);
    expect('error' in r).toBe(true);
  });
});
