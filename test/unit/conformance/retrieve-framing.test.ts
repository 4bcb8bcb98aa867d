/**
 * The parts of the ITI-39 and RAD-75 checks no catalogue fault reaches: MTOM/XOP framing read from
 * real MTOM packages built by soap/mtom.ts and then mis-framed on purpose (W3C XOP 1.0, SOAP 1.2
 * MTOM, RFC 2387), and Part 10 reading with dicom-parser and DCMTK (DICOM PS3.10 §7.1) on a data-pack
 * image, on that image with its File Meta Information changed, and on bytes that are no Part 10 file.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { listed, type RetrieveExchange } from '../../../simulator/conformance/iti39-exchange.js';
import { mtomProblems } from '../../../simulator/conformance/iti39-mtom.js';
import { dcmtkVerdict, metaProblems, readPart10 } from '../../../simulator/conformance/rad75-dicom.js';
import { loadDataPack } from '../../../simulator/data-pack/loader.js';
import { buildSoapEnvelope } from '../../../simulator/soap/envelope.js';
import { readSoapMessage } from '../../../simulator/soap/message-body.js';
import { buildMtom, xopIncludeXml } from '../../../simulator/soap/mtom.js';
import { SoapAction, XcaNs } from '../../../simulator/xca/constants.js';
import { skipWithoutTool } from '../../helpers/system-tools.js';
import { defaultPackDir } from '../../helpers/topology.js';

const RESPONSE = (document: string): string =>
  buildSoapEnvelope({
    action: SoapAction.CrossGatewayRetrieveResponse,
    bodyXml:
      `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${XcaNs.xdsb}" xmlns:rs="${XcaNs.rs}">` +
      '<rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>' +
      '<xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.3</xdsb:HomeCommunityId>' +
      '<xdsb:RepositoryUniqueId>1.2.3.1</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3.2</xdsb:DocumentUniqueId>' +
      `<xdsb:mimeType>text/plain</xdsb:mimeType><xdsb:Document>${document}</xdsb:Document></xdsb:DocumentResponse>` +
      '</xdsb:RetrieveDocumentSetResponse>',
  });

/** An exchange whose answer is `body` with HTTP Content-Type `contentType`, read as the initiator reads it. */
function exchange(contentType: string, body: Buffer): RetrieveExchange {
  const message = readSoapMessage(body, contentType, [], { enforceMustUnderstand: false });
  return {
    sent: {
      record: {
        name: 'ITI39-MTOM-01-mtom',
        checkId: 'ITI39-MTOM',
        transaction: 'ITI-39',
        url: 'http://127.0.0.1:1/xca/iti39',
        startedAt: '2026-01-01T00:00:00.000Z',
        durationMs: 1,
        request: { method: 'POST', headers: {}, body: Buffer.alloc(0) },
        response: { status: 200, headers: { 'content-type': contentType }, body },
      },
      message,
    },
    unresolved: new Map(),
  };
}

function mtom(document = xopIncludeXml('doc0@test.invalid')): { contentType: string; body: Buffer } {
  const { contentType, chunks } = buildMtom(
    RESPONSE(document),
    [{ contentId: 'doc0@test.invalid', contentType: 'text/plain', body: Buffer.from('hello') }],
    { action: SoapAction.CrossGatewayRetrieveResponse },
  );
  return { contentType, body: Buffer.concat(chunks) };
}

