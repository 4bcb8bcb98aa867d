import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonDepth } from './json-depth.js';

describe('jsonDepth', () => {
  it('counts arrays and objects, not scalars', () => {
    expect([jsonDepth(1), jsonDepth('x'), jsonDepth(null), jsonDepth([]), jsonDepth({})]).toEqual([
      0, 0, 0, 1, 1,
    ]);
    expect(jsonDepth({ a: [1, { b: [[]] }], c: {} })).toBe(5);
  });

  it('finds the deepest branch wherever it is', () => {
    expect(jsonDepth([[], [[[]]], []])).toBe(4);
    expect(jsonDepth({ x: 1, y: { z: { w: {} } }, v: [] })).toBe(4);
  });

  it('stops once past the limit: a value 10^6 deep is measured as limit + 1 without recursion', () => {
    const deep = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000)) as unknown;
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(jsonDepth(deep)).toBe(65);
    expect(jsonDepth(deep, 10)).toBe(11);
  });
});
