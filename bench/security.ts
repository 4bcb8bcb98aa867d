/**
 * Security benchmark (CONTRIBUTING.md): the cost of validating one XUA assertion (parse, the
 * pinned-key signature check, re-parse of the signed content, every attribute check) and of
 * signing the assertion the broker forwards, as medians in µs (wall) beside CPU µs per operation;
 * then ITI-38 throughput on the integration port (mutual TLS + XUA) beside the sandbox port of the
 * same secured topology (autocannon, 10 connections), and their ratio. The integration port
 * refuses a replayed assertion (docs/security.md "Replay"), so every request carries a fresh one:
 * the bench issues a pool of signed requests first and sends each once. Prints and records each
 * figure (bench/figures.ts); asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { forwardedSecurityHeader } from '../simulator/broker/xua-forward.js';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { ensureCertificateSet } from '../simulator/security/cert-mint.js';
import {
  CodeSystem,
  NIR_BROKER_AUDIENCE,
  SUPPLIER_TEST_IDENTITY,
  xuaPolicy,
} from '../simulator/security/saml.js';
import { issueAssertion, type SigningCredential } from '../simulator/security/xua-issue.js';
import { buildSecurityHeader } from '../simulator/security/wss-header.js';
import { createXuaValidator } from '../simulator/security/xua-validate.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { parseSoapEnvelope } from '../simulator/soap/envelope.js';
import { parseXml } from '../simulator/soap/xml.js';
import { nhsNumberToCx } from '../simulator/xca/patient-id.js';
import autocannon from 'autocannon';
import { recordFigure } from './figures.js';
import { LOAD_CONNECTIONS, LOAD_DURATION_S, median } from './measure.js';

const SAMPLES = 400;
const WARM_UP = 50;
/** Assertions issued before the load runs (enough for 375 req/s for 8 s per port). */
const LOAD_POOL = 3000;
const NHS = '9995649284';

/** Median wall µs and mean CPU µs of `f(i)` for i in [WARM_UP, WARM_UP + SAMPLES), after `f(0..WARM_UP)`. */
function measureMicros(f: (i: number) => unknown): { median: number; cpu: number } {
  for (let i = 0; i < WARM_UP; i++) f(i);
  const t: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = WARM_UP; i < WARM_UP + SAMPLES; i++) {
    const t0 = performance.now();
    f(i);
    t.push((performance.now() - t0) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  return { median: median(t.sort((a, b) => a - b)), cpu: (cpu.user + cpu.system) / SAMPLES };
}

/** A FindDocuments request for NHS with a freshly issued supplier assertion (its own ID). */
function signedRequest(supplier: SigningCredential): string {
  const now = new Date();
  const assertion = issueAssertion(
    {
      ...SUPPLIER_TEST_IDENTITY,
      role: { code: '158965000', codeSystem: CodeSystem.snomedCt },
      purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
      resourceId: nhsNumberToCx(NHS),
      audiences: [NIR_BROKER_AUDIENCE],
      now,
      lifetimeMs: 30 * 60_000,
    },
    supplier,
  );
  const header = buildSecurityHeader(assertion, now, 30 * 60_000);
  return findDocumentsEnvelope(NHS).replace(/<(\w+:)?Header>/, (h) => `${h}${header}`);
}

/**
 * POST a fresh request body per request (`fresh()`) from LOAD_CONNECTIONS connections for
 * LOAD_DURATION_S seconds; print, record and return req/s.
 */
async function run(
  name: string,
  title: string,
  url: string,
  fresh: () => string,
  tlsOptions?: object,
): Promise<number> {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    connections: LOAD_CONNECTIONS,
    duration: LOAD_DURATION_S,
    requests: [{ setupRequest: (req) => ({ ...req, body: fresh() }) }],
    ...(tlsOptions ? { tlsOptions } : {}),
  });
  const failed = r.non2xx + r.errors;
  console.log(
    `  ${title.padEnd(44)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  (${r['2xx']} ok, ${failed} failed)`,
  );
  const detail = `${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s, each request a fresh assertion, ${r['2xx']} ok, ${failed} failed`;
  recordFigure({
    section: 'security',
    name: `${name} throughput`,
    value: r.requests.average,
    unit: 'req/s',
    detail,
  });
  recordFigure({
    section: 'security',
    name: `${name} p50 latency`,
    value: r.latency.p50,
    unit: 'ms',
    detail,
  });
  return r.requests.average;
}

/**
 * Request bodies, each with its own assertion: from a pool issued before the runs, so signing is
 * not in the measured window; past the pool one is issued on the spot (counted in `extra`).
 */
function freshBodies(
  pool: readonly string[],
  issue: () => string,
): { next: () => string; extra: () => number } {
  let i = 0;
  let extra = 0;
  return {
    next: () => {
      if (i < pool.length) return pool[i++]!;
      extra++;
      return issue();
    },
    extra: () => extra,
  };
}

