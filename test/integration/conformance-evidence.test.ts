/**
 * The evidence bundle of a real provider run: every provider check against a clean simulated
 * community of the default pack (plain HTTP, so the security checks are skipped), written by
 * writeEvidence. The bundle holds every exchange the run made, the JUnit XML counts what the run
 * found, paste.txt stays within the portal's 2,000 characters with a full check list, and the zip
 * is the directory.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvidence } from '../../simulator/conformance/evidence.js';
import { runProvider } from '../../simulator/conformance/provider-run.js';
import { pasteLength } from '../../simulator/conformance/report-paste.js';
import { summaryText } from '../../simulator/conformance/report-text.js';
import type { ConformanceRun } from '../../simulator/conformance/run-model.js';
import { attr, parseXml } from '../../simulator/soap/xml.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

let topo: TestTopology;
let work: string;
let run: ConformanceRun;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'nir-sim-evidence-run-'));
  topo = await startTestTopology({ simulated: 1 });
  const c = topo.running.communities[0]!;
  run = await runProvider({
    target: {
      iti38Url: c.endpoints['ITI-38']!,
      iti39Url: c.endpoints['ITI-39']!,
      rad75Url: c.endpoints['RAD-75']!,
      homeCommunityId: c.homeCommunityId,
    },
    seed: 11,
  });
}, 240_000);
afterAll(async () => {
  await topo?.running.stop();
  await rm(work, { recursive: true, force: true });
});

describe('the evidence of a provider run', () => {
  it('holds every exchange and counts what the run found', { timeout: 120_000 }, async () => {
    const failed = run.results.filter((r) => r.outcome === 'failed');
    expect(failed, summaryText(run)).toEqual([]);
    const written = await writeEvidence(run, path.join(work, 'provider'));

    for (const x of run.exchanges) {
      expect(written.files).toContain(`exchanges/${x.name}.json`);
      const request = written.files.find((f) => f.startsWith(`exchanges/${x.name}.request.`))!;
      expect(readFileSync(path.join(written.dir, request)).equals(x.request.body)).toBe(true);
      if (x.response) {
        const response = written.files.find((f) => f.startsWith(`exchanges/${x.name}.response.`))!;
        expect(readFileSync(path.join(written.dir, response)).equals(x.response.body)).toBe(true);
      }
    }
    // ITI-39 answers are MTOM: kept as multipart.
    expect(written.files.some((f) => /^exchanges\/ITI39-.*\.response\.mime$/.test(f))).toBe(true);

    const junit = parseXml(readFileSync(path.join(written.dir, 'junit.xml'), 'utf8')).documentElement!;
    const skipped = run.results.filter((r) => r.outcome === 'skipped').length;
    expect([attr(junit, 'tests'), attr(junit, 'failures'), attr(junit, 'skipped')]).toEqual([
      String(run.results.length),
      '0',
      String(skipped),
    ]);

    const paste = readFileSync(path.join(written.dir, 'paste.txt'), 'utf8').trimEnd();
    expect(pasteLength(paste)).toBeLessThanOrEqual(2000);
    expect(paste.split('\n')[0]).toBe(
      `nir-sim technical conformance, provider mode: PASSED (${run.results.length} checks: ${run.results.length - skipped} passed, 0 failed, ${skipped} skipped)`,
    );
    expect(paste.endsWith('Failed checks: none')).toBe(true);

    const entries = unzipSync(readFileSync(written.zipPath));
    expect(Object.keys(entries).sort()).toEqual(written.files);
    expect(written.zipBytes).toBeLessThan(250_000_000);
  });
});
