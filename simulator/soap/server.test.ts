import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../shared/logger.js';
import { buildSoapEnvelope, parseSoapEnvelope, type SoapEnvelope } from './envelope.js';
import { SoapFaultError, parseSoapFault, type ParsedSoapFault } from './fault.js';
import { buildMtom, parseMultipartRelated, resolveXopContent, xopIncludeXml } from './mtom.js';
import { SoapNs, WSA_FAULT_ACTION } from './namespaces.js';
import { createSoapEndpoint, type SoapHandler, type SoapRequest } from './server.js';
import { parseXml, textOf } from './xml.js';
import { bodyText, bufferParser, capturingLogger } from '../../test/helpers/soap-support.js';

const ACTION = 'urn:test:Echo';
const SOAP_CT = 'application/soap+xml; charset=UTF-8';

const echo: SoapHandler = (req) =>
  Promise.resolve({
    action: 'urn:test:EchoResponse',
    bodyXml: `<t:Echoed xmlns:t="urn:t">${textOf(req.body)}</t:Echoed>`,
  });

function app(
  handler: SoapHandler = echo,
  logger: Logger = silentLogger(),
  maxBodyBytes = 64 * 1024,
): express.Express {
  const a = express();
  a.post('/soap', ...createSoapEndpoint({ action: ACTION, handler, maxBodyBytes, logger }));
  return a;
}

function envelope(
  action = ACTION,
  messageId = 'urn:uuid:req-1',
  body = '<t:Echo xmlns:t="urn:t">hi</t:Echo>',
): string {
  return buildSoapEnvelope({ action, messageId, to: 'http://sim/soap', bodyXml: body });
}

async function post(
  a: express.Express,
  body: string | Buffer,
  contentType = SOAP_CT,
): Promise<request.Response> {
  return request(a)
    .post('/soap')
    .set('Content-Type', contentType)
    .buffer(true)
    .parse(bufferParser)
    .send(body);
}

function readFault(res: request.Response): { env: SoapEnvelope; fault: ParsedSoapFault } {
  const env = parseSoapEnvelope(parseXml(bodyText(res)), []);
  return { env, fault: parseSoapFault(env.body!) };
}

describe('createSoapEndpoint: success', () => {
  it('answers 200 application/soap+xml with the action, RelatesTo = request MessageID, and the handler body', async () => {
    let seen: SoapRequest | undefined;
    const res = await post(
      app(async (req) => {
        seen = req;
        return echo(req);
      }),
      envelope(),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/soap+xml; charset=UTF-8; action="urn:test:EchoResponse"',
    );
    const env = parseSoapEnvelope(parseXml(bodyText(res)), []);
    expect(env.addressing).toMatchObject({ action: 'urn:test:EchoResponse', relatesTo: 'urn:uuid:req-1' });
    expect([env.body?.localName, env.body && textOf(env.body)]).toEqual(['Echoed', 'hi']);
    expect(seen?.envelope.addressing).toMatchObject({
      action: ACTION,
      messageId: 'urn:uuid:req-1',
      to: 'http://sim/soap',
    });
    expect(seen?.attachments.size).toBe(0);
    expect(seen?.rawXml).toBe(envelope());
  });

  it('reads an MTOM request and sends an MTOM response when the handler returns attachments', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF\r\n--MIMEBoundary_x\r\n'), Buffer.from([0, 1, 2, 0xff])]);
    const handler: SoapHandler = (req) => {
      const inBytes = resolveXopContent(req.body, req.attachments);
      return Promise.resolve({
        action: 'urn:test:EchoResponse',
        bodyXml: `<t:Doc xmlns:t="urn:t">${xopIncludeXml('out@t')}</t:Doc>`,
        attachments: [
          { contentId: 'out@t', contentType: 'application/pdf', body: Buffer.concat([inBytes, inBytes]) },
        ],
      });
    };
    const mtom = buildMtom(
      envelope(ACTION, 'urn:uuid:m', `<t:Doc xmlns:t="urn:t">${xopIncludeXml('in@t')}</t:Doc>`),
      [{ contentId: 'in@t', contentType: 'application/pdf', body: pdf }],
    );
    const res = await post(app(handler), Buffer.concat(mtom.chunks), mtom.contentType);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(
      /^multipart\/related; boundary="[^"]+"; type="application\/xop\+xml"; start="<[^>]+>"; start-info="application\/soap\+xml"; action="urn:test:EchoResponse"$/,
    );
    const m = parseMultipartRelated(res.body as Buffer, res.headers['content-type'] as string);
    const env = parseSoapEnvelope(parseXml(m.rootXml), []);
    expect(env.addressing.relatesTo).toBe('urn:uuid:m');
    expect(resolveXopContent(env.body!, m.parts).equals(Buffer.concat([pdf, pdf]))).toBe(true);
  });

  it('logs each exchange at debug with action, status and duration', async () => {
    const { logger, lines } = capturingLogger();
    await post(app(echo, logger), envelope());
    const line = lines().find((l) => l['msg'] === 'SOAP exchange');
    expect(line).toMatchObject({
      level: 20,
      action: ACTION,
      status: 200,
      durationMs: expect.any(Number) as unknown,
    });
  });
});

