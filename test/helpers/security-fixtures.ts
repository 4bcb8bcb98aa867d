/**
 * Shared by the security tests: a certificate set per test file in a temporary directory (a copy of
 * the run's shared set, test/helpers/shared-pki.ts), the system tools they call (openssl, xmlsec1)
 * with an install hint when missing, mTLS requests with a chosen client certificate, XUA assertions
 * for the supplier test identity, and a logger whose lines a test can read.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { ensureCertificateSet } from '../../simulator/security/cert-mint.js';
import {
  CodeSystem,
  NIR_BROKER_AUDIENCE,
  SUPPLIER_TEST_IDENTITY,
  xuaPolicy,
  type XuaClaims,
} from '../../simulator/security/saml.js';
import { XuaError, xuaFaultSubcode, type XuaFailure } from '../../simulator/security/xua-error.js';
import { createXuaValidator } from '../../simulator/security/xua-validate.js';
import { parseSoapEnvelope } from '../../simulator/soap/envelope.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { findDocuments } from './requests.js';
import { COMMUNITIES } from './shared-pki.js';
import { defaultPackDir } from './topology.js';
import type { FaultEvent, TransactionEvent } from '../../simulator/events/transaction-events.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { buildAssertionXml, signAssertion, type AssertionInput } from '../../simulator/security/xua-issue.js';
import { buildSecurityHeader } from '../../simulator/security/wss-header.js';

/** The default pack's communities (the runtime mints theirs too; listing them keeps minting in one place). */
export { COMMUNITIES };

/** A certificate set of this test file's own, in a temporary directory. */
export interface CertDir {
  dir: string;
  read(rel: string): string;
  remove(): void;
}

/**
 * The whole set for `communities` in a new temporary directory the test may change (revoke, delete,
 * re-issue): a copy of the run's shared set (test/helpers/shared-pki.ts, vitest.config.ts
 * globalSetup) with whatever it lacks minted, or, with `fresh` or outside a run that provides one,
 * minted anew (about 2 s of RSA key generation). Tests of minting itself ask for `fresh`: a copy's
 * cRLDistributionPoints name the shared directory, not the copy.
 */
