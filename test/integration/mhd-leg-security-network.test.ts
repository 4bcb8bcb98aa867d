/**
 * A mixed network with security on (docs/security.md "MHD communities"): two XCA communities and
 * one MHD community, every listener on real mutual TLS. The broker's legs to the MHD community
 * carry an IUA access token it signs (broker/mhd-leg-token.ts: issuer NIR, audience the
 * community's FHIR base), which the community validates (gateway/mhd-access.ts, policy from
 * runtime/security-runtime.ts): ITI-38 over mTLS + XUA and ITI-67 over mTLS + IUA on the
 * integration port both reach it. A request without a token, or with one for another audience or
 * expired, is refused by the community with the RFC 6750 challenge and an OperationOutcome, and the
 * broker's consolidated answer names that community; a cert-expired fault on it is named on both
 * faces.
 */
import https from 'node:https';
import type {
  Bundle,
  DocumentReference,
  DomainResource,
  OperationOutcome,
  OperationOutcomeIssue,
} from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommunityDirectory, type CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { crossGatewayQuery } from '../../simulator/broker/cross-gateway-query.js';
import { legBearerToken } from '../../simulator/broker/mhd-leg-token.js';
import { signForwardedSecurityHeader } from '../../simulator/broker/xua-forward.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
} from '../../simulator/security/iua-claims.js';
import { issueAccessToken } from '../../simulator/security/iua-token.js';
import { CodeSystem, NIR_SANDBOX_IDENTITY, SUPPLIER_TEST_IDENTITY } from '../../simulator/security/saml.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus, ErrorSeverity, ResponseStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { findDocuments } from '../helpers/requests.js';
import { readQueryResponse } from '../helpers/soap-http.js';
import {
  mintCertDir,
  postTls,
  supplierAssertion,
  withSecurity,
  type CertDir,
} from '../helpers/security-fixtures.js';
import { defaultPackDir } from '../helpers/topology.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);

let pack: DataPack;
let certs: CertDir;
let faults: FaultStore;
let running: RunningTopology;
/** A second runtime over the same certificate set: the same NIR keys the running broker signs with. */
let sec: SecurityRuntime;

beforeAll(async () => {
  pack = await loadDataPack(defaultPackDir);
  const names = pack.communities.map((c) => c.name);
  certs = await mintCertDir(names);
  faults = new FaultStore(1, () => names);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 10_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store, i) => ({
        kind: 'simulated' as const,
        store,
        port: 0,
        ...(i === 2 ? { protocol: 'mhd' as const } : {}),
      })),
      security: { certsDir: certs.dir, crlPollMs: 100 },
    },
    { logger: silentLogger(), faults },
  );
  sec = securityFromDirectory(certs.dir, names, { certsDir: certs.dir }, silentLogger());
});

afterAll(async () => {
  await running?.stop();
  sec?.stop();
  certs?.remove();
});

afterEach(() => faults.reset());

const mhd = (): CommunityEndpoint => running.communities[2] as CommunityEndpoint;
const allHomes = (): string[] => pack.communities.map((c) => c.homeCommunityId).sort();
const expectedUniqueIds = (): string[] =>
  pack.communities
    .flatMap((c) =>
      c.entries.filter((e) => e.patientId === CX && e.availabilityStatus === EntryStatus.Approved),
    )
    .map((e) => e.uniqueId)
    .sort();

/** ITI-38 on the integration port, mutual TLS and the supplier's XUA assertion. */
async function iti38() {
  const env = withSecurity(findDocuments(NHS), supplierAssertion(certs, CX));
  const r = await postTls(certs, running.broker.integration!.endpoints['ITI-38'], env);
  if (!('status' in r)) throw new Error(r.error);
  return readQueryResponse({
    status: r.status,
    contentType: 'application/soap+xml',
    body: Buffer.from(r.body),
  }).response;
}

type Got = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** An HTTPS GET on a fresh connection: client certificate `client` (a path under the set, no extension). */
function getTls(url: string, headers: Record<string, string>, client: string, ca: string): Promise<Got> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        agent: false,
        ca,
        cert: certs.read(`${client}.pem`),
        key: certs.read(`${client}.key`),
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
    req.on('error', reject);
    req.end();
  });
}

