/**
 * Hostile-XML benchmark: the cost of reading a SOAP 1.2 envelope whose Body nests `<a>` elements
 * `depth` deep (`'<a>'.repeat(depth) + '</a>'.repeat(depth)`), through `parseSoapXml` as every
 * SOAP endpoint and client does. With the hardened parser's depth limit the read stops at the
 * limit, so the time stays flat as the depth grows; without it, it grows quadratically (saxes
 * resolves each element's namespace prefix by walking the open-tag stack). Prints figures only;
 * asserts nothing; each printed figure is also recorded (`recordFigure`). Run alone with `npx tsx bench/xml-hostile.ts [depth ...]`; `xmlHostileBench()`
 * is the entry point for `bench/run.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseSoapXml } from '../simulator/soap/message-body.js';
import { recordFigure } from './figures.js';

/** The depths measured by default. */
const DEFAULT_DEPTHS = [1_000, 10_000, 30_000, 100_000] as const;

/** A SOAP 1.2 envelope whose Body holds `depth` nested `<a>` elements. */
function deepEnvelope(depth: number): string {
  return (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>' +
    '<a>'.repeat(depth) +
    '</a>'.repeat(depth) +
    '</env:Body></env:Envelope>'
  );
}

/** ms to read `xml` with `parseSoapXml`, and how it ended (`ok` or the fault reason). */
function timeRead(xml: string): { ms: number; outcome: string } {
  const t0 = performance.now();
  let outcome = 'ok';
  try {
    parseSoapXml(xml, []);
  } catch (err) {
    outcome = err instanceof Error ? `refused: ${err.message}` : 'refused';
  }
  return { ms: performance.now() - t0, outcome };
}

/**
 * The worst case within the limits: `blocks` runs of `<a>` nested 60 deep (the Body's children
 * start at depth 3, so the deepest is 62 of 64) side by side, every element resolving its
 * namespace through the whole stack.
 */
function wideDeepEnvelope(blocks: number): string {
  const block = '<a>'.repeat(60) + '</a>'.repeat(60);
  return (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><b>' +
    block.repeat(blocks) +
    '</b></env:Body></env:Envelope>'
  );
}

/** Run the benchmark over `depths` and print one line per depth, then the within-limits worst case. */
export function xmlHostileBench(depths: readonly number[] = DEFAULT_DEPTHS): void {
  console.log('xml-hostile: parseSoapXml of an envelope with <a> nested N deep');
  timeRead(deepEnvelope(100)); // warm-up
  for (const depth of depths) {
    const xml = deepEnvelope(depth);
    const { ms, outcome } = timeRead(xml);
    const kb = (Buffer.byteLength(xml) / 1024).toFixed(0);
    console.log(
      `  depth ${String(depth).padStart(7)} (${kb.padStart(5)} KB)  ${ms.toFixed(1).padStart(9)} ms  ${outcome}`,
    );
    recordFigure({
      section: 'xml-hostile',
      name: `depth ${depth}`,
      value: ms,
      unit: 'ms',
      detail: `${kb} KB, ${outcome}`,
    });
  }
  console.log('  within the limits: runs of <a> nested 60 deep side by side (µs/element should stay flat)');
  for (const blocks of [400, 800, 1_600, 3_200]) {
    const xml = wideDeepEnvelope(blocks);
    const { ms, outcome } = timeRead(xml);
    const elements = blocks * 60;
    const kb = (Buffer.byteLength(xml) / 1024).toFixed(0);
    const perElement = (ms * 1000) / elements;
    console.log(
      `  ${String(elements).padStart(7)} elements (${kb.padStart(5)} KB)  ${ms.toFixed(1).padStart(9)} ms  ` +
        `${perElement.toFixed(2)} µs/element  ${outcome}`,
    );
    recordFigure({
      section: 'xml-hostile',
      name: `${elements} elements nested 60 deep`,
      value: perElement,
      unit: 'µs',
      detail: `per element; ${kb} KB in ${ms.toFixed(1)} ms, ${outcome}`,
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2).map(Number);
  xmlHostileBench(args.length > 0 ? args : DEFAULT_DEPTHS);
}
