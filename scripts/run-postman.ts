/**
 * `npm run postman`: runs postman/nir-sim.postman_collection.json with Newman's Node API against
 * a running sim (docs/postman.md "Newman"), with the CLI reporter and a JUnit report
 * (`reports/postman-junit.xml`).
 *
 * ```
 * npm run postman -- [--env-var key=value ...] [--folder NAME ...] [--junit FILE]
 *                    [--ssl-client-cert FILE --ssl-client-key FILE] [--ssl-extra-ca-certs FILE]
 *
 *                    [--integration-url URL] [--certs DIR]
 * ```
 *
 * The broker and control API URLs come from `sim status --json` (so a sim started with
 * `--port-base 0` works); `--env-var brokerUrl=... --env-var controlUrl=...` override them and
 * any other variable of the sandbox environment. Before running, both URLs must answer
 * `GET /health`; otherwise one line says what to start. The sandbox run leaves out the
 * Integration folder. Then, when the sim reports an integration port (`sim up --security`) or
 * `--integration-url` names one, the integration environment runs the Integration folder only,
 * with the supplier client certificate, key and the NIR root CA of `--certs` (default
 * `certs/out`; the `--ssl-*` options override each: Newman's sslClientCert, sslClientKey,
 * sslExtraCaCerts) and fresh `samlHeader` / `samlHeaderOtherPatient` signed in-process with the
 * supplier test key (as `sim saml issue --header` does); JUnit report
 * `reports/postman-integration-junit.xml`. Without an integration port one line says so.
 * Exit code: 0 when every assertion passed, 1 when one failed, 69 when the sim is not reachable,
 * 64 for bad arguments.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCertsDir } from '../simulator/runtime/security-runtime.js';
import { NirFiles, SupplierFiles } from '../simulator/security/cert-layout.js';
import {
  CodeSystem,
  DEFAULT_ROLES,
  NIR_BROKER_AUDIENCE,
  SUPPLIER_TEST_IDENTITY,
} from '../simulator/security/saml.js';
import { buildSecurityHeader } from '../simulator/security/wss-header.js';
import { issueAssertion } from '../simulator/security/xua-issue.js';
import { SimError, SimErrorCode } from '../simulator/shared/errors.js';
import { nhsNumberToCx } from '../simulator/xca/patient-id.js';
import {
  EnvironmentFile,
  postmanDir,
  repoRoot,
  type EnvironmentName,
  type PostmanEnvironment,
} from './postman-variables.js';

/** The collection file. */
export const collectionFile = path.join(postmanDir, 'nir-sim.postman_collection.json');
/** JUnit report of the sandbox run. */
export const sandboxJunitFile = path.join(repoRoot, 'reports', 'postman-junit.xml');
/** JUnit report of the integration run. */
export const integrationJunitFile = path.join(repoRoot, 'reports', 'postman-integration-junit.xml');

/** The part of Newman's run summary this project reads (newman ships no types). */
export interface NewmanSummary {
  run: {
    stats: Record<
      'requests' | 'assertions' | 'testScripts' | 'prerequestScripts',
      { total: number; failed: number }
    >;
    failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
  };
}

interface NewmanRunOptions {
  collection: string;
  environment: string;
  envVar?: { key: string; value: string }[];
  folder?: string[];
  reporters: string[];
  reporter?: { junit?: { export: string } };
  timeoutRequest?: number;
  sslClientCert?: string;
  sslClientKey?: string;
  sslExtraCaCerts?: string;
}
interface Newman {
  run(options: NewmanRunOptions, done: (err: Error | null, summary: NewmanSummary) => void): unknown;
}
const newman = createRequire(import.meta.url)('newman') as Newman;

/** The folder only the integration environment runs (and the sandbox run leaves out). */
export const INTEGRATION_FOLDER = 'Integration';

