/**
 * SOAP 1.2 / WS-Addressing 1.0 / XOP strictness of a SOAP endpoint: each request below used to be
 * answered 200; each must get the whole fault the standards define (HTTP status, Content-Type,
 * env:Code, Subcode, Subsubcode, Reason, wsa:ProblemHeaderQName and wsa:RelatesTo).
 */
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger.js';
import { buildSoapEnvelope, parseSoapEnvelope } from './envelope.js';
import { parseSoapFault } from './fault.js';
import { buildMtom, xopIncludeXml } from './mtom.js';
import { SoapNs, WSA_ANONYMOUS, WSA_FAULT_ACTION } from './namespaces.js';
import { createSoapEndpoint, type SoapHandler } from './server.js';
import { firstChild, parseXml, textOf } from './xml.js';
import { bodyText, bufferParser } from '../../test/helpers/soap-support.js';

const ACTION = 'urn:test:Echo';
const SOAP_CT = 'application/soap+xml; charset=UTF-8';
const FAULT_CT = `application/soap+xml; charset=UTF-8; action="${WSA_FAULT_ACTION}"`;
const WSA = SoapNs.wsa;
const BODY = '<t:Echo xmlns:t="urn:t">hi</t:Echo>';

let handled = 0;
const echo: SoapHandler = () => {
  handled++;
  return Promise.resolve({ action: 'urn:test:EchoResponse', bodyXml: '<t:Echoed xmlns:t="urn:t"/>' });
};

function app(): express.Express {
  const a = express();
  a.all(
    '/soap',
    ...createSoapEndpoint({ action: ACTION, handler: echo, maxBodyBytes: 64 * 1024, logger: silentLogger() }),
  );
  return a;
}

async function post(body: string | Buffer, contentType = SOAP_CT): Promise<request.Response> {
  return request(app())
    .post('/soap')
    .set('Content-Type', contentType)
    .buffer(true)
    .parse(bufferParser)
    .send(body);
}

/** Everything a client can read from the fault answer. */
function wholeFault(res: request.Response): Record<string, unknown> {
  const env = parseSoapEnvelope(parseXml(bodyText(res)), []);
  const detail = firstChild(env.body!, SoapNs.soap12, 'Detail');
  const problem = detail && firstChild(detail, WSA, 'ProblemHeaderQName');
  const problemText = problem ? textOf(problem) : undefined;
  const colon = problemText?.indexOf(':') ?? -1;
  return {
    status: res.status,
    contentType: res.headers['content-type'],
    action: env.addressing.action,
    relatesTo: env.addressing.relatesTo,
    fault: parseSoapFault(env.body!),
    problemHeader:
      problem && problemText
        ? { ns: problem.lookupNamespaceURI(problemText.slice(0, colon)), local: problemText.slice(colon + 1) }
        : undefined,
  };
}

/** A request envelope with the given header blocks (serialised) and body. */
function raw(headers: string, body = BODY): string {
  return (
    `<env:Envelope xmlns:env="${SoapNs.soap12}" xmlns:wsa="${WSA}">` +
    `<env:Header>${headers}</env:Header><env:Body>${body}</env:Body></env:Envelope>`
  );
}
const action = `<wsa:Action env:mustUnderstand="true">${ACTION}</wsa:Action>`;
const messageId = (id: string): string => `<wsa:MessageID>${id}</wsa:MessageID>`;