export async function mintCertDir(
  communities: readonly string[] = COMMUNITIES,
  o: { fresh?: boolean } = {},
): Promise<CertDir> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-certs-'));
  const shared = o.fresh ? undefined : (inject('sharedPkiDir') as string | undefined);
  if (shared !== undefined) cpSync(shared, dir, { recursive: true });
  await ensureCertificateSet(dir, { communities });
  return {
    dir,
    read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const HINTS: Record<string, string> = {
  openssl: 'install it: apt-get install openssl',
  xmlsec1: 'install it: apt-get install xmlsec1 (Debian/Ubuntu; .ci/run does this)',
};

/**
 * Run a system tool; stdout+stderr and the exit status.
 * @throws Error naming the package to install when the tool is not on PATH.
 */
export function runTool(
  tool: 'openssl' | 'xmlsec1',
  args: string[],
  cwd?: string,
): { status: number; output: string } {
  const r = spawnSync(tool, args, { cwd, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error(`${tool} is not installed, and this test needs it: ${HINTS[tool]}`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** What came back from an HTTPS request: an HTTP answer, or the socket error code. */
type TlsOutcome = { status: number; body: string } | { error: string };

/** Options of {@link postTls}. */
interface TlsPostOptions {
  /** Certificate + key to present, as a path under the certificate directory without `.pem` / `.key` (default `supplier/client`); null: none. */
  client?: string | null;
  /** CA to trust for the server (default `nir/root-ca.pem`, the broker's). */
  ca?: string;
  headers?: Record<string, string>;
  /** Highest TLS version offered (default: Node's). */
  maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** POST `body` over HTTPS on a fresh connection, presenting a client certificate (mutual TLS). */
export function postTls(
  certs: CertDir,
  url: string,
  body: string,
  o: TlsPostOptions = {},
): Promise<TlsOutcome> {
  const u = new URL(url);
  const client = o.client === undefined ? 'supplier/client' : o.client;
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent: false,
        ca: certs.read(o.ca ?? 'nir/root-ca.pem'),
        ...(client ? { cert: certs.read(`${client}.pem`), key: certs.read(`${client}.key`) } : {}),
        // SECLEVEL=0 lets OpenSSL 3 offer TLS 1.0/1.1 at all, so the server is the one that refuses.
        ...(o.maxVersion
          ? { maxVersion: o.maxVersion, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' }
          : {}),
        headers: { 'content-type': 'application/soap+xml; charset=UTF-8', ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

/** The supplier test identity's assertion input for a patient (a CX), valid from `now` for 5 minutes. */
export function assertionInput(
  patientCx: string,
  now = new Date(),
  over: Partial<AssertionInput> = {},
): AssertionInput {
  return {
    ...SUPPLIER_TEST_IDENTITY,
    role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
    purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose, displayName: 'Treatment' },
    resourceId: patientCx,
    audiences: [NIR_BROKER_AUDIENCE],
    now,
    ...over,
  };
}

/** Sign `xml` (or the assertion built from `input`) with the supplier signing key of `certs`. */
export function supplierSigned(certs: CertDir, xml: string): string {
  return signAssertion(xml, {
    certPem: certs.read('supplier/signing.pem'),
    keyPem: certs.read('supplier/signing.key'),
  });
}

/** A signed supplier assertion for `patientCx`, with `over` applied to the input and `edit` to the unsigned text. */
export function supplierAssertion(
  certs: CertDir,
  patientCx: string,
  over: Partial<AssertionInput> = {},
  edit: (xml: string) => string = (x) => x,
): string {
  return supplierSigned(certs, edit(buildAssertionXml(assertionInput(patientCx, over.now, over))));
}

/** `envelope` (as the test request helpers build it) with a wsse:Security header holding `assertionXml`. */
export function withSecurity(envelope: string, assertionXml: string, now = new Date()): string {
  return envelope.replace('</env:Header>', `${buildSecurityHeader(assertionXml, now)}</env:Header>`);
}

/** A logger that keeps every line (parsed) for the test to inspect. */
function recordingLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level, base: null }, sink), lines };
}

/** Validating assertions as the broker does, without a network. */
export interface XuaHarness {
  /**
   * Validate `assertionXml` carried in the wsse:Security of a FindDocuments request for `nhs`
   * (or of `envelope`), trusting the supplier signing certificate, audience NIR's broker.
   */
  validate: (assertionXml: string, now?: Date, envelope?: string) => XuaClaims;
}

/** A harness over the supplier signing certificate of `certs`. */
export function xuaHarness(certs: CertDir, nhs: string): XuaHarness {
  const validator = createXuaValidator(
    xuaPolicy({ audiences: [NIR_BROKER_AUDIENCE], trustedSigners: [certs.read('supplier/signing.pem')] }),
  );
  return {
    validate: (assertionXml, now = new Date(), envelope = withSecurity(findDocuments(nhs), assertionXml)) => {
      const env = parseSoapEnvelope(parseXml(envelope), [], { enforceMustUnderstand: false });
      return validator.validate(env, envelope, now);
    },
  };
}

/** A test file's XUA set-up ({@link useXuaHarness}): its certificate set and the harness over it. */
export interface XuaFixture extends XuaHarness {
  /** The file's certificate set (read it inside a test or hook). */
  readonly certs: CertDir;
}

/**
 * The XUA set-up of a test file without a network: beforeAll copies a certificate set
 * ({@link mintCertDir}, for `communities`, default none) and builds {@link xuaHarness} for `nhs`;
 * afterAll removes the set. Call at the top of the file; read the fields inside tests or hooks.
 */
export function useXuaHarness(nhs: string, communities: readonly string[] = []): XuaFixture {
  let certs: CertDir | undefined;
  let harness: XuaHarness | undefined;
  beforeAll(async () => {
    certs = await mintCertDir(communities);
    harness = xuaHarness(certs, nhs);
  });
  afterAll(() => certs?.remove());
  return {
    get certs() {
      return ready(certs, 'useXuaHarness');
    },
    validate: (...args) => ready(harness, 'useXuaHarness').validate(...args),
  };
}

/** `value` once a file fixture's beforeAll has set it. @throws Error when read before (at module level). */
function ready<T>(value: T | undefined, fixture: string): T {
  if (value === undefined)
    throw new Error(`${fixture}: read its fields inside a test or hook, after beforeAll`);
  return value;
}

/** The failure and WS-Security subcode `f` throws. @throws Error when it accepts, or throws something else. */
export function refusal(f: () => unknown): { failure: XuaFailure; subcode: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof XuaError) return { failure: err.failure, subcode: xuaFaultSubcode(err.failure) };
    throw err;
  }
  throw new Error('accepted');
}

/** A running topology of the default pack with security on, and everything it reported. */
export interface SecureTopology {
  running: RunningTopology;
  pack: DataPack;
  transactions: TransactionEvent[];
  faultEvents: FaultEvent[];
  faults: FaultStore;
  /** Every log line (debug and up). */
  lines: Record<string, unknown>[];
}

/**
 * Start the default pack's communities on port 0 with security on, over `certs` (CRLs polled every
 * 100 ms); broker and gateways on `clock` (default the system clock).
 */
export async function startSecureTopology(
  certs: CertDir,
  deadlineMs = 5_000,
  clock?: DeadlineClock,
): Promise<SecureTopology> {
  const pack = await loadDataPack(defaultPackDir);
  const faults = new FaultStore(1, () => pack.communities.map((c) => c.name));
  const { logger, lines } = recordingLogger('debug');
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      security: { certsDir: certs.dir, crlPollMs: 100 },
    },
    { logger, faults, ...(clock ? { clock } : {}) },
  );
  const transactions: TransactionEvent[] = [];
  const faultEvents: FaultEvent[] = [];
  running.events.on('transaction', (e) => transactions.push(e));
  running.events.on('fault', (e) => faultEvents.push(e));
  return { running, pack, transactions, faultEvents, faults, lines };
}

