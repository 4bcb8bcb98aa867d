/**
 * Issuing XUA assertions: a SAML 2.0 Assertion with the IHE XUA attributes, signed (enveloped
 * signature placed after Issuer, exclusive C14N (written directly for the assertions nir-sim
 * builds, xml-crypto's canonicaliser for any other text), RSA-SHA256 by node:crypto, SHA-256 digest, one Reference to the assertion's ID, the signing certificate in
 * KeyInfo). Used by
 * `sim saml issue` (supplier test keys) and by the broker for the assertions it forwards to
 * communities (NIR signing key). IHE ITI TF-2 3.40.4.1; SAML 2.0 Core §2.3-2.7.
 */
import { createHash, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { firstChild, parseXml } from '../soap/xml.js';
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

/** The private key of each credential, parsed once per process (XUA assertions and IUA tokens alike). */
const parsedKeys = new WeakMap<SigningCredential, KeyObject>();

/**
 * The credential's private key, parsed from `keyPem` on first use and kept while the credential
 * lives: reading a PEM key costs about three times the RSA-2048 signature itself, and the broker
 * signs with the same credential for every request. @throws what node:crypto `createPrivateKey`
 * throws for a key it cannot read.
 */
export function privateKeyOf(signer: SigningCredential): KeyObject {
  let key = parsedKeys.get(signer);
  if (!key) {
    key = createPrivateKey(signer.keyPem);
    parsedKeys.set(signer, key);
  }
  return key;
}

/**
 * How an assertion's text is written: as sent (`wire`), or in its exclusive canonical form
 * (Exclusive XML Canonicalization 1.0 over Canonical XML 1.0 §2.3), which is what the Reference
 * digest covers. nir-sim writes both from the same input, so signing needs no parse of its own
 * text. The wire form writes as character references every character a parser would normalise
 * (XML 1.0 §2.11 line ends, §3.3.3 attribute-value whitespace; also U+0085 and U+2028, line ends
 * in XML 1.1 that @xmldom/xmldom normalises in XML 1.0 text too), so what any parser reads back
 * is the input exactly, and its canonical form is the one written here.
 */
interface Form {
  /** Character data. */
  text(s: string): string;
  /** An attribute value (written between double quotes). */
  attr(s: string): string;
  /** An element without content: `<n a/>` (wire) or `<n a></n>` (canonical, C14N §2.3). */
  empty(name: string, attrs: string): string;
  /** The saml2:Assertion start tag's namespace declarations. */
  rootNamespaces: string;
  /** A CE element's namespace declarations and attributes, given its sorted plain attributes. */
  ce(plain: string): string;
}

const WIRE_TEXT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
  '\u0085': '&#x85;',
  '\u2028': '&#x2028;',
};
const WIRE_ATTR: Record<string, string> = { ...WIRE_TEXT, '\t': '&#x9;', '\n': '&#xA;' };
/** Canonical XML 1.0 §2.3: the escapes of text nodes and of attribute values. */
const C14N_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const C14N_ATTR: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

