/**
 * Verifying an XUA assertion signed the way SAML 2.0 Core §5.4 profiles XML Signature, without
 * xml-crypto's general reference processing (its XPath searches of the document were most of the
 * cost of a validation): the one Reference names the assertion itself (`#ID`, §5.4.2), its
 * transforms are exactly enveloped-signature then exclusive C14N (§5.4.4, optionally with an
 * InclusiveNamespaces PrefixList, §5.4.3), and SignedInfo is canonicalised with exclusive C14N.
 * The assertion's own text is parsed once with @xmldom/xmldom; canonicalisation is xml-crypto's
 * ExclusiveCanonicalization (XML Exclusive Canonicalization 1.0, without comments); digest and
 * signature are node:crypto (XMLDSig Core 1.1 §3.2 core validation: every Reference digest, then
 * the SignatureValue over the canonical SignedInfo). The caller has already located the assertion,
 * checked SignedInfo against the allow-list and chosen the pinned signers (xua-signature.ts);
 * any other allowed shape is left to xml-crypto (answer `undefined`).
 */
import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { DOMParser, type Element as XmlDomElement, type Node as XmlDomNode } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { DsigAlgorithm, SamlNs } from './saml.js';

const ds = SamlNs.ds;
const ELEMENT = 1;

/** XMLDSig digest and signature algorithm URIs to node:crypto hash names (RFC 6931 §2.1.3, §2.3.2). */
const HASH: Readonly<Record<string, string>> = {
  [DsigAlgorithm.sha256]: 'sha256',
  [DsigAlgorithm.sha512]: 'sha512',
  [DsigAlgorithm.rsaSha256]: 'sha256',
  [DsigAlgorithm.rsaSha512]: 'sha512',
};

/** What a verification proved: the canonical bytes the digest covers, and who signed them. */
export interface ProfileVerified<S> {
  /** The exclusive-C14N form of the assertion without its signature (what was digested). */
  signedXml: string;
  signer: S;
}

function children(el: XmlDomElement, local: string): XmlDomElement[] {
  const out: XmlDomElement[] = [];
  for (let n: XmlDomNode | null = el.firstChild; n; n = n.nextSibling)
    if (n.nodeType === ELEMENT && n.namespaceURI === ds && (n as XmlDomElement).localName === local)
      out.push(n as XmlDomElement);
  return out;
}

function onlyChild(el: XmlDomElement, local: string): XmlDomElement | undefined {
  const found = children(el, local);
  return found.length === 1 ? found[0] : undefined;
}

/** The namespace bindings in scope at `el` from its ancestors (innermost first wins), for a PrefixList. */
function ancestorNamespaces(el: XmlDomElement): { prefix: string; namespaceURI: string }[] {
  const seen = new Set<string>();
  const out: { prefix: string; namespaceURI: string }[] = [];
  for (let n = el.parentNode; n && n.nodeType === ELEMENT; n = n.parentNode) {
    const attrs = (n as XmlDomElement).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.prefix !== 'xmlns' || seen.has(a.localName!)) continue;
      seen.add(a.localName!);
      if (a.value !== '') out.push({ prefix: a.localName!, namespaceURI: a.value });
    }
  }
  return out;
}

function prefixList(method: XmlDomElement): string[] {
  const inclusive = method.getElementsByTagNameNS(DsigAlgorithm.excC14n, 'InclusiveNamespaces')[0];
  return (inclusive?.getAttribute('PrefixList') ?? '').split(/\s+/).filter((p) => p !== '');
}

/** How many elements of `root`'s tree carry an attribute named `ID` (any namespace) equal to `id`. */
function countId(root: XmlDomElement, id: string): number {
  let count = 0;
  const all = root.getElementsByTagName('*');
  const check = (el: XmlDomElement): void => {
    const attrs = el.attributes;
    for (let i = 0; i < attrs.length; i++)
      if (attrs[i]!.localName === 'ID' && attrs[i]!.value === id) count++;
  };
  check(root);
  for (let i = 0; i < all.length; i++) check(all[i]!);
  return count;
}

