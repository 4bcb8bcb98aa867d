import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceAvailable } from '../../test/helpers/repo-root.js';
import { describeRef } from '../../test/helpers/reference-tests.js';
import { buildSoapEnvelope, parseSoapEnvelope } from './envelope.js';
import { SoapFaultError } from './fault.js';
import { parseSoapXml } from './message-body.js';
import { SoapNs, WSSE_NS, WSA_ANONYMOUS } from './namespaces.js';
import { parseXml } from './xml.js';
import { EXAMPLES } from '../../test/helpers/soap-support.js';

const ENV = SoapNs.soap12;
const WSA = SoapNs.wsa;

function fault(fn: () => unknown): SoapFaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SoapFaultError) return err;
    throw err;
  }
  throw new Error('expected a SoapFaultError');
}

describe('parseSoapEnvelope', () => {
  it('reads prefixed WS-Addressing headers, trimmed, and the first body element', () => {
    const xml = `<s:Envelope xmlns:s="${ENV}" xmlns:a="${WSA}"><s:Header>
      <a:Action s:mustUnderstand="1">  urn:ihe:iti:2007:CrossGatewayQuery  </a:Action>
      <a:MessageID> urn:uuid:1 </a:MessageID>
      <a:ReplyTo><a:Address>${WSA_ANONYMOUS}</a:Address></a:ReplyTo>
      <a:To s:mustUnderstand="true">http://gw/x</a:To>
      <a:RelatesTo>urn:uuid:0</a:RelatesTo>
    </s:Header><s:Body>
      <q:AdhocQueryRequest xmlns:q="urn:q"/>
    </s:Body></s:Envelope>`;
    const env = parseSoapEnvelope(parseXml(xml), []);
    expect(env.addressing).toEqual({
      action: 'urn:ihe:iti:2007:CrossGatewayQuery',
      messageId: 'urn:uuid:1',
      replyTo: WSA_ANONYMOUS,
      to: 'http://gw/x',
      relatesTo: 'urn:uuid:0',
    });
    expect(env.headerBlocks.map((b) => b.localName)).toEqual([
      'Action',
      'MessageID',
      'ReplyTo',
      'To',
      'RelatesTo',
    ]);
    expect([env.body?.namespaceURI, env.body?.localName, env.bodyChildren]).toEqual([
      'urn:q',
      'AdhocQueryRequest',
      1,
    ]);
  });

  it('reads default-namespace envelopes and headers the same way', () => {
    const xml = `<Envelope xmlns="${ENV}"><Header><Action xmlns="${WSA}">urn:a</Action><MessageID xmlns="${WSA}">m-1</MessageID></Header>
      <Body><Req xmlns="urn:r"/><Req2 xmlns="urn:r"/></Body></Envelope>`;
    const env = parseSoapEnvelope(parseXml(xml), []);
    expect(env.addressing).toEqual({ action: 'urn:a', messageId: 'm-1' });
    expect([env.body?.localName, env.bodyChildren]).toEqual(['Req', 2]);
  });

  it('accepts an envelope without Header and with an empty Body', () => {
    const env = parseSoapEnvelope(parseXml(`<e:Envelope xmlns:e="${ENV}"><e:Body/></e:Envelope>`), []);
    expect(env).toMatchObject({ addressing: {}, headerBlocks: [], body: undefined, bodyChildren: 0 });
  });

  it.each(['1', 'true', ' true '])(
    'faults MustUnderstand for an unknown header block with mustUnderstand=%j',
    (mu) => {
      const xml = `<s:Envelope xmlns:s="${ENV}" xmlns:a="${WSA}"><s:Header>
      <a:MessageID>urn:uuid:9</a:MessageID>
      <x:Ext xmlns:x="urn:ext" s:mustUnderstand="${mu}"/>
      <y:Opt xmlns:y="urn:opt" s:mustUnderstand="0"/>
    </s:Header><s:Body><b xmlns="urn:b"/></s:Body></s:Envelope>`;
      const err = fault(() => parseSoapEnvelope(parseXml(xml), []));
      expect(err.code).toBe('MustUnderstand');
      expect(err.notUnderstood).toEqual([{ ns: 'urn:ext', local: 'Ext' }]);
      expect(err.requestMessageId).toBe('urn:uuid:9');
      expect(parseSoapEnvelope(parseXml(xml), [{ ns: 'urn:ext', local: 'Ext' }]).headerBlocks).toHaveLength(
        3,
      );
      expect(parseSoapEnvelope(parseXml(xml), [], { enforceMustUnderstand: false }).bodyChildren).toBe(1);
    },
  );

  it('does not check mustUnderstand on blocks targeted at another role', () => {
    const xml = `<s:Envelope xmlns:s="${ENV}"><s:Header>
      <x:A xmlns:x="urn:x" s:mustUnderstand="1" s:role="${ENV}/role/none"/>
      <x:B xmlns:x="urn:x" s:mustUnderstand="1" s:role="urn:some-other-node"/>
    </s:Header><s:Body/></s:Envelope>`;
    expect(parseSoapEnvelope(parseXml(xml), []).headerBlocks).toHaveLength(2);
  });

  it('answers a SOAP 1.1 envelope with VersionMismatch', () => {
    const xml =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>';
    const err = fault(() => parseSoapEnvelope(parseXml(xml), []));
    expect([err.code, err.reason]).toEqual(['VersionMismatch', 'Only SOAP 1.2 is supported']);
  });

  it.each([
    ['a non-envelope root', `<Body xmlns="${ENV}"/>`, 'The message is not a SOAP envelope'],
    [
      'no Body',
      `<s:Envelope xmlns:s="${ENV}"><s:Header/></s:Envelope>`,
      'env:Envelope must contain env:Body',
    ],
    [
      'Body before Header',
      `<s:Envelope xmlns:s="${ENV}"><s:Body/><s:Header/></s:Envelope>`,
      'env:Envelope has content after env:Body',
    ],
    [
      'an unqualified header block',
      `<s:Envelope xmlns:s="${ENV}"><s:Header><plain/></s:Header><s:Body/></s:Envelope>`,
      'SOAP header blocks must be namespace-qualified',
    ],
  ])('faults Sender for %s', (_name, xml, reason) => {
    const err = fault(() => parseSoapEnvelope(parseXml(xml), []));
    expect([err.code, err.reason]).toEqual(['Sender', reason]);
  });

  it('faults a repeated wsa:Action as InvalidAddressingHeader', () => {
    const xml = `<s:Envelope xmlns:s="${ENV}" xmlns:a="${WSA}"><s:Header><a:Action>x</a:Action><a:Action>y</a:Action></s:Header><s:Body/></s:Envelope>`;
    const err = fault(() => parseSoapEnvelope(parseXml(xml), []));
    expect([err.code, err.subcode]).toEqual(['Sender', { ns: WSA, local: 'InvalidAddressingHeader' }]);
  });
});

