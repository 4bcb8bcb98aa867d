/**
 * A provider-mode run (docs/conformance.md): NIR's initiating side against a supplier's responding
 * gateway. Builds the {@link ProviderContext} (target, test data, the {@link Initiator}, NIR's
 * security when given, the clock, NIR's deadline, the seed), runs every provider check in order (a
 * check that throws is `failed` with the error's message; the run never stops early), and returns
 * the {@link ConformanceRun} the reports and the evidence bundle read: results, every exchange, the
 * latency of the answered ones (NFT-01) and the FHIR R4 AuditEvents NIR would send to PARS for them.
 *
 * Runs repeat exactly: every id the run makes (wsa:MessageID, AuditEvent ids, and whatever a check
 * derives from `ctx.newId`) comes from the seed, so the same seed and target give the same requests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDataPack } from '../data-pack/loader.js';
import { systemClock, type DeadlineClock } from '../shared/clock.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { deterministicUrnUuid } from '../shared/ids.js';
import { packageRoot } from '../shared/package-root.js';
import { defaultDataPackDir } from '../shared/sim-paths.js';
import { result, type CheckResult } from './check.js';
import { DEFAULT_EXCHANGE_TIMEOUT_MS, Initiator } from './initiator.js';
import type { ProviderCheck, ProviderContext, ProviderSecurity, ProviderTarget } from './provider-check.js';
import { providerChecks } from './provider-checks.js';
import { exchangeAuditEvents } from './provider-run-audit.js';
import { latencySummary } from './provider-run-latency.js';
import type { ConformanceRun } from './run-model.js';
import { buildTestData } from './test-data-build.js';
import type { ConformanceTestData } from './test-data.js';

/** NIR's per-community deadline the run holds answers to by default, ms (nir-sim's broker: 10 s). */
export const DEFAULT_PROVIDER_DEADLINE_MS = DEFAULT_EXCHANGE_TIMEOUT_MS;

/** The seed of a run that names none. */
export const DEFAULT_SEED = 1;

/** Options of {@link runProvider}. */
export interface ProviderRunOptions {
  target: ProviderTarget;
  /** The expected data; default {@link providerTestData} over `pack`. */
  testData?: ConformanceTestData;
  /** Where the default test data come from (ignored when `testData` is given). */
  pack?: ProviderPackOptions;
  /** Absent: plain HTTP, and the security checks are `skipped`. */
  security?: ProviderSecurity;
  /** The checks to run, in order; default every provider check (provider-checks.ts). */
  checks?: readonly ProviderCheck[];
  /** Deadlines, latency and the run's times; default the system clock (tests: a virtual clock). */
  clock?: DeadlineClock;
  /** NIR's deadline, ms (NFT-01); default {@link DEFAULT_PROVIDER_DEADLINE_MS}. */
  deadlineMs?: number;
  /** Default {@link DEFAULT_SEED}. */
  seed?: number;
  /** One line describing the sim's network, when the target is one of its simulated communities. */
  topology?: string;
}

/** Which data pack community the test data come from. */
export interface ProviderPackOptions {
  /** The data pack directory; default the committed default pack. */
  dir?: string;
  /**
   * The community whose data the supplier loaded, by name or homeCommunityId, used when no
   * community of the pack has the target's homeCommunityId; default the pack's first.
   */
  community?: string;
  /** NHS numbers to query instead of the default pick (test-data-build.ts). */
  patients?: readonly string[];
}

/**
 * The test data of a run against `homeCommunityId`: the pack's community with that
 * homeCommunityId (a simulated community of nir-sim: it holds them already), else the community
 * `pack.community` names (default the pack's first), re-homed: the supplier loads that
 * community's patients, documents and studies (`nir-sim conformance test-data`) and serves them
 * under its own homeCommunityId.
 * @throws SimError BadArgument for an unreadable pack, an unknown community or patient.
 */