const b64 = (el: XmlDomElement | undefined): Buffer =>
  Buffer.from((el?.textContent ?? '').replace(/\s+/g, ''), 'base64');

/**
 * Verify the enveloped signature of the assertion whose standalone text is `assertionXml` (root
 * saml2:Assertion with `@ID` = `id`) against each of `signers` in turn (RSA public keys).
 * @returns what was verified; an Error saying why the signature does not verify; or undefined when
 *   the signature is not of the profile's shape (the caller then uses general processing).
 */
export function verifyProfileSignature<S extends { key: KeyObject }>(
  assertionXml: string,
  id: string,
  signers: readonly S[],
): ProfileVerified<S> | Error | undefined {
  const doc = new DOMParser().parseFromString(assertionXml, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SamlNs.saml2 || root.localName !== 'Assertion')
    return new Error('the signed text is not a saml2:Assertion');
  if (root.getAttribute('ID') !== id) return new Error(`the assertion's ID is not '${id}'`);
  // SAML 2.0 Core §5.4.2 names the assertion by its ID: two elements with it could be confused.
  if (countId(root, id) !== 1) return new Error(`more than one element has the ID '${id}'`);
  const signature = onlyChild(root, 'Signature');
  const signedInfo = signature && onlyChild(signature, 'SignedInfo');
  const reference = signedInfo && onlyChild(signedInfo, 'Reference');
  const c14n = signedInfo && onlyChild(signedInfo, 'CanonicalizationMethod');
  const method = signedInfo && onlyChild(signedInfo, 'SignatureMethod');
  if (!signature || !signedInfo || !reference || !c14n || !method) return undefined;
  const transformList = onlyChild(reference, 'Transforms');
  if (!transformList) return undefined; // no transforms: not the profile's shape (§5.4.4)
  const transforms = children(transformList, 'Transform');
  const digestMethod = onlyChild(reference, 'DigestMethod');
  const digestHash = HASH[digestMethod?.getAttribute('Algorithm') ?? ''];
  const signatureHash = HASH[method.getAttribute('Algorithm') ?? ''];
  if (
    reference.getAttribute('URI') !== `#${id}` ||
    c14n.getAttribute('Algorithm') !== DsigAlgorithm.excC14n ||
    transforms.length !== 2 ||
    transforms[0]!.getAttribute('Algorithm') !== DsigAlgorithm.enveloped ||
    transforms[1]!.getAttribute('Algorithm') !== DsigAlgorithm.excC14n ||
    !digestHash ||
    !signatureHash ||
    !signers.every((s) => s.key.asymmetricKeyType === 'rsa')
  )
    return undefined;

  // SignedInfo first, in place (its PrefixList, if any, may name ancestors' bindings).
  const canonicalSignedInfo = new ExclusiveCanonicalization().process(signedInfo, {
    inclusiveNamespacesPrefixList: prefixList(c14n),
    ancestorNamespaces: ancestorNamespaces(signedInfo),
  });
  // The Reference: the assertion without its signature (enveloped), exclusive C14N, no comments.
  // The document is this function's own parse, so the signature is removed rather than copied around.
  const digestValue = b64(onlyChild(reference, 'DigestValue'));
  const signatureValue = b64(onlyChild(signature, 'SignatureValue'));
  root.removeChild(signature);
  const signedXml = new ExclusiveCanonicalization().process(root, {
    inclusiveNamespacesPrefixList: prefixList(transforms[1]!),
    ancestorNamespaces: [],
  });
  const digest = createHash(digestHash).update(signedXml).digest();
  if (digestValue.length !== digest.length || !timingSafeEqual(digestValue, digest))
    return new Error('the Reference digest does not match the assertion');
  const data = Buffer.from(canonicalSignedInfo, 'utf8');
  for (const signer of signers)
    if (verify(signatureHash, data, signer.key, signatureValue)) return { signedXml, signer };
  return new Error('the SignatureValue does not verify with the pinned key');
}
