/**
 * The reporters: console text per step with differences, JSON as data, and JUnit XML that is
 * well-formed whatever the text holds (markup, quotes, control characters, lone surrogates).
 */
import { describe, expect, it } from 'vitest';
import { consoleReport, jsonReport, junitReport, report } from './reporters/index.js';
import type { ScenarioResult } from './result.js';
import { attr, childElements, parseXml, textOf } from '../soap/xml.js';

const nasty = 'codeContext "<b>&amp;</b>" it\'s \u0001 broken \uD800 here';

const results: ScenarioResult[] = [
  {
    name: 'one-network-times-out',
    description: 'One network never answers & the deadline bounds it',
    file: 'scenarios/one-network-times-out.scenario.yaml',
    passed: false,
    durationMs: 1234,
    steps: [
      {
        index: 1,
        id: 'find',
        kind: 'query',
        title: 'ITI-38 FindDocuments',
        passed: true,
        differences: [],
        durationMs: 1012,
      },
      {
        index: 2,
        id: 'step-2',
        kind: 'retrieve',
        title: 'ITI-39 <3> documents',
        passed: false,
        differences: [
          'status: expected PartialSuccess, got Success',
          `errors: unexpected XDSRegistryError (Error) at x: ${nasty}`,
        ],
        durationMs: 15,
      },
    ],
  },
  {
    name: 'known-to-all-networks',
    description: 'UAT-01',
    passed: true,
    durationMs: 100,
    steps: [
      {
        index: 1,
        id: 'step-1',
        kind: 'wait',
        title: 'wait 5 ms',
        passed: true,
        differences: [],
        durationMs: 5,
      },
    ],
  },
];

describe('consoleReport', () => {
  it('prints PASS / FAIL per step with every difference under a failed one', () => {
    expect(consoleReport([results[0]!])).toBe(
      [
        'scenario one-network-times-out: One network never answers & the deadline bounds it  (scenarios/one-network-times-out.scenario.yaml)',
        '  PASS   1 query find: ITI-38 FindDocuments  (1012 ms)',
        '  FAIL   2 retrieve step-2: ITI-39 <3> documents  (15 ms)',
        '          status: expected PartialSuccess, got Success',
        `          errors: unexpected XDSRegistryError (Error) at x: ${nasty}`,
        'FAILED one-network-times-out: 1/2 steps passed (1.2 s)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('ends a run of several scenarios with a total', () => {
    expect(consoleReport(results).trimEnd().split('\n').at(-1)).toBe(
      '1/2 scenarios passed; failed: one-network-times-out',
    );
  });
});

describe('jsonReport', () => {
  it('is the results as data', () => {
    expect(JSON.parse(jsonReport(results))).toEqual({ passed: false, scenarios: results });
    expect(report('json', [results[1]!])).toBe(jsonReport([results[1]!]));
  });
});

describe('junitReport', () => {
  it('is well-formed JUnit XML with one testsuite per scenario and one testcase per step', () => {
    const xml = junitReport(results);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const root = parseXml(xml).documentElement!;
    expect(root.localName).toBe('testsuites');
    expect([attr(root, 'tests'), attr(root, 'failures'), attr(root, 'errors')]).toEqual(['3', '1', '0']);
    const suites = childElements(root, undefined, 'testsuite');
    expect(
      suites.map((s) => [attr(s, 'name'), attr(s, 'tests'), attr(s, 'failures'), attr(s, 'time')]),
    ).toEqual([
      ['one-network-times-out', '2', '1', '1.234'],
      ['known-to-all-networks', '1', '0', '0.100'],
    ]);
    const props = childElements(childElements(suites[0]!, undefined, 'properties')[0]!);
    expect(props.map((p) => [attr(p, 'name'), attr(p, 'value')])).toEqual([
      ['description', 'One network never answers & the deadline bounds it'],
      ['file', 'scenarios/one-network-times-out.scenario.yaml'],
    ]);
    const cases = childElements(suites[0]!, undefined, 'testcase');
    expect(cases.map((c) => [attr(c, 'classname'), attr(c, 'name'), attr(c, 'time')])).toEqual([
      ['nir-sim.scenario.one-network-times-out', '01 query find: ITI-38 FindDocuments', '1.012'],
      ['nir-sim.scenario.one-network-times-out', '02 retrieve step-2: ITI-39 <3> documents', '0.015'],
    ]);
    expect(childElements(cases[0]!)).toEqual([]);
    const failure = childElements(cases[1]!, undefined, 'failure')[0]!;
    expect(attr(failure, 'message')).toBe('status: expected PartialSuccess, got Success');
    const cleaned = nasty.replace('\u0001', '\uFFFD').replace('\uD800', '\uFFFD');
    expect(textOf(failure)).toBe(
      `status: expected PartialSuccess, got Success\nerrors: unexpected XDSRegistryError (Error) at x: ${cleaned}`,
    );
  });
});
