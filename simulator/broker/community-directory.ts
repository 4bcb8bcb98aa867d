/**
 * The broker's directory of communities (homeCommunityId -> responding gateway endpoints) and the
 * per-consumer profiles of NIR's functional capabilities: "limit to a subset of the organisations"
 * and "permanently exclude" (nhs-nir.md section 2.2).
 */
import type { BrokerTransaction, WireProtocol } from '../events/transaction-events.js';

/**
 * One community the broker can reach: a regional imaging network's XCA responding gateway, or an
 * MHD Document Responder (`protocol: 'mhd'`).
 */
export interface CommunityEndpoint {
  /** Short name, as `sim status` shows it. */
  name: string;
  /** `urn:oid:...` */
  homeCommunityId: string;
  /** What the community speaks; absent: `xca`. */
  protocol?: WireProtocol;
  /**
   * Endpoint URL per transaction: an XCA community ITI-38 and ITI-39 at least (RAD-75 for
   * imaging); an MHD community ITI-67 (`{fhirBase}/DocumentReference`) and ITI-68.
   */
  endpoints: Partial<Record<BrokerTransaction, string>>;
  /** An MHD community's FHIR base URL (`GET {fhirBase}/metadata`). */
  fhirBase?: string;
}

/** A consumer's permanent scope. `include` limits to those homeCommunityIds; `exclude` removes them. */
export interface ConsumerProfile {
  include?: string[];
  exclude?: string[];
}

/** Why a community cannot be targeted. */
type TargetProblem =
  { kind: 'unknown'; homeCommunityId: string } | { kind: 'excluded'; homeCommunityId: string };

/** Read-only lookup over the configured communities. */
export class CommunityDirectory {
  private readonly byId: ReadonlyMap<string, CommunityEndpoint>;

  constructor(
    readonly communities: readonly CommunityEndpoint[],
    private readonly profiles: Readonly<Record<string, ConsumerProfile>> = {},
  ) {
    this.byId = new Map(communities.map((c) => [c.homeCommunityId, c]));
  }

  /** The same communities with other consumer profiles (the broker's settings of one request). */
  withProfiles(profiles: Readonly<Record<string, ConsumerProfile>>): CommunityDirectory {
    return new CommunityDirectory(this.communities, profiles);
  }

  /** The community with this homeCommunityId, if configured. */
  find(homeCommunityId: string): CommunityEndpoint | undefined {
    return this.byId.get(homeCommunityId);
  }

  /** Every community the consumer may reach, in configuration order. */
  inScope(consumerId: string | undefined): CommunityEndpoint[] {
    const p = consumerId === undefined ? undefined : this.profiles[consumerId];
    return this.communities.filter((c) => allowed(p, c.homeCommunityId));
  }

  /** One community by homeCommunityId, or why it cannot be targeted by this consumer. */
  resolve(consumerId: string | undefined, homeCommunityId: string): CommunityEndpoint | TargetProblem {
    const c = this.byId.get(homeCommunityId);
    if (!c) return { kind: 'unknown', homeCommunityId };
    const p = consumerId === undefined ? undefined : this.profiles[consumerId];
    return allowed(p, homeCommunityId) ? c : { kind: 'excluded', homeCommunityId };
  }
}

function allowed(p: ConsumerProfile | undefined, hcid: string): boolean {
  if (!p) return true;
  if (p.include && !p.include.includes(hcid)) return false;
  return !(p.exclude ?? []).includes(hcid);
}
