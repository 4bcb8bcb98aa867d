/**
 * `npm run sim data-pack generate -- --imaging ...` as a user runs it: the flags reach the pack,
 * and a flag out of range or without --imaging is one line that says what to fix, exit 64.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSim, type SimRun } from '../../helpers/sim-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-imaging-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `sim data-pack generate <args>`: the exit code and stderr (stdout names a temporary path). */
function sim(...args: string[]): Pick<SimRun, 'code' | 'stderr'> {
  const { code, stderr } = runSim(['data-pack', 'generate', ...args]);
  return { code, stderr };
}

describe('sim data-pack generate --imaging', () => {
  it('writes the imaging the flags ask for', () => {
    const out = path.join(dir, 'pack');
    const r = sim(
      '--seed',
      '3',
      '--communities',
      '1',
      '--patients',
      '3',
      '--imaging',
      '--series',
      '2',
      '--instances',
      '3',
      '--rows',
      '8',
      '--cols',
      '4',
      '--frames',
      '2',
      '--out',
      out,
    );
    expect(r).toEqual({ code: 0, stderr: '' });
    const manifest = JSON.parse(readFileSync(path.join(out, 'pack.json'), 'utf8')) as { imaging: unknown };
    expect(manifest.imaging).toEqual({
      series: 2,
      instances: 3,
      rows: 8,
      columns: 4,
      frames: 2,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    });
  });

  it.each([
    [['--series', '2'], 'nir-sim: --series applies only to imaging packs: add --imaging'],
    [['--imaging', '--cols', '0'], 'nir-sim: --cols 0 must be a whole number from 1 to 4096'],
    [['--imaging', '--frames', '1.5'], 'nir-sim: --frames 1.5 must be a whole number from 1 to 1000'],
  ])('%j: one line, exit 64', (args, message) => {
    expect(sim(...args, '--out', path.join(dir, 'never'))).toEqual({ code: 64, stderr: message });
  });
});
