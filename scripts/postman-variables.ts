/**
 * `npm run postman:variables -- [--data-pack DIR] [--out DIR]`: (re)writes the Postman environments
 * `postman/localhost-sandbox.postman_environment.json` and
 * `postman/localhost-integration.postman_environment.json` from a data pack (default:
 * `data-packs/default`), so that the collection's patients, communities and expected counts are
 * the pack's (docs/postman.md). test/unit/postman/postman-variables.test.ts fails when the
 * committed files differ from what this writes: that is the CI check.
 *
 * The files are Postman environment exports (Postman's format: `id`, `name`, `values` of
 * `{ key, value, type, enabled }`, `_postman_variable_scope`), formatted with the project's
 * prettier settings so that `prettier --check` and this script agree byte for byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { DataPack } from '../simulator/data-pack/pack-format.js';
import { CONTROL_PORT_OFFSET } from '../simulator/control/control-api.js';
import { TopologyDefaults } from '../simulator/topology/topology.js';
import { SimError, SimErrorCode } from '../simulator/shared/errors.js';
import { EntryStatus } from '../simulator/xca/constants.js';
import type { DocumentEntry } from '../simulator/xca/document-entry-model.js';

/** The repository root (this file is `<root>/scripts/postman-variables.ts`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the collection and the environments live. */
export const postmanDir = path.join(repoRoot, 'postman');
/** The committed default data pack, the source of the committed environments. */
export const defaultPackDir = path.join(repoRoot, 'data-packs', 'default');

/** File name per environment. */
export const EnvironmentFile = {
  sandbox: 'localhost-sandbox.postman_environment.json',
  integration: 'localhost-integration.postman_environment.json',
} as const;
/** `sandbox` (the plain-HTTP sandbox port) or `integration` (the integration port, docs/security.md). */
export type EnvironmentName = keyof typeof EnvironmentFile;

/** One environment variable as Postman exports it (values are always strings). */
export interface PostmanVariable {
  key: string;
  value: string;
  type: 'default';
  enabled: true;
}

/** A Postman environment file. */
export interface PostmanEnvironment {
  /** Fixed per environment so that regeneration is byte-identical. */
  id: string;
  name: string;
  values: PostmanVariable[];
  _postman_variable_scope: 'environment';
}

/** An NHS number with an invalid Modulus 11 check digit (docs/getting-started.md). */
export const INVALID_NHS_NUMBER = '9999999991';

/** The integration port's default, `https://127.0.0.1:8443` (sandbox port + 363, docs/getting-started.md). */
export const INTEGRATION_BROKER_URL = 'https://127.0.0.1:8443';
/**
 * True since the integration port (docs/security.md) exists; `npm run postman` skips that
 * environment when false.
 */
export const INTEGRATION_PORT_READY = true;

/**
 * What Postman needs for the integration port, relative to the repository root (layout:
 * certs/README.md): the supplier client certificate (leaf + intermediate, PEM), its key, and the
 * NIR root CA that issued the broker's server certificate. Documentation only: Postman takes them
 * in Settings > Certificates, Newman as sslClientCert / sslClientKey / sslExtraCaCerts.
 */
export const IntegrationCertificateFiles = {
  clientCertificate: 'certs/out/supplier/client.pem',
  clientKey: 'certs/out/supplier/client.key',
  caCertificate: 'certs/out/nir/root-ca.pem',
} as const;

const sandboxBrokerUrl = `http://${TopologyDefaults.host}:${TopologyDefaults.brokerPort}`;
const controlUrl = `http://${TopologyDefaults.host}:${TopologyDefaults.brokerPort + CONTROL_PORT_OFFSET}`;

/** Approved entries of one patient, in every community, pack order. */
function entriesOf(pack: DataPack, nhs: string): DocumentEntry[] {
  return pack.communities.flatMap((c) =>
    c.entries.filter(
      (e) => e.patientId.startsWith(`${nhs}^`) && e.availabilityStatus === EntryStatus.Approved,
    ),
  );
}

/** `YYYYMMDD` of a DTM. */
const day = (dtm: string): string => dtm.slice(0, 8);

