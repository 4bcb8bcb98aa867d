/**
 * The broker's command line as a settings file, for Kubernetes (docs/kubernetes.md): `sim serve
 * broker --settings FILE` reads its options from a JSON file by their flag names (a yargs config
 * file; flags on the command line win). The renderer puts that file in a ConfigMap, so the
 * topology the broker fans out to (its communities and their URLs, external communities, the
 * deadline, consumer profiles) is configuration a cluster user edits and rolls out (`kubectl
 * rollout restart`), not a Deployment's args; a 200-community network's table is one file.
 */
import { SimError, SimErrorCode } from '../shared/errors.js';

/** Where the broker pod mounts its settings ConfigMap. */
export const BROKER_SETTINGS_DIR = '/etc/nir-sim/broker';

/** The ConfigMap key, and the file's name under {@link BROKER_SETTINGS_DIR}. */
export const BROKER_SETTINGS_FILE = 'settings.json';

/** Flags the broker takes once per item (`--community`, `--external`): arrays in the file. */
const REPEATED = new Set(['community', 'external']);

/**
 * Split a plan's broker command (`serve broker --flag value ...`, container-plan.ts) into the
 * args the pod runs (`serve broker --settings <file>`) and the settings file's JSON (2-space
 * indented, flags in the command's order, repeated flags as arrays).
 * @throws SimError SIM_ERR_INTERNAL when the command is not `serve broker` followed by
 *   `--flag value` pairs (the plan makes no other shape).
 */
export function brokerSettings(command: readonly string[]): { args: string[]; settingsJson: string } {
  if (command[0] !== 'serve' || command[1] !== 'broker')
    throw new SimError(SimErrorCode.Internal, `not a broker command: ${command.slice(0, 2).join(' ')}`);
  const settings: Record<string, string | string[]> = {};
  for (let i = 2; i < command.length; i += 2) {
    const flag = command[i]!;
    const value = command[i + 1];
    if (!flag.startsWith('--') || value === undefined || value.startsWith('--'))
      throw new SimError(SimErrorCode.Internal, `broker command: ${flag} is not followed by a value`);
    const name = flag.slice(2);
    if (REPEATED.has(name)) settings[name] = [...((settings[name] as string[] | undefined) ?? []), value];
    else settings[name] = value;
  }
  return {
    args: ['serve', 'broker', '--settings', `${BROKER_SETTINGS_DIR}/${BROKER_SETTINGS_FILE}`],
    settingsJson: `${JSON.stringify(settings, null, 2)}\n`,
  };
}