describe('parseSoapXml', () => {
  it.each([
    ['<a>', 'XML is not well-formed'],
    ['<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'DTDs and entities are not allowed'],
    ['   ', 'The message is empty'],
  ])('turns %j into a Sender fault', (xml, reason) => {
    const err = fault(() => parseSoapXml(xml, []));
    expect([err.code, err.reason]).toEqual(['Sender', reason]);
  });
});

describeRef('reference messages (ITI-38, ITI-39)', () => {
  const files = (referenceAvailable ? ['ITI-38', 'ITI-39'] : []).flatMap((dir) =>
    readdirSync(path.join(EXAMPLES, dir))
      .filter((f) => /soap|nhn-xcads/.test(f) && f.endsWith('.xml'))
      .map((f) => path.join(dir, f)),
  );

  it('finds the captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  it.each(files)('%s parses as a SOAP 1.2 XCA message', (file) => {
    const env = parseSoapXml(readFileSync(path.join(EXAMPLES, file), 'utf8'), [
      { ns: WSSE_NS, local: 'Security' },
    ]);
    const isRetrieve = file.startsWith('ITI-39');
    const isResponse = /_response_/.test(file);
    const action = `urn:ihe:iti:2007:CrossGateway${isRetrieve ? 'Retrieve' : 'Query'}${isResponse ? 'Response' : ''}`;
    const body = `${isRetrieve ? 'RetrieveDocumentSet' : 'AdhocQuery'}${isResponse ? 'Response' : 'Request'}`;
    expect([env.addressing.action, env.body?.localName, env.bodyChildren]).toEqual([action, body, 1]);
  });
});

describe('buildSoapEnvelope', () => {
  it('writes a request with Action (mustUnderstand), MessageID, anonymous ReplyTo and To, and reads back', () => {
    const xml = buildSoapEnvelope({
      action: 'urn:a',
      messageId: 'urn:uuid:m',
      to: 'http://h/p?a=1&b=2',
      headersXml: '<x:H xmlns:x="urn:x"/>',
      bodyXml: '<?xml version="1.0" encoding="UTF-8"?>\n<r:Req xmlns:r="urn:r">1 &lt; 2</r:Req>',
    });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><env:Envelope')).toBe(true);
    expect(xml).toContain('<wsa:Action env:mustUnderstand="1">urn:a</wsa:Action>');
    const env = parseSoapEnvelope(parseXml(xml), [{ ns: 'urn:x', local: 'H' }]);
    expect(env.addressing).toEqual({
      action: 'urn:a',
      messageId: 'urn:uuid:m',
      to: 'http://h/p?a=1&b=2',
      replyTo: WSA_ANONYMOUS,
    });
    expect(env.headerBlocks.map((b) => b.localName)).toEqual(['Action', 'MessageID', 'ReplyTo', 'To', 'H']);
    expect(env.body?.textContent).toBe('1 < 2');
  });

  it('writes a response with RelatesTo, a fresh urn:uuid MessageID and no ReplyTo/To', () => {
    const env = parseSoapEnvelope(
      parseXml(
        buildSoapEnvelope({ action: 'urn:r', relatesTo: 'urn:uuid:req', bodyXml: '<b xmlns="urn:b"/>' }),
      ),
      [],
    );
    expect(env.addressing).toEqual({
      action: 'urn:r',
      relatesTo: 'urn:uuid:req',
      messageId: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/) as unknown,
    });
  });
});
