/**
 * The dashboard's files and the fault schema on a real control API: `/ui` redirected to `/ui/`
 * (which serves the page with its import map, not a redirect to itself), Preact and htm served from
 * node_modules, an unknown vendor file or a path outside dashboard/ answered 404 JSON, and
 * `GET /fault-schema` the JSON Schema of every fault kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../faults/fault-spec.js';
import { FaultStore } from '../faults/fault-store.js';
import { silentLogger } from '../shared/logger.js';
import { startControlApi, type RunningControlApi } from './control-api.js';
import { SimEvents } from './events.js';

describe('/ui and /fault-schema', () => {
  let api: RunningControlApi;
  beforeAll(async () => {
    api = await startControlApi({
      host: '127.0.0.1',
      port: 0,
      faults: new FaultStore(1, () => ['north']),
      events: new SimEvents(),
      topology: () => ({ broker: { url: '', endpoints: {} }, communities: [], seed: 1 }),
      logger: silentLogger(),
    });
  });
  afterAll(async () => api.stop());

  it('redirects /ui to /ui/ and serves the page there, with its import map', async () => {
    const bare = await fetch(`${api.url}/ui`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/');
    const page = await fetch(`${api.url}/ui/`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await page.text();
    expect(text).toContain('<script type="importmap">');
    expect(text).toContain('"preact": "./vendor/preact.module.js"');
    expect(text).toContain('<script type="module" src="./app.js"></script>');
  });

  it('serves Preact, its hooks and htm as ES modules, and nothing else of node_modules', async () => {
    for (const [file, marker] of [
      ['preact.module.js', 'export{'],
      ['hooks.module.js', 'from"preact"'],
      ['htm.module.js', 'export default'],
    ] as const) {
      const res = await fetch(`${api.url}/ui/vendor/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe('text/javascript; charset=utf-8');
      expect(await res.text(), file).toContain(marker);
    }
    for (const path of ['/ui/vendor/preact.js', '/ui/../package.json', '/ui/%2e%2e/package.json']) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toEqual({ error: expect.stringMatching(/^no route GET /) as string });
    }
  });

  it('publishes the JSON Schema of every fault kind, with defaults', async () => {
    const res = await fetch(`${api.url}/fault-schema`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/schema+json; charset=utf-8');
    const schema = (await res.json()) as {
      $schema: string;
      oneOf: { properties: Record<string, { const?: string; default?: unknown }>; required: string[] }[];
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.oneOf.map((k) => k.properties['kind']!.const)).toEqual(FAULT_KINDS);
    const latency = schema.oneOf.find((k) => k.properties['kind']!.const === 'latency')!;
    expect(latency.required).toEqual(['name', 'gateway', 'kind', 'latencyMs']);
    expect(latency.properties['jitterMs']!.default).toBe(0);
    expect(latency.properties['probability']!.default).toBe(1);
  });
});
