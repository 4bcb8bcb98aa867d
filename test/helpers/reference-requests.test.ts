/**
 * Keeps test/fixtures/reference-requests.ts honest: every file is catalogued, every mechanical field
 * matches what the file really contains, schema validity matches the validator, and outcomes only
 * use the error codes the NIST table allows for the transaction.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { expect, it } from 'vitest';
import {
  NOT_XCA_REFERENCE_FILES,
  REFERENCE_REQUESTS,
  type ReferenceFile,
} from '../fixtures/reference-requests.js';
import {
  fillPlaceholders,
  listPlaceholders,
  mtomRootPart,
  NIST_PLACEHOLDERS,
  readReference,
  readReferenceBytes,
  wrapInSoapEnvelope,
} from './reference.js';
import { requireReferenceDir } from './repo-root.js';
import { describeRef } from './reference-tests.js';
import { validateSoapEnvelopes } from './xsd.js';

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://www.w3.org/2005/08/addressing';
const RIM = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';
const QUERY = 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0';
const XDSB = 'urn:ihe:iti:xds-b:2007';
const STORED_QUERIES: Record<string, string> = {
  'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d': 'FindDocuments',
  'urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492': 'FindDocumentsByReferenceId',
  'urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4': 'GetDocuments',
};
/** Filler for every NIST symbol, so templates can be validated. */
const DUMMY: Record<string, string> = Object.fromEntries(
  Object.keys(NIST_PLACEHOLDERS).map((k) => [k, `urn:oid:1.2.826.0.1.${k.length}`]),
);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}
const children = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};
const qname = (el: Element): string =>
  el.namespaceURI === WSA ? `wsa:${el.localName}` : `${el.prefix ?? ''}:${el.localName}`;

/** Re-derive the mechanical catalogue fields from the file itself. */
function describeFile(entry: ReferenceFile): Partial<ReferenceFile> {
  const text =
    entry.form === 'mtom'
      ? mtomRootPart(readReferenceBytes(entry.path)).xml.toString('utf8')
      : readReference(entry.path);
  const facts: Partial<ReferenceFile> = { placeholders: listPlaceholders(text) };
  if (entry.form === 'malformed' || entry.form === 'readme' || entry.form === 'testplan') return facts;
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(text, 'text/xml');
  const root = doc.documentElement;
  if (!root) throw new Error(`${entry.path}: no root`);
  const header =
    root.namespaceURI === SOAP ? children(root).find((e) => e.localName === 'Header') : undefined;
  const blocks = header ? children(header) : [];
  const security = blocks.find((b) => b.localName === 'Security');
  const sec = security
    ? children(security)
        .map((c) => c.localName)
        .join('+')
    : 'none';
  Object.assign(facts, {
    wsa: blocks.filter((b) => b.namespaceURI === WSA).map((b) => b.localName),
    replyTo:
      blocks.find((b) => b.namespaceURI === WSA && b.localName === 'ReplyTo')?.textContent?.trim() ?? null,
    mustUnderstand: blocks
      .filter((b) => ['1', 'true'].includes(b.getAttributeNS(SOAP, 'mustUnderstand') ?? ''))
      .map(qname),
    wsseSecurity: sec,
    otherHeaders: blocks.filter((b) => b.namespaceURI !== WSA && b !== security).map(qname),
  });
  const body =
    root.namespaceURI === SOAP
      ? children(children(root).find((e) => e.localName === 'Body') ?? root)[0]
      : root;
  const aq =
    body?.localName === 'AdhocQueryRequest' ? body.getElementsByTagNameNS(RIM, 'AdhocQuery')[0] : undefined;
  const pid =
    aq &&
    Array.from(aq.getElementsByTagNameNS(RIM, 'Slot')).find(
      (s) => s.getAttribute('name') === '$XDSDocumentEntryPatientId',
    );
  const id = aq?.getAttribute('id') ?? '';
  Object.assign(facts, {
    storedQuery: aq
      ? {
          name: STORED_QUERIES[id] ?? id,
          id,
          returnType: body?.getElementsByTagNameNS(QUERY, 'ResponseOption')[0]?.getAttribute('returnType'),
        }
      : null,
    adhocQueryHome: aq?.hasAttribute('home') ? aq.getAttribute('home') : null,
    patientId: pid?.getElementsByTagNameNS(RIM, 'Value')[0]?.textContent ?? null,
  });
  const requests =
    body?.localName === 'RetrieveDocumentSetRequest'
      ? Array.from(body.getElementsByTagNameNS(XDSB, 'DocumentRequest'))
      : null;
  Object.assign(facts, {
    documentRequests: requests?.length ?? null,
    homeCommunityIds:
      requests?.map((r) => children(r).find((c) => c.localName === 'HomeCommunityId')?.textContent ?? null) ??
      null,
  });
  return facts;
}

