/**
 * The broker's runtime settings as the control API holds them: the per-community deadline (ms)
 * and the consumer profiles (NIR's "limit to a subset" and "permanently exclude" capabilities,
 * by the `X-NIR-Consumer` id). The runtime hands `current` to the broker as its settings
 * provider, read once per request; `PUT`/`PATCH /broker/settings` replace them (no restart).
 */
import { z } from 'zod';

/** Longest per-community deadline, ms (10 minutes; as a topology file's `broker.deadlineMs`). */
const MAX_DEADLINE_MS = 600_000;
/** Most consumer profiles in one settings object. */
const MAX_CONSUMERS = 256;
/** Most communities one `include` or `exclude` list names. */
const MAX_PROFILE_COMMUNITIES = 1000;

/** A consumer profile: communities by homeCommunityId (`urn:oid:...`). */
export interface ConsumerProfileSettings {
  include?: string[];
  exclude?: string[];
}

/** The settings: `deadlineMs` in ms; consumer profiles by consumer id. */
export interface BrokerSettingsValue {
  deadlineMs: number;
  consumers: Record<string, ConsumerProfileSettings>;
}

/** A community the profiles may name, by its name or its homeCommunityId. */
export interface SettingsCommunity {
  name: string;
  homeCommunityId: string;
}

const communityList = z.array(z.string().min(1).max(256)).max(MAX_PROFILE_COMMUNITIES);
const ProfileSchema = z.strictObject({
  include: communityList.optional(),
  exclude: communityList.optional(),
});
const ConsumersSchema = z
  .record(z.string().min(1).max(128), ProfileSchema)
  .refine((r) => Object.keys(r).length <= MAX_CONSUMERS, `at most ${MAX_CONSUMERS} consumer profiles`);
const DeadlineSchema = z.number().int().min(1).max(MAX_DEADLINE_MS);

/** `PUT` body: every setting. */
const PutSchema = z.strictObject({ deadlineMs: DeadlineSchema, consumers: ConsumersSchema });
/** `PATCH` body: the settings to change; the others stay. */
const PatchSchema = z.strictObject({
  deadlineMs: DeadlineSchema.optional(),
  consumers: ConsumersSchema.optional(),
});

/** Validated settings, or every problem found (`path: message`). */
type SettingsResult = { ok: true; settings: BrokerSettingsValue } | { ok: false; problems: string[] };

/**
 * Validate a `PUT` (`partial` false: both fields required) or `PATCH` (`partial`: fields absent
 * keep `current`'s) body, and resolve each community of a profile, named by name or
 * homeCommunityId, to its homeCommunityId.
 * @returns the new settings, or every problem (unknown fields, out-of-range deadline, unknown
 *   communities, each with its path).
 */
export function parseBrokerSettings(
  body: unknown,
  opts: { partial: boolean; current: BrokerSettingsValue; communities: readonly SettingsCommunity[] },
): SettingsResult {
  const r = (opts.partial ? PatchSchema : PutSchema).safeParse(body);
  if (!r.success)
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`),
    };
  const problems: string[] = [];
  const byRef = new Map<string, string>();
  for (const c of opts.communities) {
    byRef.set(c.name, c.homeCommunityId);
    byRef.set(c.homeCommunityId, c.homeCommunityId);
  }
  const known = opts.communities.map((c) => c.name).join(', ');
  let consumers = opts.current.consumers;
  if (r.data.consumers !== undefined) {
    consumers = {};
    for (const [id, profile] of Object.entries(r.data.consumers)) {
      const out: ConsumerProfileSettings = {};
      for (const key of ['include', 'exclude'] as const) {
        const refs = profile[key];
        if (refs === undefined) continue;
        out[key] = refs.flatMap((ref, i) => {
          const hcid = byRef.get(ref);
          if (hcid === undefined)
            problems.push(
              `consumers.${id}.${key}.${i}: unknown community '${ref}'; expected a name or homeCommunityId of ${known}`,
            );
          return hcid === undefined ? [] : [hcid];
        });
      }
      consumers[id] = out;
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { deadlineMs: r.data.deadlineMs ?? opts.current.deadlineMs, consumers } };
}

/** The broker's current settings, replaced whole (a request reads one consistent snapshot). */
export class BrokerSettingsStore {
  private value: BrokerSettingsValue;

  constructor(initial: { deadlineMs: number; consumers?: Record<string, ConsumerProfileSettings> }) {
    this.value = freeze({ deadlineMs: initial.deadlineMs, consumers: initial.consumers ?? {} });
  }

  /** The settings now (frozen; the broker's settings provider). */
  readonly current = (): BrokerSettingsValue => this.value;

  /** Replace the settings (already validated by parseBrokerSettings). */
  set(next: BrokerSettingsValue): void {
    this.value = freeze(next);
  }
}

function freeze(v: BrokerSettingsValue): BrokerSettingsValue {
  const consumers = Object.fromEntries(
    Object.entries(v.consumers).map(([id, p]) => [
      id,
      Object.freeze({
        ...(p.include ? { include: Object.freeze([...p.include]) as string[] } : {}),
        ...(p.exclude ? { exclude: Object.freeze([...p.exclude]) as string[] } : {}),
      }),
    ]),
  );
  return Object.freeze({ deadlineMs: v.deadlineMs, consumers: Object.freeze(consumers) });
}