describe('createSoapEndpoint: hostile and malformed requests', () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
    <s:Envelope xmlns:s="${SoapNs.soap12}"><s:Body><x>&e;</x></s:Body></s:Envelope>`;
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
    <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
    <s:Envelope xmlns:s="${SoapNs.soap12}"><s:Body><x>&lol3;</x></s:Body></s:Envelope>`;

  it.each([
    ['an XXE body', xxe, SOAP_CT, 'DTDs and entities are not allowed'],
    ['a billion-laughs body', laughs, SOAP_CT, 'DTDs and entities are not allowed'],
    ['XML that is not well-formed', '<s:Envelope xmlns:s="x"><a>', SOAP_CT, 'XML is not well-formed'],
    ['a non-envelope', '<a/>', SOAP_CT, 'The message is not a SOAP envelope'],
    [
      'an unsupported content type',
      envelope(),
      'text/plain',
      'Unsupported Content-Type: expected application/soap+xml or multipart/related',
    ],
    [
      'broken MTOM',
      '--zz\r\n\r\n<a/>',
      'multipart/related; boundary=zz',
      'Malformed MTOM message: the multipart body is truncated: no closing boundary',
    ],
    ['an empty body', '', SOAP_CT, 'The request body is empty'],
    ['an empty env:Body', buildSoapEnvelope({ action: ACTION, bodyXml: '' }), SOAP_CT, 'env:Body is empty'],
  ])('answers %s with HTTP 400 and a Sender fault', async (_name, body, ct, reason) => {
    const res = await post(app(), body, ct);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(
      `application/soap+xml; charset=UTF-8; action="${WSA_FAULT_ACTION}"`,
    );
    const text = bodyText(res);
    expect(text).not.toMatch(/root:|passwd|lollol/);
    expect(readFault(res).fault).toEqual({ code: 'Sender', reason });
  });

  it('answers a body over the cap with HTTP 413 and a Sender fault', async () => {
    const res = await post(
      app(echo, silentLogger(), 1024),
      envelope(ACTION, 'urn:uuid:big', `<t:Echo xmlns:t="urn:t">${'x'.repeat(4096)}</t:Echo>`),
    );
    expect(res.status).toBe(413);
    expect(readFault(res).fault).toEqual({
      code: 'Sender',
      reason: 'The message exceeds the 1024-byte limit',
    });
  });

  // 30,000 levels (205 KB) stalled the process for 20 s; 10^6 (7 MB) never finished.
  it.each([30_000, 1_000_000])(
    'answers a Body nested %i deep with HTTP 400 and a Sender fault, the limit in the log only',
    async (depth) => {
      const { logger, lines } = capturingLogger();
      const handled: string[] = [];
      const handler: SoapHandler = (req) => {
        handled.push(req.body.localName);
        return echo(req);
      };
      const body = '<a>'.repeat(depth) + '</a>'.repeat(depth);
      const res = await post(app(handler, logger, 10 * 1024 * 1024), envelope(ACTION, 'urn:uuid:deep', body));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe(
        `application/soap+xml; charset=UTF-8; action="${WSA_FAULT_ACTION}"`,
      );
      const { env, fault } = readFault(res);
      expect(fault).toEqual({
        code: 'Sender',
        reason: 'The XML exceeds the structural limits of this service',
      });
      expect(env.addressing.action).toBe(WSA_FAULT_ACTION);
      expect(handled).toEqual([]);
      const logged = lines().find((l) => l['msg'] === 'SOAP fault');
      expect(logged).toMatchObject({
        level: 30,
        code: 'Sender',
        reason: 'The XML exceeds the structural limits of this service',
        detail: expect.stringMatching(
          /^XML exceeds the maxDepth limit of 64 \(element nesting\) at 1:\d+$/,
        ) as unknown,
      });
    },
  );

  it('answers a wrong wsa:Action with 400 ActionNotSupported naming the expected action, RelatesTo set', async () => {
    const res = await post(app(), envelope('urn:test:Other', 'urn:uuid:w'));
    expect(res.status).toBe(400);
    const { env, fault } = readFault(res);
    expect(fault).toMatchObject({
      code: 'Sender',
      subcodeQName: { ns: SoapNs.wsa, local: 'ActionNotSupported' },
      reason: `The action is not supported at this endpoint; expected ${ACTION}`,
    });
    expect(env.addressing).toMatchObject({ action: WSA_FAULT_ACTION, relatesTo: 'urn:uuid:w' });
  });

  it('answers a missing wsa:Action with 400 MessageAddressingHeaderRequired', async () => {
    const xml = `<s:Envelope xmlns:s="${SoapNs.soap12}"><s:Body><b xmlns="urn:b"/></s:Body></s:Envelope>`;
    const res = await post(app(), xml);
    expect([res.status, readFault(res).fault.subcodeQName]).toEqual([
      400,
      { ns: SoapNs.wsa, local: 'MessageAddressingHeaderRequired' },
    ]);
  });

  it('answers SOAP 1.1 with 500 VersionMismatch and an Upgrade header', async () => {
    const xml =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>';
    const res = await post(app(), xml, 'text/xml; charset=utf-8');
    const { env, fault } = readFault(res);
    expect([res.status, fault.code, env.headerBlocks[0]?.localName]).toEqual([
      500,
      'VersionMismatch',
      'Upgrade',
    ]);
  });

  it('answers an unknown mustUnderstand header with 500 MustUnderstand naming it, RelatesTo set', async () => {
    const xml = buildSoapEnvelope({
      action: ACTION,
      messageId: 'urn:uuid:mu',
      headersXml: '<x:Ext xmlns:x="urn:ext" env:mustUnderstand="true"/>',
      bodyXml: '<b xmlns="urn:b"/>',
    });
    const res = await post(app(), xml);
    const { env, fault } = readFault(res);
    const nu = env.headerBlocks.find((b) => b.localName === 'NotUnderstood');
    expect([res.status, fault.code, env.addressing.relatesTo]).toEqual([
      500,
      'MustUnderstand',
      'urn:uuid:mu',
    ]);
    expect([nu?.lookupNamespaceURI('nu'), nu?.getAttribute('qname')]).toEqual(['urn:ext', 'nu:Ext']);
  });
});

