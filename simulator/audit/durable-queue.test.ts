/**
 * The durable queue on a real directory: FIFO, acknowledgements that survive reopening, a torn
 * last line cut off, segments removed once acknowledged, one holder at a time, dead letters.
 */
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableQueue, queueDepthOnDisk } from './durable-queue.js';
import { SimError } from '../shared/errors.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nir-sim-queue-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const item = (n: number) => ({ id: `e${n}`, json: JSON.stringify({ id: `e${n}`, n }) });

function drain(q: DurableQueue): string[] {
  const ids: string[] = [];
  for (let h = q.peek(); h; h = q.peek()) {
    ids.push(h.id);
    q.ack();
  }
  return ids;
}

describe('DurableQueue', () => {
  it('delivers in order and keeps what was not acknowledged across a reopen', () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir);
    for (let i = 1; i <= 5; i++) q.append(item(i));
    expect(q.peek()).toEqual(item(1));
    q.ack();
    q.ack();
    expect(q.depth).toBe(3);
    q.close();
    expect(queueDepthOnDisk(dir)).toBe(3);
    const again = DurableQueue.open(dir);
    expect(again.depth).toBe(3);
    again.append(item(6));
    expect(drain(again)).toEqual(['e3', 'e4', 'e5', 'e6']);
    again.close();
    expect(queueDepthOnDisk(dir)).toBe(0);
    expect(DurableQueue.open(dir).depth).toBe(0);
  });

  it('writes acknowledgements within ackIntervalMs, not one by one, and the latest on close', async () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir, { ackIntervalMs: 50 });
    for (let i = 1; i <= 5; i++) q.append(item(i));
    q.ack();
    q.ack();
    expect([q.depth, queueDepthOnDisk(dir)]).toEqual([3, 5]); // not written yet
    await new Promise((r) => setTimeout(r, 200)); // the 50 ms timer fires first, however busy the machine
    expect(queueDepthOnDisk(dir)).toBe(3);
    q.ack();
    expect(queueDepthOnDisk(dir)).toBe(3);
    q.close();
    expect(queueDepthOnDisk(dir)).toBe(2);
  });

  it('cuts off a torn last line (a crash mid-write) and appends after it', () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir);
    q.append(item(1));
    q.close();
    appendFileSync(path.join(dir, 'journal-0000000001.ndjson'), '{"id":"e2","n"');
    const again = DurableQueue.open(dir);
    again.append(item(3));
    expect(drain(again)).toEqual(['e1', 'e3']);
    again.close();
    expect(readFileSync(path.join(dir, 'journal-0000000001.ndjson'), 'utf8')).toBe(
      `${item(1).json}\n${item(3).json}\n`,
    );
  });

  it('rolls over to new segments and removes each once every item in it is acknowledged', () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir, { segmentBytes: 20 });
    for (let i = 1; i <= 6; i++) q.append(item(i));
    const segments = () =>
      readdirSync(dir)
        .filter((f) => f.startsWith('journal-'))
        .sort();
    expect(segments()).toHaveLength(6);
    q.ack();
    q.ack();
    expect(segments()).toEqual([
      'journal-0000000003.ndjson',
      'journal-0000000004.ndjson',
      'journal-0000000005.ndjson',
      'journal-0000000006.ndjson',
    ]);
    q.close();
    const again = DurableQueue.open(dir, { segmentBytes: 20 });
    expect(drain(again)).toEqual(['e3', 'e4', 'e5', 'e6']);
    again.append(item(7));
    expect(segments()).toEqual(['journal-0000000007.ndjson']);
    again.close();
  });

  it('is held by one queue at a time', () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir);
    expect(() => DurableQueue.open(dir)).toThrow(SimError);
    expect(() => DurableQueue.open(dir)).toThrow(
      `audit queue ${dir} is in use by process ${process.pid}: stop that nir-sim, or give this run another audit directory`,
    );
    q.close();
    DurableQueue.open(dir).close();
  });

  it('sets a refused item aside with the reason and moves on', () => {
    const dir = tempDir();
    const q = DurableQueue.open(dir);
    q.append(item(1));
    q.append(item(2));
    q.deadLetter('HTTP 400: invalid');
    expect(q.peek()?.id).toBe('e2');
    q.close();
    expect(readFileSync(path.join(dir, 'rejected.ndjson'), 'utf8')).toBe(
      JSON.stringify({ id: 'e1', reason: 'HTTP 400: invalid', item: { id: 'e1', n: 1 } }) + '\n',
    );
  });
});
