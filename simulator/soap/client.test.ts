import { once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger.js';
import { SoapCallError, soapCall, type SoapCallErrorKind, type SoapCallOptions } from './client.js';
import { buildSoapEnvelope, parseSoapEnvelope } from './envelope.js';
import { SoapFaultError, buildSoapFault } from './fault.js';
import { parseMultipartRelated, resolveXopContent, xopIncludeXml } from './mtom.js';
import { SoapNs, WSA_ANONYMOUS } from './namespaces.js';
import { createSoapEndpoint, type SoapHandler } from './server.js';
import { parseXml, textOf } from './xml.js';
import { listen } from '../../test/helpers/soap-support.js';

const ACTION = 'urn:test:Echo';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const s = await listen(handler);
  closers.push(s.close);
  return s.url;
}

async function soapServer(handler: SoapHandler): Promise<string> {
  const a = express();
  a.post(
    '/soap',
    ...createSoapEndpoint({ action: ACTION, handler, maxBodyBytes: 1 << 20, logger: silentLogger() }),
  );
  return serve(a);
}

async function failure(opts: SoapCallOptions): Promise<SoapCallError> {
  try {
    await soapCall(opts);
  } catch (err) {
    if (err instanceof SoapCallError) return err;
    throw err;
  }
  throw new Error('expected soapCall to fail');
}

const call = (url: string, extra: Partial<SoapCallOptions> = {}): SoapCallOptions => ({
  url,
  action: ACTION,
  bodyXml: '<t:Echo xmlns:t="urn:t">hi</t:Echo>',
  ...extra,
});

describe('soapCall: success', () => {
  it('sends a SOAP 1.2 request with WS-A headers and returns the parsed response', async () => {
    let seenCt: string | undefined;
    let seenXml = '';
    const url = await soapServer((req) => {
      seenCt = req.httpHeaders['content-type'];
      seenXml = req.rawXml;
      return Promise.resolve({
        action: 'urn:test:EchoResponse',
        bodyXml: `<t:Echoed xmlns:t="urn:t">${textOf(req.body)}</t:Echoed>`,
      });
    });
    const res = await soapCall(call(url, { messageId: 'urn:uuid:c1' }));
    expect(seenCt).toBe(`application/soap+xml; charset=UTF-8; action="${ACTION}"`);
    expect(parseSoapEnvelope(parseXml(seenXml), []).addressing).toEqual({
      action: ACTION,
      messageId: 'urn:uuid:c1',
      to: url,
      replyTo: WSA_ANONYMOUS,
    });
    expect([
      res.httpStatus,
      res.envelope.addressing.action,
      res.envelope.addressing.relatesTo,
      res.body.localName,
      textOf(res.body),
    ]).toEqual([200, 'urn:test:EchoResponse', 'urn:uuid:c1', 'Echoed', 'hi']);
    expect([res.messageId, res.bytes, res.attachments.size]).toEqual([
      'urn:uuid:c1',
      Buffer.byteLength(res.rawXml),
      0,
    ]);
  });

  it('sends MTOM when given attachments and reads an MTOM response byte-exact', async () => {
    const bin = Buffer.concat([
      Buffer.from('\r\n--MIMEBoundary_fake\r\n'),
      Buffer.from([0, 0xff, 0x0d, 0x0a]),
    ]);
    const url = await soapServer((req) => {
      const got = resolveXopContent(req.body, req.attachments);
      return Promise.resolve({
        action: 'urn:test:EchoResponse',
        bodyXml: `<t:Doc xmlns:t="urn:t">${xopIncludeXml('back@t')}</t:Doc>`,
        attachments: [{ contentId: 'back@t', contentType: 'application/octet-stream', body: got }],
      });
    });
    const res = await soapCall(
      call(url, {
        bodyXml: `<t:Doc xmlns:t="urn:t">${xopIncludeXml('up@t')}</t:Doc>`,
        attachments: [{ contentId: 'up@t', contentType: 'application/octet-stream', body: bin }],
      }),
    );
    expect(resolveXopContent(res.body, res.attachments).equals(bin)).toBe(true);
  });
});

