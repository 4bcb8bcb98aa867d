/**
 * XML Schema validation of SOAP 1.2 answers against the IHE schemas (W3C SOAP 1.2 envelope, ebRS
 * 3.0 rim/rs/query/lcm, XDS.b, XDS-I.b) of a reference tree the user points at (`--schemas DIR` or
 * NIR_SIM_REFERENCE_DIR): the tree's `xsd/` directory with `catalog.xml` and the driver schema
 * `local-soap12-envelope-driver.xsd`, which validates env:Envelope strictly and Body content laxly
 * (elements of the imported namespaces are validated). libxml2 compiled to WebAssembly
 * (xmllint-wasm) runs it offline: the import closure is read from disk and preloaded under the same
 * relative names, and each URL `catalog.xml` maps is preloaded under the URL itself, so nothing is
 * fetched from the network. xmllint-wasm is loaded only when schemas are configured.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type * as XmllintWasmModule from 'xmllint-wasm';

type XmllintWasm = typeof XmllintWasmModule;

/** The driver schema's file name in the xsd directory. */
export const DRIVER_SCHEMA = 'local-soap12-envelope-driver.xsd';
const CATALOG = 'catalog.xml';

/** Documents per xmllint run (each run pays the worker start and schema compilation once). */
const BATCH_DOCS = 500;

/** The verdict on one document, in input order; `errors` are libxml2's messages (`line N: ...`). */
export interface XsdVerdict {
  valid: boolean;
  errors: string[];
}

/** A file as xmllint-wasm takes it. */
interface XmlFile {
  fileName: string;
  contents: string;
}

/**
 * The xsd directory `dir` names: `dir` itself when it holds `catalog.xml` and the driver schema,
 * else `dir/xsd` (a whole reference tree).
 * @throws SimError BadArgument naming what is missing.
 */
export function resolveXsdDir(dir: string): string {
  for (const d of [dir, path.join(dir, 'xsd')])
    if (existsSync(path.join(d, CATALOG)) && existsSync(path.join(d, DRIVER_SCHEMA))) return path.resolve(d);
  throw new SimError(
    SimErrorCode.BadArgument,
    `${dir} holds no IHE schemas: give the reference tree's xsd directory (with ${CATALOG} and ${DRIVER_SCHEMA}), or the tree that contains it`,
  );
}

/** The driver and its import/include closure (catalog-mapped URLs under their URL), read from `xsdDir`. */
function schemaFiles(xsdDir: string): { driver: XmlFile; preload: XmlFile[] } {
  const catalog = new Map<string, string>();
  for (const m of readFileSync(path.join(xsdDir, CATALOG), 'utf8').matchAll(
    /<(?:system|uri)\s+(?:systemId|name)="([^"]+)"\s+uri="([^"]+)"/g,
  ))
    if (m[1] && m[2]) catalog.set(m[1], path.posix.normalize(m[2]));
  const files = new Map<string, string>();
  const queue = [DRIVER_SCHEMA];
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    if (files.has(rel)) continue;
    const onDisk = catalog.get(rel) ?? rel;
    if (/^[a-z]+:\/\//i.test(onDisk))
      throw new SimError(
        SimErrorCode.BadArgument,
        `schema ${rel} is remote and ${path.join(xsdDir, CATALOG)} does not map it to a file`,
      );
    const text = readFileSync(path.join(xsdDir, onDisk), 'utf8');
    files.set(rel, text);
    for (const m of text
      .replace(/<!--[\s\S]*?-->/g, '')
      .matchAll(/<(?:[\w-]+:)?(?:import|include|redefine)\b[^>]*?schemaLocation="([^"]+)"/g)) {
      const loc = m[1] ?? '';
      queue.push(
        /^[a-z]+:\/\//i.test(loc) ? loc : path.posix.normalize(path.posix.join(path.posix.dirname(rel), loc)),
      );
    }
  }
  const all = [...files].map(([fileName, contents]) => ({ fileName, contents }));
  return { driver: all[0]!, preload: all.slice(1) };
}

/**
 * Validate each envelope (text) against the schemas of `xsdDir`.
 * @throws SimError BadArgument when xmllint-wasm is not installed or the schemas do not compile.
 */
export async function validateEnvelopes(xsdDir: string, xmls: readonly string[]): Promise<XsdVerdict[]> {
  if (xmls.length === 0) return [];
  const { driver, preload } = schemaFiles(xsdDir);
  let lib: XmllintWasm;
  try {
    lib = await import('xmllint-wasm');
  } catch {
    throw new SimError(
      SimErrorCode.BadArgument,
      'IHE schema validation needs the npm package xmllint-wasm: install it (npm install xmllint-wasm) or leave --schemas out',
    );
  }
  const verdicts: XsdVerdict[] = [];
  for (let start = 0; start < xmls.length; start += BATCH_DOCS) {
    const docs = xmls
      .slice(start, start + BATCH_DOCS)
      .map((contents, i) => ({ fileName: `doc-${start + i}.xml`, contents }));
    let out: string;
    try {
      out = (
        await lib.validateXML({ xml: docs, schema: driver, preload, maxMemoryPages: lib.memoryPages.GiB })
      ).rawOutput;
    } catch (err) {
      // Exit status 1: a document is not well-formed; its verdict is still on stderr.
      if ((err as { code?: unknown }).code !== 1)
        throw new SimError(
          SimErrorCode.BadArgument,
          `the IHE schemas in ${xsdDir} could not be used: ${err instanceof Error ? err.message : String(err)}`,
        );
      out = err instanceof Error ? err.message : String(err);
    }
    verdicts.push(...parseOutput(out, start, docs.length));
  }
  return verdicts;
}

/** Attribute xmllint's output lines to the documents of one batch. */
function parseOutput(out: string, offset: number, count: number): XsdVerdict[] {
  const results = Array.from({ length: count }, () => ({ valid: false, errors: [] as string[] }));
  for (const line of out.split('\n')) {
    const m = /^doc-(\d+)\.xml(?::(\d+):)?\s?(.*)$/.exec(line);
    const target = m ? results[Number(m[1]) - offset] : undefined;
    if (!m || !target) continue;
    const rest = m[3] ?? '';
    if (m[2] === undefined && rest === 'validates') target.valid = true;
    else if (m[2] === undefined && rest === 'fails to validate') continue;
    else target.errors.push(m[2] === undefined ? rest : `line ${m[2]}: ${rest.trim()}`);
  }
  for (const r of results)
    if (!r.valid && r.errors.length === 0) r.errors.push('not validated (xmllint gave no verdict)');
  return results;
}
