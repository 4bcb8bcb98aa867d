/**
 * Faults of a federation of containers (docs/containers.md): the broker container's control API takes every
 * fault, validates it as the in-process FaultStore does (same schema, same community names, same
 * all-or-nothing batches), and hands it to the control API of the container that owns its target
 * (the community's responding gateway, or PARS). That container's FaultStore selects and counts,
 * with the fault's own PRNG stream (seed and fault name), so a fault behaves exactly as it does
 * in-process: every fault targets one gateway, whose requests are the only ones it counts.
 *
 * The broker keeps a shadow FaultStore only for validation, order and `down`; counters come from
 * the owners on every list.
 */
import { FaultStore, type FaultStatus } from '../faults/fault-store.js';
import type { FaultSpec } from '../faults/fault-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { ControlClient } from './control-client.js';
import type { AddAllResult, FaultControl } from './fault-control.js';

/** The control API owning each fault target: community name (or `pars`) -> base URL. */
type FaultOwners = ReadonlyMap<string, string>;

/** The targets that are services with their own fault kinds rather than communities. */
const SERVICE_TARGETS = new Set(['pars']);

/**
 * A FaultControl that forwards each fault to the control API owning its target.
 * @param seed the fault seed (each owner must be started with the same one).
 * @param owners target -> control API URL; targets not listed are refused as unknown communities.
 */
export function federatedFaults(seed: number, owners: FaultOwners): FaultControl {
  const communities = [...owners.keys()].filter((t) => !SERVICE_TARGETS.has(t));
  const shadow = new FaultStore(seed, () => communities);
  for (const t of owners.keys()) if (SERVICE_TARGETS.has(t)) shadow.setServiceTarget(t, true);
  const client = (target: string): ControlClient => new ControlClient(owners.get(target)!);

  return {
    list: async () => {
      const mine = shadow.list();
      const targets = [...new Set(mine.map((s) => s.fault.gateway))];
      const counted = new Map<string, FaultStatus>();
      for (const list of await Promise.all(targets.map((t) => client(t).listFaults().catch(unreachable(t)))))
        for (const s of list) counted.set(s.fault.name, s);
      return mine.map((s) => {
        const c = counted.get(s.fault.name);
        return c ? { fault: s.fault, matched: c.matched, applied: c.applied } : s;
      });
    },
    addAll: async (inputs) => addAll(shadow, client, inputs),
    remove: async (name) => {
      const found = shadow.list().find((s) => s.fault.name === name);
      if (!found) return false;
      await client(found.fault.gateway).removeFault(name).catch(unreachable(found.fault.gateway));
      shadow.remove(name);
      return true;
    },
    reset: async () => {
      shadow.reset();
      await Promise.all([...owners.keys()].map((t) => client(t).reset().catch(unreachable(t))));
    },
    isDown: (target) => shadow.isDown(target),
  };
}

/** Validate on the shadow, then give each owner its part; on any failure undo all of it. */
async function addAll(
  shadow: FaultStore,
  client: (target: string) => ControlClient,
  inputs: readonly unknown[],
): Promise<AddAllResult> {
  const checked = shadow.addAll(inputs);
  if (!checked.ok) return checked;
  const byTarget = new Map<string, FaultSpec[]>();
  for (const f of checked.faults) byTarget.set(f.gateway, [...(byTarget.get(f.gateway) ?? []), f]);
  const results = await Promise.allSettled(
    [...byTarget].map(async ([target, faults]) => {
      await client(target).addFaults({ faults });
      return faults;
    }),
  );
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[...byTarget.keys()][i]!] : []));
  if (failed.length === 0) return checked;
  for (const f of checked.faults) shadow.remove(f.name);
  const undo = results.flatMap((r, i) =>
    r.status === 'fulfilled' ? r.value.map((f) => client([...byTarget.keys()][i]!).removeFault(f.name)) : [],
  );
  await Promise.allSettled(undo);
  // Problems are per item, as the FaultStore words them (`faults[i].` in a batch of several).
  const at = (target: string): string => {
    const i = checked.faults.findIndex((f) => f.gateway === target);
    return checked.faults.length > 1 ? `faults[${i}].` : '';
  };
  return {
    ok: false,
    problems: results.flatMap((r, i) => {
      const target = [...byTarget.keys()][i]!;
      return r.status === 'rejected'
        ? [`${at(target)}gateway: '${target}' did not take its faults (${firstLine(r.reason)})`]
        : [];
    }),
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** A rejection handler naming the owner that did not answer. */
function unreachable(target: string): (err: unknown) => never {
  return (err) => {
    throw new SimError(
      SimErrorCode.NotRunning,
      `the control API of '${target}' did not answer: ${firstLine(err)}`,
      { cause: err },
    );
  };
}