describe('createSoapEndpoint: handler failures', () => {
  it('turns a plain Error into a 500 Receiver "internal error", logging the stack but never sending it', async () => {
    const { logger, lines } = capturingLogger();
    const res = await post(
      app(() => Promise.reject(new Error('db password is hunter2')), logger),
      envelope(ACTION, 'urn:uuid:boom'),
    );
    expect(res.status).toBe(500);
    expect(bodyText(res)).not.toContain('hunter2');
    const { env, fault } = readFault(res);
    expect([fault, env.addressing.relatesTo]).toEqual([
      { code: 'Receiver', reason: 'internal error' },
      'urn:uuid:boom',
    ]);
    const logged = lines().find((l) => l['msg'] === 'SOAP handler failed');
    expect(JSON.stringify(logged)).toContain('hunter2');
    expect((logged?.['err'] as { stack?: string } | undefined)?.stack).toMatch(/at /);
  });

  it('sends a SoapFaultError from the handler as is, with RelatesTo, keeping logDetail out', async () => {
    const handler: SoapHandler = () =>
      Promise.reject(new SoapFaultError('Sender', 'bad query', { logDetail: 'INTERNAL-NOTE' }));
    const res = await post(app(handler), envelope(ACTION, 'urn:uuid:f'));
    expect(bodyText(res)).not.toContain('INTERNAL-NOTE');
    const { env, fault } = readFault(res);
    expect([res.status, fault, env.addressing.relatesTo]).toEqual([
      400,
      { code: 'Sender', reason: 'bad query' },
      'urn:uuid:f',
    ]);
  });
});

describe('createSoapEndpoint: method', () => {
  it('answers a GET with 405 Allow: POST when mounted with app.all', async () => {
    const a = express();
    a.all(
      '/soap',
      ...createSoapEndpoint({ action: ACTION, handler: echo, maxBodyBytes: 1024, logger: silentLogger() }),
    );
    const res = await request(a).get('/soap').buffer(true).parse(bufferParser);
    expect([res.status, res.headers['allow'], readFault(res).fault.code]).toEqual([405, 'POST', 'Sender']);
  });
});
