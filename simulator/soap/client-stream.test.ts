/**
 * soapCallStreamed (simulator/soap/client-stream.ts): the caller's deadline governs the exchange
 * until the MTOM root part is in (XOP / MTOM, W3C SOAP 1.2 MTOM; RAD TF-3 4.75), and no longer:
 * the binary parts keep streaming at the caller's pace after it fires.
 */
import type http from 'node:http';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualClock } from '../shared/clock.js';
import { SoapCallError } from './client.js';
import { soapCallStreamed } from './client-stream.js';
import { buildSoapEnvelope } from './envelope.js';
import { MtomIdleError } from './mtom-stream-reader.js';
import { listen } from '../../test/helpers/soap-support.js';
import { timersAre } from '../../test/helpers/virtual-time.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const BOUNDARY = 'MIMEBoundary_t';
const PART = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 3]);

function rootPart(): string {
  const xml = buildSoapEnvelope({ action: 'urn:test:R', bodyXml: '<t:R xmlns:t="urn:t">ok</t:R>' });
  return (
    `--${BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n` +
    `Content-ID: <root@t>\r\n\r\n${xml}\r\n`
  );
}

/** A server that sends the head, then (after `sendRoot`) the root part, then (after `sendPart`) one part. */
async function stagedServer(): Promise<{
  url: string;
  requested: Promise<void>;
  sendRoot: () => void;
  sendPart: () => void;
}> {
  let requested!: () => void;
  const gotRequest = new Promise<void>((r) => (requested = r));
  let root!: () => void;
  let part!: () => void;
  const rootGo = new Promise<void>((r) => (root = r));
  const partGo = new Promise<void>((r) => (part = r));
  const handler: http.RequestListener = (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@t>"; start-info="application/soap+xml"`,
      });
      res.flushHeaders();
      requested();
      void rootGo.then(() => {
        // The root part ends at the next delimiter: the part's headers go with it, its bytes later.
        res.write(
          `${rootPart()}--${BOUNDARY}\r\nContent-Type: application/dicom\r\nContent-ID: <p1@t>\r\n\r\n`,
        );
        void partGo.then(() => res.end(Buffer.concat([PART, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)])));
      });
    });
  };
  const s = await listen(handler);
  closers.push(s.close);
  return { url: s.url, requested: gotRequest, sendRoot: root, sendPart: part };
}

const call = (url: string, signal: AbortSignal): ReturnType<typeof soapCallStreamed> =>
  soapCallStreamed({
    url,
    action: 'urn:test:Q',
    bodyXml: '<t:Q xmlns:t="urn:t"/>',
    signal,
    idleTimeoutMs: 30_000,
  });

describe('soapCallStreamed: the deadline', () => {
  it('fails the call with kind timeout when it fires before the root part is in', async () => {
    const s = await stagedServer();
    const deadline = new AbortController();
    const pending = call(s.url, deadline.signal);
    await s.requested;
    deadline.abort();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SoapCallError);
    expect([(err as SoapCallError).kind, (err as SoapCallError).detail]).toEqual([
      'timeout',
      'the call was aborted (AbortError)',
    ]);
  });

  it('no longer applies once the root part is in: the parts stream after it fired', async () => {
    const s = await stagedServer();
    const deadline = new AbortController();
    s.sendRoot();
    const res = await call(s.url, deadline.signal);
    deadline.abort();
    s.sendPart();
    const part = await res.parts.next();
    const bytes = part ? await buffer(part.body) : undefined;
    expect([res.body.localName, part?.contentId, bytes?.equals(PART), await res.parts.next()]).toEqual([
      'R',
      'p1@t',
      true,
      undefined,
    ]);
  });
});

describe('soapCallStreamed: the idle timeout of the parts', () => {
  it("runs on the caller's clock: a part the peer stops sending fails after idleTimeoutMs of that clock's time", async () => {
    const s = await stagedServer();
    const clock = virtualClock();
    s.sendRoot();
    const res = await soapCallStreamed({
      url: s.url,
      action: 'urn:test:Q',
      bodyXml: '<t:Q xmlns:t="urn:t"/>',
      idleTimeoutMs: 60_000,
      clock,
    });
    const part = (await res.parts.next())!;
    const read = buffer(part.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    await timersAre(clock, [60_000]);
    clock.advance(59_999);
    expect(clock.pending()).toBe(1);
    clock.advance(1);
    expect([part.contentId, await read, clock.pending()]).toEqual([
      'p1@t',
      new MtomIdleError('no data for 60000 ms'),
      0,
    ]);
  });
});