/** The folders an environment runs by default: the integration one its folder, the sandbox the rest. */
export function defaultFolders(environment: EnvironmentName): string[] {
  if (environment === 'integration') return [INTEGRATION_FOLDER];
  const c = JSON.parse(readFileSync(collectionFile, 'utf8')) as { item: { name: string }[] };
  return c.item.map((f) => f.name).filter((n) => n !== INTEGRATION_FOLDER);
}

/** What to run. */
export interface RunCollectionOptions {
  environment: EnvironmentName;
  /** Override environment variables (e.g. brokerUrl, controlUrl). */
  envVars?: Record<string, string>;
  /** Only these folders, in this order (default: {@link defaultFolders} of the environment). */
  folders?: string[];
  /** Newman's CLI reporter on stdout (default false). */
  cli?: boolean;
  /** Write a JUnit XML report here. */
  junitExport?: string;
  /** Client certificate, key and extra CAs (PEM files), for the integration port. */
  ssl?: { clientCert?: string; clientKey?: string; extraCaCerts?: string };
  /** Per-request timeout, ms (default 60 000: longer than the broker's 10 s deadline). */
  timeoutRequestMs?: number;
}

/**
 * Run the collection with Newman; resolves with the summary whatever the assertions gave.
 * @throws Error when Newman cannot run at all (unreadable collection or environment).
 */
export function runCollection(opts: RunCollectionOptions): Promise<NewmanSummary> {
  const reporters = [...(opts.cli ? ['cli'] : []), ...(opts.junitExport ? ['junit'] : [])];
  const options: NewmanRunOptions = {
    collection: collectionFile,
    environment: path.join(postmanDir, EnvironmentFile[opts.environment]),
    envVar: Object.entries(opts.envVars ?? {}).map(([key, value]) => ({ key, value })),
    reporters,
    timeoutRequest: opts.timeoutRequestMs ?? 60_000,
    folder: opts.folders?.length ? opts.folders : defaultFolders(opts.environment),
    ...(opts.junitExport ? { reporter: { junit: { export: opts.junitExport } } } : {}),
    ...(opts.ssl?.clientCert ? { sslClientCert: opts.ssl.clientCert } : {}),
    ...(opts.ssl?.clientKey ? { sslClientKey: opts.ssl.clientKey } : {}),
    ...(opts.ssl?.extraCaCerts ? { sslExtraCaCerts: opts.ssl.extraCaCerts } : {}),
  };
  return new Promise((resolve, reject) => {
    newman.run(options, (err, summary) => (err ? reject(err) : resolve(summary)));
  });
}

/** One line per failed assertion or script error: `request: test: message`. */
export function describeFailures(summary: NewmanSummary): string[] {
  return summary.run.failures.map(
    (f) => `${f.source?.name ?? '(collection)'}: ${f.error.test ?? f.error.name}: ${f.error.message}`,
  );
}

/** The environment file as committed. */
export function readEnvironment(name: EnvironmentName): PostmanEnvironment {
  return JSON.parse(readFileSync(path.join(postmanDir, EnvironmentFile[name]), 'utf8')) as PostmanEnvironment;
}

/**
 * Broker, control API and integration port URLs of the running sim from `sim status --json`, or
 * undefined when none runs.
 */
export function urlsFromStatus():
  { brokerUrl: string; controlUrl?: string; integrationUrl?: string } | undefined {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'simulator', 'cli', 'main.ts'), 'status', '--json'],
    { cwd: repoRoot, encoding: 'utf8', env: process.env, timeout: 60_000 },
  );
  if (r.status !== 0) return undefined;
  const s = JSON.parse(r.stdout) as {
    broker: { url: string; integration?: { url: string } };
    control?: { url: string };
  };
  return {
    brokerUrl: s.broker.url,
    ...(s.control ? { controlUrl: s.control.url } : {}),
    ...(s.broker.integration ? { integrationUrl: s.broker.integration.url } : {}),
  };
}

/** True when `GET <url>/health` answers 2xx within 5 s. */
async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The sandbox run's variable overrides: `--env-var` pairs, completed from `sim status --json`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for a pair without `=`; SIM_ERR_NOT_RUNNING when neither
 *   the status nor the overrides give a broker that answers, or the control API does not answer.
 */