/** A test file's secure topology ({@link useSecureTopology}) and the certificate set it runs on. */
export interface SecureTopologyFixture extends SecureTopology {
  /** The file's own copy of the certificate set (the test may revoke, delete or re-issue in it). */
  readonly certs: CertDir;
}

/**
 * The secure set-up of a test file: beforeAll copies a certificate set for the default pack's
 * communities ({@link mintCertDir}) and starts {@link startSecureTopology} over it (`deadlineMs`,
 * default 5,000 ms); afterAll stops the topology and removes the set. Call at the top of the file;
 * read the fields inside tests or hooks.
 */
export function useSecureTopology(o: { deadlineMs?: number } = {}): SecureTopologyFixture {
  let certs: CertDir | undefined;
  let t: SecureTopology | undefined;
  beforeAll(async () => {
    certs = await mintCertDir();
    t = await startSecureTopology(certs, o.deadlineMs);
  });
  afterAll(async () => {
    await t?.running.stop();
    certs?.remove();
  });
  const get = (): SecureTopology => ready(t, 'useSecureTopology');
  return {
    get certs() {
      return ready(certs, 'useSecureTopology');
    },
    get running() {
      return get().running;
    },
    get pack() {
      return get().pack;
    },
    get transactions() {
      return get().transactions;
    },
    get faultEvents() {
      return get().faultEvents;
    },
    get faults() {
      return get().faults;
    },
    get lines() {
      return get().lines;
    },
  };
}

/** Resolve once `check()` is true, checking every 20 ms. @throws Error after `timeoutMs` (default 10 s). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
