/**
 * The topology as a file says it (`sim up -- --topology file.yaml`, and the `topology` of a
 * scenario): which data pack, how many simulated communities, external communities, the broker's
 * deadline and consumer profiles, the fault seed and the faults to start with. One schema (zod)
 * gives the TypeScript type and validates files; the CLI resolves it into a runtime Topology.
 */
import { z } from 'zod';
import { FaultSpecSchema } from '../faults/fault-spec.js';
import type { ExternalCommunity } from './topology.js';

const communityRef = z.string().min(1);

/** A consumer profile by community name or homeCommunityId (NIR "subset" and "exclude"). */
const ConsumerProfileSpecSchema = z
  .object({ include: z.array(communityRef).optional(), exclude: z.array(communityRef).optional() })
  .strict();

const httpUrl = z.url({ protocol: /^https?$/ });
const externalName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'kebab-case name');
const homeCommunityId = z.string().regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>');

/** What a community speaks: `xca` (ITI-38/ITI-39/RAD-75 over SOAP) or `mhd` (ITI-67/ITI-68, FHIR R4). */
export const CommunityProtocolSchema = z.enum(['xca', 'mhd'], { error: 'protocol must be xca or mhd' });

/**
 * A supplier's own community, plugged into the broker's topology: an XCA responding gateway
 * (`protocol: xca`, the default) at its ITI-38/ITI-39 (and RAD-75) URLs, or an MHD Document
 * Responder (`protocol: mhd`, IHE MHD 4.2.x) at its FHIR base URL: ITI-67 is
 * `{fhirBase}/DocumentReference`, and ITI-68 follows each DocumentReference's attachment.url.
 */
export const ExternalCommunitySpecSchema = z.discriminatedUnion(
  'protocol',
  [
    z
      .object({
        name: externalName,
        homeCommunityId,
        protocol: z.literal('xca').optional(),
        iti38Url: httpUrl,
        iti39Url: httpUrl,
        rad75Url: httpUrl.optional(),
      })
      .strict(),
    z
      .object({
        name: externalName,
        homeCommunityId,
        protocol: z.literal('mhd'),
        fhirBase: z.url({
          protocol: /^https?$/,
          error:
            "the MHD responder's FHIR base URL (http(s)://host[:port]/path, ITI-67 at {fhirBase}/DocumentReference)",
        }),
      })
      .strict(),
  ],
  { error: 'protocol must be xca (the default: give iti38Url, iti39Url) or mhd (give fhirBase)' },
);

/** The runtime form of an external community as the spec gives it. */
export function toExternalCommunity(e: z.output<typeof ExternalCommunitySpecSchema>): ExternalCommunity {
  if (e.protocol === 'mhd') return { kind: 'external', ...e };
  const { protocol, rad75Url, ...rest } = e;
  return {
    kind: 'external',
    ...(protocol !== undefined ? { protocol } : {}),
    ...rest,
    ...(rad75Url !== undefined ? { rad75Url } : {}),
  };
}

/** Per simulated community (by name or homeCommunityId): what it speaks. */
const SimulatedCommunitySpecSchema = z.object({ protocol: CommunityProtocolSchema }).strict();

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
    /**
     * Simulated communities: the first N of the pack (default: all but `mhdGateways`), each
     * speaking what `communities` or the pack says (default xca).
     */
    gateways: z.number().int().min(0).max(200).optional(),
    /** More simulated communities, the next N of the pack after `gateways`, speaking MHD (default 0). */
    mhdGateways: z.number().int().min(0).max(200).optional(),
    /** Per simulated community, by name or homeCommunityId: `{ protocol: xca | mhd }` (wins over the rest). */
    communities: z.record(communityRef, SimulatedCommunitySpecSchema).optional(),
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
