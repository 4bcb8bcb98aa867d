/**
 * Streamed MTOM: buildStreamedMtom's framing read back by both parsers (the buffered one of
 * mtom.ts and the streaming MultipartStreamReader), however the bytes are chunked on the way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStreamedMtom, type StreamedPart } from './mtom-stream.js';
import { MtomError, parseMultipartRelated } from './mtom.js';
import { MORE, MultipartFramer } from './mtom-framing.js';
import { MtomIdleError, MultipartStreamReader } from './mtom-stream-reader.js';
import { virtualClock } from '../shared/clock.js';
import { timersAre } from '../../test/helpers/virtual-time.js';

/** Binary with CRLFs, bare LFs and boundary-like lines inside. */
function nasty(seed: string, size = 4096): Buffer {
  return Buffer.concat([
    Buffer.from(`\r\n--MIMEBoundary_${seed}\r\n\r\n--MIMEBoundary_${seed}--\r\n`),
    randomBytes(size),
    Buffer.from('\n--\n\r\n\r\r\n--'),
  ]);
}

async function collect(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** The bytes of `b` as a stream of chunks of 1..`max` bytes. */
function chunked(b: Buffer, max: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < b.length;) {
    const n = 1 + Math.floor(Math.random() * max);
    pieces.push(b.subarray(i, i + n));
    i += n;
  }
  return Readable.from(pieces, { objectMode: false });
}

async function readAll(
  source: Readable,
  contentType: string,
): Promise<{ root: string; parts: [string, string, Buffer][] }> {
  const reader = new MultipartStreamReader(source, contentType);
  const root = (await reader.readRoot(1 << 20)).xml;
  const parts: [string, string, Buffer][] = [];
  for (let p = await reader.nextPart(); p; p = await reader.nextPart())
    parts.push([p.contentId ?? '', p.contentType, await collect(p.body)]);
  return { root, parts };
}

describe('buildStreamedMtom', () => {
  let dir: string;
  let file: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nir-sim-mtom-'));
    file = nasty('file', 20_000);
    await writeFile(join(dir, 'part.bin'), file);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const root =
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><x>é</x></env:Body></env:Envelope>';

  it('declares the exact Content-Length of listed parts, and both parsers read every part back', async () => {
    const mem = nasty('mem');
    const streamed = nasty('stream');
    const parts: StreamedPart[] = [
      {
        contentId: 'a@nir-sim.invalid',
        contentType: 'application/dicom',
        body: { kind: 'buffer', bytes: mem },
      },
      {
        contentId: 'b@nir-sim.invalid',
        contentType: 'application/dicom',
        body: { kind: 'file', path: join(dir, 'part.bin'), size: file.length },
      },
      {
        contentId: 'c@nir-sim.invalid',
        contentType: 'application/octet-stream',
        body: { kind: 'stream', size: streamed.length, open: () => Readable.from([streamed]) },
      },
      {
        contentId: 'empty@nir-sim.invalid',
        contentType: 'text/plain',
        body: { kind: 'buffer', bytes: Buffer.alloc(0) },
      },
    ];
    const e = buildStreamedMtom(root, parts, { action: 'urn:a' });
    const whole = await collect(e.open());
    expect(e.length).toBe(whole.length);
    expect(e.contentType).toMatch(
      /^multipart\/related; boundary=.*; type="application\/xop\+xml"; start=.*; start-info="application\/soap\+xml"; action="urn:a"$/,
    );
    const buffered = parseMultipartRelated(whole, e.contentType);
    expect(buffered.rootXml).toBe(root);
    expect([...buffered.parts].map(([id, p]) => [id, p.contentType, p.body])).toEqual([
      ['a@nir-sim.invalid', 'application/dicom', mem],
      ['b@nir-sim.invalid', 'application/dicom', file],
      ['c@nir-sim.invalid', 'application/octet-stream', streamed],
      ['empty@nir-sim.invalid', 'text/plain', Buffer.alloc(0)],
    ]);
    for (const max of [1, 7, 100, 70_000]) {
      const got = await readAll(chunked(whole, max), e.contentType);
      expect(got.root).toBe(root);
      expect(got.parts).toEqual([...buffered.parts].map(([id, p]) => [id, p.contentType, p.body]));
    }
  });

  it('sends parts of an async iterable chunked (no length) and fails the body when a part lies about its size', async () => {
    async function* parts(): AsyncGenerator<StreamedPart> {
      yield await Promise.resolve<StreamedPart>({
        contentId: 'x@h',
        contentType: 'application/dicom',
        body: { kind: 'buffer', bytes: Buffer.from('xyz') },
      });
    }
    const e = buildStreamedMtom(root, parts());
    expect(e.length).toBeUndefined();
    const got = await readAll(e.open(), e.contentType);
    expect(got.parts).toEqual([['x@h', 'application/dicom', Buffer.from('xyz')]]);
    const liar = buildStreamedMtom(root, [
      {
        contentId: 'y@h',
        contentType: 'application/dicom',
        body: { kind: 'stream', size: 10, open: () => Readable.from([Buffer.from('short')]) },
      },
    ]);
    await expect(collect(liar.open())).rejects.toThrow(
      new MtomError('part y@h has 5 bytes, 10 were declared'),
    );
  });
});

