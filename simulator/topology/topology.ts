/**
 * The Topology: what a runtime starts. A broker and its communities, each either simulated
 * in-process from a data pack, or external (a supplier's own responding gateway or MHD Document
 * Responder), each speaking XCA or MHD.
 */
import type { AdmissionLimits } from '../broker/admission.js';
import type { ConsumerProfile } from '../broker/community-directory.js';
import type { CommunityData } from '../data-pack/pack-format.js';

/**
 * What a community speaks: `xca`, an XCA responding gateway (ITI TF-2 3.38/3.39, RAD TF-3 4.75,
 * SOAP 1.2), or `mhd`, an MHD Document Responder (IHE MHD 4.2.x ITI-67/ITI-68, FHIR R4). The same
 * values as the broker's WireProtocol (events/transaction-events.ts).
 */
export type CommunityProtocol = 'xca' | 'mhd';

/** A community simulated by nir-sim from a data pack. */
export interface SimulatedCommunity {
  kind: 'simulated';
  /** The community as its data pack holds it (what its responding gateway serves). */
  store: CommunityData;
  /** Port for its responding gateway; 0 picks a free one. */
  port: number;
  /** What its simulated gateway speaks; absent: `xca`. */
  protocol?: CommunityProtocol;
}

/** A supplier's own XCA responding gateway, reached at its URLs. */
export interface ExternalXcaCommunity {
  kind: 'external';
  /** Absent: `xca`. */
  protocol?: 'xca';
  name: string;
  homeCommunityId: string;
  iti38Url: string;
  iti39Url: string;
  /** Its RAD-75 endpoint (RAD TF-3 4.75), when it serves imaging; absent: RAD-75 never routed there. */
  rad75Url?: string | undefined;
}

/**
 * A supplier's own MHD Document Responder (IHE MHD 4.2.x), reached at its FHIR base URL: ITI-67 at
 * `{fhirBase}/DocumentReference`; ITI-68 at each DocumentReference's attachment.url.
 */
export interface ExternalMhdCommunity {
  kind: 'external';
  protocol: 'mhd';
  name: string;
  homeCommunityId: string;
  /** `http(s)://host[:port]/path`, no trailing slash needed. */
  fhirBase: string;
}

/** A supplier's own community: an XCA responding gateway or an MHD Document Responder. */
export type ExternalCommunity = ExternalXcaCommunity | ExternalMhdCommunity;

/** Everything the in-process runtime needs. Ports are TCP ports; 0 picks a free one. */
export interface Topology {
  host: string;
  broker: {
    /** Sandbox port (plain HTTP, open access), default 8080. */
    port: number;
    /** Per-community deadline, ms (default 10 000). */
    deadlineMs: number;
    consumers?: Record<string, ConsumerProfile>;
    /** Admission queue and overall request deadline (broker/admission.ts; docs/limits.md). */
    admission?: Partial<AdmissionLimits>;
  };
  communities: (SimulatedCommunity | ExternalCommunity)[];
  /** Largest SOAP request accepted by any listener, bytes. */
  maxBodyBytes: number;
  /** Path of the data pack the simulated communities come from (shown by `sim status`). */
  dataPackDir?: string;
  /**
   * Security (docs/security.md): the integration port (HTTPS, mutual TLS with CRLs, XUA), HTTPS + XUA on
   * the simulated gateways, mTLS legs. `true` or an object: on (certificates minted if missing);
   * `false`: off; absent: on when the broker has a fixed port and certificates exist in the
   * default directory (`NIR_SIM_CERTS_DIR`, else `certs/out`), so port-0 runs (tests, benches)
   * never change with what a developer minted.
   */
  security?: boolean | TopologySecurity;
}

/** A role or purpose-of-use code an XUA assertion may carry (any code system when absent). */
export interface XuaCodeRule {
  code: string;
  codeSystem?: string;
}

/** Security settings of a topology. */
export interface TopologySecurity {
  /** The certificate set (layout: certs/README.md); default `NIR_SIM_CERTS_DIR` or `<repo>/certs/out`. */
  certsDir?: string;
  /** Integration port; default broker port + 363 (8443 for 8080), 0 when the broker's is 0. */
  integrationPort?: number;
  /** XUA policy: allowed role and purpose-of-use codes (default: SNOMED CT clinician roles; TREATMENT), clock skew in ms (default 60 000). */
  xua?: { allowedRoles?: XuaCodeRule[]; allowedPurposes?: XuaCodeRule[]; clockSkewMs?: number };
  /** How often CRL files are checked for changes, ms (default 1000). */
  crlPollMs?: number;
}

/** Defaults used by the CLI and tests. */
export const TopologyDefaults = {
  host: '127.0.0.1',
  brokerPort: 8080,
  gatewayPortBase: 9001,
  deadlineMs: 10_000,
  maxBodyBytes: 10 * 1024 * 1024,
} as const;