/** A supplier token for the broker's FHIR endpoints (`sim token issue`'s). */
const supplierToken = (): Promise<string> =>
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
      personId: CX,
      audiences: [NIR_FHIR_AUDIENCE],
      now: new Date(),
    },
    { certPem: certs.read('supplier/signing.pem'), keyPem: certs.read('supplier/signing.key') },
  );

/** ITI-67 on the integration port, mutual TLS and the supplier's IUA token. */
async function iti67(): Promise<{ status: number; bundle: Bundle }> {
  const url = `${running.broker.integration!.url}/fhir/DocumentReference?patient=Patient/${NHS}&status=current`;
  const r = await getTls(
    url,
    { authorization: `Bearer ${await supplierToken()}`, accept: 'application/fhir+json' },
    'supplier/client',
    certs.read('nir/root-ca.pem'),
  );
  return { status: r.status, bundle: JSON.parse(r.body) as Bundle };
}

const homeOf = (x: DomainResource | OperationOutcomeIssue): string | undefined =>
  x.extension?.find((e) => e.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;

describe('a security-on mixed network (2 XCA + 1 MHD community)', () => {
  it('ITI-38 over mTLS + XUA reaches the MHD community through its IUA check: Success, every community', async () => {
    const q = await iti38();
    expect([q.status, q.errors]).toEqual([ResponseStatus.Success, []]);
    expect([...new Set(q.objects.map((o) => o.home))].sort()).toEqual(allHomes());
    expect(q.objects.length).toBe(expectedUniqueIds().length);
  });

  it('ITI-67 over mTLS + IUA reaches the MHD community: 200, its documents, no OperationOutcome', async () => {
    const r = await iti67();
    expect(r.status).toBe(200);
    const entries = r.bundle.entry ?? [];
    expect(entries.filter((e) => e.search?.mode === 'outcome')).toEqual([]);
    const docs = entries.map((e) => e.resource as DocumentReference);
    expect(docs.map((d) => d.masterIdentifier?.value?.replace(/^urn:oid:/, '')).sort()).toEqual(
      expectedUniqueIds(),
    );
    expect([...new Set(docs.map(homeOf))].sort()).toEqual(allHomes());
  });

  it("the broker's leg token validates against the MHD community's own policy (issuer NIR, audience its FHIR base)", async () => {
    const bearer = legBearerToken(sec.forward, systemClock, running.communities, undefined, CX);
    expect(bearer).toBeDefined();
    const url = new URL(mhd().endpoints['ITI-67']!);
    const token = await bearer!(url);
    expect(await bearer!(url)).toBe(token); // one token per request, whatever the number of legs
    const c = pack.communities[2]!;
    const claims = await sec
      .gateway(c.name, c.homeCommunityId)
      .iua(mhd().fhirBase!)
      .validate(token, new Date());
    expect(claims).toMatchObject({
      issuer: NIR_SANDBOX_IDENTITY.issuer,
      audiences: [mhd().fhirBase],
      subjectId: NIR_SANDBOX_IDENTITY.subjectId,
      organizationId: NIR_SANDBOX_IDENTITY.organizationId,
      resourceId: CX,
    });
    // An all-XCA directory mints no token.
    expect(
      legBearerToken(
        sec.forward,
        systemClock,
        running.communities.slice(0, 2) as CommunityEndpoint[],
        undefined,
        CX,
      ),
    ).toBeUndefined();
  });
});

/** A token the broker's key signs, but not as the community requires. */
const badTokens = {
  none: () => Promise.resolve(undefined),
  'wrong audience': () =>
    legBearerToken(
      sec.forward,
      systemClock,
      [{ ...mhd(), fhirBase: 'https://elsewhere.example/fhir' }],
      undefined,
      CX,
    )!(new URL('https://elsewhere.example/fhir/DocumentReference')),
  expired: () =>
    legBearerToken(
      sec.forward,
      { ...systemClock, now: () => Date.now() - 3_600_000 },
      [mhd()],
      undefined,
      CX,
    )!(new URL(mhd().endpoints['ITI-67']!)),
} satisfies Record<string, () => Promise<string | undefined>>;

const CHALLENGE = {
  none: 'Bearer',
  'wrong audience': 'Bearer error="invalid_token"',
  expired: 'Bearer error="invalid_token"',
} as const;

/** The community's OperationOutcome diagnostics (RFC 6750 §3: no detail), carried as codeContext. */
const REFUSED = {
  none: 'an access token is required (Authorization: Bearer)',
  'wrong audience': 'the access token is not valid',
  expired: 'the access token is not valid',
} as const;

const findDocumentsRequest = (): AdhocQueryRequest => ({
  returnType: 'LeafClass',
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: [`'${CX}'`] },
    { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
  ],
});

