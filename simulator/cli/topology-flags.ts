/**
 * The flags that say which topology a command starts or renders (docs/topology.md), declared once
 * for `sim up`, `sim compose render` and `sim k8s render`, so the three read them alike.
 */
import type { Argv } from 'yargs';
import { TopologyDefaults } from '../topology/topology.js';
import type { UpOptions } from '../topology/topology-from-options.js';
import { numberFlag } from './number-flag.js';

/** The part of {@link UpOptions} these flags give. */
export type TopologyFlagOptions = Pick<
  UpOptions,
  'topology' | 'gateways' | 'mhdGateways' | 'dataPack' | 'seed' | 'deadlineMs'
>;

/**
 * Declare `--topology`, `--gateways`, `--mhd-gateways`, `--data-pack`, `--seed` and `--deadline-ms`
 * on `a`. Numbers go through {@link numberFlag}; ranges and exclusions are checked where the
 * options are used (topology/topology-from-options.ts).
 * @param dataPackDescribe the help text of `--data-pack`, which says where the command puts the pack.
 */
export function withTopologyFlags<T>(
  a: Argv<T>,
  dataPackDescribe = 'data pack directory (default: data-packs/default)',
) {
  return a
    .option('topology', {
      type: 'string',
      describe:
        'topology file (YAML): data pack, gateways (XCA or MHD), deadline, consumer profiles, external communities, faults',
    })
    .option('gateways', {
      coerce: numberFlag('--gateways'),
      describe: 'number of simulated XCA communities (default: all in the pack, 3)',
    })
    .option('mhd-gateways', {
      coerce: numberFlag('--mhd-gateways'),
      describe: 'number of simulated MHD communities (ITI-67/ITI-68, FHIR R4) after the XCA ones (default 0)',
    })
    .option('data-pack', { type: 'string', describe: dataPackDescribe })
    .option('seed', {
      coerce: numberFlag('--seed'),
      describe: 'generate (and cache) a pack from this seed instead of the default',
    })
    .option('deadline-ms', {
      coerce: numberFlag('--deadline-ms'),
      describe: `per-community deadline, ms (default: the topology file's, else ${TopologyDefaults.deadlineMs})`,
    });
}

/** The options of the flags {@link withTopologyFlags} declared, only those given. */
export function topologyFlagOptions(argv: {
  topology?: string | undefined;
  gateways?: number | undefined;
  'mhd-gateways'?: number | undefined;
  'data-pack'?: string | undefined;
  seed?: number | undefined;
  'deadline-ms'?: number | undefined;
}): TopologyFlagOptions {
  return {
    ...(argv.topology !== undefined ? { topology: argv.topology } : {}),
    ...(argv.gateways !== undefined ? { gateways: argv.gateways } : {}),
    ...(argv['mhd-gateways'] !== undefined ? { mhdGateways: argv['mhd-gateways'] } : {}),
    ...(argv['data-pack'] !== undefined ? { dataPack: argv['data-pack'] } : {}),
    ...(argv.seed !== undefined ? { seed: argv.seed } : {}),
    ...(argv['deadline-ms'] !== undefined ? { deadlineMs: argv['deadline-ms'] } : {}),
  };
}
