/**
 * `sim conformance provider|test-data|consumer`: the technical conformance kit (docs/conformance.md).
 * `provider` plays NIR's initiating side against a supplier's responding gateway (ITI-38, ITI-39,
 * RAD-75; plain HTTP or mutual TLS with a signed XUA assertion), prints one line per check, writes
 * the evidence bundle and exits 0 only when no check failed (1 when one did). `test-data` writes
 * the data-pack subset the supplier loads first. `consumer` prints the running sim's verdicts on
 * the requests a supplier's consumer sent to the broker (control API `GET /conformance/consumer`).
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { loadDataPack } from '../../data-pack/loader.js';
import { writeEvidence } from '../../conformance/evidence.js';
import type { ProviderTarget } from '../../conformance/provider-check.js';
import { providerChecks } from '../../conformance/provider-checks.js';
import { runProvider, DEFAULT_PROVIDER_DEADLINE_MS, DEFAULT_SEED } from '../../conformance/provider-run.js';
import { summaryText } from '../../conformance/report-text.js';
import { ROB_SCHEMA, schemaCheck } from '../../conformance/robustness-schema.js';
import { resolveXsdDir } from '../../conformance/robustness-xsd.js';
import { runPassed, type ConformanceRun } from '../../conformance/run-model.js';
import { loadProviderSecurity } from '../../conformance/security-material.js';
import { writeTestData } from '../../conformance/test-data-write.js';
import { defaultCertsDir } from '../../runtime/security-runtime.js';
import { systemClock } from '../../shared/clock.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { isHomeCommunityId } from '../../shared/ids.js';
import { defaultDataPackDir } from '../../shared/sim-paths.js';
import { isValidNhsNumber } from '../../xca/nhs-number.js';
import { numberFlag } from '../number-flag.js';
import { runningState } from '../state.js';
import { consumerRun } from './conformance-consumer.js';
import { client } from './fault.js';

/** Largest NIR deadline `--deadline-ms` accepts, ms (10 minutes). */
const MAX_DEADLINE_MS = 600_000;

/**
 * `value` of `flag` as an http(s) URL.
 * @throws SimError SIM_ERR_BAD_ARGUMENT saying what a URL looks like.
 */
export function endpointUrl(flag: string, value: unknown): string {
  once(flag, value);
  const v = typeof value === 'string' ? value.trim() : '';
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new SimError(
      SimErrorCode.BadArgument,
      `${flag} ${JSON.stringify(value ?? '')} is not an http or https URL: give the endpoint, e.g. ${flag} https://gateway.example.nhs.uk/xca/iti38`,
    );
  return url.toString();
}

/**
 * The NHS numbers of `--patient` (repeatable).
 * @throws SimError SIM_ERR_BAD_ARGUMENT for one that is not 10 digits with a valid check digit.
 */
export function patientFlags(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map((v) => String(v).trim());
  for (const nhs of list)
    if (!/^\d{10}$/.test(nhs) || !isValidNhsNumber(nhs))
      throw new SimError(
        SimErrorCode.BadArgument,
        `--patient ${nhs} is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. --patient 9990000018`,
      );
  return list;
}

/**
 * `--home` as a homeCommunityId.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when it is not `urn:oid:` followed by an OID.
 */
export function homeFlag(value: unknown): string {
  once('--home', value);
  const v = typeof value === 'string' ? value.trim() : '';
  if (!isHomeCommunityId(v))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--home ${JSON.stringify(value ?? '')} is not a homeCommunityId: give urn:oid: followed by the gateway's OID, e.g. --home urn:oid:1.2.826.0.1.3680043.2.1`,
    );
  return v;
}

/** @throws SimError SIM_ERR_BAD_ARGUMENT naming `flag` and `--community` when it is absent. */
function required(flag: string, value: unknown): unknown {
  if (value === undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `${flag} is missing: give the supplier gateway's ${flag}, --iti39 and --home, or --community NAME to rehearse against a community of the running sim`,
    );
  return value;
}

/**
 * The target and pack of `--community` in the running sim's state (sim status): an XCA community's
 * ITI-38, ITI-39 and RAD-75 URLs and homeCommunityId.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when endpoint flags are given too, the community is unknown
 *   (listing the known ones) or speaks MHD; SIM_ERR_NOT_RUNNING when no sim runs.
 */