describe('MultipartStreamReader', () => {
  const ct = 'multipart/related; boundary=XB; type="application/xop+xml"; start="<r@h>"';

  it('reads bare-LF framing, transport padding, a preamble and a base64 part', async () => {
    const body = Buffer.from(
      'preamble\n--XB  \nContent-ID: <r@h>\nContent-Type: application/xop+xml; charset=UTF-8\n\n<root/>\n--XB\n' +
        'Content-ID: <p@h>\nContent-Transfer-Encoding: base64\n\naGVs\nbG8=\n--XB--\nepilogue',
    );
    const got = await readAll(chunked(body, 3), ct);
    expect(got).toEqual({
      root: '<root/>',
      parts: [['p@h', 'application/octet-stream', Buffer.from('hello')]],
    });
  });

  it('refuses a body whose first part is not the start part, and a truncated body', async () => {
    const notFirst = new MultipartStreamReader(
      Readable.from([
        Buffer.from('--XB\r\nContent-ID: <p@h>\r\n\r\nx\r\n--XB\r\nContent-ID: <r@h>\r\n\r\n<r/>\r\n--XB--'),
      ]),
      ct,
    );
    await expect(notFirst.readRoot(1000)).rejects.toThrow(
      'the first part is not the root part named by start; nir-sim streams parts and needs the root first',
    );
    const truncated = new MultipartStreamReader(
      Readable.from([
        Buffer.from(
          '--XB\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n<r/>\r\n--XB\r\nContent-ID: <p@h>\r\n\r\nabc',
        ),
      ]),
      ct,
    );
    await truncated.readRoot(1000);
    const part = (await truncated.nextPart())!;
    await expect(collect(part.body)).rejects.toThrow('the multipart body is truncated: no closing boundary');
    const big = new MultipartStreamReader(
      Readable.from([
        Buffer.from(
          '--XB\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n0123456789\r\n--XB--',
        ),
      ]),
      ct,
    );
    await expect(big.readRoot(5)).rejects.toThrow('the root part exceeds 5 bytes');
  });

  it('fails a part whose source goes quiet for longer than the idle timeout, and destroys the source', async () => {
    const source = new PassThrough();
    source.write(
      '--XB\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n<r/>\r\n--XB\r\nContent-ID: <p@h>\r\n\r\nfirst bytes',
    );
    const clock = virtualClock();
    const reader = new MultipartStreamReader(source, ct, { idleTimeoutMs: 50, clock });
    expect((await reader.readRoot(1000)).xml).toBe('<r/>');
    const part = (await reader.nextPart())!;
    const read = collect(part.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    await timersAre(clock, [50]);
    clock.advance(49);
    expect(source.destroyed).toBe(false);
    clock.advance(1);
    expect(await read).toEqual(new MtomIdleError('no data for 50 ms'));
    expect(source.destroyed).toBe(true);
  });
});

describe('MultipartStreamReader: one idle watchdog per part', () => {
  const ct = 'multipart/related; boundary=XB; type="application/xop+xml"; start="<r@h>"';

  it('counts the idle time from the last bytes received, with one timer however many chunks arrive', async () => {
    const source = new PassThrough();
    source.write(
      '--XB\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n<r/>\r\n--XB\r\nContent-ID: <p@h>\r\n\r\n',
    );
    const clock = virtualClock();
    const reader = new MultipartStreamReader(source, ct, { idleTimeoutMs: 50, clock });
    expect((await reader.readRoot(1000)).xml).toBe('<r/>');
    expect(clock.pending()).toBe(0); // nothing waits once the root part is in
    const part = (await reader.nextPart())!;
    const read = collect(part.body);
    for (let i = 0; i < 5; i++) {
      // The first wait sets the watchdog; later waits keep it (due 10 ms on: set again when it
      // fires, for what is left of the idle time since the last bytes).
      await timersAre(clock, [i === 0 ? 50 : 10]);
      clock.advance(40); // quieter than the idle timeout, never silent for 50 ms
      source.write(`chunk ${i};`);
      await new Promise((r) => setImmediate(r)); // the reader takes the chunk
    }
    source.end('\r\n--XB--\r\n');
    expect((await read).toString()).toBe('chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;');
    expect(await reader.nextPart()).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });
});

describe('one framing: the whole-body and the streaming reader refuse the same bodies for the same reason', () => {
  const ct = 'multipart/related; boundary=b; start="<r@h>"';
  const root = '--b\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n<r/>';
  const part = (headers: string, body = 'x'): string => `\r\n--b\r\n${headers}\r\n\r\n${body}`;
  const close = '\r\n--b--\r\n';

  async function streamedFailure(body: Buffer, max: number): Promise<string> {
    try {
      await readAll(chunked(body, max), ct);
    } catch (err) {
      return (err as Error).message;
    }
    return 'read without error';
  }

  function wholeFailure(body: Buffer): string {
    try {
      parseMultipartRelated(body, ct);
    } catch (err) {
      return (err as Error).message;
    }
    return 'read without error';
  }

  it.each([
    ['no parts', '--b--\r\n', 'the multipart body has no parts'],
    ['no boundary', 'no delimiter here', 'the boundary does not occur in the body'],
    [
      'a preamble over 64 KiB',
      `${'p'.repeat(65 * 1024)}\r\n${root}${close}`,
      'the boundary does not occur in the body',
    ],
    [
      'a body cut inside a part',
      `${root}${part('Content-ID: <p@h>', 'abc')}`,
      'the multipart body is truncated: no closing boundary',
    ],
    [
      'a body cut inside part headers',
      `${root}\r\n--b\r\nContent-ID: <p@h>`,
      'the multipart body is truncated in part headers',
    ],
    [
      'a part that ends inside its headers',
      `${root}\r\n--b\r\nContent-ID: <p@h>${close}`,
      'a MIME part has no empty line after its headers',
    ],
    [
      'part headers over 16 KiB',
      `${root}${part(`X-Pad: ${'a'.repeat(17 * 1024)}`)}${close}`,
      'a MIME part has more than 16 KiB of headers',
    ],
    [
      'a repeated Content-ID',
      `${root}${part('Content-ID: <p@h>')}${part('Content-ID: <p@h>')}${close}`,
      'Content-ID repeated: p@h',
    ],
    [
      "a part with the root's Content-ID",
      `${root}${part('Content-ID: <r@h>')}${close}`,
      'Content-ID repeated: r@h',
    ],
    [
      'an unsupported transfer encoding',
      `${root}${part('Content-ID: <p@h>\r\nContent-Transfer-Encoding: quoted-printable')}${close}`,
      'unsupported Content-Transfer-Encoding: quoted-printable',
    ],
    [
      'a root part that is not XML',
      `--b\r\nContent-ID: <r@h>\r\nContent-Type: text/plain\r\n\r\n<r/>${close}`,
      'the root part is not XML: text/plain',
    ],
    [
      'a root part without Content-Type',
      `--b\r\nContent-ID: <r@h>\r\n\r\n<r/>${close}`,
      'the root part is not XML: no Content-Type',
    ],
  ])('%s', async (_name, text, reason) => {
    const body = Buffer.from(text, 'latin1');
    expect(wholeFailure(body)).toBe(reason);
    for (const max of [body.length, 7]) expect(await streamedFailure(body, max)).toBe(reason);
  });

  it('reads a long preamble however it is chunked, delimiter lines only at line starts', async () => {
    // "x--b" is no delimiter line; the real one follows a line break after 60 KiB of preamble.
    const text = `${'p'.repeat(60 * 1024)}x--b\r\n\r\n${root}${part('Content-ID: <p@h>', 'bytes')}${close}`;
    const body = Buffer.from(text, 'latin1');
    expect(wholeFailure(body)).toBe('read without error');
    for (const max of [body.length, 1000, 7]) {
      const got = await readAll(chunked(body, max), ct);
      expect(got).toEqual({
        root: '<r/>',
        parts: [['p@h', 'application/octet-stream', Buffer.from('bytes')]],
      });
    }
  });

  it('more than 65,536 parts', async () => {
    const body = Buffer.from(`${root}${part('').repeat(65_536)}${close}`, 'latin1');
    const reason = 'the multipart body has more than 65536 parts';
    expect(wholeFailure(body)).toBe(reason);
    expect(await streamedFailure(body, body.length)).toBe(reason);
    const justEnough = Buffer.from(`${root}${part('').repeat(65_535)}${close}`, 'latin1');
    expect(parseMultipartRelated(justEnough, ct).rootXml).toBe('<r/>');
  });
});

describe('MultipartFramer: part bodies are views on the received chunks', () => {
  const dash = '--XB';
  const head = `${dash}\r\nContent-ID: <r@h>\r\nContent-Type: application/xop+xml\r\n\r\n<r/>\r\n${dash}\r\nContent-ID: <p@h>\r\n\r\n`;

  /** The framer's start, root and next part's headers, fed `first`. */
  function framerAtPartBody(first: Buffer): MultipartFramer {
    const f = new MultipartFramer('XB');
    f.push(first);
    expect(f.start()).toBe(false);
    expect(f.headers()).not.toBe(MORE);
    expect(f.body()).toEqual(Buffer.from('<r/>'));
    expect(f.body()).toBeNull();
    expect(f.headers()).not.toBe(MORE);
    return f;
  }

  it('hands out each later chunk of a part without copying it when no delimiter can begin at its end', () => {
    const f = framerAtPartBody(Buffer.from(`${head}first`, 'latin1'));
    expect(f.body()).toEqual(Buffer.from('first'));
    expect(f.body()).toBe(MORE);
    const chunk = randomBytes(64 * 1024);
    chunk[chunk.length - 1] = 0x41; // not CR: no delimiter line can begin in the last bytes
    f.push(chunk);
    const got = f.body() as Buffer;
    expect(got.equals(chunk)).toBe(true);
    expect(got.buffer).toBe(chunk.buffer); // the same memory, not a copy
    expect(f.body()).toBe(MORE);
  });

  it('withholds only a tail that may begin the delimiter, at every place the delimiter is cut', () => {
    const tail = Buffer.from(`\r\n${dash}--\r\n`, 'latin1');
    const payload = Buffer.from('ab\r\n-\r\n--X\r\n--XBz\r', 'latin1'); // delimiter-like, none complete
    for (let cut = 0; cut <= tail.length; cut++) {
      const f = framerAtPartBody(Buffer.from(head, 'latin1'));
      f.push(Buffer.concat([payload, tail.subarray(0, cut)]));
      const before: Buffer[] = [];
      let b = f.body();
      for (; b !== null && b !== MORE; b = f.body()) before.push(b);
      // Only the final CR (cut 0) or the cut delimiter itself is held back.
      expect(Buffer.concat(before).toString('latin1')).toBe(
        payload.subarray(0, cut === 0 ? -1 : undefined).toString('latin1'),
      );
      if (b === MORE) {
        f.push(tail.subarray(cut));
        const after: Buffer[] = [];
        for (let c = f.body(); c !== null; c = f.body()) if (c !== MORE) after.push(c);
        expect(Buffer.concat([...before, ...after]).toString('latin1')).toBe(payload.toString('latin1'));
      }
      expect(f.closed).toBe(true);
    }
  });
});