/**
 * A creation-time range over the middle of the patient's documents, at day precision: From =
 * the day of the lower-quartile document (inclusive), To = the day of the upper-quartile one
 * (exclusive), as ITI TF-2 3.18.4.1.2.3.6.1 compares times; and how many documents fall in it.
 */
export function creationTimeRange(entries: readonly DocumentEntry[]): {
  from: string;
  to: string;
  count: number;
} {
  const days = entries.map((e) => day(e.creationTime)).sort();
  const from = days[Math.floor(days.length / 4)] ?? '';
  const to = days[Math.floor((3 * days.length) / 4)] ?? '';
  return { from, to, count: days.filter((d) => d >= from && d < to).length };
}

/**
 * The RAD-75 request's variables (docs/imaging.md): the first series of the first study
 * of patient `nhs` in the first community that has one, its SOP Instance UIDs (the
 * DocumentUniqueIds, comma-separated), and that community's homeCommunityId and
 * repositoryUniqueId; an empty object for a pack without imaging.
 */
export function rad75Variables(pack: DataPack, nhs: string): Record<string, string> {
  for (const community of pack.communities) {
    const study = community.imaging.find((s) => s.patientId === nhs);
    const series = study?.series[0];
    if (!study || !series) continue;
    return {
      rad75StudyInstanceUid: study.studyInstanceUid,
      rad75SeriesInstanceUid: series.seriesInstanceUid,
      rad75SopInstanceUids: series.instances.map((i) => i.sopInstanceUid).join(','),
      rad75InstanceCount: String(series.instances.length),
      rad75HomeCommunityId: community.homeCommunityId,
      rad75RepositoryUniqueId: community.repositoryUniqueId,
    };
  }
  return {};
}

const problem = (pack: DataPack, what: string): SimError =>
  new SimError(SimErrorCode.DataPackInvalid, `${pack.dir}: ${what}: the Postman collection needs it`);

/**
 * The pack-derived variables of both environments: example patients (pack.json `examples`),
 * their expected document counts, communities, a creation-time range and a class code, the
 * community the Degraded folder faults (the pack's last), ids no community knows, and the RAD-75
 * request's study of the all-networks patient ({@link rad75Variables}).
 * @throws SimError SIM_ERR_DATA_PACK_INVALID when the pack has fewer than two communities, lacks
 *   an example patient, or its all-networks patient has fewer than four documents.
 */
export function packVariables(pack: DataPack): Record<string, string> {
  const { examples, uidRoot } = pack.manifest;
  if (pack.communities.length < 2) throw problem(pack, 'fewer than two communities');
  const all = examples.inAllCommunities;
  const one = examples.inExactlyOneCommunity;
  const none = examples.inNoCommunity;
  if (!all || !one || none === undefined) throw problem(pack, 'pack.json examples lacks a patient');
  const allEntries = entriesOf(pack, all);
  if (allEntries.length < 4) throw problem(pack, `patient ${all} has fewer than four documents`);
  const oneEntries = entriesOf(pack, one);
  const oneHome = oneEntries[0]?.homeCommunityId;
  if (oneHome === undefined) throw problem(pack, `patient ${one} has no document`);
  const first = pack.communities[0]!;
  const faulted = pack.communities[pack.communities.length - 1]!;
  const range = creationTimeRange(allEntries);
  const classCode = allEntries[0]!.classCode;
  return {
    nhsAllNetworks: all,
    nhsAllNetworksDocuments: String(allEntries.length),
    nhsOneNetwork: one,
    nhsOneNetworkDocuments: String(oneEntries.length),
    nhsOneNetworkHome: oneHome,
    nhsNoNetwork: none,
    nhsInvalid: INVALID_NHS_NUMBER,
    communityHomes: pack.communities.map((c) => c.homeCommunityId).join(','),
    unknownPatientWarningHomes: pack.communities
      .filter((c) => c.unknownPatientPolicy === 'XDSUnknownPatientId')
      .map((c) => c.homeCommunityId)
      .join(','),
    creationTimeFrom: range.from,
    creationTimeTo: range.to,
    creationTimeDocuments: String(range.count),
    classCode: classCode.code,
    classCodeScheme: classCode.codingScheme,
    classCodeDocuments: String(
      allEntries.filter(
        (e) => e.classCode.code === classCode.code && e.classCode.codingScheme === classCode.codingScheme,
      ).length,
    ),
    firstCommunityHome: first.homeCommunityId,
    firstCommunityRepositoryUniqueId: first.repositoryUniqueId,
    faultCommunityName: faulted.name,
    faultCommunityHome: faulted.homeCommunityId,
    degradedDocuments: String(allEntries.filter((e) => e.homeCommunityId !== faulted.homeCommunityId).length),
    // Counters start at 1 (data-packs/README.md "Identifiers"), so `.0` names nothing.
    unknownHomeCommunityId: `urn:oid:${uidRoot}.1.0`,
    unknownDocumentUniqueId: `${uidRoot}.4.1.0`,
    ...rad75Variables(pack, all),
  };
}