describe('MTOM/XOP framing of a retrieve answer', () => {
  it('finds nothing wrong with soap/mtom.ts framing', () => {
    const m = mtom();
    expect(mtomProblems(exchange(m.contentType, m.body))).toEqual([]);
  });

  it('names a wrong type and a missing start-info on the HTTP Content-Type', () => {
    const m = mtom();
    const ct = m.contentType
      .replace(/type="application\/xop\+xml"/, 'type="text/xml"')
      .replace(/;\s*start-info="[^"]*"/, '');
    expect(mtomProblems(exchange(ct, m.body))).toEqual([
      'Content-Type type="text/xml" is not "application/xop+xml"',
      'Content-Type start-info="" is not "application/soap+xml"',
    ]);
  });

  it('names a root part that is not application/xop+xml', () => {
    const m = mtom();
    const body = Buffer.from(
      m.body
        .toString('latin1')
        .replace(/Content-Type: application\/xop\+xml[^\r]*/, 'Content-Type: text/xml; charset=UTF-8'),
      'latin1',
    );
    expect(mtomProblems(exchange(m.contentType, body))).toEqual([
      "the root part's Content-Type is text/xml; charset=UTF-8, not application/xop+xml",
    ]);
  });

  it('names a Document sent inline as base64 rather than as an xop:Include', () => {
    const m = mtom(Buffer.from('hello').toString('base64'));
    expect(mtomProblems(exchange(m.contentType, m.body))).toEqual([
      'xdsb:DocumentResponse[1]/xdsb:Document holds inline base64, not an xop:Include',
    ]);
  });

  it('names a plain SOAP answer', () => {
    const xml = Buffer.from(RESPONSE(Buffer.from('hello').toString('base64')));
    expect(mtomProblems(exchange('application/soap+xml; charset=UTF-8', xml))).toEqual([
      'HTTP Content-Type is application/soap+xml; charset=UTF-8, not multipart/related',
    ]);
  });
});

describe('Part 10 reading', () => {
  let image: Buffer;
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    const c = pack.communities[0]!;
    const s = c.imaging[0]!;
    const loc = c.findImage(
      s.studyInstanceUid,
      s.series[0]!.seriesInstanceUid,
      s.series[0]!.instances[0]!.sopInstanceUid,
    )!;
    image = await readFile(loc.path);
  });

  it('reads a data-pack image and finds its meta group consistent', () => {
    const read = readPart10(image);
    expect('identity' in read && metaProblems(read.identity)).toEqual([]);
  });

  it('refuses bytes without the preamble and DICM', () => {
    expect(readPart10(Buffer.from('short'))).toEqual({
      problem: '5 bytes: shorter than the 128-byte preamble and "DICM" prefix',
    });
    const noDicm = Buffer.from(image);
    noDicm.write('DICX', 128, 'latin1');
    expect(readPart10(noDicm)).toEqual({
      problem: 'no "DICM" prefix after the 128-byte preamble (DICOM PS3.10 §7.1)',
    });
  });

  it('names a Media Storage SOP Instance UID that differs from the dataset', () => {
    const read = readPart10(image);
    if (!('identity' in read)) throw new Error(read.problem);
    const changed = { ...read.identity, mediaStorageSopInstanceUid: '2.999.1' };
    expect(metaProblems(changed)).toEqual([
      `Media Storage SOP Instance UID (0002,0003) 2.999.1 is not the SOP Instance UID (0008,0018) ${read.identity.sopInstanceUid}`,
    ]);
  });

  it.skipIf(skipWithoutTool('dcmdump'))(
    'DCMTK passes the image and names bytes that are no Part 10 file',
    async () => {
      expect(await dcmtkVerdict([{ name: 'good', bytes: image }])).toEqual({ ran: true, problems: [] });
      const verdict = await dcmtkVerdict([
        { name: 'good', bytes: image },
        { name: 'text', bytes: Buffer.from('these bytes are not DICOM at all, and longer than nothing') },
      ]);
      expect(verdict.ran).toBe(true);
      expect(verdict.problems[0]).toBe('dcmftest: text is not a DICOM Part 10 file');
      expect(verdict.problems[1]).toMatch(/^dcmdump: .*text/);
      expect(verdict.problems).toHaveLength(2);
    },
  );
});

describe('listed', () => {
  it('lists at most 10 problems and counts the rest, so a study of thousands of images gives a readable message', () => {
    const items = Array.from({ length: 12 }, (_, i) => `p${i}`);
    expect(listed(items)).toBe('p0; p1; p2; p3; p4; p5; p6; p7; p8; p9; and 2 more');
    expect(listed(items.slice(0, 3), ', ')).toBe('p0, p1, p2');
  });
});
