/**
 * XML Schema validation of whole SOAP 1.2 envelopes against the IHE schemas in the shared reference
 * tree, with libxml2 compiled to WebAssembly (xmllint-wasm): no system package is needed.
 *
 * Schema: `xsd/local-soap12-envelope-driver.xsd` imports the W3C SOAP 1.2 envelope, ebRS 3.0 (rim,
 * rs, query, lcm), XDS.b and XDS-I.b schemas. Envelope/Header/Body are validated strictly; Body
 * content is `processContents="lax"`, so body elements in those namespaces are validated and others
 * skipped (WS-Addressing and WS-Security headers have no schema here and are skipped too).
 *
 * The import closure is read from disk and preloaded into the WASM file system under the same
 * relative names, so relative schemaLocations resolve. `rim.xsd` imports
 * `http://www.w3.org/2001/xml.xsd`; `xsd/catalog.xml` maps that URL to `w3c/xml.xsd`, and the mapped
 * file is preloaded under the URL itself: libxml2 without network support opens such a URL as the
 * path `/http://www.w3.org/2001/xml.xsd`, which the preload satisfies, so the catalog is honoured
 * offline whatever the import order. (`--nonet` is deliberately not passed: it refuses that name.)
 *
 * Cost (measured in the dev container, Node 20, 2 CPUs): a fixed ~130 ms per xmllint run on an idle
 * machine (~500 ms under load: worker start, WASM instantiation, schema compilation), plus per
 * document ~0.3-0.6 ms for a 1 KB request and ~2.5 ms for a 35 KB LeafClass response. So pass many
 * documents per call: up to 2000 documents / 64 MB share one run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { memoryPages, validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { requireReferenceDir } from './repo-root.js';

/** Driver schema, relative to the reference directory. */
const DRIVER_SCHEMA = 'xsd/local-soap12-envelope-driver.xsd';
const CATALOG = 'xsd/catalog.xml';

const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
/** Namespaces the driver imports, i.e. the Body children that lax validation really checks. */
const VALIDATED_BODY_NAMESPACES: readonly string[] = [
  SOAP12_NS, // env:Fault
  'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
  'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  'urn:ihe:iti:xds-b:2007',
  'urn:ihe:rad:xdsi-b:2009',
];

/** Outcome for one document, in input order. */
interface SchemaResult {
  valid: boolean;
  /** libxml2 messages as `line N: ...`, plus this helper's structural checks. Empty when valid. */
  errors: string[];
}

interface ValidateOptions {
  /**
   * Also require the root to be a SOAP 1.2 `Envelope` and every Body child to be in a namespace the
   * driver imports (default true). Without this, a bare body or a body element in an unexpected
   * namespace passes: the driver declares those roots globally and lax validation skips the unknown.
   */
  strictEnvelope?: boolean;
  /** Apply {@link xopToInlineForValidation} to string inputs first (default false). */
  inlineXop?: boolean;
}

let schemaCache: { driver: XMLFileInfo; preload: XMLFileInfo[] } | undefined;