/** The envelope the catalogue's schemaValid refers to. */
function validationInput(entry: ReferenceFile): string | Buffer {
  if (entry.form === 'mtom') return mtomRootPart(readReferenceBytes(entry.path)).xml;
  const text = fillPlaceholders(readReference(entry.path), DUMMY);
  if (entry.form !== 'body' && !(entry.form === 'response' && !/Envelope/.test(text.slice(0, 200))))
    return text;
  return wrapInSoapEnvelope(
    text,
    entry.form === 'response' ? { action: 'urn:ihe:iti:2007:CrossGatewayQueryResponse' } : {},
  );
}

/** Error codes per NIST table row (XGQ = ITI-38, XGR = ITI-39). */
function allowedCodes(): Record<'ITI-38' | 'ITI-39', Set<string>> {
  const rows = readReference('tables/nist_TransactionDefinedErrorCodes.csv.txt')
    .split('\n')
    .map((l) => l.split(',').map((c) => c.trim()));
  const codes = (tx: string) => new Set(rows.filter((r) => r[0] === tx).map((r) => r[1] ?? ''));
  return { 'ITI-38': codes('XGQ'), 'ITI-39': codes('XGR') };
}

describeRef('reference request catalogue', () => {
  it('lists every file of examples/ITI-38 and examples/ITI-39 once, and the ITI-18 ones apart', () => {
    const ref = requireReferenceDir();
    const rel = (dir: string) =>
      walk(path.join(ref, dir))
        .map((f) => path.relative(ref, f).split(path.sep).join('/'))
        .sort();
    const paths = REFERENCE_REQUESTS.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect([...paths].sort()).toEqual([...rel('examples/ITI-38'), ...rel('examples/ITI-39')].sort());
    expect(NOT_XCA_REFERENCE_FILES.map((r) => r.path).sort()).toEqual(rel('examples/ITI-18-reference'));
  });

  it.each(REFERENCE_REQUESTS.map((r) => [r.path, r] as const))('describes %s as it is', (_p, entry) => {
    const facts = describeFile(entry);
    const claimed = Object.fromEntries(Object.keys(facts).map((k) => [k, entry[k as keyof ReferenceFile]]));
    expect(claimed).toEqual(facts);
  });

  it('has schemaValid verdicts that the validator confirms', async () => {
    const checked = [...REFERENCE_REQUESTS, ...NOT_XCA_REFERENCE_FILES].filter(
      (r): r is ReferenceFile => r.schemaValid !== null,
    );
    const results = await validateSoapEnvelopes(checked.map((r) => validationInput(r)));
    const verdicts = Object.fromEntries(checked.map((r, i) => [r.path, results[i]?.valid]));
    expect(verdicts).toEqual(Object.fromEntries(checked.map((r) => [r.path, r.schemaValid])));
    for (const [i, r] of checked.entries()) {
      if (r.schemaValid !== false) continue;
      expect(r.schemaNote, r.path).toBeTruthy();
      expect(results[i]?.errors.length, r.path).toBeGreaterThan(0);
    }
  });

  it('uses outcomes consistent with IHE status semantics and the NIST error-code table', () => {
    const allowed = allowedCodes();
    for (const r of REFERENCE_REQUESTS) {
      for (const o of [r.outcome, ...r.alsoAcceptable]) {
        if ('fault' in o) continue;
        for (const c of o.errorCodes)
          expect(allowed[r.transaction].has(c), `${r.path}: ${c} not allowed for ${r.transaction}`).toBe(
            true,
          );
        expect(o.errorCodes.length === 0, r.path).toBe(o.status === 'Success');
      }
      if (r.expectedObjects) expect('status' in r.outcome, r.path).toBe(true);
      if (r.appliesTo)
        expect(
          REFERENCE_REQUESTS.some((x) => x.path === r.appliesTo && x.form === 'body'),
          r.path,
        ).toBe(true);
    }
  });

  it('agrees with the NIST test plans ExpectedStatus / ExpectedErrorCode', () => {
    for (const plan of REFERENCE_REQUESTS.filter((r) => r.form === 'testplan')) {
      const xml = readReference(plan.path);
      const status = /<ExpectedStatus>(\w+)<\/ExpectedStatus>/.exec(xml)?.[1];
      const codes = [...xml.matchAll(/<ExpectedErrorCode>(\w+)<\/ExpectedErrorCode>/g)].map((m) => m[1]);
      expect('status' in plan.outcome && plan.outcome.status, plan.path).toBe(status);
      if (codes.length > 0)
        expect('status' in plan.outcome && plan.outcome.errorCodes, plan.path).toEqual(codes);
    }
  });
});
