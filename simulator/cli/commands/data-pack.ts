/** `sim data-pack generate`: write a deterministic synthetic data pack. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { generateDataPack } from '../../data-pack/generator.js';
import { SimError } from '../../shared/errors.js';

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
        }),
    async (argv) => {
      for (const [k, v, min, max] of [
        ['communities', argv.communities, 1, 200],
        ['patients', argv.patients, 3, 100_000],
      ] as const) {
        if (!Number.isInteger(v) || v < min || v > max)
          throw new SimError(
            'SIM_ERR_BAD_ARGUMENT',
            `--${k} ${v} must be a whole number from ${min} to ${max}`,
          );
      }
      if (!Number.isInteger(argv.seed))
        throw new SimError('SIM_ERR_BAD_ARGUMENT', `--seed ${argv.seed} must be a whole number`);
      const out = path.resolve(argv.out);
      if (existsSync(out) && readdirSync(out).length > 0 && !argv.force) {
        throw new SimError(
          'SIM_ERR_BAD_ARGUMENT',
          `${argv.out} is not empty: choose another --out or add --force to overwrite`,
        );
      }
      const summary = await generateDataPack({
        seed: argv.seed,
        communities: argv.communities,
        patients: argv.patients,
        outDir: out,
      });
      process.stdout.write(`data pack written to ${out}\n${JSON.stringify(summary, null, 2)}\n`);
    },
  );
}