function runningCommunity(argv: {
  community?: string | undefined;
  iti38?: string | undefined;
  iti39?: string | undefined;
  rad75?: string | undefined;
  home?: string | undefined;
}): { target: ProviderTarget; packDir?: string; topology: string } {
  const both = (['iti38', 'iti39', 'rad75', 'home'] as const).filter((f) => argv[f] !== undefined);
  if (both.length > 0)
    throw new SimError(
      SimErrorCode.BadArgument,
      `--community takes the endpoints from the running sim: leave out ${both.map((f) => `--${f}`).join(', ')}`,
    );
  const s = runningState();
  if (!s)
    throw new SimError(
      SimErrorCode.NotRunning,
      'not running: start it with npm run sim up, or give --iti38, --iti39 and --home',
    );
  const c = s.communities.find((x) => x.name === argv.community || x.homeCommunityId === argv.community);
  if (!c)
    throw new SimError(
      SimErrorCode.BadArgument,
      `--community ${argv.community} is not a community of the running sim: use one of ${s.communities.map((x) => x.name).join(', ')}`,
    );
  const iti38 = c.endpoints['ITI-38'];
  const iti39 = c.endpoints['ITI-39'];
  if ((c.protocol ?? 'xca') !== 'xca' || iti38 === undefined || iti39 === undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `--community ${c.name} is not an XCA responding gateway (it speaks ${c.protocol ?? 'xca'} or is external): the provider checks need ITI-38 and ITI-39`,
    );
  const rad75 = c.endpoints['RAD-75'];
  return {
    target: {
      iti38Url: iti38,
      iti39Url: iti39,
      ...(rad75 !== undefined ? { rad75Url: rad75 } : {}),
      homeCommunityId: c.homeCommunityId,
    },
    ...(s.dataPackDir !== undefined ? { packDir: s.dataPackDir } : {}),
    topology: `community ${c.name} of the running sim (${s.runtime} runtime, ${s.communities.length} communities: ${s.communities.map((x) => x.name).join(', ')})`,
  };
}

/** @throws SimError SIM_ERR_BAD_ARGUMENT when `flag` was given more than once. */
function once(flag: string, value: unknown): void {
  if (Array.isArray(value))
    throw new SimError(
      SimErrorCode.BadArgument,
      `${flag} was given ${value.length} times (${value.join(', ')}): give it once`,
    );
}

function wholeNumber(flag: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new SimError(SimErrorCode.BadArgument, `${flag} ${v} must be a whole number from ${min} to ${max}`);
  return v;
}

/** `reports/conformance/<mode>-<time>` under the working directory, time from the run's start. */
export function defaultOutDir(run: Pick<ConformanceRun, 'mode' | 'startedAt'>): string {
  const stamp = run.startedAt.replace(/[:.]/g, '-');
  return path.resolve('reports', 'conformance', `${run.mode}-${stamp}`);
}

/** What `--json` prints for a run: everything but the exchanges' bytes (those are in the bundle). */
function runJson(run: ConformanceRun, written: { dir: string; zipPath: string }): object {
  return {
    passed: runPassed(run),
    outDir: written.dir,
    zip: written.zipPath,
    ...run,
    exchanges: run.exchanges.map(({ request: _q, response, ...rest }) => ({
      ...rest,
      ...(response ? { responseStatus: response.status } : {}),
    })),
  };
}

/** Write the bundle, print the summary or JSON, set the exit code (1 when a check failed). */
async function finish(run: ConformanceRun, out: string | undefined, json: boolean): Promise<void> {
  const written = await writeEvidence(run, out !== undefined ? path.resolve(out) : defaultOutDir(run));
  process.stdout.write(
    json
      ? JSON.stringify(runJson(run, written), null, 2) + '\n'
      : `${summaryText(run)}evidence: ${written.dir} (zip ${written.zipPath}, ${written.zipBytes} bytes)\n`,
  );
  if (!runPassed(run)) process.exitCode = 1;
}