export async function resolveSandboxVars(pairs: string[]): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new SimError(SimErrorCode.BadArgument, `--env-var ${p}: expected key=value`);
    vars[p.slice(0, i)] = p.slice(i + 1);
  }
  if (vars['brokerUrl'] === undefined || vars['controlUrl'] === undefined) {
    const status = urlsFromStatus();
    if (!status && vars['brokerUrl'] === undefined) {
      throw new SimError(
        SimErrorCode.NotRunning,
        'nir-sim is not running: start it with npm run sim up -- --detach, or pass --env-var brokerUrl=<url> --env-var controlUrl=<url>',
      );
    }
    vars['brokerUrl'] ??= status!.brokerUrl;
    if (status?.controlUrl !== undefined) vars['controlUrl'] ??= status.controlUrl;
  }
  const env = Object.fromEntries(readEnvironment('sandbox').values.map((v) => [v.key, v.value]));
  const broker = vars['brokerUrl'] ?? env['brokerUrl']!;
  const control = vars['controlUrl'] ?? env['controlUrl']!;
  if (!(await answers(broker))) {
    throw new SimError(
      SimErrorCode.NotRunning,
      `no nir-sim broker answers at ${broker}/health: start it with npm run sim up -- --detach, or fix --env-var brokerUrl`,
    );
  }
  if (!(await answers(control))) {
    throw new SimError(
      SimErrorCode.NotRunning,
      `no control API answers at ${control}/health (the Degraded modes folder needs it): restart the sim with this version, or fix --env-var controlUrl`,
    );
  }
  return vars;
}

/**
 * A whole `wsse:Security` header for `nhs` (resource-id), signed with the supplier test signing
 * key of `certsDir`: the output of `sim saml issue -- --patient <nhs> --header` with its defaults
 * (Medical practitioner, TREATMENT, the supplier test identity, audience the NIR broker),
 * valid `lifetimeS` seconds (default 300). IHE ITI TF-2 3.40.4.1.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the signing certificate or key is missing.
 */
export function supplierSecurityHeader(
  certsDir: string,
  nhs: string,
  lifetimeS = 300,
  now = new Date(),
): string {
  const read = (rel: string): string => {
    try {
      return readFileSync(path.join(certsDir, rel), 'utf8');
    } catch {
      throw new SimError(
        SimErrorCode.BadArgument,
        `${path.join(certsDir, rel)} is missing: run npm run sim certs generate first, or pass --certs with the directory it wrote`,
      );
    }
  };
  const assertion = issueAssertion(
    {
      issuer: SUPPLIER_TEST_IDENTITY.issuer,
      subjectId: SUPPLIER_TEST_IDENTITY.subjectId,
      organization: SUPPLIER_TEST_IDENTITY.organization,
      organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
      homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
      role: DEFAULT_ROLES[0]!,
      purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
      resourceId: nhsNumberToCx(nhs),
      audiences: [NIR_BROKER_AUDIENCE],
      now,
      lifetimeMs: lifetimeS * 1000,
    },
    { certPem: read(SupplierFiles.signing), keyPem: read(SupplierFiles.signingKey) },
  );
  return buildSecurityHeader(assertion, now, lifetimeS * 1000);
}

/** What the integration run needs. */
export interface IntegrationRunOptions {
  /** The integration port, e.g. `https://127.0.0.1:8443`. */
  brokerUrl: string;
  /** The certificate set (layout: certs/README.md). */
  certsDir: string;
  /** Overrides of the files taken from `certsDir`. */
  ssl?: { clientCert?: string; clientKey?: string; extraCaCerts?: string };
  cli?: boolean;
  junitExport?: string;
}

/**
 * Run the Integration folder with the integration environment: client certificate, key and NIR
 * root CA from `certsDir`, fresh `samlHeader` and `samlHeaderRetrieve` (patient nhsAllNetworks) and
 * `samlHeaderOtherPatient` (nhsOneNetwork).
 * @throws SimError when the signing material is missing; Error when Newman cannot run.
 */
