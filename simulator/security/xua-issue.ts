/**
 * Issuing XUA assertions: a SAML 2.0 Assertion with the IHE XUA attributes, signed with
 * xml-crypto (enveloped signature placed after Issuer, exclusive C14N, RSA-SHA256, SHA-256
 * digest, one Reference to the assertion's ID, the signing certificate in KeyInfo). Used by
 * `sim saml issue` (supplier test keys) and by the broker for the assertions it forwards to
 * communities (NIR signing key). IHE ITI TF-2 3.40.4.1; SAML 2.0 Core §2.3-2.7.
 */
import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { esc } from '../soap/xml.js';
import {
  AUTHN_CONTEXT_X509,
  ConfirmationMethod,
  DsigAlgorithm,
  SamlNs,
  XuaAttribute,
  type CodedValue,
  type PurposeElement,
} from './saml.js';

/** What an assertion says. Times are Dates; `lifetimeMs` is from `now`. */
export interface AssertionInput {
  /** Issuer (the IdP / the system vouching for the user), e.g. `urn:nir-sim:supplier`. */
  issuer: string;
  /** The user: XSPA subject-id, also the Subject NameID unless `nameId` is given. */
  subjectId: string;
  nameId?: string;
  organization: string;
  /** URI, e.g. `urn:oid:...` or an ODS code URI. */
  organizationId: string;
  /** The requesting community, `urn:oid:...`. */
  homeCommunityId: string;
  /** Send homeCommunityId under the NHIN name instead of the IHE one. */
  homeCommunityIdAttribute?: typeof XuaAttribute.homeCommunityId | typeof XuaAttribute.homeCommunityIdNhin;
  role: CodedValue;
  purposeOfUse: CodedValue;
  /** `PurposeOfUse` (IHE, default) or `PurposeForUse` (NHIN). */
  purposeOfUseElement?: PurposeElement;
  /** The patient as a CX; omitted when absent. */
  resourceId?: string;
  /** AudienceRestriction/Audience values (at least one). */
  audiences: readonly string[];
  now: Date;
  /** Validity from `now`, ms (default 5 minutes). */
  lifetimeMs?: number;
  /** `@ID` (default `_` + a UUID: an xs:ID must not start with a digit). */
  id?: string;
}

/** A signing credential: PEM certificate and PKCS #8 private key (RSA). */
export interface SigningCredential {
  certPem: string;
  keyPem: string;
}

const iso = (d: Date): string => d.toISOString();

function ce(el: string, v: CodedValue): string {
  const a = [`code="${esc(v.code)}"`];
  if (v.codeSystem !== undefined) a.push(`codeSystem="${esc(v.codeSystem)}"`);
  if (v.codeSystemName !== undefined) a.push(`codeSystemName="${esc(v.codeSystemName)}"`);
  if (v.displayName !== undefined) a.push(`displayName="${esc(v.displayName)}"`);
  return `<${el} xmlns="${SamlNs.hl7}" xsi:type="CE" ${a.join(' ')}/>`;
}

function attribute(name: string, valueXml: string): string {
  return (
    `<saml2:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
    `<saml2:AttributeValue>${valueXml}</saml2:AttributeValue></saml2:Attribute>`
  );
}

/**
 * The unsigned assertion text: Issuer, Subject (NameID + bearer SubjectConfirmation), Conditions
 * (NotBefore = IssueInstant, NotOnOrAfter, AudienceRestriction: ITI40-014), AuthnStatement
 * (X509 class), AttributeStatement with the XUA attributes.
 */
export function buildAssertionXml(a: AssertionInput): string {
  const id = a.id ?? `_${randomUUID()}`;
  const until = new Date(a.now.getTime() + (a.lifetimeMs ?? 5 * 60_000));
  const attrs = [
    attribute(XuaAttribute.subjectId, esc(a.subjectId)),
    attribute(XuaAttribute.organization, esc(a.organization)),
    attribute(XuaAttribute.organizationId, esc(a.organizationId)),
    attribute(a.homeCommunityIdAttribute ?? XuaAttribute.homeCommunityId, esc(a.homeCommunityId)),
    attribute(XuaAttribute.role, ce('Role', a.role)),
    attribute(XuaAttribute.purposeOfUse, ce(a.purposeOfUseElement ?? 'PurposeOfUse', a.purposeOfUse)),
    ...(a.resourceId !== undefined ? [attribute(XuaAttribute.resourceId, esc(a.resourceId))] : []),
  ];
  return (
    `<saml2:Assertion xmlns:saml2="${SamlNs.saml2}" xmlns:xsi="${SamlNs.xsi}" ID="${esc(id)}" ` +
    `IssueInstant="${iso(a.now)}" Version="2.0">` +
    `<saml2:Issuer>${esc(a.issuer)}</saml2:Issuer>` +
    `<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">` +
    `${esc(a.nameId ?? a.subjectId)}</saml2:NameID>` +
    `<saml2:SubjectConfirmation Method="${ConfirmationMethod.bearer}"/></saml2:Subject>` +
    `<saml2:Conditions NotBefore="${iso(a.now)}" NotOnOrAfter="${iso(until)}"><saml2:AudienceRestriction>` +
    a.audiences.map((u) => `<saml2:Audience>${esc(u)}</saml2:Audience>`).join('') +
    `</saml2:AudienceRestriction></saml2:Conditions>` +
    `<saml2:AuthnStatement AuthnInstant="${iso(a.now)}"><saml2:AuthnContext>` +
    `<saml2:AuthnContextClassRef>${AUTHN_CONTEXT_X509}</saml2:AuthnContextClassRef>` +
    `</saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement>${attrs.join('')}</saml2:AttributeStatement>` +
    `</saml2:Assertion>`
  );
}

/**
 * Sign an assertion (its root must be saml2:Assertion with an `ID`): an enveloped ds:Signature
 * inserted right after saml2:Issuer (SAML 2.0 Core §5.4.1-2: exclusive C14N, the Reference URI
 * names the assertion's ID), RSA-SHA256, SHA-256 digest, X509Certificate in KeyInfo.
 * @throws Error when the key is unusable or the text has no Issuer.
 */
export function signAssertion(assertionXml: string, signer: SigningCredential): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: DsigAlgorithm.rsaSha256,
    canonicalizationAlgorithm: DsigAlgorithm.excC14n,
  });
  sig.addReference({
    xpath: `/*[local-name(.)='Assertion' and namespace-uri(.)='${SamlNs.saml2}']`,
    transforms: [DsigAlgorithm.enveloped, DsigAlgorithm.excC14n],
    digestAlgorithm: DsigAlgorithm.sha256,
  });
  sig.computeSignature(assertionXml, {
    prefix: 'ds',
    location: {
      reference: `/*/*[local-name(.)='Issuer' and namespace-uri(.)='${SamlNs.saml2}']`,
      action: 'after',
    },
  });
  return sig.getSignedXml();
}

/** Build and sign an assertion in one step. */
export function issueAssertion(a: AssertionInput, signer: SigningCredential): string {
  return signAssertion(buildAssertionXml(a), signer);
}