describe('SOAP endpoint: WS-Addressing 1.0 and SOAP 1.2 strictness', () => {
  it('a non-anonymous wsa:FaultTo: 400 Sender / wsa:InvalidAddressingHeader / wsa:OnlyAnonymousAddressSupported', async () => {
    handled = 0;
    const res = await post(
      raw(
        action +
          messageId('urn:uuid:ft') +
          '<wsa:FaultTo><wsa:Address>http://192.0.2.1/faults</wsa:Address></wsa:FaultTo>',
      ),
    );
    expect(wholeFault(res)).toEqual({
      status: 400,
      contentType: FAULT_CT,
      action: WSA_FAULT_ACTION,
      relatesTo: 'urn:uuid:ft',
      fault: {
        code: 'Sender',
        subcode: 'wsa:InvalidAddressingHeader',
        subcodeQName: { ns: WSA, local: 'InvalidAddressingHeader' },
        subsubcodeQName: { ns: WSA, local: 'OnlyAnonymousAddressSupported' },
        reason: 'Only the anonymous wsa:FaultTo address (synchronous exchange) is supported',
      },
      problemHeader: { ns: WSA, local: 'FaultTo' },
    });
    expect(handled).toBe(0);
  });

  it('an anonymous wsa:FaultTo is answered normally', async () => {
    const res = await post(
      raw(
        action +
          messageId('urn:uuid:fa') +
          `<wsa:FaultTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:FaultTo>`,
      ),
    );
    expect(res.status).toBe(200);
  });

  it('a non-anonymous wsa:ReplyTo names wsa:ReplyTo under the same subsubcode', async () => {
    const res = await post(
      raw(
        action +
          messageId('urn:uuid:rt') +
          '<wsa:ReplyTo><wsa:Address>http://192.0.2.1/r</wsa:Address></wsa:ReplyTo>',
      ),
    );
    expect(wholeFault(res)).toMatchObject({
      status: 400,
      relatesTo: 'urn:uuid:rt',
      fault: { subsubcodeQName: { ns: WSA, local: 'OnlyAnonymousAddressSupported' } },
      problemHeader: { ns: WSA, local: 'ReplyTo' },
    });
  });

  it.each(['yes', 'no', 'TRUE', ''])(
    'env:mustUnderstand="%s" (not an xs:boolean): 400 Sender, nothing handled',
    async (value) => {
      handled = 0;
      const res = await post(
        raw(`<wsa:Action env:mustUnderstand="${value}">${ACTION}</wsa:Action>` + messageId('urn:uuid:mu')),
      );
      expect(wholeFault(res)).toEqual({
        status: 400,
        contentType: FAULT_CT,
        action: WSA_FAULT_ACTION,
        relatesTo: 'urn:uuid:mu',
        fault: {
          code: 'Sender',
          reason: 'env:mustUnderstand must be true, false, 1 or 0 (SOAP 1.2 Part 1 §5.2.3)',
        },
        problemHeader: undefined,
      });
      expect(handled).toBe(0);
    },
  );

  it('env:relay="yes": 400 Sender naming SOAP 1.2 Part 1 §5.2.4', async () => {
    const res = await post(raw(action + messageId('urn:uuid:re') + '<x:E xmlns:x="urn:x" env:relay="yes"/>'));
    expect(wholeFault(res)).toMatchObject({
      status: 400,
      fault: { code: 'Sender', reason: 'env:relay must be true, false, 1 or 0 (SOAP 1.2 Part 1 §5.2.4)' },
    });
  });

  it('mustUnderstand " 1 " and "0" are valid xs:boolean forms', async () => {
    const res = await post(
      raw(
        `<wsa:Action env:mustUnderstand=" 1 ">${ACTION}</wsa:Action>` +
          messageId('urn:uuid:ok') +
          '<x:E xmlns:x="urn:x" env:mustUnderstand="0"/>',
      ),
    );
    expect(res.status).toBe(200);
  });

  it('no wsa:MessageID: 400 Sender / wsa:MessageAddressingHeaderRequired naming wsa:MessageID, no RelatesTo', async () => {
    handled = 0;
    const res = await post(raw(action));
    expect(wholeFault(res)).toEqual({
      status: 400,
      contentType: FAULT_CT,
      action: WSA_FAULT_ACTION,
      relatesTo: undefined,
      fault: {
        code: 'Sender',
        subcode: 'wsa:MessageAddressingHeaderRequired',
        subcodeQName: { ns: WSA, local: 'MessageAddressingHeaderRequired' },
        reason: 'A required header representing a Message Addressing Property is not present: wsa:MessageID',
      },
      problemHeader: { ns: WSA, local: 'MessageID' },
    });
    expect(handled).toBe(0);
  });

  it('two elements in env:Body: 400 Sender', async () => {
    handled = 0;
    const res = await post(raw(action + messageId('urn:uuid:two'), BODY + BODY));
    expect(wholeFault(res)).toEqual({
      status: 400,
      contentType: FAULT_CT,
      action: WSA_FAULT_ACTION,
      relatesTo: 'urn:uuid:two',
      fault: { code: 'Sender', reason: 'env:Body must contain exactly one element' },
      problemHeader: undefined,
    });
    expect(handled).toBe(0);
  });

  it('a Content-Type action contradicting wsa:Action: 400 Sender / wsa:InvalidAddressingHeader / wsa:ActionMismatch', async () => {
    handled = 0;
    const res = await post(raw(action + messageId('urn:uuid:am')), `${SOAP_CT}; action="urn:test:Other"`);
    expect(wholeFault(res)).toEqual({
      status: 400,
      contentType: FAULT_CT,
      action: WSA_FAULT_ACTION,
      relatesTo: 'urn:uuid:am',
      fault: {
        code: 'Sender',
        subcode: 'wsa:InvalidAddressingHeader',
        subcodeQName: { ns: WSA, local: 'InvalidAddressingHeader' },
        subsubcodeQName: { ns: WSA, local: 'ActionMismatch' },
        reason: 'The Content-Type action parameter differs from wsa:Action',
      },
      problemHeader: { ns: WSA, local: 'Action' },
    });
    expect(handled).toBe(0);
  });

  it('a matching Content-Type action is answered normally', async () => {
    const res = await post(raw(action + messageId('urn:uuid:ma')), `${SOAP_CT}; action="${ACTION}"`);
    expect(res.status).toBe(200);
  });

  it('an MTOM request whose action parameter contradicts wsa:Action: ActionMismatch too', async () => {
    const xml = buildSoapEnvelope({ action: ACTION, messageId: 'urn:uuid:mm', bodyXml: BODY });
    const m = buildMtom(xml, [{ contentId: 'a@t', contentType: 'application/pdf', body: Buffer.from('x') }], {
      action: 'urn:test:Other',
    });
    const res = await post(Buffer.concat(m.chunks), m.contentType);
    expect(wholeFault(res)).toMatchObject({
      status: 400,
      relatesTo: 'urn:uuid:mm',
      fault: { subsubcodeQName: { ns: WSA, local: 'ActionMismatch' } },
      problemHeader: { ns: WSA, local: 'Action' },
    });
  });

  it('an MTOM part repeating the root part\'s Content-ID: 400 Sender "Malformed MTOM message"', async () => {
    handled = 0;
    const xml = buildSoapEnvelope({
      action: ACTION,
      messageId: 'urn:uuid:dup',
      bodyXml: `<t:Echo xmlns:t="urn:t">${xopIncludeXml('root@t')}</t:Echo>`,
    });
    const b = 'MIMEBoundary_dup';
    const part = (ct: string, body: string): string =>
      `--${b}\r\nContent-Type: ${ct}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@t>\r\n\r\n${body}\r\n`;
    const entity =
      part('application/xop+xml; charset=UTF-8; type="application/soap+xml"', xml) +
      part('application/octet-stream', 'shadow') +
      `--${b}--\r\n`;
    const res = await post(
      entity,
      `multipart/related; boundary="${b}"; type="application/xop+xml"; start="<root@t>"; start-info="application/soap+xml"`,
    );
    expect(wholeFault(res)).toEqual({
      status: 400,
      contentType: FAULT_CT,
      action: WSA_FAULT_ACTION,
      relatesTo: undefined,
      fault: { code: 'Sender', reason: 'Malformed MTOM message: Content-ID repeated: root@t' },
      problemHeader: undefined,
    });
    expect(handled).toBe(0);
  });
});
