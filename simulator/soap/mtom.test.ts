import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { itRef } from '../../test/helpers/reference-tests.js';
import { parseContentType } from './content-type.js';
import { buildSoapEnvelope } from './envelope.js';
import { parseSoapXml } from './message-body.js';
import {
  MtomError,
  buildMtom,
  parseMultipartRelated,
  resolveXopContent,
  xopIncludeXml,
  type MtomPart,
} from './mtom.js';
import { WSSE_NS } from './namespaces.js';
import { parseXml, type Element } from './xml.js';
import { EXAMPLES } from '../../test/helpers/soap-support.js';

const XDSB = 'urn:ihe:iti:xds-b:2007';

/** Binary with CRLFs, bare LFs and boundary-like lines inside. */
function nastyBytes(seed: string): Buffer {
  return Buffer.concat([
    Buffer.from(`\r\n--MIMEBoundary_${seed}\r\n\r\n--MIMEBoundary_${seed}--\r\n`),
    randomBytes(4096),
    Buffer.from('\n--\n\r\n\r\r\n'),
    Buffer.from([0, 0xff, 0x0d]),
  ]);
}

function documentsOf(rootXml: string): Element[] {
  const env = parseSoapXml(rootXml, []);
  return Array.from(env.document.getElementsByTagNameNS(XDSB, 'Document'));
}

describe('buildMtom → parseMultipartRelated', () => {
  it('round-trips binary parts byte for byte and resolves xop:Include', () => {
    const parts: MtomPart[] = [
      { contentId: 'doc0.msg@nir-sim.invalid', contentType: 'application/dicom', body: nastyBytes('a') },
      { contentId: 'doc/1%x@nir-sim.invalid', contentType: 'application/pdf', body: nastyBytes('b') },
      { contentId: 'empty@nir-sim.invalid', contentType: 'text/plain', body: Buffer.alloc(0) },
    ];
    const body = parts.map((p) => `<Document>${xopIncludeXml(p.contentId)}</Document>`).join('');
    const envelope = buildSoapEnvelope({ action: 'urn:a', bodyXml: `<R xmlns="${XDSB}">${body}</R>` });
    const built = buildMtom(envelope, parts, { action: 'urn:a' });

    const ct = parseContentType(built.contentType);
    expect(ct.mediaType).toBe('multipart/related');
    expect(Object.fromEntries([...ct.params].filter(([k]) => k !== 'boundary' && k !== 'start'))).toEqual({
      type: 'application/xop+xml',
      'start-info': 'application/soap+xml',
      action: 'urn:a',
    });

    const parsed = parseMultipartRelated(Buffer.concat(built.chunks), built.contentType);
    expect(parsed.rootXml).toBe(envelope);
    expect(parsed.rootContentType).toBe('application/xop+xml; charset=UTF-8; type="application/soap+xml"');
    expect([...parsed.parts.keys()]).toEqual(parts.map((p) => p.contentId));
    for (const p of parts) expect(parsed.parts.get(p.contentId)?.contentType).toBe(p.contentType);
    const resolved = documentsOf(parsed.rootXml).map((d) => resolveXopContent(d, parsed.parts));
    expect(resolved.map((b, i) => b.equals(parts[i]!.body))).toEqual([true, true, true]);
  });

  it('writes CRLF framing with binary transfer encoding and references part bodies without copying', () => {
    const body = Buffer.from('payload');
    const built = buildMtom('<x/>', [{ contentId: 'p@h', contentType: 'application/octet-stream', body }]);
    expect(built.chunks).toContain(body);
    const text = Buffer.concat(built.chunks).toString('latin1');
    expect(text).toMatch(
      /^--MIMEBoundary_[0-9a-f]{48}\r\nContent-Type: application\/xop\+xml; charset=UTF-8; type="application\/soap\+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <[^>]+>\r\n\r\n<x\/>\r\n--/,
    );
    expect(text).toContain(
      '\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <p@h>\r\n\r\npayload\r\n--',
    );
    expect(text.endsWith('--\r\n')).toBe(true);
  });

  it('refuses Content-IDs that would break the MIME header', () => {
    expect(() =>
      buildMtom('<x/>', [{ contentId: 'a\r\nX-Evil: 1', contentType: 'a/b', body: Buffer.alloc(1) }]),
    ).toThrow(MtomError);
    expect(() =>
      buildMtom('<x/>', [{ contentId: '<a@b>', contentType: 'a/b', body: Buffer.alloc(1) }]),
    ).toThrow(MtomError);
  });
});

