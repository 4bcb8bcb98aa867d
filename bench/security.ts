/**
 * Security benchmark (CONTRIBUTING.md): the cost of validating one XUA assertion (the safe xml-crypto
 * recipe: parse, pinned-key signature check, re-parse of the signed content, every attribute
 * check) and of signing the assertion the broker forwards, as medians in µs; then ITI-38
 * throughput on the integration port (mutual TLS + XUA) beside the sandbox port of the same
 * secured topology (autocannon, 10 connections, 8 s each), and their ratio. Prints; asserts nothing.
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
import { issueAssertion } from '../simulator/security/xua-issue.js';
import { buildSecurityHeader } from '../simulator/security/wss-header.js';
import { createXuaValidator } from '../simulator/security/xua-validate.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { parseSoapEnvelope } from '../simulator/soap/envelope.js';
import { parseXml } from '../simulator/soap/xml.js';
import { nhsNumberToCx } from '../simulator/xca/patient-id.js';
import { LOAD_CONNECTIONS, LOAD_DURATION_S, median, soapLoad } from './measure.js';

const SAMPLES = 400;
const NHS = '9995649284';

/** Median µs of `SAMPLES` runs of `f` after 50 warm-up runs. */
function medianMicros(f: () => unknown): number {
  for (let i = 0; i < 50; i++) f();
  const t: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) * 1000);
  }
  return median(t.sort((a, b) => a - b));
}

function signedRequest(dir: string): string {
  const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
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
    { certPem: read('supplier/signing.pem'), keyPem: read('supplier/signing.key') },
  );
  const header = buildSecurityHeader(assertion, now, 30 * 60_000);
  return findDocumentsEnvelope(NHS).replace(/<(\w+:)?Header>/, (h) => `${h}${header}`);
}

async function run(title: string, url: string, body: string, tlsOptions?: object): Promise<number> {
  const r = await soapLoad(url, body, tlsOptions);
  console.log(
    `  ${title.padEnd(44)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  (${r['2xx']} ok, ${r.non2xx + r.errors} failed)`,
  );
  return r.requests.average;
}

/** Run the security benchmark. */
export async function securityBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-certs-'));
  try {
    const pack = await loadDataPack(path.resolve(import.meta.dirname, '../data-packs/default'));
    await ensureCertificateSet(dir, { communities: pack.communities.map((c) => c.name) });
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    const body = signedRequest(dir);
    const validator = createXuaValidator(
      xuaPolicy({ audiences: [NIR_BROKER_AUDIENCE], trustedSigners: [read('supplier/signing.pem')] }),
    );
    const validate = (): unknown => {
      const env = parseSoapEnvelope(parseXml(body), [], { enforceMustUnderstand: false });
      return validator.validate(env, body, new Date());
    };
    const signer = { signer: { certPem: read('nir/signing.pem'), keyPem: read('nir/signing.key') } };
    const audiences = pack.communities.map((c) => c.homeCommunityId);
    const sign = (): string =>
      forwardedSecurityHeader(signer, { now: () => Date.now() }, audiences, undefined, nhsNumberToCx(NHS));
    console.log(`security: XUA per request (RSA-2048 signing key, ${SAMPLES} runs, after warm-up)`);
    console.log(
      `  validate the consumer's assertion (parse + safe recipe)  median ${medianMicros(validate).toFixed(0)} µs`,
    );
    console.log(
      `  sign the assertion forwarded to communities              median ${medianMicros(sign).toFixed(0)} µs`,
    );
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
        `security: ITI-38 FindDocuments through the secured broker (mTLS legs), ${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s each`,
      );
      const sandbox = await run('sandbox port (HTTP, open access)', running.broker.endpoints['ITI-38'], body);
      const integration = await run(
        'integration port (mTLS + XUA)',
        running.broker.integration!.endpoints['ITI-38'],
        body,
        {
          cert: read('supplier/client.pem'),
          key: read('supplier/client.key'),
          ca: read('nir/root-ca.pem'),
        },
      );
      console.log(`  integration / sandbox throughput ratio: ${(integration / sandbox).toFixed(2)}`);
    } finally {
      await running.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
