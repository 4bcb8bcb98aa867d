/**
 * `GET <endpoint>?wsdl` at the SOAP layer: the service address comes from the Host header, is
 * escaped in the XML, and a Host that is not `host[:port]` gets a plain 400 instead of a WSDL
 * pointing anywhere.
 */
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger.js';
import { createSoapEndpoint } from './server.js';
import type { WsdlOperation } from './wsdl.js';
import { checkWsdlShape } from '../../test/helpers/wsdl-shape.js';
import { bodyText, bufferParser } from '../../test/helpers/soap-support.js';

const OP: WsdlOperation = {
  serviceName: 'Echo',
  targetNamespace: 'urn:test:wsdl',
  operation: 'Echo',
  inputAction: 'urn:test:Echo',
  outputAction: 'urn:test:EchoResponse',
  inputElement: { ns: 'urn:t', local: 'Echo' },
  outputElement: { ns: 'urn:t', local: 'Echoed' },
  mtom: false,
  documentation: 'a test endpoint <&>',
};

function app(): express.Express {
  const a = express();
  a.all(
    '/soap',
    ...createSoapEndpoint({
      action: OP.inputAction,
      wsdl: OP,
      maxBodyBytes: 1024,
      logger: silentLogger(),
      handler: () => Promise.reject(new Error('not called')),
    }),
  );
  return a;
}

const getWsdl = (host: string) =>
  request(app()).get('/soap?wsdl').set('Host', host).buffer(true).parse(bufferParser);

describe('GET ?wsdl at a SOAP endpoint', () => {
  it("writes the Host header's authority into soap12:address, XML-escaped", async () => {
    const res = await getWsdl("sim.example&co'.test:8080");
    expect(res.status).toBe(200);
    expect(checkWsdlShape(bodyText(res))).toEqual({
      operation: 'Echo',
      inputAction: 'urn:test:Echo',
      outputAction: 'urn:test:EchoResponse',
      inputElement: '{urn:t}Echo',
      outputElement: '{urn:t}Echoed',
      mtom: false,
      address: "http://sim.example&co'.test:8080/soap",
    });
  });

  it.each(['evil"><x', 'a b', 'host:port', 'h/p'])(
    'answers a Host of %j with 400 text/plain',
    async (host) => {
      const res = await getWsdl(host);
      expect([res.status, res.headers['content-type'], bodyText(res)]).toEqual([
        400,
        'text/plain; charset=utf-8',
        'The Host header is missing or is not a valid host[:port]\n',
      ]);
    },
  );
});
