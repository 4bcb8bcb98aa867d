/**
 * IHE XUA (ITI-40) vocabulary: the namespaces of a SAML 2.0 assertion in a WS-Security header,
 * the XML-signature algorithms nir-sim signs with and accepts, the attribute names (XSPA, XACML,
 * IHE XCA, and the NHIN name some NHS-connected gateways send), the claims a validated assertion
 * yields, and the policy it is validated against. Sources: IHE ITI TF-2 3.40.4.1 (ITI-40), OASIS
 * SAML 2.0 Core, OASIS WSS 1.1 SAML Token Profile, XSPA SAML profile, ../shared/research/nhs-nir.md §5.
 */
import { WSSE_NS } from '../soap/namespaces.js';

/** Namespaces (as `as const` with a same-named type). */
export const SamlNs = {
  /** SAML 2.0 assertion (SAML 2.0 Core §2). */
  saml2: 'urn:oasis:names:tc:SAML:2.0:assertion',
  /** XML Signature (XMLDSig Core 1.1 §4). */
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  /** WS-Security 1.0 secext (WSS SOAP Message Security 1.0 §4). */
  wsse: WSSE_NS,
  /** WS-Security utility (wsu:Timestamp, wsu:Id; WSS 1.0 §10). */
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  /** HL7 v3 (Role and PurposeOfUse CE values). */
  hl7: 'urn:hl7-org:v3',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;
export type SamlNs = (typeof SamlNs)[keyof typeof SamlNs];

/** XML-signature algorithm URIs (XMLDSig Core 1.1 §6; RFC 6931 for the SHA-2 ones). */
export const DsigAlgorithm = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;
export type DsigAlgorithm = (typeof DsigAlgorithm)[keyof typeof DsigAlgorithm];

/** Accepted algorithms: exclusive C14N, enveloped signature, RSA with SHA-256/512; never SHA-1. */
export const ALLOWED_ALGORITHMS = {
  canonicalization: [DsigAlgorithm.excC14n],
  signature: [DsigAlgorithm.rsaSha256, DsigAlgorithm.rsaSha512],
  digest: [DsigAlgorithm.sha256, DsigAlgorithm.sha512],
  transforms: [DsigAlgorithm.enveloped, DsigAlgorithm.excC14n],
} as const;

/** XUA attribute names (IHE ITI TF-2 3.40.4.1.2; XSPA SAML 1.0; XACML 2.0; NHIN for homeCommunityId). */
export const XuaAttribute = {
  subjectId: 'urn:oasis:names:tc:xspa:1.0:subject:subject-id',
  organization: 'urn:oasis:names:tc:xspa:1.0:subject:organization',
  organizationId: 'urn:oasis:names:tc:xspa:1.0:subject:organization-id',
  /** The IHE name (ITI TF-2 3.40.4.1.2, "only required for XCA"). */
  homeCommunityId: 'urn:ihe:iti:xca:2010:homeCommunityId',
  /** The NHIN / eHealth Exchange name (UCLH Xhuma, Epic): accepted as well. */
  homeCommunityIdNhin: 'urn:nhin:names:saml:homeCommunityId',
  role: 'urn:oasis:names:tc:xacml:2.0:subject:role',
  purposeOfUse: 'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse',
  resourceId: 'urn:oasis:names:tc:xacml:2.0:resource:resource-id',
} as const;
export type XuaAttribute = (typeof XuaAttribute)[keyof typeof XuaAttribute];

/** Element names of the purpose-of-use CE: IHE's `PurposeOfUse`, and `PurposeForUse` as NHIN senders spell it. */
export const PURPOSE_ELEMENTS = ['PurposeOfUse', 'PurposeForUse'] as const;
export type PurposeElement = (typeof PURPOSE_ELEMENTS)[number];

/** SAML 2.0 SubjectConfirmation methods (SAML 2.0 Profiles §3). */
export const ConfirmationMethod = {
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  senderVouches: 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches',
  holderOfKey: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key',
} as const;

/** AuthnContextClassRef for a user authenticated with an X.509 credential (SAML 2.0 Authn Context §3.4.20). */
export const AUTHN_CONTEXT_X509 = 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509';

/** An HL7 v3 CE (coded with equivalents) as XUA carries role and purpose of use. */
export interface CodedValue {
  code: string;
  codeSystem?: string;
  codeSystemName?: string;
  displayName?: string;
}

/** One allowed code: `code` in `codeSystem` (any code system when absent). */
export interface CodeRule {
  code: string;
  codeSystem?: string;
}

/** Code systems nir-sim uses by default. */
export const CodeSystem = {
  /** SNOMED CT. */
  snomedCt: '2.16.840.1.113883.6.96',
  /** NHIN purpose of use (TREATMENT, ...), as Xhuma and Epic send it. */
  nhinPurpose: '2.16.840.1.113883.3.18.7.1',
} as const;

/**
 * Default role codes (SNOMED CT occupations; NIR's own role value set is unpublished, see
 * nhs-nir.md §5.3): 158965000 Medical practitioner, 309343006 Physician, 223366009 Healthcare
 * professional, 224608005 Administrative healthcare staff (the Xhuma example).
 */
export const DEFAULT_ROLES: readonly (CodeRule & { displayName: string })[] = [
  { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
  { code: '309343006', codeSystem: CodeSystem.snomedCt, displayName: 'Physician' },
  { code: '223366009', codeSystem: CodeSystem.snomedCt, displayName: 'Healthcare professional' },
  { code: '224608005', codeSystem: CodeSystem.snomedCt, displayName: 'Administrative healthcare staff' },
];

/** Default purposes of use: TREATMENT only (any code system). */
export const DEFAULT_PURPOSES: readonly CodeRule[] = [{ code: 'TREATMENT' }];

/** What a validated assertion says, read only from its signed content. */
export interface XuaClaims {
  /** The assertion's `@ID`. */
  assertionId: string;
  issuer: string;
  /** Subject/NameID. */
  nameId: string;
  subjectId: string;
  organization: string;
  organizationId: string;
  homeCommunityId: string;
  /** Which attribute name carried homeCommunityId. */
  homeCommunityIdAttribute: typeof XuaAttribute.homeCommunityId | typeof XuaAttribute.homeCommunityIdNhin;
  role: CodedValue;
  purposeOfUse: CodedValue;
  /** Which element name carried the purpose of use. */
  purposeOfUseElement: PurposeElement;
  /** The patient the user asked about, as a CX (e.g. `9995649284^^^&2.16.840.1.113883.2.1.4.1&ISO`). */
  resourceId?: string;
  audiences: string[];
  notBefore: Date;
  notOnOrAfter: Date;
  /** Subject DN of the certificate the signature verified with. */
  signer: string;
}

/** What an assertion is validated against. */
export interface XuaPolicy {
  /** Audience URIs this X-Service Provider answers to; the assertion must name at least one (ITI40-014). */
  audiences: readonly string[];
  /** PEM certificates whose keys may sign assertions (trust pinned to them; KeyInfo is never trusted). */
  trustedSigners: readonly string[];
  /** Tolerance on NotBefore / NotOnOrAfter, ms (default 60 000). */
  clockSkewMs: number;
  allowedRoles: readonly CodeRule[];
  allowedPurposes: readonly CodeRule[];
  /** Require the resource-id attribute (the broker: yes; a gateway checks it only when present or needed). */
  requireResourceId: boolean;
}

/** A policy with the defaults: skew 60 s, the default roles and purposes, resource-id required. */
export function xuaPolicy(
  p: Pick<XuaPolicy, 'audiences' | 'trustedSigners'> & Partial<XuaPolicy>,
): XuaPolicy {
  return {
    clockSkewMs: 60_000,
    allowedRoles: DEFAULT_ROLES,
    allowedPurposes: DEFAULT_PURPOSES,
    requireResourceId: true,
    ...p,
  };
}

/** The audience URI of NIR's broker in assertions nir-sim issues and accepts by default. */
export const NIR_BROKER_AUDIENCE = 'urn:nir-sim:nir-broker';

/** Who a supplier's test assertions name by default (`sim saml issue`, tests). Synthetic values. */
export const SUPPLIER_TEST_IDENTITY = {
  issuer: 'urn:nir-sim:supplier-idp',
  subjectId: 'Dr Alex Example',
  organization: 'Example Supplier Imaging Service (synthetic)',
  /** A UUID-derived OID (ITU-T X.667, arc 2.25): valid without registration. */
  organizationId: 'urn:oid:2.25.147690889658333950155957183334533996289',
  homeCommunityId: 'urn:oid:2.25.147690889658333950155957183334533996289.1',
} as const;

/** Who the broker's forwarded assertions name for a request that came in on the open sandbox port. */
export const NIR_SANDBOX_IDENTITY = {
  issuer: 'urn:nir-sim:nir-broker',
  subjectId: 'nir-sim sandbox consumer (unauthenticated)',
  organization: 'National Imaging Registry (nir-sim sandbox port)',
  organizationId: 'urn:oid:2.25.17609565469268678918207846324083907952',
  homeCommunityId: 'urn:oid:2.25.17609565469268678918207846324083907952.1',
} as const;