/** Run the security benchmark. */
export async function securityBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-certs-'));
  try {
    const pack = await loadDataPack(path.resolve(import.meta.dirname, '../data-packs/default'));
    await ensureCertificateSet(dir, { communities: pack.communities.map((c) => c.name) });
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    const supplier = { certPem: read('supplier/signing.pem'), keyPem: read('supplier/signing.key') };
    const bodies = Array.from({ length: WARM_UP + SAMPLES }, () => signedRequest(supplier));
    const validator = createXuaValidator(
      xuaPolicy({ audiences: [NIR_BROKER_AUDIENCE], trustedSigners: [read('supplier/signing.pem')] }),
    );
    // Each sample a different assertion, as the integration port sees them (it refuses replays).
    const validate = (i: number): unknown => {
      const body = bodies[i]!;
      const env = parseSoapEnvelope(parseXml(body), [], { enforceMustUnderstand: false });
      return validator.validate(env, body, new Date());
    };
    const signer = { signer: { certPem: read('nir/signing.pem'), keyPem: read('nir/signing.key') } };
    const audiences = pack.communities.map((c) => c.homeCommunityId);
    const sign = (): string =>
      forwardedSecurityHeader(signer, { now: () => Date.now() }, audiences, undefined, nhsNumberToCx(NHS));
    console.log(`security: XUA per request (RSA-2048 signing key, ${SAMPLES} runs, after warm-up)`);
    const v = measureMicros(validate);
    console.log(
      `  validate the consumer's assertion (parse + safe recipe)  median ${v.median.toFixed(0)} µs  (CPU ${v.cpu.toFixed(0)} µs/op)`,
    );
    const sg = measureMicros(sign);
    console.log(
      `  sign the assertion forwarded to communities              median ${sg.median.toFixed(0)} µs  (CPU ${sg.cpu.toFixed(0)} µs/op)`,
    );
    // What a request costs the broker when it reuses a signed assertion (broker/forwarded-assertions.ts):
    // its own wsse:Security header around the same assertion text.
    const reusedAssertion = /<saml2:Assertion [\s\S]*<\/saml2:Assertion>/.exec(sign())![0];
    const rh = measureMicros(() => buildSecurityHeader(reusedAssertion, new Date()));
    console.log(
      `  forwarded header around a reused assertion (the default)  median ${rh.median.toFixed(0)} µs  (CPU ${rh.cpu.toFixed(0)} µs/op)`,
    );
    const detail = `RSA-2048, ${SAMPLES} runs after ${WARM_UP} warm-up, each a different assertion`;
    recordFigure({
      section: 'security',
      name: 'XUA forwarded header, assertion reused, median',
      value: rh.median,
      unit: 'µs',
      detail: `${SAMPLES} runs after ${WARM_UP} warm-up, one signed assertion in a fresh header each`,
    });
    recordFigure({ section: 'security', name: 'XUA validate median', value: v.median, unit: 'µs', detail });
    recordFigure({ section: 'security', name: 'XUA validate CPU per op', value: v.cpu, unit: 'µs', detail });
    recordFigure({
      section: 'security',
      name: 'XUA sign forwarded median',
      value: sg.median,
      unit: 'µs',
      detail,
    });
    recordFigure({
      section: 'security',
      name: 'XUA sign forwarded CPU per op',
      value: sg.cpu,
      unit: 'µs',
      detail,
    });
    const issue = (): string => signedRequest(supplier);
    const pool = Array.from({ length: LOAD_POOL }, issue);
    const running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 10_000 },
        maxBodyBytes: 10 * 1024 * 1024,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
        security: { certsDir: dir },
      },
      { logger: silentLogger() },
    );
    try {
      console.log(
        `security: ITI-38 FindDocuments through the secured broker (mTLS legs), ${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s each, every request a fresh assertion (${LOAD_POOL} issued beforehand)`,
      );
      const sandbox = await run(
        'sandbox port',
        'sandbox port (HTTP, open access)',
        running.broker.endpoints['ITI-38'],
        freshBodies(pool, issue).next,
      );
      // The sandbox port validates nothing, so the integration port still sees each assertion once.
      const bodies = freshBodies(pool, issue);
      const integration = await run(
        'integration port',
        'integration port (mTLS + XUA)',
        running.broker.integration!.endpoints['ITI-38'],
        bodies.next,
        {
          cert: read('supplier/client.pem'),
          key: read('supplier/client.key'),
          ca: read('nir/root-ca.pem'),
        },
      );
      if (bodies.extra() > 0)
        console.log(
          `  (${bodies.extra()} assertions were issued during the integration run: the pool ran out)`,
        );
      console.log(`  integration / sandbox throughput ratio: ${(integration / sandbox).toFixed(2)}`);
      recordFigure({
        section: 'security',
        name: 'integration / sandbox throughput',
        value: integration / sandbox,
        unit: 'ratio',
      });
    } finally {
      await running.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