/** The driver and its import/include closure, plus catalog-mapped URLs, read once. */
function schemaFiles(): { driver: XMLFileInfo; preload: XMLFileInfo[] } {
  if (schemaCache) return schemaCache;
  const ref = requireReferenceDir();
  const catalogDir = path.dirname(path.join(ref, CATALOG));
  const catalog = new Map<string, string>();
  for (const m of readFileSync(path.join(ref, CATALOG), 'utf8').matchAll(
    /<(?:system|uri)\s+(?:systemId|name)="([^"]+)"\s+uri="([^"]+)"/g,
  )) {
    if (m[1] && m[2]) catalog.set(m[1], path.relative(ref, path.resolve(catalogDir, m[2])));
  }
  const files = new Map<string, string>();
  const queue = [DRIVER_SCHEMA];
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    if (files.has(rel)) continue;
    const onDisk = catalog.get(rel) ?? rel;
    if (/^[a-z]+:\/\//i.test(onDisk)) throw new Error(`schema ${rel} is remote and not mapped by ${CATALOG}`);
    const text = readFileSync(path.join(ref, onDisk), 'utf8');
    files.set(rel, text);
    const uncommented = text.replace(/<!--[\s\S]*?-->/g, '');
    for (const m of uncommented.matchAll(
      /<(?:[\w-]+:)?(?:import|include|redefine)\b[^>]*?schemaLocation="([^"]+)"/g,
    )) {
      const loc = m[1] ?? '';
      queue.push(
        /^[a-z]+:\/\//i.test(loc) ? loc : path.posix.normalize(path.posix.join(path.posix.dirname(rel), loc)),
      );
    }
  }
  const all = [...files].map(([fileName, contents]) => ({ fileName, contents }));
  const driver = all.find((f) => f.fileName === DRIVER_SCHEMA);
  if (!driver) throw new Error(`driver schema ${DRIVER_SCHEMA} not loaded`);
  schemaCache = { driver, preload: all.filter((f) => f !== driver) };
  return schemaCache;
}

/** Per xmllint run; every run pays the worker start and schema compilation again. */
const BATCH_DOCS = 2000;
const BATCH_BYTES = 64 * 1024 * 1024;

function docName(i: number): string {
  return `doc-${i}.xml`;
}

/** Run xmllint over one batch; returns the raw stderr, whatever the exit status. */
async function runXmllint(docs: XMLFileInfo[]): Promise<string> {
  const { driver, preload } = schemaFiles();
  try {
    const r = await validateXML({ xml: docs, schema: driver, preload, maxMemoryPages: memoryPages.GiB });
    return r.rawOutput;
  } catch (err) {
    // xmllint-wasm resolves on exit status 0, 3 and 4 only. Status 1 (XMLLINT_ERR_UNCLASS: a
    // document is not well-formed or badly encoded) still leaves a verdict per document on stderr;
    // anything else (5 schema compilation, 9 out of memory, a crashed worker) is a real failure.
    const message = err instanceof Error ? err.message : String(err);
    if ((err as { code?: unknown }).code === 1) return message;
    throw new Error(
      `xmllint-wasm failed validating ${docs.length} document(s) against ${DRIVER_SCHEMA}:\n${message}`,
    );
  }
}

/** Attribute xmllint's stderr lines to the documents of the batch (start index `offset`). */
function parseOutput(out: string, offset: number, count: number): SchemaResult[] {
  const results = Array.from({ length: count }, () => ({ valid: false, errors: [] as string[] }));
  let current: SchemaResult | undefined;
  for (const line of out.split('\n')) {
    const m = /^doc-(\d+)\.xml(?::(\d+):)?\s?(.*)$/.exec(line);
    const idx = m ? Number(m[1]) - offset : -1;
    const target = m ? results[idx] : undefined;
    if (m && target) {
      current = target;
      const rest = m[3] ?? '';
      if (m[2] === undefined && rest === 'validates') target.valid = true;
      else if (m[2] === undefined && rest === 'fails to validate') continue;
      else target.errors.push(m[2] === undefined ? rest : `line ${m[2]}: ${rest.trim()}`);
    } else if (current && line.trim() !== '' && !/^xsd\/|^http:/.test(line) && !/ validates$/.test(line)) {
      // Continuation of a parser error (context line, caret) belongs to the last message.
      const last = current.errors.length - 1;
      if (last >= 0) current.errors[last] += `\n${line}`;
    }
  }
  for (const r of results)
    if (!r.valid && r.errors.length === 0) r.errors.push('not validated (xmllint gave no verdict)');
  return results;
}

/** Markup tokens; start tags capture name, attributes and the self-closing slash. */
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][\s\S]*?>|<\/[^>]*>|<([\w.:-]+)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const XMLNS = /\s(xmlns(?::[\w.-]+)?)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

