/**
 * What the scenario runner runs against, injected by whoever started it: an in-process topology
 * (the CLI and the acceptance test, from the data pack and the fault store) or a simulator already
 * running (`--target`, through its control API). The runner never starts servers or reads packs
 * itself (docs/architecture.md "Import boundaries": scenario imports only shared, xca, faults,
 * runtime, soap).
 */

/** A community of the running topology. */
export interface EnvironmentCommunity {
  /** As `sim status` shows it, e.g. `north-east-imaging-network`. */
  name: string;
  /** `urn:oid:...` (ITI TF-2 3.38.4.1.2.1). */
  homeCommunityId: string;
  /** Its repository's OID, when known (the default of extra ITI-39 DocumentRequests). */
  repositoryUniqueId?: string;
}

/** A patient of the data pack (a line of patients.csv). */
export interface EnvironmentPatient {
  /** Ten digits. */
  nhsNumber: string;
  /** The communities holding documents for the patient (`urn:oid:` ids). */
  homeCommunityIds: string[];
}

/** Adding faults: done, or every problem (nothing was added). */
export type FaultAddResult = { ok: true } | { ok: false; problems: string[] };

/** The live faults of the topology (the control API's verbs). */
export interface EnvironmentFaults {
  /** Add all of these (validated against the fault catalogue) or none. */
  add(faults: readonly unknown[]): Promise<FaultAddResult>;
  /** Remove one by name; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** Remove every fault this scenario added (in-process: every fault of the topology). */
  reset(): Promise<void>;
}

/** Everything a scenario run needs. */
export interface ScenarioEnvironment {
  /** The broker's consumer-facing URLs (sandbox port). */
  brokerEndpoints: { 'ITI-38': string; 'ITI-39': string };
  /**
   * The broker's FHIR base on the sandbox port (`http://host:port/fhir`, shared/fhir-endpoints.ts):
   * ITI-67 at `{fhirBase}/DocumentReference`, ITI-68 at `{fhirBase}/document`.
   */
  fhirBase: string;
  communities: EnvironmentCommunity[];
  patients: EnvironmentPatient[];
  faults: EnvironmentFaults;
  /** Release what the environment holds (stop an in-process topology, remove --target faults). */
  stop(): Promise<void>;
}