describe('parseMultipartRelated tolerance', () => {
  const lf = (s: string): Buffer => Buffer.from(s.replace(/\r\n/g, '\n'), 'latin1');
  const msg =
    'preamble text\r\n' +
    '--b1 \r\n' +
    'content-type: application/xop+xml; charset=UTF-8; type="text/xml"\r\n' +
    'content-id: <root@x>\r\n' +
    '\r\n' +
    '<r/>\r\n' +
    '--b1\r\n' +
    'Content-Type: application/octet-stream\r\n' +
    'Content-ID:\r\n <bin@x>\r\n' +
    '\r\n' +
    'BIN\r\n' +
    '--b1--\r\n' +
    'epilogue';

  it.each([
    ['CRLF', Buffer.from(msg, 'latin1')],
    ['bare LF', lf(msg)],
  ])('reads %s framing, preamble, padding, folded headers, node-soap text/xml root type', (_name, bytes) => {
    const m = parseMultipartRelated(
      bytes,
      'Multipart/Related; BOUNDARY=b1; Start="<root@x>"; start-info="text/xml"',
    );
    expect(m.rootXml).toBe('<r/>');
    expect(m.rootContentType).toBe('application/xop+xml; charset=UTF-8; type="text/xml"');
    expect([...m.parts].map(([id, p]) => [id, p.contentType, p.body.toString('latin1')])).toEqual([
      ['bin@x', 'application/octet-stream', 'BIN'],
    ]);
  });

  it('takes the first part as root when start is absent', () => {
    expect(
      parseMultipartRelated(Buffer.from(msg, 'latin1'), 'multipart/related; boundary="b1"').rootXml,
    ).toBe('<r/>');
  });

  it.each([
    [
      'no boundary parameter',
      'multipart/related; type="application/xop+xml"',
      msg,
      'multipart/related without a boundary parameter',
    ],
    [
      'a boundary absent from the body',
      'multipart/related; boundary=zz',
      msg,
      'the boundary does not occur in the body',
    ],
    [
      'a truncated body',
      'multipart/related; boundary=b1',
      msg.slice(0, msg.indexOf('--b1--')),
      'the multipart body is truncated: no closing boundary',
    ],
    ['no parts', 'multipart/related; boundary=b1', '--b1--\r\n', 'the multipart body has no parts'],
    [
      'start naming no part',
      'multipart/related; boundary=b1; start="<nope>"',
      msg,
      'no part has the Content-ID named by start: <nope>',
    ],
    [
      'another media type',
      'multipart/form-data; boundary=b1',
      msg,
      'expected multipart/related, got multipart/form-data',
    ],
  ])('throws MtomError for %s', (_name, ct, body, reason) => {
    expect(() => parseMultipartRelated(Buffer.from(body, 'latin1'), ct)).toThrow(new MtomError(reason));
  });
});

describe('resolveXopContent', () => {
  const el = (inner: string): Element =>
    parseXml(`<Document xmlns="${XDSB}">${inner}</Document>`).documentElement!;

  it('decodes inline base64, ignoring line breaks', () => {
    expect(resolveXopContent(el('SGVs\n bG8='), new Map()).toString()).toBe('Hello');
  });

  it('throws MtomError for an unknown cid or text that is not base64', () => {
    expect(() => resolveXopContent(el(xopIncludeXml('missing@x')), new Map())).toThrow(
      /refers to a part that is not in the message: cid:missing@x/,
    );
    expect(() => resolveXopContent(el('not base64!'), new Map())).toThrow(MtomError);
  });
});

describe('real Axis2 captures', () => {
  itRef(
    'refuses the NHN ITI-39 MTOM request body: a Latin-1 byte under a UTF-8 label is fatal (XML 1.0 4.3.3)',
    () => {
      const bytes = readFileSync(
        path.join(EXAMPLES, 'ITI-39/nhn-xcads_CrossGatewayRetrieve_request_MTOM-multipart-body_Axis2.txt'),
      );
      const boundary = bytes.toString('latin1').split('\n')[0]!.slice(2);
      const ct = `multipart/related; boundary=${boundary}; type="application/xop+xml"; start="<0.dab1d70f258a850f06f926ab5645aaa9111f017d951cfe8d@apache.org>"; start-info="application/soap+xml"; action="urn:ihe:iti:2007:CrossGatewayRetrieve"`;
      expect(() => parseMultipartRelated(bytes, ct)).toThrow(
        /root part: the message contains bytes that are not valid utf-8/i,
      );
      // The framing itself (bare LF, Axis2 headers) is fine: the same capture re-encoded parses.
      const fixed = Buffer.from(bytes.toString('latin1'), 'utf8');
      const m = parseMultipartRelated(fixed, ct);
      expect(m.parts.size).toBe(0);
      expect(m.rootXml).toContain('GRØNN VITS');
      const env = parseSoapXml(m.rootXml, [{ ns: WSSE_NS, local: 'Security' }]);
      expect([env.addressing.action, env.addressing.messageId, env.body?.localName]).toEqual([
        'urn:ihe:iti:2007:CrossGatewayRetrieve',
        'urn:uuid:5e03aa0b-ed28-4951-8b0b-95e55777b65b',
        'RetrieveDocumentSetRequest',
      ]);
    },
  );

  itRef('parses the raw-HTTP ITI-41 capture and resolves its xop:Include to the document part', () => {
    const raw = readFileSync(
      path.join(EXAMPLES, 'MTOM-framing-reference/nist_raw-HTTP_MTOM_Axis2_ProvideAndRegister-ITI-41.txt'),
    );
    const split = raw.indexOf('\n\n');
    const headers = raw.subarray(0, split).toString('latin1').split('\n');
    const contentType = headers.find((h) => /^content-type:/i.test(h))!.replace(/^content-type:/i, '');
    const m = parseMultipartRelated(raw.subarray(split + 2), contentType);
    const id = '1.urn:uuid:3D4B161591CD1DEC0C1286850962319@apache.org';
    expect([...m.parts.keys()]).toEqual([id]);
    const env = parseSoapXml(m.rootXml, []);
    expect(env.addressing.action).toBe('urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b');
    const [doc] = documentsOf(m.rootXml);
    const text = resolveXopContent(doc!, m.parts).toString('utf8');
    expect(text.startsWith('Four score and seven years ago')).toBe(true);
    expect(text.endsWith('shall not perish from the earth.')).toBe(true);
  });
});
