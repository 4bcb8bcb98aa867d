/**
 * `sim compose render`: write the docker-compose file of a topology (docs/containers.md). The topology is
 * resolved exactly as `sim up` resolves it (topology/topology-from-options.ts), planned as containers
 * and written as compose (containers/compose-file.ts). `--check`
 * compares instead of writing, so CI fails when the committed compose/docker-compose.yml is stale.
 * `--security` renders the stack with the certificate mount and the integration port; the
 * committed file is the render without it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { COMPOSE_FILE, renderComposeFile, type RenderedCompose } from '../../containers/compose-file.js';
import { defaultCertsDir } from '../../runtime/security-runtime.js';
import { TopologyDefaults } from '../../topology/topology.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { numberFlag } from '../number-flag.js';
import { flagWords } from '../shell-words.js';
import { topologyFlagOptions, withTopologyFlags } from '../topology-flags.js';
import { topologyFromOptions } from '../../topology/resolve-topology.js';
import { checkDeadlineAndGateways, type UpOptions } from '../../topology/topology-from-options.js';

/**
 * `sim compose render` options, as the flags give them: `sim up`'s topology options (no host: the
 * containers listen on every interface), plus:
 */
interface ComposeOptions extends Omit<UpOptions, 'host'> {
  /** The file to write or check; `-` for stdout. Default: compose/docker-compose.yml. */
  out?: string;
  /** Render with security: certificate mount, `user:`, HTTPS gateways, the integration port. */
  security?: boolean;
  /** The certificate directory to mount (with `security`; default certs/out or NIR_SIM_CERTS_DIR). */
  certsDir?: string;
}

/**
 * Resolve the options' topology, plan and render it (containers/compose-file.ts). No file is written.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for bad flags, a bad topology file or unusable ports
 *   and names; SIM_ERR_DATA_PACK_* from the pack loader.
 */
export async function renderComposeFromOptions(o: ComposeOptions): Promise<RenderedCompose> {
  checkFlags(o);
  const resolved = await topologyFromOptions({ ...o, host: TopologyDefaults.host });
  const certsDir = o.security ? path.resolve(o.certsDir ?? defaultCertsDir()) : undefined;
  return renderComposeFile(resolved, {
    portBase: o.portBase,
    regenerate: regenerateCommand(o),
    ...(o.out !== undefined ? { out: o.out } : {}),
    ...(certsDir !== undefined ? { certsDir } : {}),
  });
}

/** Register `compose render`. */
export function composeCommand(y: Argv): Argv {
  return y.command(
    'compose <action>',
    'the docker-compose stack: render the compose file of a topology',
    (a) =>
      withTopologyFlags(a)
        .positional('action', { choices: ['render'] as const, demandOption: true })
        .option('port-base', {
          coerce: numberFlag('--port-base'),
          default: TopologyDefaults.brokerPort,
          describe: 'host port of the broker; control API +10, PARS +20, gateways from +921 (9001)',
        })
        .option('out', {
          type: 'string',
          nargs: 1,
          describe: `file to write, - for stdout (default: ${COMPOSE_FILE})`,
        })
        .option('security', {
          type: 'boolean',
          default: false,
          describe:
            'mount the certificate set into the gateways and the broker: HTTPS gateways, integration port 8443',
        })
        .option('certs-dir', {
          type: 'string',
          nargs: 1,
          describe: 'with --security: the certificate directory to mount (default: certs/out)',
        })
        .option('check', {
          type: 'boolean',
          default: false,
          describe: 'write nothing; fail when the file differs from a fresh render',
        }),
    async (argv) => {
      const opts: ComposeOptions = {
        portBase: argv['port-base'],
        ...topologyFlagOptions(argv),
        ...(argv.out !== undefined ? { out: argv.out } : {}),
        ...(argv.security ? { security: true } : {}),
        ...(argv['certs-dir'] !== undefined ? { certsDir: argv['certs-dir'] } : {}),
      };
      if (argv.check && opts.out === '-') {
        throw new SimError(
          SimErrorCode.BadArgument,
          '--check compares a file: drop --out - or name the file',
        );
      }
      const r = await renderComposeFromOptions(opts);
      for (const n of r.notes) process.stderr.write(`nir-sim: note: ${n}\n`);
      if (r.file === undefined) return void process.stdout.write(r.text);
      const shown = path.relative(process.cwd(), r.file) || r.file;
      if (argv.check) return checkFile(r, shown, regenerateCommand(opts));
      await mkdir(path.dirname(r.file), { recursive: true });
      await writeFile(r.file, r.text);
      const gateways = r.plan.services.filter((s) => s.role === 'gateway').length;
      const env = opts.security ? 'NIR_SIM_UID=$(id -u) NIR_SIM_GID=$(id -g) ' : '';
      process.stdout.write(
        `wrote ${shown}: broker, pars and ${gateways} responding gateways; start it with ${env}docker compose -f ${shown} up --build\n`,
      );
    },
  );
}

/** @throws SimError SIM_ERR_BAD_ARGUMENT naming the file and the command that regenerates it. */
async function checkFile(r: RenderedCompose, shown: string, regenerate: string): Promise<void> {
  const current = existsSync(r.file!) ? await readFile(r.file!, 'utf8') : undefined;
  if (current === r.text) return void process.stdout.write(`${shown} is up to date\n`);
  throw new SimError(
    SimErrorCode.BadArgument,
    `${shown} is ${current === undefined ? 'missing' : 'out of date'}: regenerate it with ${regenerate}`,
  );
}

/**
 * The flags `sim up` also refuses, with the same messages.
 * @throws SimError SIM_ERR_BAD_ARGUMENT.
 */
function checkFlags(o: ComposeOptions): void {
  if (o.certsDir !== undefined && !o.security) {
    throw new SimError(
      SimErrorCode.BadArgument,
      '--certs-dir names the certificates to mount with --security: add --security, or drop --certs-dir',
    );
  }
  checkDeadlineAndGateways(o);
}

/** The command line that renders the same file again: `npm run sim compose render [-- flags]`. */
function regenerateCommand(o: ComposeOptions): string {
  const flags: [string, string | number | true | undefined][] = [
    ['--topology', o.topology],
    ['--gateways', o.gateways],
    ['--mhd-gateways', o.mhdGateways],
    ['--data-pack', o.dataPack],
    ['--seed', o.seed],
    ['--port-base', o.portBase === TopologyDefaults.brokerPort ? undefined : o.portBase],
    ['--deadline-ms', o.deadlineMs],
    ['--security', o.security ? true : undefined],
    ['--certs-dir', o.certsDir],
    ['--out', o.out === COMPOSE_FILE ? undefined : o.out],
  ];
  const args = flagWords(flags);
  return ['npm run sim compose render', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}
