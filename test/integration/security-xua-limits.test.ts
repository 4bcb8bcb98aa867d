/**
 * A deeply nested XUA assertion on the integration port is refused by the hardened parser with the
 * envelope, before xml-crypto (which parses with @xmldom/xmldom) ever sees the message: neither its
 * general verifier (SignedXml) nor its canonicaliser (used by the SAML-profile check) is called.
 */
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments } from '../helpers/requests.js';
import { readFault, readQueryResponse } from '../helpers/soap-http.js';
import { postTls, supplierAssertion, withSecurity, useSecureTopology } from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const t = useSecureTopology();
afterAll(() => vi.restoreAllMocks());

const asRaw = (r: { status: number; body: string }) => ({
  status: r.status,
  contentType: 'application/soap+xml',
  body: Buffer.from(r.body),
});
async function send(envelope: string): Promise<{ status: number; body: string }> {
  const r = await postTls(t.certs, t.running.broker.integration!.endpoints['ITI-38'], envelope);
  if (!('status' in r)) throw new Error(`connection refused: ${r.error}`);
  return r;
}
/** `assertion` with `<x:Deep>` holding `depth` nested elements just before its closing tag. */
const deepen = (assertion: string, depth: number): string =>
  assertion.replace(
    /<\/([\w-]+:)?Assertion>$/,
    (end) => `<x:Deep xmlns:x="urn:x">${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</x:Deep>${end}`,
  );

describe('integration port: a deeply nested assertion', () => {
  it.each([
    [
      'signed over 100 levels of nesting',
      () => supplierAssertion(t.certs, CX, { id: '_deep' }, (x) => deepen(x, 100)),
    ],
    [
      'with 30,000 levels added after signing',
      () => deepen(supplierAssertion(t.certs, CX, { id: '_deeper' }), 30_000),
    ],
  ])('%s: 400 Sender fault from the parser, xml-crypto never called', async (_name, assertion) => {
    const envelope = withSecurity(findDocuments(NHS), assertion());
    const check = vi.spyOn(SignedXml.prototype, 'checkSignature');
    const canonicalise = vi.spyOn(ExclusiveCanonicalization.prototype, 'process');
    const r = await send(envelope);
    expect(r.status).toBe(400);
    const { code, subcode, reason } = readFault(asRaw(r));
    expect({ code, subcode, reason }).toEqual({
      code: 'env:Sender',
      subcode: undefined,
      reason: 'The XML exceeds the structural limits of this service',
    });
    expect(check).not.toHaveBeenCalled();
    expect(canonicalise).not.toHaveBeenCalled();
    check.mockRestore();
    canonicalise.mockRestore();
  });

  it('the same assertion without the nesting is canonicalised by xml-crypto, verified and admitted', async () => {
    const envelope = withSecurity(findDocuments(NHS), supplierAssertion(t.certs, CX, { id: '_flat' }));
    const canonicalise = vi.spyOn(ExclusiveCanonicalization.prototype, 'process');
    const r = await send(envelope);
    expect([r.status, readQueryResponse(asRaw(r)).response.status]).toEqual([200, ResponseStatus.Success]);
    expect(canonicalise).toHaveBeenCalled();
    canonicalise.mockRestore();
  });
});
