/**
 * Verifying the enveloped XML signature of an XUA assertion with xml-crypto 6, following the
 * safe recipe of ../shared/research/npm-stack.md §3: the ds:Signature is taken from the expected
 * place only (a direct child of the one assertion in wsse:Security), the algorithms must be on an
 * allow-list (exclusive C14N, RSA-SHA256/512, SHA-256/512, no SHA-1), there is exactly one
 * Reference and its URI is the assertion's ID, the key is one of the pinned trusted signing
 * certificates (a certificate in KeyInfo is only used to pick among them, never trusted as such),
 * a fresh SignedXml does each check (false or a throw is a failure), and the caller reads the
 * assertion only from the signed, canonical bytes `getSignedReferences()` returns.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { childElements, parseXml, serialize, textOf, type Element } from '../soap/xml.js';
import { ALLOWED_ALGORITHMS, SamlNs } from './saml.js';
import { verifyProfileSignature } from './xua-dsig-profile.js';
import { XuaError } from './xua-error.js';

/** A pinned signing certificate, parsed once, with its public key and validity (epoch ms). */
export interface TrustedSigner {
  pem: string;
  cert: X509Certificate;
  /** The certificate's public key (what the signature is verified with). */
  key: KeyObject;
  validFromMs: number;
  validToMs: number;
}

/** Parse the PEM certificates a policy trusts (each PEM may hold one certificate; the first is used). */
export function trustedSigners(pems: readonly string[]): TrustedSigner[] {
  return pems.map((pem) => {
    const cert = new X509Certificate(pem);
    return {
      pem,
      cert,
      key: cert.publicKey,
      validFromMs: Date.parse(cert.validFrom),
      validToMs: Date.parse(cert.validTo),
    };
  });
}

/** The signed assertion, re-parsed from the canonical bytes the signature covers. */
export interface VerifiedSignature {
  /** The saml2:Assertion element of the re-parsed signed content: read only, never changed. */
  assertion: Element;
  /** The canonical XML that was digested. */
  signedXml: string;
  /** The pinned signer whose key verified the signature. */
  signer: TrustedSigner;
}

/** Whether `signer`'s certificate is within its validity at `now` (RFC 5280 §4.1.2.5). */
export function signerValidAt(signer: TrustedSigner, now: Date): boolean {
  return signer.validFromMs <= now.getTime() && now.getTime() < signer.validToMs;
}

const ds = SamlNs.ds;

function one(parent: Element, local: string, what: string): Element {
  const found = childElements(parent, ds, local);
  if (found.length !== 1)
    throw new XuaError('malformed', `${what}: expected one ds:${local}, found ${found.length}`);
  return found[0]!;
}

function algorithm(el: Element): string {
  return el.getAttribute('Algorithm') ?? '';
}

function allow(list: readonly string[], value: string, what: string): void {
  if (!list.includes(value))
    throw new XuaError('unsupported-algorithm', `${what} ${value || '(none)'} is not allowed`);
}

/** Check SignedInfo's shape and algorithms against the allow-list; the one Reference must name `id`. */
function checkSignedInfo(signature: Element, id: string): void {
  const signedInfo = one(signature, 'SignedInfo', 'ds:Signature');
  allow(
    ALLOWED_ALGORITHMS.canonicalization,
    algorithm(one(signedInfo, 'CanonicalizationMethod', 'SignedInfo')),
    'CanonicalizationMethod',
  );
  allow(
    ALLOWED_ALGORITHMS.signature,
    algorithm(one(signedInfo, 'SignatureMethod', 'SignedInfo')),
    'SignatureMethod',
  );
  const refs = childElements(signedInfo, ds, 'Reference');
  if (refs.length !== 1)
    throw new XuaError('malformed', `SignedInfo has ${refs.length} References; exactly one is accepted`);
  const ref = refs[0]!;
  const uri = ref.getAttribute('URI') ?? '';
  if (uri !== `#${id}`)
    throw new XuaError('bad-signature', `the Reference URI '${uri}' is not the assertion's ID '#${id}'`);
  allow(ALLOWED_ALGORITHMS.digest, algorithm(one(ref, 'DigestMethod', 'Reference')), 'DigestMethod');
  const transforms = childElements(one(ref, 'Transforms', 'Reference'), ds, 'Transform').map(algorithm);
  for (const t of transforms) allow(ALLOWED_ALGORITHMS.transforms, t, 'Transform');
  if (!transforms.includes(ALLOWED_ALGORITHMS.transforms[0]))
    throw new XuaError('malformed', 'the Reference lacks the enveloped-signature transform');
}

