/**
 * The hardened SOAP layer as a consumer meets it on the broker's sandbox port.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoapAction } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readFault } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

describe('SOAP hardening on the broker', () => {
  let t: TestTopology;
  let url: string;
  let nhs: string;
  beforeAll(async () => {
    t = await startTestTopology();
    url = t.running.broker.endpoints['ITI-38'];
    nhs = t.pack.manifest.examples.inAllCommunities!;
  });
  afterAll(() => t.running.stop());

  it('an ITI-39 Action on the ITI-38 endpoint: 400 Sender, wsa:ActionNotSupported', async () => {
    const raw = await post(
      url,
      findDocuments(nhs).replace(SoapAction.CrossGatewayQuery, SoapAction.CrossGatewayRetrieve),
    );
    expect(raw.status).toBe(400);
    const f = readFault(raw);
    expect(f.code).toMatch(/:Sender$/);
    expect(f.subcode).toMatch(/:ActionNotSupported$/);
  });

  it('a SOAP 1.1 envelope: VersionMismatch', async () => {
    const soap11 = `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`;
    const raw = await post(url, soap11, 'text/xml; charset=UTF-8');
    expect(raw.status).toBe(500);
    expect(readFault(raw).code).toMatch(/:VersionMismatch$/);
  });

  it('an external entity: 400 Sender, nothing read from disk', async () => {
    const xxe = findDocuments(nhs)
      .replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
      )
      .replace(nhs, `&x;${nhs}`);
    const raw = await post(url, xxe);
    expect(raw.status).toBe(400);
    const f = readFault(raw);
    expect(f.code).toMatch(/:Sender$/);
    const passwdLine = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
    expect(f.xml).not.toContain(passwdLine);
  });

  it('an unprocessed mustUnderstand header: MustUnderstand fault', async () => {
    const xml = findDocuments(nhs).replace(
      '<env:Header>',
      '<env:Header><x:Secret xmlns:x="urn:example" env:mustUnderstand="true">1</x:Secret>',
    );
    const raw = await post(url, xml);
    expect(raw.status).toBe(500);
    expect(readFault(raw).code).toMatch(/:MustUnderstand$/);
  });

  it('a body that is not an AdhocQueryRequest: 400 Sender naming the element', async () => {
    const xml = findDocuments(nhs).replace(
      /<(\w+:)?AdhocQueryRequest[\s\S]*<\/(\w+:)?AdhocQueryRequest>/,
      '<foo xmlns="urn:x"/>',
    );
    const raw = await post(url, xml);
    expect(raw.status).toBe(400);
    expect(readFault(raw).reason).toMatch(/AdhocQueryRequest/);
  });

  it('a body over the size cap: 413 with a Sender fault', async () => {
    const big = findDocuments(nhs).replace(
      '</env:Header>',
      `<!--${'x'.repeat(11 * 1024 * 1024)}--></env:Header>`,
    );
    const raw = await post(url, big);
    expect(raw.status).toBe(413);
    expect(readFault(raw).code).toMatch(/:Sender$/);
  });
});