export async function providerTestData(
  homeCommunityId: string,
  pack: ProviderPackOptions = {},
): Promise<ConformanceTestData> {
  const dir = path.resolve(pack.dir ?? defaultDataPackDir);
  const loaded = await loadDataPack(dir).catch((err: unknown) => {
    if (err instanceof SimError) throw err;
    throw new SimError(
      SimErrorCode.BadArgument,
      `--pack ${dir}: not a readable data pack (${err instanceof Error ? err.message : String(err)})`,
    );
  });
  const own = loaded.communities.find((c) => c.homeCommunityId === homeCommunityId);
  const name = own?.name ?? pack.community ?? loaded.communities[0]?.name;
  if (name === undefined)
    throw new SimError(SimErrorCode.BadArgument, `the data pack at ${dir} has no community`);
  const data = buildTestData(loaded, name, pack.patients);
  return own ? data : { ...data, source: `${data.source}, re-homed to ${homeCommunityId}` };
}

/** Ids derived from `seed`: the n-th call gives the same `urn:uuid:` for the same seed. */
export function seededIds(seed: number, stream: string): () => string {
  let n = 0;
  return () => deterministicUrnUuid(`nir-sim conformance ${stream} ${seed} ${n++}`);
}

let version: string | undefined;

/** nir-sim's version, from its package.json (read once). */
export function nirSimVersion(): string {
  version ??= (
    JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}

/**
 * Run the provider checks against `options.target`.
 * @throws SimError BadArgument when the default test data cannot be built (see {@link providerTestData});
 *   nothing the target does makes it throw.
 */
export async function runProvider(options: ProviderRunOptions): Promise<ConformanceRun> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? DEFAULT_SEED;
  const deadlineMs = options.deadlineMs ?? DEFAULT_PROVIDER_DEADLINE_MS;
  const testData = options.testData ?? (await providerTestData(options.target.homeCommunityId, options.pack));
  const checks = options.checks ?? providerChecks;
  const startedAt = new Date(clock.now()).toISOString();
  const initiator = new Initiator({
    clock,
    // The exchange itself may last past NIR's deadline (twice it), so that ROB-LATENCY can say
    // how late an answer was instead of only that none came.
    timeoutMs: Math.max(deadlineMs * 2, DEFAULT_EXCHANGE_TIMEOUT_MS),
    newMessageId: seededIds(seed, 'message'),
    ...(options.security
      ? {
          security: {
            tls: options.security.tls,
            securityHeader: (req) => options.security!.securityHeader(req),
          },
        }
      : {}),
  });
  const ctx: ProviderContext = {
    target: options.target,
    testData,
    initiator,
    ...(options.security ? { security: options.security } : {}),
    clock,
    deadlineMs,
    seed,
    newId: seededIds(seed, 'id'),
  };
  const results: CheckResult[] = [];
  try {
    for (const check of checks) results.push(await runOne(check, ctx));
  } finally {
    await initiator.close();
  }
  const exchanges = [...initiator.records()];
  const latency = latencySummary(exchanges, deadlineMs);
  return {
    tool: { name: 'nir-sim', version: nirSimVersion() },
    mode: 'provider',
    startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    seed,
    target: options.target,
    ...(options.topology !== undefined ? { topology: options.topology } : {}),
    testDataSource: testData.source,
    checks: checks.map((c) => c.definition),
    results,
    exchanges,
    auditEvents: exchangeAuditEvents(exchanges, seededIds(seed, 'audit'), options.target.homeCommunityId),
    ...(latency ? { latency } : {}),
  };
}

/** One check, timed on the run's clock; a throw becomes `failed` with its message. */
async function runOne(check: ProviderCheck, ctx: ProviderContext): Promise<CheckResult> {
  const id = check.definition.id;
  const before = ctx.initiator.records().length;
  const started = ctx.clock.now();
  let r: CheckResult;
  try {
    r = await check.run(ctx);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const made = ctx.initiator
      .records()
      .slice(before)
      .map((x) => x.name);
    r = result(id, 'failed', `the check stopped with an error: ${why}`, made);
  }
  if (r.id !== id) r = { ...r, id };
  return { ...r, durationMs: r.durationMs ?? ctx.clock.now() - started };
}