/** The signers to try: the pinned one KeyInfo names, else (no certificate in KeyInfo) every pinned one. */
function candidates(signature: Element, trusted: readonly TrustedSigner[]): TrustedSigner[] {
  const keyInfo = childElements(signature, ds, 'KeyInfo')[0];
  const x509Data = keyInfo ? childElements(keyInfo, ds, 'X509Data') : [];
  const certs = x509Data.flatMap((d) => childElements(d, ds, 'X509Certificate'));
  if (certs.length === 0) return [...trusted];
  const der = Buffer.from(textOf(certs[0]!).replace(/\s+/g, ''), 'base64');
  const pinned = trusted.find((t) => t.cert.raw.equals(der));
  if (!pinned) {
    let subject = '(unparsable certificate)';
    try {
      subject = new X509Certificate(der).subject.replace(/\n/g, ', ');
    } catch {
      // keep the placeholder: the certificate is refused either way
    }
    throw new XuaError(
      'untrusted-signer',
      `KeyInfo carries a certificate that is not a trusted signer: ${subject}`,
    );
  }
  return [pinned];
}

/** One verification with a fresh SignedXml pinned to `signer`; the signed canonical XML, or why not. */
function verifyWith(signatureXml: string, assertionXml: string, signer: TrustedSigner): string | Error {
  // SAML 2.0 Core §2.3.3: an assertion's identifier attribute is `ID`; only it resolves References.
  const sx = new SignedXml({ publicCert: signer.key, getCertFromKeyInfo: () => null });
  sx.idAttributes = ['ID']; // replaces xml-crypto's default ['Id', 'ID', 'id']
  try {
    sx.loadSignature(signatureXml);
    if (!sx.checkSignature(assertionXml)) return new Error('a Reference digest does not match the content');
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const refs = sx.getSignedReferences();
  if (refs.length !== 1) return new Error(`${refs.length} signed references`);
  return refs[0]!;
}

/**
 * Verify the assertion's enveloped signature against the pinned `trusted` signers at `now`.
 * @param assertion the saml2:Assertion located in wsse:Security (from the message's own parse).
 * @param assertionXml that assertion's text as received, standing alone (`verbatimXml`: its bytes
 *   plus the namespace declarations it inherits): what the signature is checked over, so the
 *   Reference can only resolve to the assertion itself.
 * @throws XuaError `unsigned`, `malformed`, `unsupported-algorithm`, `untrusted-signer` (KeyInfo
 *   names an unpinned certificate, or the pinned one is outside its validity), `bad-signature`.
 */
export function verifyAssertionSignature(
  assertion: Element,
  assertionXml: string,
  trusted: readonly TrustedSigner[],
  now: Date,
): VerifiedSignature {
  const id = assertion.getAttribute('ID') ?? '';
  if (id === '') throw new XuaError('malformed', 'the assertion has no ID');
  const sigs = childElements(assertion, ds, 'Signature');
  if (sigs.length === 0) throw new XuaError('unsigned', 'the assertion has no ds:Signature');
  if (sigs.length > 1)
    throw new XuaError('malformed', `the assertion has ${sigs.length} ds:Signature elements`);
  const signature = sigs[0]!;
  checkSignedInfo(signature, id);
  const usable = candidates(signature, trusted).filter((t) => signerValidAt(t, now));
  if (usable.length === 0)
    throw new XuaError('untrusted-signer', 'no trusted signing certificate is valid now');
  const signed =
    verifyProfileSignature(assertionXml, id, usable) ?? verifyGeneral(signature, assertionXml, usable);
  if (signed instanceof Error)
    throw new XuaError('bad-signature', `the signature does not verify: ${signed.message}`);
  const root = parseXml(signed.signedXml).documentElement;
  if (
    !root ||
    root.namespaceURI !== SamlNs.saml2 ||
    root.localName !== 'Assertion' ||
    root.getAttribute('ID') !== id
  )
    throw new XuaError('bad-signature', 'the signed content is not the assertion in wsse:Security');
  return { assertion: root, signedXml: signed.signedXml, signer: signed.signer };
}

/** xml-crypto's general reference processing, one fresh SignedXml per pinned signer. */
function verifyGeneral(
  signature: Element,
  assertionXml: string,
  usable: readonly TrustedSigner[],
): { signedXml: string; signer: TrustedSigner } | Error {
  const signatureXml = serialize(signature);
  const failures: string[] = [];
  for (const signer of usable) {
    const r = verifyWith(signatureXml, assertionXml, signer);
    if (!(r instanceof Error)) return { signedXml: r, signer };
    failures.push(r.message);
  }
  return new Error(failures.join('; '));
}
