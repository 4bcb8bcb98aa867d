/**
 * The forwarded assertion on the sandbox port (no consumer assertion to validate): one signature
 * per consumer request, shared by every leg (each community's replay cache sees it once), a new
 * one for the next request, and the RSA operation dispatched off the event loop; with `reuse`, the
 * next request for the same patient carries the same assertion in a header of its own.
 */
import { describe, expect, it } from 'vitest';
import type { SoapRequest } from '../soap/server.js';
import type { BrokerContext } from './context.js';
import { admit } from './xua-enforcement.js';
import { ForwardedAssertions } from './forwarded-assertions.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { useXuaHarness } from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const xua = useXuaHarness(NHS);

const communities = ['urn:oid:1.2.3.1', 'urn:oid:1.2.3.2', 'urn:oid:1.2.3.3'].map((homeCommunityId) => ({
  homeCommunityId,
}));
/** Only what admit() reads without security: the directory's communities, the clock, the transport. */
const bc = {
  directory: { communities },
  clock: { now: () => Date.now() },
  transport: { maxResponseBytes: 1024 },
} as unknown as BrokerContext;
const sreq = {} as SoapRequest;

const assertionId = (header: string): string => /<saml2:Assertion [^>]*\bID="([^"]+)"/.exec(header)![1]!;

describe('the forwarded assertion', () => {
  it('is signed once per request: every leg awaits the same promise, the next request gets a new assertion', async () => {
    const forward = {
      signer: { certPem: xua.certs.read('nir/signing.pem'), keyPem: xua.certs.read('nir/signing.key') },
    };
    const first = admit(sreq, bc, undefined, forward).contextFor(CX).transport.securityHeader!;
    const legs = [first(), first(), first()];
    expect(legs[1]).toBe(legs[0]);
    expect(legs[2]).toBe(legs[0]);
    let settled = false;
    void legs[0]!.then(() => (settled = true));
    for (let i = 0; i < 1_000; i++) await Promise.resolve();
    expect(settled).toBe(false); // the signature is being computed outside this turn of the event loop
    const header = await legs[0]!;
    expect(header).toMatch(/^<wsse:Security /);
    expect(header).toContain('<ds:SignatureValue>');
    for (const c of communities)
      expect(header).toContain(`<saml2:Audience>${c.homeCommunityId}</saml2:Audience>`);
    const next = await admit(sreq, bc, undefined, forward).contextFor(CX).transport.securityHeader!();
    expect(assertionId(next)).not.toBe(assertionId(header));
  });

  it('with reuse: the next request for the same patient reuses the signed assertion under a fresh wsu:Timestamp; another patient gets its own', async () => {
    const reuse = new ForwardedAssertions(150_000);
    const forward = {
      signer: { certPem: xua.certs.read('nir/signing.pem'), keyPem: xua.certs.read('nir/signing.key') },
      reuse,
    };
    const header = (cx: string): Promise<string> =>
      admit(sreq, bc, undefined, forward).contextFor(cx).transport.securityHeader!();
    const first = await header(CX);
    const again = await header(CX);
    const other = await header(nhsNumberToCx('9995527421'));
    const assertion = (h: string): string => /<saml2:Assertion [\s\S]*<\/saml2:Assertion>/.exec(h)![0];
    const timestampId = (h: string): string => /<wsu:Timestamp wsu:Id="([^"]+)"/.exec(h)![1]!;
    expect(assertion(again)).toBe(assertion(first));
    expect(timestampId(again)).not.toBe(timestampId(first));
    expect(assertionId(other)).not.toBe(assertionId(first));
    expect(reuse.stats()).toEqual({ entries: 2, reused: 1, signed: 2 });
  });

  it('a signing failure rejects the promise every leg awaits (each leg fails; nothing throws synchronously)', async () => {
    const forward = {
      signer: { certPem: xua.certs.read('nir/signing.pem'), keyPem: 'not a key' },
    };
    const header = admit(sreq, bc, undefined, forward).contextFor(CX).transport.securityHeader!;
    await expect(header()).rejects.toThrow(Error);
    await expect(header()).rejects.toThrow(Error);
  });
});