describe('the MHD community refuses a token that is not for it', () => {
  it.each(Object.keys(badTokens) as (keyof typeof badTokens)[])(
    '%s: 401, the RFC 6750 challenge and the whole OperationOutcome',
    async (which) => {
      const token = await badTokens[which]();
      const r = await getTls(
        `${mhd().endpoints['ITI-67']!}?patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${NHS}`)}&status=current`,
        {
          accept: 'application/fhir+json',
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
        'nir/broker-client',
        certs.read(`communities/${pack.communities[2]!.name}/ca.pem`),
      );
      expect([r.status, r.headers['www-authenticate'], JSON.parse(r.body)]).toEqual([
        401,
        CHALLENGE[which],
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'login', diagnostics: REFUSED[which] }],
        },
      ]);
    },
  );

  it.each(Object.keys(badTokens) as (keyof typeof badTokens)[])(
    "%s: the broker's consolidated ITI-38 answer keeps the XCA documents and a RegistryError at the MHD community",
    async (which) => {
      const token = await badTokens[which]();
      const communities = running.communities as CommunityEndpoint[];
      const bc: BrokerContext = {
        directory: new CommunityDirectory(communities),
        deadlineMs: 10_000,
        clock: systemClock,
        logger: silentLogger(),
        transport: {
          httpsAgent: sec.httpsAgent,
          maxResponseBytes: 16 * 1024 * 1024,
          securityHeader: () =>
            signForwardedSecurityHeader(
              sec.forward,
              systemClock,
              communities.map((c) => c.homeCommunityId),
              undefined,
              CX,
            ),
          ...(token !== undefined ? { bearerToken: () => Promise.resolve(token) } : {}),
        },
      };
      const { response } = await crossGatewayQuery(findDocumentsRequest(), CX, {}, bc);
      const home = mhd().homeCommunityId;
      expect([response.status, response.errors]).toEqual([
        ResponseStatus.PartialSuccess,
        [
          {
            errorCode: 'XDSRegistryError',
            codeContext: REFUSED[which],
            severity: ErrorSeverity.Error,
            location: home,
          },
        ],
      ]);
      expect(
        [...new Set(response.objects.map((o) => (o.form === 'ebrim' ? o.object.home : o.home)))].sort(),
      ).toEqual(allHomes().filter((h) => h !== home));
    },
  );
});

describe('cert-expired on the MHD community, security on', () => {
  it('ITI-38 and ITI-67 on the integration port name the community (XDSUnavailableCommunity)', async () => {
    const c = pack.communities[2]!;
    expect(faults.add({ name: 'expired', gateway: c.name, kind: 'cert-expired' }).ok).toBe(true);
    const why = `community ${c.homeCommunityId} (${c.name}) presented a server certificate that is expired (CERT_HAS_EXPIRED), so the broker refused the TLS connection`;
    // The listener re-provisions once the fault store has changed: ask until the broker sees it.
    let q = await iti38();
    for (let i = 0; i < 100 && q.status !== ResponseStatus.PartialSuccess; i++) {
      await new Promise((r) => setTimeout(r, 100));
      q = await iti38();
    }
    expect([q.status, q.errors]).toEqual([
      ResponseStatus.PartialSuccess,
      [
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: why,
          severity: ErrorSeverity.Error,
          location: c.homeCommunityId,
        },
      ],
    ]);
    expect([...new Set(q.objects.map((o) => o.home))].sort()).toEqual(
      allHomes().filter((h) => h !== c.homeCommunityId),
    );

    const r = await iti67();
    expect(r.status).toBe(200);
    const outcomes = (r.bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome');
    expect(outcomes).toHaveLength(1);
    const oo = outcomes[0]!.resource as OperationOutcome;
    expect(oo.issue.map((i) => [i.severity, i.details?.text, i.diagnostics, homeOf(i)])).toEqual([
      ['error', 'XDSUnavailableCommunity', why, c.homeCommunityId],
    ]);
    const docs = (r.bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
    expect([...new Set(docs.map((e) => homeOf(e.resource as DocumentReference)))].sort()).toEqual(
      allHomes().filter((h) => h !== c.homeCommunityId),
    );
  });
});
