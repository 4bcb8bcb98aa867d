/**
 * The ITI-38 checks of FindDocuments' filters: a creationTime range and the classCode and
 * typeCode lists (ITI TF-2 3.18.4.1.2.3.7.1; time comparisons ITI TF-2 3.18.4.1.2.3.6.1, From
 * inclusive, To exclusive), with values picked from the test data so that the expected subset is
 * known exactly.
 */
import { inTimeRange } from '../data-pack/stored-query.js';
import { parseXml } from '../soap/xml.js';
import { XcaDecodeError } from '../xca/decode-error.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import { codeValueText, encodeStringList } from '../xca/slot-value.js';
import { QueryParam } from '../xca/stored-query-params.js';
import { documentSetProblem } from './iti38-documents.js';
import { findDocumentsXml, iti38Check, sendQuery, verdict } from './iti38-exchange.js';
import type { ProviderContext } from './provider-check.js';
import { result } from './check.js';
import type { TestDocument, TestPatient } from './test-data.js';

const TF_FILTERS = 'IHE ITI TF-2 3.38.4.1.2; ITI TF-2 3.18.4.1.2.3.7.1 (FindDocuments parameters)';

/** The test patient with the most documents (ties: the first), or undefined when none has two. */
function richestPatient(ctx: ProviderContext): TestPatient | undefined {
  let best: TestPatient | undefined;
  for (const p of ctx.testData.patients) if (!best || p.documents.length > best.documents.length) best = p;
  return best && best.documents.length >= 2 ? best : undefined;
}

const SKIP_FEW = 'the test data has no patient with two or more documents, so no filter can select a subset';

const dateRange = iti38Check(
  {
    id: 'ITI38-FILTER-DATE',
    area: 'ITI-38',
    title: 'FindDocuments honours $XDSDocumentEntryCreationTimeFrom / To',
    given: 'a test-data patient with several documents of different creation times',
    when: 'NIR sends FindDocuments with a creationTime range that holds some of them (From inclusive, To exclusive)',
    then: 'the answer is Success with exactly the documents created in that range',
    source: `${TF_FILTERS}; ITI TF-2 3.18.4.1.2.3.6.1 (time comparisons)`,
  },
  async (ctx, id) => {
    const p = richestPatient(ctx);
    if (!p) return result(id, 'skipped', SKIP_FEW);
    const times = p.documents.map((d) => d.creationTime).sort();
    const from = times[Math.floor(times.length / 4)]!;
    const to = times[Math.floor((3 * times.length) / 4)]!;
    const expected = p.documents.filter((d) => inTimeRange(d.creationTime, { from, to }));
    const body = findDocumentsXml(p.patientCx, 'LeafClass', [
      { name: QueryParam.creationTimeFrom, values: [from] },
      { name: QueryParam.creationTimeTo, values: [to] },
    ]);
    const out = await sendQuery(ctx, id, 'find-documents-creation-time', body, p.patientCx);
    const problem = documentSetProblem(out, {
      kind: 'ExtrinsicObject',
      by: 'uniqueId',
      documents: expected,
      patientCx: p.patientCx,
    });
    const range = `creationTime ${from} (inclusive) to ${to} (exclusive) for patient ${p.nhsNumber}`;
    return verdict(
      id,
      problem ? [problem] : [],
      `FindDocuments with ${range} returned exactly the ${expected.length} of ${p.documents.length} documents created then.`,
      `FindDocuments with ${range} did not return exactly the ${expected.length} of ${p.documents.length} documents created then (${out.exchange})`,
      [out.exchange],
    );
  },
);

/** The coding schemes of the codes of `doc` as the gateway returned it (the test data keeps codes only). */
interface Schemes {
  classCode: string;
  typeCode: string;
}

