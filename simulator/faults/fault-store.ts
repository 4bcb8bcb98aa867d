/**
 * The live set of faults of a running topology, toxiproxy-style: list, add, remove, reset at
 * runtime, and for each incoming gateway request, which faults apply (target, probability,
 * `times`, `after`). Counters and PRNG streams are per fault, so a run repeats exactly for the
 * same seed and the same request order.
 */
import { EventEmitter } from 'node:events';
import type { MhdTransaction } from '../shared/fhir-endpoints.js';
import type { Transaction } from '../xca/constants.js';
import { SERVICE_FAULT_KINDS, parseFaultSpec, type FaultSpec } from './fault-spec.js';
import { faultPrng, type Prng } from './prng.js';

/** What a gateway knows about a request when it asks which faults apply. */
interface FaultContext {
  gateway: string;
  transaction: Transaction | MhdTransaction;
  /** NHS number of the request's patient, when the request names one. */
  patient?: string;
}

/** A fault with its counters, as `GET /faults` shows it. */
export interface FaultStatus {
  fault: FaultSpec;
  /** Requests that matched gateway, transaction and patient. */
  matched: number;
  /** Requests the fault was applied to. */
  applied: number;
}

interface Entry extends FaultStatus {
  prng: Prng;
}

/** A fault chosen for one request, with a uniform draw in [0, 1) from its stream (for jitter). */
export interface AppliedFault {
  fault: FaultSpec;
  draw: number;
}

/** Add result: the fault, or every problem found (nothing changed). */
type AddResult = { ok: true; fault: FaultSpec } | { ok: false; problems: string[] };

/** The faults of one topology. Emits `change` after every add, remove and reset. */
export class FaultStore extends EventEmitter<{ change: [] }> {
  private readonly entries = new Map<string, Entry>();
  /** Simulated services running now that accept their own fault kinds (SERVICE_FAULT_KINDS). */
  private readonly services = new Set<string>();

  /**
   * @param seed seeds every fault's PRNG stream.
   * @param gateways the community names a fault may target (for validation).
   */
  constructor(
    private readonly seed: number,
    private readonly gateways: () => readonly string[],
  ) {
    super();
  }

  /** Validate a batch and add all of it, or none of it (every problem of every fault listed). */
  addAll(inputs: readonly unknown[]): { ok: true; faults: FaultSpec[] } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const faults: FaultSpec[] = [];
    const names = new Set(this.entries.keys());
    inputs.forEach((input, i) => {
      const r = this.check(input, names);
      const at = inputs.length > 1 ? `faults[${i}].` : '';
      if (!r.ok) problems.push(...r.problems.map((p) => at + p));
      else {
        faults.push(r.fault);
        names.add(r.fault.name);
      }
    });
    if (problems.length > 0) return { ok: false, problems };
    for (const f of faults)
      this.entries.set(f.name, { fault: f, matched: 0, applied: 0, prng: faultPrng(this.seed, f.name) });
    this.emit('change');
    return { ok: true, faults };
  }

  /** Validate and add one fault. */
  add(input: unknown): AddResult {
    const r = this.addAll([input]);
    return r.ok ? { ok: true, fault: r.faults[0]! } : r;
  }

  /**
   * Accept (or, with `running` false, stop accepting) faults whose `gateway` names a simulated
   * service, e.g. `pars` while the simulated PARS runs. Faults already added stay.
   */
  setServiceTarget(name: string, running: boolean): void {
    if (running) this.services.add(name);
    else this.services.delete(name);
  }

  /** Remove by name; false when there was none. */
  remove(name: string): boolean {
    const had = this.entries.delete(name);
    if (had) this.emit('change');
    return had;
  }

  /** Remove every fault. */
  reset(): void {
    this.entries.clear();
    this.emit('change');
  }

  /** Every fault with its counters, in the order added. */
  list(): FaultStatus[] {
    return [...this.entries.values()].map(({ fault, matched, applied }) => ({ fault, matched, applied }));
  }

  /**
   * The faults that apply to one request, in the order added, counting it: a fault matches on
   * gateway, transaction and patient; then `after` skips, `times` caps, and `probability` draws.
   */
  select(ctx: FaultContext): AppliedFault[] {
    const out: AppliedFault[] = [];
    for (const e of this.entries.values()) {
      const f = e.fault;
      if (f.gateway !== ctx.gateway) continue;
      if (f.transaction !== undefined && f.transaction !== ctx.transaction) continue;
      if (f.patient !== undefined && f.patient !== ctx.patient) continue;
      e.matched += 1;
      if (e.matched <= f.after) continue;
      if (f.times !== undefined && e.applied >= f.times) continue;
      if (f.probability < 1 && !(e.prng() < f.probability)) continue;
      e.applied += 1;
      out.push({ fault: f, draw: e.prng() });
    }
    return out;
  }

  /**
   * Faults that hold a whole gateway down regardless of requests: `refuse` with no condition
   * (probability 1, no times/after, no transaction/patient). Its transport stops listening.
   */
  isDown(gateway: string): boolean {
    for (const { fault: f } of this.entries.values()) {
      const down = f.kind === 'refuse' || f.kind === 'pars-down';
      if (down && f.gateway === gateway && isUnconditional(f)) return true;
    }
    return false;
  }

  private check(input: unknown, names: ReadonlySet<string>): AddResult {
    const r = parseFaultSpec(input);
    const problems = r.ok ? [] : [...r.problems];
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (typeof raw['name'] === 'string' && names.has(raw['name']))
      problems.push(`name: a fault named '${raw['name']}' already exists`);
    const gateway = raw['gateway'];
    if (typeof gateway === 'string' && this.services.has(gateway)) {
      const kinds = SERVICE_FAULT_KINDS[gateway] ?? [];
      if (typeof raw['kind'] === 'string' && !kinds.some((k) => k === raw['kind']))
        problems.push(`kind: '${gateway}' takes only ${kinds.join(' or ')} faults`);
    } else if (typeof gateway === 'string' && !this.gateways().includes(gateway)) {
      problems.push(
        gateway in SERVICE_FAULT_KINDS
          ? `gateway: the ${gateway} service is not running in this topology`
          : `gateway: no community named '${gateway}' (known: ${[...this.gateways(), ...this.services].join(', ')})`,
      );
    }
    if (problems.length > 0 || !r.ok) return { ok: false, problems };
    return r;
  }
}

/** True when a fault applies to every request of its gateway. */
function isUnconditional(f: FaultSpec): boolean {
  return (
    f.probability === 1 &&
    f.times === undefined &&
    f.after === 0 &&
    f.transaction === undefined &&
    f.patient === undefined
  );
}