describe('soapCall: failure classification', () => {
  it('refused: nothing listens on the port', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    const err = await failure(call(`http://127.0.0.1:${port}/soap`));
    expect([err.kind, err.code]).toEqual(['refused', 'ECONNREFUSED']);
  });

  it('timeout: the server accepts but never answers, the AbortSignal fires', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      sockets.forEach((s) => s.destroy());
      server.close();
      await once(server, 'close');
    });
    const { port } = server.address() as net.AddressInfo;
    const err = await failure(call(`http://127.0.0.1:${port}/soap`, { signal: AbortSignal.timeout(200) }));
    expect([err.kind, err.detail]).toEqual(['timeout', 'the call was aborted (TimeoutError)']);
  });

  it('timeout: an already aborted signal fails without sending', async () => {
    const err = await failure(call('http://127.0.0.1:9/soap', { signal: AbortSignal.abort() }));
    expect(err.kind).toBe('timeout');
  });

  it.each([
    [
      'mid-body',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': '1000' });
        res.write('<env:Envelope', () => res.socket?.destroy());
      },
    ],
    ['before any response (socket hang up)', (req: http.IncomingMessage) => req.socket.destroy()],
  ])('reset: the server destroys the socket %s', async (_name, handler) => {
    const url = await serve(handler);
    expect((await failure(call(url))).kind).toBe('reset');
  });

  const cases: [string, SoapCallErrorKind, http.RequestListener, number | undefined][] = [
    [
      '503 text/html',
      'http-status',
      (_q, s) =>
        s
          .writeHead(503, { 'Content-Type': 'text/html' })
          .end('<html><body>Service Unavailable</body></html>'),
      503,
    ],
    [
      '302 redirect',
      'http-status',
      (_q, s) => s.writeHead(302, { Location: 'http://elsewhere/' }).end(),
      302,
    ],
    [
      '200 with <a>',
      'malformed',
      (_q, s) => s.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end('<a>'),
      200,
    ],
    [
      '200 with truncated XML',
      'malformed',
      (_q, s) =>
        s
          .writeHead(200, { 'Content-Type': 'application/soap+xml' })
          .end(buildSoapEnvelope({ action: 'a', bodyXml: '<b/>' }).slice(0, 120)),
      200,
    ],
    [
      '200 with an empty body',
      'malformed',
      (_q, s) => s.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(),
      200,
    ],
    [
      '200 text/html',
      'malformed',
      (_q, s) => s.writeHead(200, { 'Content-Type': 'text/html' }).end('<html/>'),
      200,
    ],
    [
      '200 SOAP 1.1',
      'malformed',
      (_q, s) =>
        s
          .writeHead(200, { 'Content-Type': 'text/xml' })
          .end(`<s:Envelope xmlns:s="${SoapNs.soap11}"><s:Body/></s:Envelope>`),
      200,
    ],
    [
      '200 bad multipart',
      'malformed',
      (_q, s) => s.writeHead(200, { 'Content-Type': 'multipart/related; boundary=q' }).end('--q\r\n\r\n<a/>'),
      200,
    ],
    [
      '200 over the cap (Content-Length)',
      'too-large',
      (_q, s) => s.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end('x'.repeat(4096)),
      200,
    ],
    [
      '200 over the cap (chunked)',
      'too-large',
      (_q, s) => {
        s.writeHead(200, { 'Content-Type': 'application/soap+xml' });
        s.write('x'.repeat(800));
        s.end('x'.repeat(800));
      },
      200,
    ],
  ];
  it.each(cases)('%s → %s', async (_name, kind, handler, status) => {
    const url = await serve(handler);
    const err = await failure(call(url, { maxResponseBytes: 1024 }));
    expect([err.kind, err.httpStatus]).toEqual([kind, status]);
  });

  it('soap-fault: a SOAP fault from the endpoint, with code, subcode and reason', async () => {
    const url = await soapServer(() => Promise.reject(new Error('x')));
    const wrong = await failure(call(url, { action: 'urn:test:Nope' }));
    expect([wrong.kind, wrong.httpStatus, wrong.fault]).toEqual([
      'soap-fault',
      400,
      {
        code: 'Sender',
        subcode: 'wsa:ActionNotSupported',
        subcodeQName: { ns: SoapNs.wsa, local: 'ActionNotSupported' },
        reason: `The action is not supported at this endpoint; expected ${ACTION}`,
      },
    ]);
    const internal = await failure(call(url));
    expect([internal.kind, internal.httpStatus, internal.fault]).toEqual([
      'soap-fault',
      500,
      { code: 'Receiver', reason: 'internal error' },
    ]);
  });

  it('soap-fault: a request over the server cap comes back as its 413 Sender fault', async () => {
    const a = express();
    a.post(
      '/soap',
      ...createSoapEndpoint({
        action: ACTION,
        handler: () => Promise.reject(new Error('unreached')),
        maxBodyBytes: 1024,
        logger: silentLogger(),
      }),
    );
    const url = await serve(a);
    const err = await failure(
      call(url, { bodyXml: `<t:Echo xmlns:t="urn:t">${'x'.repeat(256 * 1024)}</t:Echo>` }),
    );
    expect([err.kind, err.httpStatus, err.fault?.code]).toEqual(['soap-fault', 413, 'Sender']);
  });

  it('soap-fault: a fault sent with HTTP 200 is still a fault', async () => {
    const url = await serve((_q, s) =>
      s
        .writeHead(200, { 'Content-Type': 'application/soap+xml' })
        .end(buildSoapFault(new SoapFaultError('Receiver', 'busy'))),
    );
    const err = await failure(call(url));
    expect([err.kind, err.httpStatus, err.fault?.reason]).toEqual(['soap-fault', 200, 'busy']);
  });

  it('reads MTOM request bodies the client sends with a correct top-level type', async () => {
    let ct = '';
    let body = Buffer.alloc(0);
    const url = await serve((req, res) => {
      ct = req.headers['content-type'] ?? '';
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        body = Buffer.concat(chunks);
        res.writeHead(503).end();
      });
    });
    await failure(
      call(url, {
        attachments: [{ contentId: 'a@b', contentType: 'image/jpeg', body: Buffer.from([1, 2, 3]) }],
      }),
    );
    const m = parseMultipartRelated(body, ct);
    expect([
      m.parts.get('a@b')?.body.equals(Buffer.from([1, 2, 3])),
      parseSoapEnvelope(parseXml(m.rootXml), []).addressing.action,
    ]).toEqual([true, ACTION]);
  });
});
