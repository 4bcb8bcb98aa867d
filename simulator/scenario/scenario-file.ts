/**
 * Reading a scenario file: YAML (yaml 2, YAML 1.2 core schema) into a validated ScenarioSpec, with
 * every problem at once, each as `line N: path: message` so a user can fix them all in one pass
 * (YAML syntax, schema issues from zod, and the rules of scenario-check.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { core } from 'zod';
import {
  checkCommunityNames,
  checkScenario,
  type PartialScenario,
  type ScenarioProblem,
} from './scenario-check.js';
import {
  ScenarioSpecSchema,
  ScenarioTopologySchema,
  StepSchema,
  type ScenarioSpec,
} from './scenario-spec.js';

/** The suffix every scenario file ends with. */
export const SCENARIO_SUFFIX = '.scenario.yaml';

/** A parsed scenario, or every problem found in it. */
type ScenarioParseResult = { ok: true; scenario: ScenarioSpec } | { ok: false; problems: string[] };

/** Options of {@link parseScenarioText}. */
export interface ScenarioParseOptions {
  /** The topology's community names, once known: every community the scenario names must be one. */
  communityNames?: readonly string[];
}

/**
 * Parse and validate scenario text.
 * @param fileName the file's name; when it ends with `.scenario.yaml`, `name` must match it.
 */
export function parseScenarioText(
  text: string,
  fileName?: string,
  opts: ScenarioParseOptions = {},
): ScenarioParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number): number => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => `line ${lineOf(e.pos[0])}: YAML: ${e.message.split('\n')[0] ?? ''}`),
    };
  }
  const raw: unknown = doc.toJS();
  const parsed = ScenarioSpecSchema.safeParse(raw);
  /** Problems as text, in file order. */
  const described = (problems: ScenarioProblem[]): string[] =>
    problems
      .map((p) => ({ line: lineAt(doc, p.path, lineOf), p }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
      .map(({ line, p }) => {
        const where = p.path.length > 0 ? `${p.path.join('.')}: ` : '';
        return `${line === undefined ? '' : `line ${line}: `}${where}${p.message}`;
      });
  if (!parsed.success) {
    const problems = [...parsed.error.issues.flatMap(fromZod), ...checkScenario(partial(raw))];
    return { ok: false, problems: described(problems) };
  }
  const problems = checkScenario(parsed.data);
  if (opts.communityNames) problems.push(...checkCommunityNames(parsed.data, opts.communityNames));
  const base = fileName === undefined ? undefined : path.basename(fileName);
  if (base?.endsWith(SCENARIO_SUFFIX) && base.slice(0, -SCENARIO_SUFFIX.length) !== parsed.data.name) {
    problems.push({
      path: ['name'],
      message: `'${parsed.data.name}' must match the file name ${base} (name: ${base.slice(0, -SCENARIO_SUFFIX.length)})`,
    });
  }
  return problems.length > 0
    ? { ok: false, problems: described(problems) }
    : { ok: true, scenario: parsed.data };
}

/**
 * Read and validate a scenario file.
 * @returns problems (never throws for a bad file); a file that cannot be read is one problem.
 */
export async function loadScenarioFile(
  file: string,
  opts: ScenarioParseOptions = {},
): Promise<ScenarioParseResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { ok: false, problems: [`cannot read ${file} (${code})`] };
  }
  return parseScenarioText(text, file, opts);
}

/** What can be known of a scenario that failed the schema, for the semantic checks. */
function partial(raw: unknown): PartialScenario {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const topology = ScenarioTopologySchema.safeParse(r['topology'] ?? {});
  const steps = Array.isArray(r['steps']) ? (r['steps'] as unknown[]) : [];
  return {
    ...(topology.success ? { topologyFaultNames: topology.data.faults.map((f) => f.name) } : {}),
    steps: steps.map((step) => {
      const p = StepSchema.safeParse(step);
      if (p.success) return p.data;
      const o = (typeof step === 'object' && step !== null ? step : {}) as Record<string, unknown>;
      const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      const id = str(o['id']);
      const writtenKind = str(o['kind']);
      const docs = o['documents'];
      const writtenFrom =
        str(o['from']) ??
        (typeof docs === 'object' && docs !== null
          ? str((docs as Record<string, unknown>)['from'])
          : undefined);
      return {
        kind: 'unparsed' as const,
        ...(id !== undefined ? { id } : {}),
        ...(writtenKind !== undefined ? { writtenKind } : {}),
        ...(writtenFrom !== undefined ? { writtenFrom } : {}),
      };
    }),
  };
}

/** A zod issue as problems, with messages a scenario author can act on. */
function fromZod(i: core.$ZodIssue): ScenarioProblem[] {
  const p = i.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  if (i.code === 'invalid_type' && /received undefined$/.test(i.message))
    return [{ path: p, message: `is required (${i.expected})` }];
  if (i.code === 'unrecognized_keys')
    return i.keys.map((k) => ({ path: [...p, k], message: 'unknown field (check its spelling and place)' }));
  return [{ path: p, message: i.message }];
}

/** The line of the deepest node along `p` that exists in the document. */
function lineAt(
  doc: Document,
  p: (string | number)[],
  lineOf: (offset: number) => number,
): number | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lineOf(node.range[0]);
  }
  return undefined;
}
