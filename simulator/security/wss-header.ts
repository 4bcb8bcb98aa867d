/**
 * The WS-Security header that carries an XUA assertion (IHE ITI TF-2 3.40.4.1; OASIS WSS 1.1 SAML
 * Token Profile §3.3): `wsse:Security` with a `wsu:Timestamp` and the `saml2:Assertion`, and
 * finding them again in a received envelope.
 */
import { randomUUID } from 'node:crypto';
import { childElements, type Document, type Element } from '../soap/xml.js';
import { withoutXmlDeclaration } from '../soap/xml-fragment.js';
import { SoapNs, SoapRole } from '../soap/namespaces.js';
import { SamlNs } from './saml.js';

/**
 * A `wsse:Security` header block (mustUnderstand, with its own namespace declarations so it can
 * be pasted into any SOAP 1.2 header) holding a `wsu:Timestamp` (Created = `now`, Expires = `now +
 * ttlMs`, default 5 minutes; WSS 1.0 §10) and the (signed) assertion text, embedded byte for byte
 * after any XML declaration (so its signature still covers what is sent).
 */
export function buildSecurityHeader(assertionXml: string, now: Date, ttlMs = 5 * 60_000): string {
  const assertion = withoutXmlDeclaration(assertionXml);
  return (
    `<wsse:Security xmlns:wsse="${SamlNs.wsse}" xmlns:wsu="${SamlNs.wsu}" ` +
    `xmlns:env="${SoapNs.soap12}" env:mustUnderstand="true">` +
    `<wsu:Timestamp wsu:Id="TS-${randomUUID()}"><wsu:Created>${now.toISOString()}</wsu:Created>` +
    `<wsu:Expires>${new Date(now.getTime() + ttlMs).toISOString()}</wsu:Expires></wsu:Timestamp>` +
    assertion +
    `</wsse:Security>`
  );
}

/** True when a header block is targeted at this node (SOAP 1.2 Part 1 §2.2: no role, next, ultimateReceiver). */
function forUs(block: Element): boolean {
  const role = block.getAttributeNS(SoapNs.soap12, 'role')?.trim();
  return !role || role === SoapRole.next || role === SoapRole.ultimateReceiver;
}

/** What the header holds, structurally (nothing here is trusted yet). */
type SecurityHeaderContent =
  | { ok: true; security: Element; assertion: Element; timestamp?: Element }
  | {
      ok: false;
      problem: 'no-security-header' | 'several-security-headers' | 'no-assertion' | 'several-assertions';
    };

/**
 * Locate the one `wsse:Security` block targeted at this node, and the one `saml2:Assertion`
 * directly in it. Any other saml2:Assertion anywhere in the document (wrapped in Advice, another
 * header, the Body...) makes it `several-assertions`: one assertion only, so a signature-wrapping
 * attack cannot offer a second one.
 */
export function findSecurityHeader(headerBlocks: readonly Element[], doc: Document): SecurityHeaderContent {
  const blocks = headerBlocks.filter(
    (b) => b.namespaceURI === SamlNs.wsse && b.localName === 'Security' && forUs(b),
  );
  if (blocks.length === 0) return { ok: false, problem: 'no-security-header' };
  if (blocks.length > 1) return { ok: false, problem: 'several-security-headers' };
  const security = blocks[0]!;
  const direct = childElements(security, SamlNs.saml2, 'Assertion');
  const everywhere = doc.getElementsByTagNameNS(SamlNs.saml2, 'Assertion');
  if (direct.length === 0)
    return { ok: false, problem: everywhere.length > 0 ? 'several-assertions' : 'no-assertion' };
  if (direct.length > 1 || everywhere.length > 1) return { ok: false, problem: 'several-assertions' };
  const timestamp = childElements(security, SamlNs.wsu, 'Timestamp')[0];
  return { ok: true, security, assertion: direct[0]!, ...(timestamp ? { timestamp } : {}) };
}
