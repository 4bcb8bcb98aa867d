/**
 * The topology as a file says it (`sim up -- --topology file.yaml`, and the `topology` of a
 * scenario): which data pack, how many simulated communities, external communities, the broker's
 * deadline and consumer profiles, the fault seed and the faults to start with. One schema (zod)
 * gives the TypeScript type and validates files; the CLI resolves it into a runtime Topology.
 */
import { z } from 'zod';
import { FaultSpecSchema } from '../faults/fault-spec.js';

const communityRef = z.string().min(1);

/** A consumer profile by community name or homeCommunityId (NIR "subset" and "exclude"). */
const ConsumerProfileSpecSchema = z
  .object({ include: z.array(communityRef).optional(), exclude: z.array(communityRef).optional() })
  .strict();

/** A supplier's own responding gateway, plugged into the broker's topology. */
export const ExternalCommunitySpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'kebab-case name'),
    homeCommunityId: z.string().regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>'),
    iti38Url: z.url({ protocol: /^https?$/ }),
    iti39Url: z.url({ protocol: /^https?$/ }),
    rad75Url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

/** A generated pack: the same arguments as `sim data-pack generate`. */
const GeneratedPackSpecSchema = z
  .object({
    seed: z.number().int().min(0),
    communities: z.number().int().min(1).max(200),
    patients: z.number().int().min(3).max(100_000).default(60),
  })
  .strict();

/** The topology file / scenario topology. Paths are relative to the file that holds them. */
export const TopologySpecSchema = z
  .object({
    schemaVersion: z.literal(1),
    /** A pack directory, or a pack to generate (cached); default: the committed default pack. */
    dataPack: z.union([z.string().min(1), GeneratedPackSpecSchema]).optional(),
    /** Simulated communities: the first N of the pack (default: all). */
    gateways: z.number().int().min(0).max(200).optional(),
    /** Seed of the fault PRNG streams. */
    seed: z.number().int().min(0).default(1),
    broker: z
      .object({
        deadlineMs: z.number().int().min(1).max(600_000).default(10_000),
        consumers: z.record(z.string().min(1), ConsumerProfileSpecSchema).default({}),
      })
      .strict()
      .default({ deadlineMs: 10_000, consumers: {} }),
    external: z.array(ExternalCommunitySpecSchema).default([]),
    faults: z.array(FaultSpecSchema).default([]),
  })
  .strict();

/** A validated topology spec, defaults filled in. */
export type TopologySpec = z.output<typeof TopologySpecSchema>;

/** Validate a topology spec; every problem as `path: message`. */
export function parseTopologySpec(
  input: unknown,
): { ok: true; spec: TopologySpec } | { ok: false; problems: string[] } {
  const r = TopologySpecSchema.safeParse(input);
  if (r.success) return { ok: true, spec: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(topology)'}: ${i.message}`),
  };
}
