/**
 * A simulated MHD community with security on (docs/security.md): the same mutual-TLS listener as
 * an XCA community's. The broker's client certificate gets the FHIR answers (the
 * CapabilityStatement then declares the security), a client without a certificate is dropped, and
 * the provisioning faults re-provision the listener with a faulty certificate, as on XCA. With an
 * IUA validator, ITI-67 and ITI-68 need a bearer token for the community's FHIR base (the
 * RFC 6750 challenge otherwise) naming the patient asked about, if any.
 */
import https from 'node:https';
import type { CapabilityStatement } from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import { iuaPolicy } from '../../simulator/security/iua-claims.js';
import { issueAccessToken, type AccessTokenInput } from '../../simulator/security/iua-token.js';
import { createIuaValidator } from '../../simulator/security/iua-validate.js';
import { CodeSystem } from '../../simulator/security/saml.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { communityFiles, NirFiles } from '../../simulator/security/cert-layout.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { defaultPackDir } from '../helpers/topology.js';

type Outcome = { status: number; body: string; wwwAuthenticate?: string } | { error: string };

const ISSUER = 'urn:nir-sim:test-broker';
const NHS = '9995649284';

describe('a simulated MHD community with security on', () => {
  let c: CommunityData;
  let certs: CertDir;
  let security: SecurityRuntime;
  let g: RunningGateway;
  let faults: FaultStore;
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    c = pack.communities[0]!;
    certs = await mintCertDir([c.name]);
    security = securityFromDirectory(certs.dir, [c.name], {}, silentLogger());
    faults = new FaultStore(1, () => [c.name]);
    g = await startRespondingGateway({
      community: c,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
      faults,
      ...security.gateway(c.name, c.homeCommunityId),
      protocol: 'mhd',
      iua: (fhirBase) =>
        createIuaValidator(
          iuaPolicy({
            issuers: [ISSUER],
            audiences: [fhirBase],
            trustedSigners: [security.material.nir.signing.certPem],
            personIdProblem: () => undefined,
            requirePersonId: false,
          }),
        ),
    });
  });
  afterAll(async () => {
    await g.stop();
    security.stop();
    certs.remove();
  });
  afterEach(() => faults.reset());

  /** GET over HTTPS on a fresh connection, trusting the community's CA, presenting the broker's client certificate (or none). */
  const get = (path: string, client = true, headers: Record<string, string> = {}): Promise<Outcome> =>
    new Promise((resolve) => {
      const u = new URL(g.url + path);
      const req = https.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          agent: false,
          headers,
          ca: certs.read(communityFiles(c.name).ca),
          ...(client
            ? { cert: certs.read(NirFiles.brokerClient), key: certs.read(NirFiles.brokerClientKey) }
            : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (x: Buffer) => chunks.push(x));
          res.on('end', () => {
            const challenge = res.headers['www-authenticate'];
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              ...(challenge !== undefined ? { wwwAuthenticate: challenge } : {}),
            });
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      req.end();
    });

  it('serves the broker over mutual TLS; the CapabilityStatement says so', async () => {
    expect(g.url.startsWith('https://127.0.0.1:')).toBe(true);
    const r = await get(FhirPath.metadata);
    expect('status' in r && r.status).toBe(200);
    const cs = JSON.parse((r as { body: string }).body) as CapabilityStatement;
    expect(cs.implementation?.url).toBe(`${g.url}/fhir`);
    expect(cs.rest?.[0]?.security?.service?.[0]?.coding?.map((x) => x.code)).toEqual([
      'Certificates',
      'OAuth',
    ]);
  });

  it('drops a client without a certificate', async () => {
    const r = await get(FhirPath.metadata, false);
    expect('error' in r).toBe(true);
  });

  it.each([
    ['cert-expired', 'CERT_HAS_EXPIRED'],
    ['cert-untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('%s: the listener presents that certificate (%s) until the fault goes', async (kind, code) => {
    expect(faults.add({ name: 'cert', gateway: c.name, kind }).ok).toBe(true);
    let r = await get(FhirPath.metadata);
    while (!('error' in r)) r = await get(FhirPath.metadata); // the change is applied asynchronously
    expect(r).toEqual({ error: code });
    faults.reset();
    while ('error' in (r = await get(FhirPath.metadata)));
    expect(r.status).toBe(200);
  });

  const token = (o: Partial<AccessTokenInput> = {}, withPatient = true) =>
    issueAccessToken(
      {
        issuer: ISSUER,
        clientId: ISSUER,
        scope: 'ITI-67 ITI-68',
        subjectName: 'Dr Test',
        organization: 'NIR',
        organizationId: 'urn:oid:1.2.3',
        homeCommunityId: 'urn:oid:1.2.3.4',
        role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
        purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
        ...(withPatient ? { personId: nhsNumberToCx(NHS) } : {}),
        audiences: [`${g.url}/fhir`],
        now: new Date(),
        ...o,
      },
      security.material.nir.signing,
    );
  const search = `${FhirPath.documentReference}?patient.identifier=${NHS}&status=current`;
  const refused = (status: number, wwwAuthenticate: string, code: string, diagnostics: string) => ({
    status,
    wwwAuthenticate,
    body: JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, diagnostics }],
    }),
  });

  it('IUA: ITI-67 and ITI-68 need a bearer token for this FHIR base, naming the patient asked about', async () => {
    expect(await get(search)).toEqual(
      refused(401, 'Bearer', 'login', 'an access token is required (Authorization: Bearer)'),
    );
    const ok = await get(search, true, { authorization: `Bearer ${await token()}` });
    expect('status' in ok && ok.status).toBe(200);
    const bundle = JSON.parse((ok as { body: string }).body) as { total: number };
    expect(bundle.total).toBe(c.entries.filter((e) => e.patientId.startsWith(`${NHS}^`)).length);

    const elsewhere = await token({ audiences: ['https://other.example/fhir'] });
    expect(await get(search, true, { authorization: `Bearer ${elsewhere}` })).toEqual(
      refused(401, 'Bearer error="invalid_token"', 'login', 'the access token is not valid'),
    );
    const otherPatient = await token({ personId: nhsNumberToCx('9995527421') });
    expect(await get(search, true, { authorization: `Bearer ${otherPatient}` })).toEqual(
      refused(
        403,
        'Bearer error="insufficient_scope"',
        'forbidden',
        'the access token does not permit this request',
      ),
    );

    // ITI-68: a retrieve token names no patient (the broker's legs know none for ITI-39).
    const e = c.entries.find((x) => x.patientId.startsWith(`${NHS}^`))!;
    const doc = `${FhirPath.iti68}?${new URLSearchParams({
      homeCommunityId: c.homeCommunityId,
      repositoryUniqueId: c.repositoryUniqueId,
      uniqueId: e.uniqueId,
    }).toString()}`;
    expect(await get(doc)).toEqual(
      refused(401, 'Bearer', 'login', 'an access token is required (Authorization: Bearer)'),
    );
    const retrieved = await get(doc, true, { authorization: `Bearer ${await token({}, false)}` });
    const bytes = await c.readDocument(e.uniqueId);
    expect(retrieved).toEqual({ status: 200, body: bytes!.toString() });
  });
});
