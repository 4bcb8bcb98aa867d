/**
 * The report writers of a finished ConformanceRun on a crafted run (crafted-run.ts): the CLI's
 * summary text, paste.txt's bound and content, JUnit XML read back with the project's XML parser,
 * and the Markdown and HTML summaries (same content, every text escaped).
 */
import { describe, expect, it } from 'vitest';
import type { CheckDefinition, CheckResult } from '../../../simulator/conformance/check.js';
import { reportDocument, reportTitle } from '../../../simulator/conformance/report-document.js';
import { renderHtml } from '../../../simulator/conformance/report-html.js';
import { junitXml } from '../../../simulator/conformance/report-junit.js';
import { renderMarkdown } from '../../../simulator/conformance/report-markdown.js';
import {
  PASTE_MAX_CHARS,
  clip,
  pasteLength,
  pasteText,
} from '../../../simulator/conformance/report-paste.js';
import { summaryText } from '../../../simulator/conformance/report-text.js';
import { attr, childElements, parseXml, textOf } from '../../../simulator/soap/xml.js';
import { XSS_MESSAGE, craftedRun } from './crafted-run.js';

describe('summaryText', () => {
  it('prints a line per check (outcome, id, title, message), the onboarding items and the verdict', () => {
    expect(summaryText(craftedRun()).split('\n')).toEqual([
      'provider conformance: responding gateway urn:oid:1.2.3 (ITI-38 https://127.0.0.1:9443/iti38, ITI-39 https://127.0.0.1:9443/iti39, no RAD-75 URL)',
      'PASS  ITI38-HOME  Every object carries home: all 4 objects carry home urn:oid:1.2.3',
      'FAIL  ITI38-STATUS  Status agrees with errors: expected status Success, got Failure | <script>alert(1)</script> & "quotes" second line: RegistryError location',
      'PASS  ITI39-ONE  One document: size 256 and SHA-1 match',
      'SKIP  ITI39-WRONG-REPO  A wrong repository: no second repository in the test data',
      '',
      'UAT-01: 2 passed, 1 failed, 0 skipped',
      'UAT-02: 0 passed, 0 failed, 0 skipped',
      'NFT-01: 0 passed, 1 failed, 0 skipped',
      'NFT-01 response times: p50 12 ms, p95 30 ms, max 30 ms over 2 answers',
      'FAILED: 4 checks, 2 passed, 1 failed, 1 skipped',
      '',
    ]);
  });

  it('says PASSED and names the consumer and broker in consumer mode', () => {
    const run = craftedRun();
    run.mode = 'consumer';
    run.target = {
      brokerUrl: 'https://127.0.0.1:8443',
      consumer: 'CN=acme-pacs',
      since: '2026-12-03T13:00:00Z',
    };
    run.results = run.results.filter((r) => r.outcome !== 'failed');
    delete run.latency;
    const lines = summaryText(run).split('\n');
    expect(lines[0]).toBe(
      'consumer conformance: consumer CN=acme-pacs via the broker at https://127.0.0.1:8443, requests since 2026-12-03T13:00:00Z',
    );
    expect(lines.at(-2)).toBe('PASSED: 3 checks, 2 passed, 0 failed, 1 skipped');
  });
});

