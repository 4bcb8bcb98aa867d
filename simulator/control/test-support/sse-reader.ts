/**
 * A test client of `GET /events`: opens the stream with fetch and parses it as the WHATWG HTML
 * Living Standard "Parsing an event stream" says for the fields the control API sends (`id`,
 * `event`, one `data` line of JSON, comment lines), so that tests can wait for one event.
 */
import { expect } from 'vitest';

/** One parsed SSE event. */
export interface Sse {
  id?: string;
  event: string;
  data: unknown;
}

/** An open `GET /events` with the events parsed so far and a way to wait for one. */
export interface Reader {
  events: Sse[];
  comments: string[];
  next(kind: string, where?: (data: unknown) => boolean): Promise<Sse>;
  close(): void;
}

/** Open the stream and parse it (WHATWG HTML "Parsing an event stream", the fields used here). */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<Reader> {
  const ac = new AbortController();
  const res = await fetch(`${url}/events`, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const events: Sse[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const e: Partial<Sse> & { raw?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6));
          }
          if (e.event !== undefined) events.push(e as Sse);
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    }
  })();
  const next = async (kind: string, where: (d: unknown) => boolean = () => true): Promise<Sse> => {
    for (;;) {
      const found = events.find((e) => e.event === kind && where(e.data));
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { events, comments, next, close: () => ac.abort() };
}
