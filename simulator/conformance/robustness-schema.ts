/**
 * ROB-SCHEMA: every SOAP answer of the run is a valid SOAP 1.2 message of the transaction asked
 * (robustness-structure.ts, always) and, when IHE schemas are configured (`--schemas DIR` or
 * NIR_SIM_REFERENCE_DIR), valid against them (robustness-xsd.ts). It judges the answers of every
 * check before it, plus its own probe requests (robustness-probe.ts), so it has answers to judge
 * when it runs alone.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { XcaNs } from '../xca/constants.js';
import { result, type CheckResult } from './check.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';
import { sendProbes } from './robustness-probe.js';
import { checkStructure } from './robustness-structure.js';
import { resolveXsdDir, validateEnvelopes } from './robustness-xsd.js';

export const ROB_SCHEMA = 'ROB-SCHEMA';

/** The environment variable naming the IHE reference tree (or its xsd directory). */
export const REFERENCE_DIR_ENV = 'NIR_SIM_REFERENCE_DIR';

/** Options of {@link schemaCheck}. */
export interface SchemaCheckOptions {
  /**
   * The IHE schemas: a reference tree or its `xsd` directory (robustness-xsd.ts). `undefined`:
   * NIR_SIM_REFERENCE_DIR when set, read when the check runs; `null`: structural checks only.
   */
  schemasDir?: string | null;
}

/** ROB-SCHEMA, with the schemas `opts` names. */
export function schemaCheck(opts: SchemaCheckOptions = {}): ProviderCheck {
  return {
    definition: {
      id: ROB_SCHEMA,
      area: 'robustness',
      title: 'Every SOAP answer is schema-valid SOAP 1.2',
      given: "the supplier's responding gateway has answered the run's ITI-38, ITI-39 and RAD-75 requests",
      when: 'each answer is read as SOAP 1.2 and validated',
      then: "every answer is a SOAP 1.2 envelope whose Body is the transaction's response or a Fault, valid against the IHE ebRS 3.0 / XDS.b / XDS-I.b schemas",
      source:
        'W3C SOAP 1.2 Part 1 §5, Part 2 §7; OASIS ebRS 3.0 (rs.xsd, query.xsd, rim.xsd); IHE ITI TF-2 3.38.4.2, 3.39.4.2, Appendix V; RAD TF-3 4.75.4.2',
    },
    run: (ctx) => runSchemaCheck(ctx, opts),
  };
}

async function runSchemaCheck(ctx: ProviderContext, opts: SchemaCheckOptions): Promise<CheckResult> {
  await sendProbes(ctx, ROB_SCHEMA);
  const answered = ctx.initiator.records().filter((r) => r.response !== undefined);
  const names = answered.map((r) => r.name);
  if (answered.length === 0)
    return result(ROB_SCHEMA, 'failed', 'no request of the run got an HTTP answer, so none could be judged');
  const failures: { name: string; problems: string[] }[] = [];
  const envelopes: { name: string; xml: string }[] = [];
  for (const r of answered) {
    const v = checkStructure(r);
    if (v.problems.length > 0) failures.push({ name: r.name, problems: v.problems });
    else if (v.message) envelopes.push({ name: r.name, xml: inlineXop(v.message.rawXml) });
  }
  const configured = opts.schemasDir === undefined ? process.env[REFERENCE_DIR_ENV] : opts.schemasDir;
  let which = `nir-sim's structural checks (IHE schemas not configured: give --schemas DIR or set ${REFERENCE_DIR_ENV} to validate against them too)`;
  if (configured !== undefined && configured !== null && configured !== '') {
    const xsdDir = resolveXsdDir(configured);
    const verdicts = await validateEnvelopes(
      xsdDir,
      envelopes.map((e) => e.xml),
    );
    verdicts.forEach((v, i) => {
      if (!v.valid) failures.push({ name: envelopes[i]!.name, problems: v.errors.slice(0, 5) });
    });
    which = `nir-sim's structural checks and the IHE schemas in ${xsdDir}`;
  }
  failures.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
  if (failures.length === 0)
    return result(
      ROB_SCHEMA,
      'passed',
      `all ${answered.length} answers are valid SOAP 1.2 responses; checked with ${which}`,
      names,
    );
  const first = failures[0]!;
  return result(
    ROB_SCHEMA,
    'failed',
    `${failures.length} of ${answered.length} answers are not valid (checked with ${which}); ${first.name}: ${first.problems.join('; ')}`,
    failures.map((f) => f.name),
  );
}

/**
 * An MTOM root part with each xop:Include replaced by base64 text, as XOP 1.0 §3 reconstructs the
 * Infoset the schemas describe (xdsb:Document is xs:base64Binary); the placeholder is the base64 of
 * the href, which is valid base64Binary.
 */
function inlineXop(xml: string): string {
  if (!xml.includes(XcaNs.xop)) return xml;
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  for (const inc of Array.from(doc.getElementsByTagNameNS(XcaNs.xop, 'Include'))) {
    const text = Buffer.from(inc.getAttribute('href') ?? 'xop', 'utf8').toString('base64');
    inc.parentNode?.replaceChild(doc.createTextNode(text), inc);
  }
  return new XMLSerializer().serializeToString(doc);
}