interface ScannedElement {
  ns: string;
  local: string;
}

/**
 * The root element and the children of the SOAP Body, namespace-resolved, by a tag scan: about 20x
 * cheaper than a DOM parse, and enough because libxml2 has already judged well-formedness (on
 * malformed input the scan may give up, which is harmless).
 */
function scanEnvelope(xml: string): { root: ScannedElement; bodyChildren: ScannedElement[] } | undefined {
  const scopes: Map<string, string>[] = [new Map<string, string>()];
  let root: ScannedElement | undefined;
  let bodyDepth = -1;
  const bodyChildren: ScannedElement[] = [];
  for (const m of xml.matchAll(TOKEN)) {
    const tag = m[0];
    if (tag.startsWith('</')) {
      if (scopes.length - 1 === bodyDepth) return root && { root, bodyChildren };
      scopes.pop();
      continue;
    }
    const name = m[1];
    if (name === undefined) continue; // comment, CDATA, PI, DOCTYPE
    const scope = new Map(scopes[scopes.length - 1]);
    for (const d of (m[2] ?? '').matchAll(XMLNS)) scope.set(d[1] ?? '', d[2] ?? d[3] ?? '');
    const colon = name.indexOf(':');
    const el = {
      ns: scope.get(colon < 0 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`) ?? '',
      local: colon < 0 ? name : name.slice(colon + 1),
    };
    const depth = scopes.length; // 1 = root
    if (!root) root = el;
    else if (depth === 2 && el.ns === SOAP12_NS && el.local === 'Body') bodyDepth = 2;
    else if (bodyDepth === 2 && depth === 3) bodyChildren.push(el);
    if (m[3] !== '/') scopes.push(scope);
    else if (depth === 2 && bodyDepth === 2) return { root, bodyChildren };
  }
  return root && { root, bodyChildren };
}

function structuralErrors(xml: string): string[] {
  const scanned = scanEnvelope(xml);
  if (!scanned) return [];
  const { root, bodyChildren } = scanned;
  if (root.ns !== SOAP12_NS || root.local !== 'Envelope') {
    return [`root element {${root.ns}}${root.local} is not a SOAP 1.2 Envelope`];
  }
  return bodyChildren
    .filter((c) => !VALIDATED_BODY_NAMESPACES.includes(c.ns))
    .map((c) => `Body child {${c.ns}}${c.local} is in no imported namespace: lax validation would skip it`);
}

/**
 * Validate SOAP 1.2 envelopes (strings, or bytes when the encoding itself is under test) in as few
 * xmllint runs as possible. Results are in input order.
 */
export async function validateSoapEnvelopes(
  xmls: readonly (string | Uint8Array)[],
  options: ValidateOptions = {},
): Promise<SchemaResult[]> {
  const { strictEnvelope = true, inlineXop = false } = options;
  const inputs = xmls.map((x) => (inlineXop && typeof x === 'string' ? xopToInlineForValidation(x) : x));
  const results: SchemaResult[] = [];
  for (let start = 0; start < inputs.length;) {
    let end = start;
    let bytes = 0;
    while (end < inputs.length && end - start < BATCH_DOCS && (end === start || bytes < BATCH_BYTES))
      bytes += inputs[end++]?.length ?? 0;
    const docs = inputs.slice(start, end).map((contents, i) => ({ fileName: docName(start + i), contents }));
    results.push(...parseOutput(await runXmllint(docs), start, docs.length));
    start = end;
  }
  if (strictEnvelope) {
    inputs.forEach((x, i) => {
      const extra = structuralErrors(typeof x === 'string' ? x : new TextDecoder().decode(x));
      const r = results[i];
      if (r && extra.length > 0) {
        r.valid = false;
        r.errors.push(...extra);
      }
    });
  }
  return results;
}

/**
 * Assert that every envelope is schema-valid.
 * @throws Error listing, per failing document, the libxml2 messages.
 */
export async function expectSchemaValid(
  xml: string | Uint8Array | readonly (string | Uint8Array)[],
  options: ValidateOptions = {},
): Promise<void> {
  const list = typeof xml === 'string' || xml instanceof Uint8Array ? [xml] : xml;
  const results = await validateSoapEnvelopes(list, options);
  const failures = results.flatMap((r, i) => (r.valid ? [] : [`document ${i}:\n  ${r.errors.join('\n  ')}`]));
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${results.length} envelope(s) not valid against ${DRIVER_SCHEMA}:\n${failures.join('\n')}`,
    );
  }
}

/**
 * Replace every `xop:Include` (http://www.w3.org/2004/08/xop/include) with a base64 placeholder so an
 * MTOM message's root part can be schema-validated.
 *
 * Why this is correct: XOP 1.0 (section 3) defines an XOP package's XML Infoset as the original one
 * with each base64-encoded character run replaced by an `xop:Include` pointing at a MIME part, and
 * the receiver reconstructs the original Infoset by putting the base64 value back; SOAP 1.2 MTOM
 * applies that to the SOAP envelope. Schemas describe the reconstructed Infoset, where
 * `ihe:Document` (xs:base64Binary) holds characters. libxml2 validates the serialized form, and
 * rejects the element child ("Element content is not allowed, because the type definition is
 * simple"), so validate the reconstruction instead. The placeholder is the base64 of the `href`,
 * which is valid base64Binary; the real bytes are irrelevant to the type check.
 */
export function xopToInlineForValidation(xml: string): string {
  if (!xml.includes(XOP_NS)) return xml;
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const includes = Array.from(doc.getElementsByTagNameNS(XOP_NS, 'Include'));
  for (const inc of includes) {
    const placeholder = Buffer.from(inc.getAttribute('href') ?? 'xop', 'utf8').toString('base64');
    inc.parentNode?.replaceChild(doc.createTextNode(placeholder), inc);
  }
  return new XMLSerializer().serializeToString(doc);
}

/**
 * Envelopes that tests collect as they go, validated together by one later test that is skipped
 * when the reference schemas are absent (`it.skipIf(skipWithoutReference)`, see repo-root.ts). The
 * tests that produce them keep every other assertion, whether the schemas are there or not, and
 * one xmllint run serves them all.
 */
export class DeferredSchemaChecks {
  private readonly byLabel = new Map<string, (string | Uint8Array)[]>();

  /** Remember `xml` under `label` (one label per producing test). */
  add(label: string, xml: string | Uint8Array | readonly (string | Uint8Array)[]): void {
    const list = typeof xml === 'string' || xml instanceof Uint8Array ? [xml] : xml;
    this.byLabel.set(label, [...(this.byLabel.get(label) ?? []), ...list]);
  }

  /**
   * Assert that every label in `labels` was collected (its test ran to that point) and that every
   * envelope collected is schema-valid.
   * @throws Error naming the labels not collected, or the libxml2 messages per failing envelope.
   */
  async expectValid(labels: readonly string[], options: ValidateOptions = {}): Promise<void> {
    const missing = labels.filter((l) => !this.byLabel.has(l));
    if (missing.length > 0) {
      throw new Error(`no envelopes collected for: ${missing.join('; ')} (did that test fail earlier?)`);
    }
    const labelled = [...this.byLabel].flatMap(([label, xmls]) => xmls.map((xml) => ({ label, xml })));
    const results = await validateSoapEnvelopes(
      labelled.map((e) => e.xml),
      options,
    );
    const failures = results.flatMap((r, i) =>
      r.valid ? [] : [`${labelled[i]?.label ?? '?'} (envelope ${i}):\n  ${r.errors.join('\n  ')}`],
    );
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${results.length} envelope(s) not valid against ${DRIVER_SCHEMA}:\n${failures.join('\n')}`,
      );
    }
  }
}