const WIRE: Form = {
  text: (s) => s.replace(/[&<>"'\r\u0085\u2028]/g, (c) => WIRE_TEXT[c]!),
  attr: (s) => s.replace(/[&<>"'\t\n\r\u0085\u2028]/g, (c) => WIRE_ATTR[c]!),
  empty: (name, attrs) => `<${name}${attrs}/>`,
  rootNamespaces: ` xmlns:saml2="${SamlNs.saml2}" xmlns:xsi="${SamlNs.xsi}"`,
  ce: (plain) => ` xmlns="${SamlNs.hl7}" xsi:type="CE"${plain}`,
};

/**
 * Exclusive C14N of what {@link WIRE} writes: a namespace is declared where it is visibly
 * utilised (xsi only on the CE elements, whose xsi:type uses it; Exc-C14N §3), declarations
 * before attributes, the default namespace first, unqualified attributes before qualified ones
 * (each group by name; every attribute written here is already in that order), empty elements
 * with an end tag.
 */
const CANONICAL: Form = {
  text: (s) => s.replace(/[&<>\r]/g, (c) => C14N_TEXT[c]!),
  attr: (s) => s.replace(/[&<"\t\n\r]/g, (c) => C14N_ATTR[c]!),
  empty: (name, attrs) => `<${name}${attrs}></${name}>`,
  rootNamespaces: ` xmlns:saml2="${SamlNs.saml2}"`,
  ce: (plain) => ` xmlns="${SamlNs.hl7}" xmlns:xsi="${SamlNs.xsi}"${plain} xsi:type="CE"`,
};

function ce(f: Form, el: string, v: CodedValue): string {
  // Unqualified attributes in code-point order of their names (C14N §2.3 attribute order).
  let a = ` code="${f.attr(v.code)}"`;
  if (v.codeSystem !== undefined) a += ` codeSystem="${f.attr(v.codeSystem)}"`;
  if (v.codeSystemName !== undefined) a += ` codeSystemName="${f.attr(v.codeSystemName)}"`;
  if (v.displayName !== undefined) a += ` displayName="${f.attr(v.displayName)}"`;
  return f.empty(el, f.ce(a));
}

function attribute(f: Form, name: string, valueXml: string): string {
  return (
    `<saml2:Attribute Name="${f.attr(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
    `<saml2:AttributeValue>${valueXml}</saml2:AttributeValue></saml2:Attribute>`
  );
}

/**
 * The unsigned assertion text: Issuer, Subject (NameID + bearer SubjectConfirmation), Conditions
 * (NotBefore = IssueInstant, NotOnOrAfter, AudienceRestriction: ITI40-014), AuthnStatement
 * (X509 class), AttributeStatement with the XUA attributes.
 */
export function buildAssertionXml(a: AssertionInput): string {
  return assertionText(a).xml;
}

/**
 * An assertion nir-sim wrote: its text, its exclusive canonical form (what the signature's
 * Reference digests), its `ID`, and the offset just past `</saml2:Issuer>` in the text.
 */
interface BuiltAssertion {
  xml: string;
  canonical: string;
  id: string;
  issuerEnd: number;
}

/** The assertion's text in form `f`; `issuerEnd` is the offset right after `</saml2:Issuer>`. */
function writeAssertion(
  f: Form,
  a: AssertionInput,
  id: string,
  until: Date,
): { xml: string; issuerEnd: number } {
  const t = (v: string): string => f.text(v);
  const attrs = [
    attribute(f, XuaAttribute.subjectId, t(a.subjectId)),
    attribute(f, XuaAttribute.organization, t(a.organization)),
    attribute(f, XuaAttribute.organizationId, t(a.organizationId)),
    attribute(f, a.homeCommunityIdAttribute ?? XuaAttribute.homeCommunityId, t(a.homeCommunityId)),
    attribute(f, XuaAttribute.role, ce(f, 'Role', a.role)),
    attribute(f, XuaAttribute.purposeOfUse, ce(f, a.purposeOfUseElement ?? 'PurposeOfUse', a.purposeOfUse)),
    ...(a.resourceId !== undefined ? [attribute(f, XuaAttribute.resourceId, t(a.resourceId))] : []),
  ];
  const head =
    `<saml2:Assertion${f.rootNamespaces} ID="${f.attr(id)}" ` +
    `IssueInstant="${iso(a.now)}" Version="2.0">` +
    `<saml2:Issuer>${t(a.issuer)}</saml2:Issuer>`;
  const xml =
    head +
    `<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">` +
    `${t(a.nameId ?? a.subjectId)}</saml2:NameID>` +
    f.empty('saml2:SubjectConfirmation', ` Method="${ConfirmationMethod.bearer}"`) +
    `</saml2:Subject>` +
    `<saml2:Conditions NotBefore="${iso(a.now)}" NotOnOrAfter="${iso(until)}"><saml2:AudienceRestriction>` +
    a.audiences.map((u) => `<saml2:Audience>${t(u)}</saml2:Audience>`).join('') +
    `</saml2:AudienceRestriction></saml2:Conditions>` +
    `<saml2:AuthnStatement AuthnInstant="${iso(a.now)}"><saml2:AuthnContext>` +
    `<saml2:AuthnContextClassRef>${AUTHN_CONTEXT_X509}</saml2:AuthnContextClassRef>` +
    `</saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement>${attrs.join('')}</saml2:AttributeStatement>` +
    `</saml2:Assertion>`;
  return { xml, issuerEnd: head.length };
}

function assertionText(a: AssertionInput): BuiltAssertion {
  const id = a.id ?? `_${randomUUID()}`;
  const until = new Date(a.now.getTime() + (a.lifetimeMs ?? 5 * 60_000));
  const wire = writeAssertion(WIRE, a, id, until);
  return { ...wire, canonical: writeAssertion(CANONICAL, a, id, until).xml, id };
}

/**
 * The exclusive canonical form (no comments, no InclusiveNamespaces) of the assertion
 * {@link buildAssertionXml} writes for `a` (with `a.id` set, the same bytes for the same input):
 * the octets an XMLDSig Reference with the enveloped-signature and exc-c14n transforms digests.
 * Exposed so tests can hold it against xml-crypto's and xmlsec1's canonicalisers.
 */
export function canonicalAssertionXml(a: AssertionInput): string {
  return assertionText(a).canonical;
}

const DS = SamlNs.ds;

/** parseXml limits for text nir-sim signs (its own, or a test's deliberately odd one). */
const SIGNING_LIMITS = {
  maxDepth: 100_000,
  maxElements: 10_000_000,
  maxAttributesPerElement: 100_000,
  maxAttributes: 10_000_000,
};

/** An `@ID` nir-sim signs: an NCName without characters that C14N and `esc` would write differently. */
const SIGNABLE_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The base64 bodies of the certificates in `pem`, in order (RFC 7468 §2). */
function certificateBodies(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g)].map((m) =>
    m[1]!.replace(/\s+/g, ''),
  );
}

/** What is left to do once the digest is known: sign `signedInfo`, then {@link withSignature}. */
interface PreparedSignature {
  assertionXml: string;
  /** ds:SignedInfo in its canonical form (the bytes the RSA signature covers). */
  signedInfo: string;
  /** The offset right after saml2:Issuer's end tag, in UTF-16 code units of `assertionXml`. */
  at: number;
  key: KeyObject;
}

/** A character XML 1.0 §2.2 does not allow (a Char is #x9 | #xA | #xD | [#x20-#xD7FF] | ...). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Where to insert the signature in the caller's text: parsed (parseXml), so the root must be a
 * saml2:Assertion with a saml2:Issuer child and a signable `ID`.
 * @throws Error as {@link signAssertion}.
 */
function locateIssuer(assertionXml: string): { id: string; at: number } {
  // The text to sign is the caller's own, not received input: no structural limit applies to it.
  const root = parseXml(assertionXml, SIGNING_LIMITS).documentElement;
  const id = root?.getAttribute('ID') ?? '';
  const issuer =
    root && root.namespaceURI === SamlNs.saml2 && root.localName === 'Assertion'
      ? firstChild(root, SamlNs.saml2, 'Issuer')
      : undefined;
  if (!issuer?.source)
    throw new Error('signAssertion: the text is not a saml2:Assertion with a saml2:Issuer');
  checkSignableId(id);
  return { id, at: issuer.source.end };
}

function checkSignableId(id: string): void {
  if (!SIGNABLE_ID.test(id)) throw new Error(`signAssertion: the assertion ID '${id}' is not a plain NCName`);
}

/**
 * Where to insert the signature in an assertion {@link buildAssertionXml} wrote: known without
 * parsing it (its shape is fixed); its `ID` must be signable and every character an XML Char.
 * @throws Error as {@link signAssertion}, or for a character XML 1.0 §2.2 does not allow.
 */
function locateBuiltIssuer(b: BuiltAssertion): { id: string; at: number } {
  checkSignableId(b.id);
  if (NOT_XML_CHAR.test(b.xml))
    throw new Error('signAssertion: the assertion holds a character XML 1.0 does not allow (§2.2 Char)');
  return { id: b.id, at: b.issuerEnd };
}

/** The exclusive canonical form of any assertion text (parsed by @xmldom/xmldom, xml-crypto's C14N). */
function canonicalOf(assertionXml: string): string {
  const dom = new DOMParser().parseFromString(assertionXml, 'text/xml').documentElement!;
  return new ExclusiveCanonicalization().process(dom, {});
}

/**
 * Everything before the private-key operation: SHA-256 digest of `canonical` (the assertion's
 * exclusive canonical form), SignedInfo.
 * @throws Error when the key is unusable.
 */
function prepareSignature(
  assertionXml: string,
  canonical: string,
  where: { id: string; at: number },
  signer: SigningCredential,
): PreparedSignature {
  const { id, at } = where;
  const key = privateKeyOf(signer);
  const digest = createHash('sha256').update(canonical).digest('base64');
  const signedInfo =
    `<ds:SignedInfo xmlns:ds="${DS}">` +
    `<ds:CanonicalizationMethod Algorithm="${DsigAlgorithm.excC14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${DsigAlgorithm.rsaSha256}"></ds:SignatureMethod>` +
    `<ds:Reference URI="#${id}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${DsigAlgorithm.enveloped}"></ds:Transform>` +
    `<ds:Transform Algorithm="${DsigAlgorithm.excC14n}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${DsigAlgorithm.sha256}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
  return { assertionXml, signedInfo, at, key };
}

/** The RSA-SHA256 signature of `p.signedInfo`, computed on libuv's thread pool. */
function signOnThreadPool(p: PreparedSignature): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    sign('sha256', Buffer.from(p.signedInfo, 'utf8'), p.key, (err, signature) => {
      if (err) reject(err);
      else resolve(signature);
    });
  });
}

/** The assertion with its ds:Signature (SignatureValue `value`, KeyInfo from `certPem`) after the Issuer. */
function withSignature(p: PreparedSignature, value: Buffer, certPem: string): string {
  const certs = certificateBodies(certPem)
    .map((c) => `<ds:X509Certificate>${c}</ds:X509Certificate>`)
    .join('');
  const signature =
    `<ds:Signature xmlns:ds="${DS}">${p.signedInfo.replace(` xmlns:ds="${DS}"`, '')}` +
    `<ds:SignatureValue>${value.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data>${certs}</ds:X509Data></ds:KeyInfo></ds:Signature>`;
  return p.assertionXml.slice(0, p.at) + signature + p.assertionXml.slice(p.at);
}

/**
 * Sign an assertion (its root must be saml2:Assertion with an `ID`): an enveloped ds:Signature
 * inserted right after saml2:Issuer (SAML 2.0 Core §5.4.1-2: exclusive C14N, the Reference URI
 * names the assertion's ID), RSA-SHA256, SHA-256 digest, X509Certificate in KeyInfo.
 *
 * The signature is built the way XMLDSig Core 1.1 §3.1 describes, for the one shape nir-sim signs:
 * the assertion's text is parsed once (@xmldom/xmldom), canonicalised with xml-crypto's
 * ExclusiveCanonicalization and digested; SignedInfo is written directly in its canonical form
 * (exclusive C14N of a ds:SignedInfo whose only namespace is ds) and signed with node:crypto; the
 * ds:Signature text is inserted after the Issuer's end tag as read by parseXml, so the rest of
 * the text is kept byte for byte. xml-crypto and xmlsec1 verify the result (xua-attacks.test.ts).
 * The RSA operation runs on the calling thread; {@link signAssertionAsync} runs it on libuv's
 * thread pool.
 * @throws Error when the key is unusable, or the text is not a saml2:Assertion with a signable
 *   `ID` and a saml2:Issuer child.
 */
export function signAssertion(assertionXml: string, signer: SigningCredential): string {
  const p = prepareSignature(assertionXml, canonicalOf(assertionXml), locateIssuer(assertionXml), signer);
  return withSignature(p, sign('sha256', Buffer.from(p.signedInfo, 'utf8'), p.key), signer.certPem);
}

/**
 * {@link signAssertion} with the RSA private-key operation (most of the cost of signing) on
 * libuv's thread pool (node:crypto `sign` with a callback), so the event loop serves other
 * requests meanwhile; parsing, C14N and the digest stay on the calling thread. The result is
 * byte-identical to signAssertion's (RSASSA-PKCS1-v1_5 is deterministic, RFC 8017 §8.2).
 * @returns a promise of the signed assertion; it never settles in the same turn of the event loop.
 * @rejects Error as signAssertion throws (unusable key, not a signable saml2:Assertion); never
 *   throws synchronously.
 */
export async function signAssertionAsync(assertionXml: string, signer: SigningCredential): Promise<string> {
  const p = prepareSignature(assertionXml, canonicalOf(assertionXml), locateIssuer(assertionXml), signer);
  return withSignature(p, await signOnThreadPool(p), signer.certPem);
}

/**
 * Build and sign an assertion in one step: the same bytes as signAssertion(buildAssertionXml(a)),
 * without parsing the text just written: the Issuer's place is known, and the digest is taken over
 * the canonical form written beside the text ({@link canonicalAssertionXml}), so neither a DOM nor
 * xml-crypto's canonicaliser is involved (about a quarter of signAssertion's cost besides RSA).
 * @throws Error as signAssertion, or for a character XML 1.0 §2.2 does not allow in `a`.
 */
export function issueAssertion(a: AssertionInput, signer: SigningCredential): string {
  const b = assertionText(a);
  const p = prepareSignature(b.xml, b.canonical, locateBuiltIssuer(b), signer);
  return withSignature(p, sign('sha256', Buffer.from(p.signedInfo, 'utf8'), p.key), signer.certPem);
}

/**
 * {@link issueAssertion} with the RSA operation off the event loop ({@link signAssertionAsync}).
 * @rejects Error as issueAssertion throws; never throws synchronously.
 */
export async function issueAssertionAsync(a: AssertionInput, signer: SigningCredential): Promise<string> {
  const b = assertionText(a);
  const p = prepareSignature(b.xml, b.canonical, locateBuiltIssuer(b), signer);
  return withSignature(p, await signOnThreadPool(p), signer.certPem);
}