const codes = iti38Check(
  {
    id: 'ITI38-FILTER-CODE',
    area: 'ITI-38',
    title: 'FindDocuments honours $XDSDocumentEntryClassCode and $XDSDocumentEntryTypeCode',
    given: 'a test-data patient with documents of different class and type codes',
    when: "NIR sends FindDocuments with one classCode, then with one typeCode, taken from the patient's documents (code^^codingScheme)",
    then: 'each answer is Success with exactly the documents of that code',
    source: `${TF_FILTERS}; ITI TF-2 3.18.4.1.2.3.5 (coded parameters)`,
  },
  async (ctx, id) => {
    const p = richestPatient(ctx);
    if (!p) return result(id, 'skipped', SKIP_FEW);
    const exchanges: string[] = [];
    const lead = `FindDocuments by code for patient ${p.nhsNumber}`;
    const all = await sendQuery(
      ctx,
      id,
      'find-documents-coding-schemes',
      findDocumentsXml(p.patientCx, 'LeafClass'),
      p.patientCx,
    );
    exchanges.push(all.exchange);
    if (!all.ok)
      return verdict(id, [`the unfiltered query (${all.exchange}): ${all.problem}`], '', lead, exchanges);
    const schemes = schemesOf(all.response.objects, p.documents);
    if (typeof schemes === 'string')
      return verdict(id, [`the unfiltered query (${all.exchange}): ${schemes}`], '', lead, exchanges);
    const classCode = p.documents[0]!.classCode;
    const typeCode = rarest(p.documents.map((d) => d.typeCode));
    const filters: [string, string, string, (d: TestDocument) => string][] = [
      [
        'classCode',
        QueryParam.classCode,
        codeValueText({ code: classCode, codingScheme: schemes.classCode }),
        (d) => d.classCode,
      ],
      [
        'typeCode',
        QueryParam.typeCode,
        codeValueText({ code: typeCode, codingScheme: schemes.typeCode }),
        (d) => d.typeCode,
      ],
    ];
    const problems: string[] = [];
    const passed: string[] = [];
    for (const [label, param, value, codeOf] of filters) {
      const code = value.slice(0, value.indexOf('^^'));
      const expected = p.documents.filter((d) => codeOf(d) === code);
      const body = findDocumentsXml(p.patientCx, 'LeafClass', [
        { name: param, values: [encodeStringList([value])] },
      ]);
      const out = await sendQuery(ctx, id, `find-documents-${label}`, body, p.patientCx);
      exchanges.push(out.exchange);
      const problem = documentSetProblem(out, {
        kind: 'ExtrinsicObject',
        by: 'uniqueId',
        documents: expected,
        patientCx: p.patientCx,
      });
      const what = `${label} ${value}: ${expected.length} of ${p.documents.length} documents expected`;
      if (problem) problems.push(`${what} (${out.exchange}): ${problem}`);
      else passed.push(what);
    }
    return verdict(
      id,
      problems,
      `${lead} returned exactly the expected documents (${passed.join('; ')}).`,
      lead,
      exchanges,
    );
  },
);

/** The classCode and typeCode coding schemes of the first expected document returned, or why there are none. */
function schemesOf(
  objects: readonly { kind: string; xml: string; entryIds?: { uniqueId?: string } }[],
  documents: readonly TestDocument[],
): Schemes | string {
  const wanted = new Set(documents.map((d) => d.uniqueId));
  const o = objects.find((x) => x.kind === 'ExtrinsicObject' && wanted.has(x.entryIds?.uniqueId ?? ''));
  if (!o) return 'none of the expected DocumentEntries came back to read the coding schemes from';
  try {
    const e = decodeExtrinsicObject(parseXml(o.xml).documentElement!);
    return { classCode: e.classCode.codingScheme, typeCode: e.typeCode.codingScheme };
  } catch (err) {
    if (!(err instanceof XcaDecodeError)) throw err;
    return `DocumentEntry ${o.entryIds?.uniqueId ?? ''} cannot be read: ${err.message}`;
  }
}

/** The value that occurs least often (ties: the first seen). */
function rarest(values: readonly string[]): string {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n].sort((a, b) => a[1] - b[1])[0]![0];
}

/** In the order the report shows them. */
export const iti38FilterChecks = [dateRange, codes] as const;
