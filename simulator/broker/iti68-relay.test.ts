import { createHash } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { virtualClock } from '../shared/clock.js';
import { relayDocument } from './iti68-relay.js';

/** A consumer that keeps what it is written and whether the end was written. */
function consumer(): { out: Writable; got: Buffer[]; ended: () => boolean } {
  const got: Buffer[] = [];
  let ended = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { out, got, ended: () => ended };
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const tick = () => new Promise((r) => setImmediate(r));

describe('relayDocument (ITI-68 bytes, checked on the way)', () => {
  const a = Buffer.from('first chunk ');
  const b = Buffer.from('last chunk');
  const whole = Buffer.concat([a, b]);

  it('relays every byte and ends the body when size and SHA-1 match', async () => {
    const clock = virtualClock(0);
    const src = new PassThrough();
    const c = consumer();
    const done = relayDocument(
      src,
      c.out,
      { size: whole.length, sha1: sha1(whole).toUpperCase() },
      { idleTimeoutMs: 1000, clock },
    );
    src.write(a);
    src.end(b);
    expect(await done).toEqual({ outcome: 'complete', bytes: whole.length, sha1: sha1(whole) });
    expect(Buffer.concat(c.got).equals(whole)).toBe(true);
    expect(c.ended()).toBe(true);
  });

  it('a hash mismatch: the last chunk is never written, the consumer destroyed', async () => {
    const clock = virtualClock(0);
    const src = new PassThrough();
    const c = consumer();
    const done = relayDocument(src, c.out, { sha1: sha1(a) }, { idleTimeoutMs: 1000, clock });
    src.write(a);
    await tick();
    src.end(b);
    expect(await done).toEqual({
      outcome: 'mismatch',
      bytes: whole.length,
      detail: `the SHA-1 of the ${whole.length} bytes the community sent is ${sha1(whole)}, but the document's hash is ${sha1(a)}`,
    });
    expect(Buffer.concat(c.got).equals(a)).toBe(true);
    expect(c.ended()).toBe(false);
    expect(c.out.destroyed).toBe(true);
  });

  it('more bytes than the size: stopped at once, the source destroyed', async () => {
    const clock = virtualClock(0);
    const src = new PassThrough();
    const c = consumer();
    const done = relayDocument(src, c.out, { size: a.length - 1 }, { idleTimeoutMs: 1000, clock });
    src.write(a);
    expect(await done).toEqual({
      outcome: 'mismatch',
      bytes: a.length,
      detail: `the community sent more than the ${a.length - 1} bytes of the document's size`,
    });
    expect(c.got).toEqual([]);
    expect(src.destroyed).toBe(true);
  });

  it('a community silent for idleTimeoutMs of the clock: broken (timeout)', async () => {
    const clock = virtualClock(0);
    const src = new PassThrough();
    const c = consumer();
    const done = relayDocument(src, c.out, {}, { idleTimeoutMs: 1000, clock });
    src.write(a);
    await tick();
    clock.advance(999);
    await tick();
    expect(src.destroyed).toBe(false);
    clock.advance(1);
    expect(await done).toEqual({
      outcome: 'broken',
      reason: 'timeout',
      bytes: a.length,
      detail: `the community sent nothing for 1000 ms after ${a.length} bytes`,
    });
    expect(src.destroyed).toBe(true);
    expect(c.ended()).toBe(false);
  });

  it("a source that errors is the community's failure; a consumer that closes is not", async () => {
    const clock = virtualClock(0);
    const src = new PassThrough();
    const done = relayDocument(src, consumer().out, {}, { idleTimeoutMs: 1000, clock });
    src.write(a);
    await tick();
    src.destroy(new Error('other side closed'));
    expect(await done).toEqual({
      outcome: 'broken',
      reason: 'reset',
      bytes: a.length,
      detail: `the community's stream broke after ${a.length} bytes: other side closed`,
    });

    const src2 = new PassThrough();
    const c2 = consumer();
    const gone = relayDocument(src2, c2.out, {}, { idleTimeoutMs: 1000, clock });
    src2.write(a);
    await tick();
    c2.out.destroy();
    expect(await gone).toEqual({ outcome: 'consumer-gone', bytes: a.length });
    expect(src2.destroyed).toBe(true);
  });
});
