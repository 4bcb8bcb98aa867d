/** `sim data-pack generate`: write a deterministic synthetic data pack, with DICOM imaging or not. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import {
  DEFAULT_PACK,
  IMAGING_LIMITS,
  generateDataPack,
  type GenerateSummary,
} from '../../data-pack/generator.js';
import type { ImagingOptions } from '../../data-pack/pack-format.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';

/** The imaging flags, their option key and default (the default pack's tiny studies). */
const IMAGING_FLAGS = [
  ['series', 'series', 'series per study'],
  ['instances', 'instances', 'images per series'],
  ['rows', 'rows', 'pixel rows per image'],
  ['cols', 'columns', 'pixel columns per image'],
  ['frames', 'frames', 'frames per image (more than 1: multi-frame)'],
] as const;

/**
 * The imaging options from the flags, or undefined without `--imaging`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for an imaging flag without --imaging or a value out of range.
 */
function imagingFrom(argv: Record<string, unknown>): ImagingOptions | undefined {
  const given = IMAGING_FLAGS.filter(([flag]) => argv[flag] !== undefined).map(([flag]) => `--${flag}`);
  if (argv['imaging'] !== true) {
    if (given.length > 0)
      throw new SimError(
        SimErrorCode.BadArgument,
        `${given.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} only to imaging packs: add --imaging`,
      );
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [flag, key] of IMAGING_FLAGS) {
    const v = (argv[flag] as number | undefined) ?? DEFAULT_PACK.imaging[key];
    const { min, max } = IMAGING_LIMITS[key];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new SimError(
        SimErrorCode.BadArgument,
        `--${flag} ${v} must be a whole number from ${min} to ${max}`,
      );
    out[key] = v;
  }
  return out as unknown as ImagingOptions;
}

/** Register `data-pack generate`. */
export function dataPackCommand(y: Argv): Argv {
  return y.command(
    'data-pack <action>',
    'data packs: generate',
    (a) =>
      a
        .positional('action', { choices: ['generate'] as const, demandOption: true })
        .option('seed', {
          type: 'number',
          default: 42,
          describe: 'PRNG seed; the same seed gives byte-identical output',
        })
        .option('communities', {
          type: 'number',
          default: 3,
          describe: 'number of communities (regional imaging networks)',
        })
        .option('patients', { type: 'number', default: 60, describe: 'number of patients' })
        .option('out', {
          type: 'string',
          demandOption: true,
          describe: 'output directory, e.g. data-packs/my-pack',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'overwrite a non-empty output directory',
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the summary as JSON only (outDir, manifest, files, bytes)',
        })
        .option('imaging', {
          type: 'boolean',
          default: false,
          describe: 'give every study DICOM images and a KOS manifest DocumentEntry (RAD-75)',
        })
        .option('series', { type: 'number', describe: `${IMAGING_FLAGS[0][2]} (default 1)` })
        .option('instances', { type: 'number', describe: `${IMAGING_FLAGS[1][2]} (default 2)` })
        .option('rows', { type: 'number', describe: `${IMAGING_FLAGS[2][2]} (default 16)` })
        .option('cols', { type: 'number', describe: `${IMAGING_FLAGS[3][2]} (default 16)` })
        .option('frames', { type: 'number', describe: `${IMAGING_FLAGS[4][2]} (default 1)` }),
    async (argv) => {
      for (const [k, v, min, max] of [
        ['communities', argv.communities, 1, 200],
        ['patients', argv.patients, 3, 100_000],
      ] as const) {
        if (!Number.isInteger(v) || v < min || v > max)
          throw new SimError(
            SimErrorCode.BadArgument,
            `--${k} ${v} must be a whole number from ${min} to ${max}`,
          );
      }
      if (!Number.isInteger(argv.seed))
        throw new SimError(SimErrorCode.BadArgument, `--seed ${argv.seed} must be a whole number`);
      const imaging = imagingFrom(argv);
      const out = path.resolve(argv.out);
      if (existsSync(out) && readdirSync(out).length > 0 && !argv.force) {
        throw new SimError(
          SimErrorCode.BadArgument,
          `${argv.out} is not empty: choose another --out or add --force to overwrite`,
        );
      }
      const summary = await generateDataPack({
        seed: argv.seed,
        communities: argv.communities,
        patients: argv.patients,
        outDir: out,
        ...(imaging ? { imaging } : {}),
      });
      process.stdout.write(generateReport(summary, argv.json));
    },
  );
}

/**
 * What `data-pack generate` prints: with `json`, the summary as JSON and nothing else (so it pipes
 * into jq); otherwise one line saying where the pack went and what it holds.
 */
export function generateReport(summary: GenerateSummary, json: boolean): string {
  if (json) return `${JSON.stringify(summary, null, 2)}\n`;
  const { counts, seed } = summary.manifest;
  return (
    `data pack written to ${summary.outDir}: ${counts.communities} communities, ${counts.patients} patients, ` +
    `${counts.documents} documents (${summary.files} files, ${summary.bytes} bytes; seed ${seed})\n`
  );
}