describe('pasteText', () => {
  it('puts the facts first: verdict, target, date, version, seed, items, areas, latency, failed ids', () => {
    const text = pasteText(craftedRun());
    expect(text.split('\n')).toEqual([
      'nir-sim technical conformance, provider mode: FAILED (4 checks: 2 passed, 1 failed, 1 skipped)',
      'Target: responding gateway urn:oid:1.2.3 (ITI-38 https://127.0.0.1:9443/iti38, ITI-39 https://127.0.0.1:9443/iti39, no RAD-75 URL)',
      'Date: 2026-12-03T14:00:00.000Z to 2026-12-03T14:00:05.000Z',
      'Tool: nir-sim 0.1.0, seed 42',
      'Topology: none',
      'Test data: default pack, community north-east-imaging-network',
      'UAT-01: 2 passed, 1 failed, 0 skipped',
      'UAT-02: 0 passed, 0 failed, 0 skipped',
      'NFT-01: 0 passed, 1 failed, 0 skipped',
      'Area ITI-38: 1 passed, 1 failed, 0 skipped',
      'Area ITI-39: 1 passed, 0 failed, 1 skipped',
      'NFT-01 response times: p50 12 ms, p95 30 ms, max 30 ms over 2 answers (deadline 5000 ms)',
      'Evidence: the attached zip holds summary.html, junit.xml, run.json and every exchange.',
      'Failed checks (1): ITI38-STATUS',
    ]);
    expect(pasteLength(text)).toBeLessThanOrEqual(PASTE_MAX_CHARS);
  });

  it('stays within 2,000 characters (line breaks counted as CR LF) by shortening the failed list', () => {
    const run = craftedRun();
    const many = 400;
    run.checks = Array.from({ length: many }, (_, i): CheckDefinition => ({
      ...run.checks[0]!,
      id: `ITI38-LONG-MNEMONIC-NUMBER-${i}`,
      items: ['UAT-01'],
    }));
    run.results = run.checks.map((c): CheckResult => ({
      id: c.id,
      outcome: 'failed',
      message: 'x',
      exchanges: [],
    }));
    run.target = { ...(run.target as { homeCommunityId: string; iti38Url: string; iti39Url: string }) };
    run.testDataSource = 'y'.repeat(5000);
    const text = pasteText(run);
    expect(pasteLength(text)).toBeLessThanOrEqual(2000);
    expect(pasteLength(text)).toBeGreaterThan(1900);
    const last = text.split('\n').at(-1)!;
    expect(last).toMatch(
      /^Failed checks \(400\): ITI38-LONG-MNEMONIC-NUMBER-0, ITI38-LONG-MNEMONIC-NUMBER-1, .*, and \d+ more \(summary\.md lists them\)$/,
    );
    expect(text).toContain(`Test data: ${'y'.repeat(299)}…\n`);
    expect(text.split('\n')[0]).toBe(
      'nir-sim technical conformance, provider mode: FAILED (400 checks: 0 passed, 400 failed, 0 skipped)',
    );
  });

  it('cuts even its head when a smaller bound asks for it, never splitting a surrogate pair', () => {
    const text = pasteText(craftedRun(), 100);
    expect(pasteLength(text)).toBeLessThanOrEqual(100);
    expect(text.startsWith('nir-sim technical conformance, provider mode: FAILED')).toBe(true);
    expect(clip('ab\u{1F600}cd', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
    expect(pasteLength('a\nb')).toBe(4);
  });
});

describe('junitXml', () => {
  it('reads back as one testsuite per area, one testcase per check, with failure and skipped messages', () => {
    const doc = parseXml(junitXml(craftedRun()));
    const root = doc.documentElement!;
    expect(root.localName).toBe('testsuites');
    expect([
      attr(root, 'tests'),
      attr(root, 'failures'),
      attr(root, 'skipped'),
      attr(root, 'errors'),
    ]).toEqual(['4', '1', '1', '0']);
    const suites = childElements(root, undefined, 'testsuite');
    expect(
      suites.map((s) => [
        attr(s, 'name'),
        attr(s, 'tests'),
        attr(s, 'failures'),
        attr(s, 'skipped'),
        attr(s, 'time'),
      ]),
    ).toEqual([
      ['ITI-38', '2', '1', '0', '1.512'],
      ['ITI-39', '2', '0', '1', '0.000'],
    ]);
    const cases = suites.flatMap((s) => childElements(s, undefined, 'testcase'));
    expect(cases.map((c) => [attr(c, 'classname'), attr(c, 'name')])).toEqual([
      ['nir-sim.conformance.ITI-38', 'ITI38-HOME: Every object carries home'],
      ['nir-sim.conformance.ITI-38', 'ITI38-STATUS: Status agrees with errors'],
      ['nir-sim.conformance.ITI-39', 'ITI39-ONE: One document'],
      ['nir-sim.conformance.ITI-39', 'ITI39-WRONG-REPO: A wrong repository'],
    ]);
    const failure = childElements(cases[1]!, undefined, 'failure');
    expect(failure).toHaveLength(1);
    // The attribute keeps the message whole, line break and markup included.
    expect(attr(failure[0]!, 'message')).toBe(XSS_MESSAGE);
    expect(textOf(failure[0]!)).toBe(
      `${XSS_MESSAGE}\nexchanges: ITI38-STATUS-01-find-documents\nsource: ebRS 3.0 §2.1.6; IHE ITI TF-3 4.2.4`,
    );
    expect(childElements(cases[0]!)).toEqual([]);
    expect(childElements(cases[2]!)).toEqual([]);
    const skipped = childElements(cases[3]!, undefined, 'skipped');
    expect(skipped.map((s) => attr(s, 'message'))).toEqual(['no second repository in the test data']);
    const props = childElements(childElements(suites[0]!, undefined, 'properties')[0]!).map((p) => [
      attr(p, 'name'),
      attr(p, 'value'),
    ]);
    expect(props).toContainEqual(['seed', '42']);
    expect(props).toContainEqual(['tool', 'nir-sim 0.1.0']);
  });

  it('replaces characters XML cannot carry instead of writing a document no parser reads', () => {
    const run = craftedRun();
    run.results[1]!.message = 'bad \u0001 control and lone \uD800 surrogate';
    const doc = parseXml(junitXml(run));
    const suite = childElements(doc.documentElement!, undefined, 'testsuite')[0]!;
    const failure = childElements(childElements(suite, undefined, 'testcase')[1]!, undefined, 'failure')[0]!;
    expect(attr(failure, 'message')).toBe('bad \uFFFD control and lone \uFFFD surrogate');
  });
});

describe('summary.md and summary.html', () => {
  const run = craftedRun();
  const blocks = reportDocument(run);
  const md = renderMarkdown(blocks);
  const html = renderHtml(reportTitle(run), blocks);

  it('keeps a message with markup as text in both', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      '<td>expected status Success, got Failure | &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;\nsecond line: RegistryError location</td>',
    );
    expect(md).not.toContain('<script>');
    expect(md).toContain(
      '| failed | ITI38-STATUS | Status agrees with errors | expected status Success, got Failure \\| \\<script\\>alert(1)\\</script\\> \\& "quotes" second line: RegistryError location | took 1500 ms | [ITI38-STATUS-01-find-documents](exchanges/ITI38-STATUS-01-find-documents.json) |',
    );
  });

  it('is one self-contained, accessible page: language, title, column headers, outcomes as words', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<title>nir-sim technical conformance report (provider mode)</title>');
    // Nothing loaded from elsewhere: no script, stylesheet link, image or frame.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|\bsrc=|@import|url\(/i);
    expect(html.match(/<h1\b/g)).toHaveLength(1);
    expect(html).toContain('<th scope="col">Outcome</th>');
    expect(html).toContain('<td class="outcome failed">failed</td>');
    expect(html).toContain('<td class="outcome skipped">skipped</td>');
    expect(html).toContain('<a href="exchanges/ITI39-ONE-01-retrieve.json">ITI39-ONE-01-retrieve</a>');
    // A result's duration and measurements; none for a result without.
    expect(html).toContain('<td>took 12 ms; objects 4, p95Ms 12</td>');
    expect(html).toContain('<td>size 256 and SHA-1 match</td><td>none</td>');
    // Every table is named by the heading before it.
    for (const [, label] of html.matchAll(/<table aria-labelledby="([^"]+)">/g)) {
      expect(html).toMatch(new RegExp(`<h[12] id="${label}">`));
    }
  });

  it('say the same: every heading and every check row is in both', () => {
    for (const b of blocks) {
      if (b.kind === 'heading') {
        expect(md).toContain(`${'#'.repeat(b.level)} ${b.text}`);
        expect(html).toContain(`>${b.text}</h${b.level}>`);
      }
    }
    for (const r of run.results) {
      expect(md).toContain(`| ${r.outcome} | ${r.id} |`);
      expect(html).toContain(`<td class="outcome ${r.outcome}">${r.outcome}</td><td>${r.id}</td>`);
    }
    expect(md).toContain('```text\nnir-sim technical conformance, provider mode: FAILED');
    expect(html).toContain('<pre>nir-sim technical conformance, provider mode: FAILED');
  });
});