export function runIntegration(opts: IntegrationRunOptions): Promise<NewmanSummary> {
  const env = Object.fromEntries(readEnvironment('integration').values.map((v) => [v.key, v.value]));
  return runCollection({
    environment: 'integration',
    envVars: {
      brokerUrl: opts.brokerUrl,
      samlHeader: supplierSecurityHeader(opts.certsDir, env['nhsAllNetworks']!),
      // A second assertion for the retrieve: the broker accepts each assertion once (replay protection).
      samlHeaderRetrieve: supplierSecurityHeader(opts.certsDir, env['nhsAllNetworks']!),
      samlHeaderOtherPatient: supplierSecurityHeader(opts.certsDir, env['nhsOneNetwork']!),
    },
    ...(opts.cli ? { cli: true } : {}),
    ...(opts.junitExport ? { junitExport: opts.junitExport } : {}),
    ssl: {
      clientCert: opts.ssl?.clientCert ?? path.join(opts.certsDir, SupplierFiles.client),
      clientKey: opts.ssl?.clientKey ?? path.join(opts.certsDir, SupplierFiles.clientKey),
      extraCaCerts: opts.ssl?.extraCaCerts ?? path.join(opts.certsDir, NirFiles.rootCa),
    },
  });
}

function report(label: string, s: NewmanSummary, junit: string): boolean {
  const { requests, assertions } = s.run.stats;
  const failures = describeFailures(s);
  process.stdout.write(
    `postman: ${label}: ${requests.total} requests, ${assertions.total} assertions, ` +
      `${failures.length} failures; JUnit report ${path.relative(process.cwd(), junit)}\n`,
  );
  for (const f of failures) process.stdout.write(`  ${f}\n`);
  return failures.length === 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'env-var': { type: 'string', multiple: true, default: [] },
      folder: { type: 'string', multiple: true, default: [] },
      junit: { type: 'string' },
      'integration-url': { type: 'string' },
      certs: { type: 'string' },
      'ssl-client-cert': { type: 'string' },
      'ssl-client-key': { type: 'string' },
      'ssl-extra-ca-certs': { type: 'string' },
    },
    strict: true,
  });
  const envVars = await resolveSandboxVars(values['env-var']);
  const junit = path.resolve(values.junit ?? sandboxJunitFile);
  const sandbox = await runCollection({
    environment: 'sandbox',
    envVars,
    folders: values.folder.filter((f) => f !== INTEGRATION_FOLDER),
    cli: true,
    junitExport: junit,
  });
  let ok = report('localhost-sandbox', sandbox, junit);

  // The running sim's integration port, unless --env-var pointed the sandbox run elsewhere.
  const overridden = values['env-var'].some((p) => p.startsWith('brokerUrl='));
  const integrationUrl =
    values['integration-url'] ?? (overridden ? undefined : urlsFromStatus()?.integrationUrl);
  if (integrationUrl === undefined) {
    process.stdout.write(
      'postman: skipped localhost-integration: the sim has no integration port (start it with ' +
        'npm run sim up -- --security, or pass --integration-url)\n',
    );
    return ok ? 0 : 1;
  }
  const s = await runIntegration({
    brokerUrl: integrationUrl,
    certsDir: path.resolve(values.certs ?? defaultCertsDir()),
    cli: true,
    junitExport: integrationJunitFile,
    ssl: {
      ...(values['ssl-client-cert'] ? { clientCert: values['ssl-client-cert'] } : {}),
      ...(values['ssl-client-key'] ? { clientKey: values['ssl-client-key'] } : {}),
      ...(values['ssl-extra-ca-certs'] ? { extraCaCerts: values['ssl-extra-ca-certs'] } : {}),
    },
  });
  ok = report('localhost-integration', s, integrationJunitFile) && ok;
  return ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`postman: ${message.split('\n')[0]}\n`);
      process.exit(err instanceof SimError ? err.exitCode : 64);
    },
  );
}
