/**
 * `sim up --detach` describes the topology once: the parent hands its validated spec to the
 * background `up` through a file named by NIR_SIM_UP_SPEC, which the child takes (reads once,
 * removes) instead of reading the topology file again.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HANDED_SPEC_ENV, takeHandedSpec } from './detach.js';
import { specFromFlags } from '../topology/topology-from-options.js';
import { SimError } from '../shared/errors.js';

describe('the topology handed from up --detach to the background up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-handover-'));
  });
  afterEach(() => {
    delete process.env[HANDED_SPEC_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  it('is nothing when the process was not started by up --detach', () => {
    delete process.env[HANDED_SPEC_ENV];
    expect(takeHandedSpec()).toBeUndefined();
  });

  it('is the spec and base directory the parent described, read once', () => {
    const spec = specFromFlags({ portBase: 0, host: '127.0.0.1', gateways: 2, deadlineMs: 2000 });
    const file = path.join(dir, 'up-spec.json');
    writeFileSync(file, JSON.stringify({ spec, baseDir: '/topologies' }));
    process.env[HANDED_SPEC_ENV] = file;
    expect(takeHandedSpec()).toEqual({
      spec: {
        schemaVersion: 1,
        seed: 1,
        broker: { deadlineMs: 2000, consumers: {} },
        external: [],
        faults: [],
        gateways: 2,
      },
      baseDir: '/topologies',
    });
    expect(existsSync(file)).toBe(false);
  });

  it('is refused with SIM_ERR_INTERNAL when the file holds no topology spec', () => {
    const file = path.join(dir, 'up-spec.json');
    writeFileSync(file, JSON.stringify({ spec: { schemaVersion: 7 }, baseDir: '/t' }));
    process.env[HANDED_SPEC_ENV] = file;
    const err = (() => {
      try {
        takeHandedSpec();
      } catch (e) {
        return e;
      }
    })() as SimError;
    expect(err).toBeInstanceOf(SimError);
    expect([err.code, err.message]).toEqual([
      'SIM_ERR_INTERNAL',
      `${file} does not hold a topology spec and its base directory`,
    ]);
  });
});