/** Register `conformance provider|test-data|consumer`. */
export function conformanceCommand(y: Argv): Argv {
  return y.command(
    'conformance',
    "technical conformance kit: test a supplier's responding gateway (provider) or consumer",
    (a) =>
      a
        .command(
          'provider',
          "play NIR's initiating side against a supplier's responding gateway; exit 0 only when no check failed",
          (b) =>
            b
              .option('community', {
                type: 'string',
                describe:
                  'a community of the running sim to rehearse against: its ITI-38, ITI-39, RAD-75 URLs, homeCommunityId and pack (instead of --iti38, --iti39, --rad75, --home)',
              })
              .option('iti38', {
                type: 'string',
                describe: 'ITI-38 Cross Gateway Query URL (required unless --community)',
              })
              .option('iti39', {
                type: 'string',
                describe: 'ITI-39 Cross Gateway Retrieve URL (required unless --community)',
              })
              .option('rad75', {
                type: 'string',
                describe:
                  'RAD-75 Cross Gateway Retrieve Imaging Document Set URL (absent: RAD-75 checks skipped)',
              })
              .option('home', {
                type: 'string',
                describe: "the gateway's homeCommunityId, urn:oid:... (required unless --community)",
              })
              .option('patient', {
                type: 'string',
                array: true,
                describe: 'NHS number to query (repeatable); default the test-data set',
              })
              .option('pack', {
                type: 'string',
                describe: 'data pack of the test data (default the committed one)',
              })
              .option('test-data-community', {
                type: 'string',
                describe:
                  "community whose data the supplier loaded (when no community has --home's id); default the pack's first",
              })
              .option('security', {
                type: 'boolean',
                default: false,
                describe:
                  "mutual TLS with NIR's client certificate and a signed XUA assertion; runs the SEC- checks",
              })
              .option('certs', {
                type: 'string',
                alias: 'certs-dir',
                describe:
                  "with --security: NIR's certificate set (default the sim's, npm run sim certs generate)",
              })
              .option('schemas', {
                type: 'string',
                describe:
                  'IHE reference tree or its xsd directory, for ROB-SCHEMA (default NIR_SIM_REFERENCE_DIR)',
              })
              .option('out', {
                type: 'string',
                describe: 'evidence directory (default reports/conformance/provider-<time>)',
              })
              .option('seed', {
                coerce: numberFlag('--seed'),
                describe: `seed of every id and pick: the same seed repeats the run (default ${DEFAULT_SEED})`,
              })
              .option('deadline-ms', {
                coerce: numberFlag('--deadline-ms'),
                describe: `NIR's deadline for each answer, ms (NFT-01; default ${DEFAULT_PROVIDER_DEADLINE_MS})`,
              })
              .option('json', { type: 'boolean', default: false, describe: 'print the run as JSON only' }),
          async (argv) => {
            const simulated = argv.community !== undefined ? runningCommunity(argv) : undefined;
            const target: ProviderTarget = simulated?.target ?? {
              iti38Url: endpointUrl('--iti38', required('--iti38', argv.iti38)),
              iti39Url: endpointUrl('--iti39', required('--iti39', argv.iti39)),
              ...(argv.rad75 !== undefined ? { rad75Url: endpointUrl('--rad75', argv.rad75) } : {}),
              homeCommunityId: homeFlag(required('--home', argv.home)),
            };
            const patients = patientFlags(argv.patient);
            const seed = wholeNumber('--seed', argv.seed ?? DEFAULT_SEED, 0, 2 ** 31 - 1);
            const deadlineMs = wholeNumber(
              '--deadline-ms',
              argv['deadline-ms'] ?? DEFAULT_PROVIDER_DEADLINE_MS,
              1,
              MAX_DEADLINE_MS,
            );
            if (argv.certs !== undefined && !argv.security)
              throw new SimError(
                SimErrorCode.BadArgument,
                '--certs goes with --security: add --security or leave --certs out',
              );
            const schemasDir = argv.schemas !== undefined ? resolveXsdDir(argv.schemas) : undefined;
            const security = argv.security
              ? await loadProviderSecurity(path.resolve(argv.certs ?? defaultCertsDir()), {
                  homeCommunityId: target.homeCommunityId,
                  clock: systemClock,
                })
              : undefined;
            const checks =
              schemasDir === undefined
                ? providerChecks
                : providerChecks.map((c) =>
                    c.definition.id === ROB_SCHEMA ? schemaCheck({ schemasDir }) : c,
                  );
            const run = await runProvider({
              target,
              pack: {
                dir: argv.pack ?? simulated?.packDir ?? defaultDataPackDir,
                ...(argv['test-data-community'] !== undefined
                  ? { community: argv['test-data-community'] }
                  : {}),
                ...(patients ? { patients } : {}),
              },
              ...(security ? { security } : {}),
              ...(simulated ? { topology: simulated.topology } : {}),
              checks,
              deadlineMs,
              seed,
            });
            await finish(run, argv.out, argv.json);
          },
        )
        .command(
          'test-data',
          'write the patients, documents and studies a supplier loads before a provider run',
          (b) =>
            b
              .option('out', { type: 'string', demandOption: true, describe: 'output directory' })
              .option('community', {
                type: 'string',
                describe: "community of the data pack to take them from (default the pack's first)",
              })
              .option('home', {
                type: 'string',
                describe: "the supplier gateway's homeCommunityId, urn:oid:... (default the community's)",
              })
              .option('patient', {
                type: 'string',
                array: true,
                describe: 'NHS number to include (repeatable); default the test-data pick',
              })
              .option('pack', { type: 'string', describe: 'data pack (default the committed one)' })
              .option('force', { type: 'boolean', default: false, describe: 'write into a non-empty --out' })
              .option('json', {
                type: 'boolean',
                default: false,
                describe: 'print what was written as JSON',
              }),
          async (argv) => {
            const home = argv.home !== undefined ? homeFlag(argv.home) : undefined;
            const patients = patientFlags(argv.patient);
            const pack = await loadDataPack(path.resolve(argv.pack ?? defaultDataPackDir));
            const community = argv.community ?? pack.communities[0]?.name;
            if (community === undefined)
              throw new SimError(SimErrorCode.BadArgument, `the data pack at ${pack.dir} has no community`);
            const w = await writeTestData({
              pack,
              community,
              outDir: argv.out,
              force: argv.force,
              ...(home !== undefined ? { home } : {}),
              ...(patients ? { patients } : {}),
            });
            process.stdout.write(
              argv.json
                ? JSON.stringify(
                    { outDir: w.outDir, files: w.files, bytes: w.bytes, source: w.testData.source },
                    null,
                    2,
                  ) + '\n'
                : `wrote ${w.files.length} files (${w.bytes} bytes) to ${w.outDir}: ${w.testData.patients.length} patient(s) from ${w.testData.source}; read README.txt there for what to load\n`,
            );
          },
        )
        .command(
          'consumer',
          "the running sim's verdicts on the requests a supplier's consumer sent to the broker",
          (b) =>
            b
              .option('control-url', {
                type: 'string',
                describe: "control API URL (default: the running simulator's, as sim status shows it)",
              })
              .option('since', { type: 'string', describe: 'only requests from this time on (ISO 8601)' })
              .option('consumer', {
                type: 'string',
                describe: "only this consumer's requests: its X-NIR-Consumer id or TLS client certificate CN",
              })
              .option('out', {
                type: 'string',
                describe: 'evidence directory (default reports/conformance/consumer-<time>)',
              })
              .option('json', { type: 'boolean', default: false, describe: 'print the run as JSON only' }),
          async (argv) => {
            let since: string | undefined;
            if (argv.since !== undefined) {
              const t = Date.parse(argv.since);
              if (Number.isNaN(t))
                throw new SimError(
                  SimErrorCode.BadArgument,
                  `--since ${JSON.stringify(argv.since)} is not a time: give ISO 8601, e.g. --since 2026-01-31T09:00:00Z`,
                );
              since = new Date(t).toISOString();
            }
            const run = await consumerRun(client(argv['control-url']), {
              ...(since !== undefined ? { since } : {}),
              ...(argv.consumer !== undefined ? { consumer: argv.consumer } : {}),
            });
            await finish(run, argv.out, argv.json);
          },
        )
        .demandCommand(1, 'name a conformance command: provider, test-data, consumer'),
  );
}