const asValues = (vars: Record<string, string>): PostmanVariable[] =>
  Object.entries(vars).map(([key, value]) => ({ key, value, type: 'default', enabled: true }));

/**
 * Both environments for `pack`: sandbox (plain HTTP, 8080) and integration (HTTPS 8443, client
 * certificate, `samlHeader` / `samlHeaderRetrieve` / `samlHeaderOtherPatient` left empty for `sim saml issue --header`).
 */
export function buildEnvironments(pack: DataPack): Record<EnvironmentName, PostmanEnvironment> {
  const vars = packVariables(pack);
  return {
    sandbox: {
      id: '5f0c8f8e-2b1e-4f51-9a57-6d0a3c1b7e01',
      name: 'localhost-sandbox',
      values: asValues({ brokerUrl: sandboxBrokerUrl, controlUrl, ...vars }),
      _postman_variable_scope: 'environment',
    },
    integration: {
      id: '5f0c8f8e-2b1e-4f51-9a57-6d0a3c1b7e02',
      name: INTEGRATION_PORT_READY
        ? 'localhost-integration'
        : 'localhost-integration (waiting for the integration port)',
      values: asValues({
        integrationPortReady: String(INTEGRATION_PORT_READY),
        integrationStatus: INTEGRATION_PORT_READY
          ? 'the integration port (npm run sim up -- --security): HTTPS with the client certificate ' +
            'clientCertificate + clientKey (Postman Settings > Certificates, host 127.0.0.1:8443), trusting ' +
            'caCertificate; paste samlHeader and samlHeaderRetrieve (patient nhsAllNetworks, one each: an assertion is accepted once) and samlHeaderOtherPatient (nhsOneNetwork) ' +
            'from npm run sim saml issue -- --patient <nhs> --header: valid 5 minutes'
          : 'waiting for the integration port (HTTPS, client certificate, signed SAML in wsse:Security); ' +
            'not usable yet: npm run postman skips this environment',
        brokerUrl: INTEGRATION_BROKER_URL,
        controlUrl,
        ...IntegrationCertificateFiles,
        samlHeader: '',
        samlHeaderRetrieve: '',
        samlHeaderOtherPatient: '',
        ...vars,
      }),
      _postman_variable_scope: 'environment',
    },
  };
}

/** The file text of an environment: JSON formatted with the repository's prettier settings. */
export async function renderEnvironment(env: PostmanEnvironment): Promise<string> {
  const file = path.join(postmanDir, 'environment.json');
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(env, null, 2), { ...options, filepath: file });
}

/** Load `packDir`, write both environments into `outDir`; returns the files written. */
export async function writeEnvironments(packDir: string, outDir: string = postmanDir): Promise<string[]> {
  const envs = buildEnvironments(await loadDataPack(packDir));
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of Object.keys(EnvironmentFile) as EnvironmentName[]) {
    const file = path.join(outDir, EnvironmentFile[name]);
    writeFileSync(file, await renderEnvironment(envs[name]));
    written.push(file);
  }
  return written;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'data-pack': { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const packDir = path.resolve(values['data-pack'] ?? defaultPackDir);
  const files = await writeEnvironments(packDir, path.resolve(values.out ?? postmanDir));
  for (const f of files) process.stdout.write(`wrote ${path.relative(process.cwd(), f)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`postman:variables: ${message.split('\n')[0]}\n`);
    process.exit(err instanceof SimError ? err.exitCode : 64);
  });
}
