/**
 * The rules of a scenario the schema cannot say: unique step ids, `from` naming an earlier query
 * step, what each stored query needs, expectations that are complete, fault names that exist when
 * cleared, and (once the topology is known) that every community named exists. Every problem is
 * returned, each with the path of the value at fault.
 */
import {
  stepIdOf,
  type ExpectationSpec,
  type FhirExpectationSpec,
  type ScenarioSpec,
  type StepSpec,
} from './scenario-spec.js';

/** One problem in a scenario, at a path into the file (`['steps', 2, 'from']`). */
export interface ScenarioProblem {
  path: (string | number)[];
  message: string;
}

const isHomeCommunityId = (s: string): boolean => /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/.test(s);

/**
 * A step that failed the schema, as far as it is known: enough to keep checking the steps around
 * it (so a file's problems are all reported in one pass) without false alarms about it.
 */
export interface UnparsedStep {
  kind: 'unparsed';
  id?: string;
  /** Its `kind` as written, when it was a string. */
  writtenKind?: string;
  /** Its `from` (retrieve, retrieve-document) or `documents.from` (query) as written, when it was a string. */
  writtenFrom?: string;
}

/** A scenario whose schema check failed: its parsed steps and what is known of the others. */
export interface PartialScenario {
  /** Names of the topology's faults; undefined when the topology did not parse. */
  topologyFaultNames?: string[];
  steps: (StepSpec | UnparsedStep)[];
}

/**
 * Check everything that does not depend on the running topology. Also takes a partly parsed
 * scenario, so these problems are reported alongside the schema's.
 * @returns every problem found (empty when the scenario is sound).
 */
export function checkScenario(s: ScenarioSpec | PartialScenario): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const ids = new Map<string, number>();
  const queryIds = new Set<string>();
  const names = 'topology' in s ? s.topology.faults.map((f) => f.name) : s.topologyFaultNames;
  /** Active fault names; undefined once they cannot be known (an unparsed fault step). */
  let active = names === undefined ? undefined : new Set(names);
  s.steps.forEach((step, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['steps', i, ...rest];
    const id = step.kind === 'unparsed' ? (step.id ?? `step-${i + 1}`) : stepIdOf(step, i);
    const earlier = ids.get(id);
    if (earlier !== undefined)
      problems.push({ path: at('id'), message: `step id '${id}' is already used by step ${earlier + 1}` });
    ids.set(id, i);
    const from = (ref: string, where: (string | number)[]): void => {
      if (!queryIds.has(ref))
        problems.push({
          path: where,
          message: `'${ref}' is not the id of an earlier query or find-document-references step`,
        });
    };
    switch (step.kind) {
      case 'query':
        checkQuery(step, at, problems);
        if (step.documents) from(step.documents.from, at('documents', 'from'));
        problems.push(...checkExpectation(step.expect, at('expect')));
        queryIds.add(id);
        break;
      case 'retrieve':
        if (step.from !== undefined) from(step.from, at('from'));
        if (step.from === undefined && step.extra === undefined)
          problems.push({
            path: at(),
            message: 'a retrieve step needs `from` (an earlier query step) or `extra`',
          });
        problems.push(...checkExpectation(step.expect, at('expect')));
        break;
      case 'find-document-references':
        if (step.creation && step.creation.ge === undefined && step.creation.lt === undefined)
          problems.push({ path: at('creation'), message: 'give `ge`, `lt` or both' });
        problems.push(...checkFhirExpectation(step.expect, 'ITI-67', at('expect')));
        queryIds.add(id);
        break;
      case 'retrieve-document':
        if (step.from !== undefined) from(step.from, at('from'));
        if (step.from === undefined && step.extra === undefined)
          problems.push({
            path: at(),
            message:
              'a retrieve-document step needs `from` (an earlier query or find-document-references step) or `extra`',
          });
        problems.push(...checkFhirExpectation(step.expect, 'ITI-68', at('expect')));
        break;
      case 'add-faults':
        step.faults.forEach((f, j) => {
          if (active?.has(f.name))
            problems.push({
              path: at('faults', j, 'name'),
              message: `a fault named '${f.name}' is already active here`,
            });
          active?.add(f.name);
        });
        break;
      case 'clear-faults':
        if (step.names === undefined) active?.clear();
        step.names?.forEach((n, j) => {
          if (active && !active.delete(n))
            problems.push({
              path: at('names', j),
              message: `no fault named '${n}' is active before this step`,
            });
        });
        break;
      case 'unparsed':
        if (step.writtenFrom !== undefined)
          from(step.writtenFrom, step.writtenKind === 'query' ? at('documents', 'from') : at('from'));
        if (step.writtenKind === 'query' || step.writtenKind === 'find-document-references') queryIds.add(id);
        if (step.writtenKind === 'add-faults' || step.writtenKind === 'clear-faults') active = undefined;
        break;
      case 'wait':
        break;
    }
  });
  return problems;
}

function checkQuery(
  step: Extract<StepSpec, { kind: 'query' }>,
  at: (...rest: (string | number)[]) => (string | number)[],
  problems: ScenarioProblem[],
): void {
  const byId = step.storedQuery === 'GetDocuments';
  if (byId) {
    if (step.patient !== undefined)
      problems.push({
        path: at('patient'),
        message: 'GetDocuments has no patient: pick documents with `documents` or `uniqueIds`',
      });
    if ((step.documents === undefined) === (step.uniqueIds === undefined))
      problems.push({
        path: at(),
        message: 'GetDocuments needs exactly one of `documents` (from an earlier step) or `uniqueIds`',
      });
  } else {
    if (step.patient === undefined)
      problems.push({ path: at('patient'), message: `${step.storedQuery} needs a patient` });
    if (step.documents !== undefined || step.uniqueIds !== undefined)
      problems.push({ path: at(), message: '`documents` and `uniqueIds` belong to GetDocuments only' });
  }
  const byRef = step.storedQuery === 'FindDocumentsByReferenceId';
  if (byRef && step.referenceIds === undefined)
    problems.push({ path: at('referenceIds'), message: 'FindDocumentsByReferenceId needs referenceIds' });
  if (!byRef && step.referenceIds !== undefined)
    problems.push({
      path: at('referenceIds'),
      message: 'referenceIds belong to FindDocumentsByReferenceId only',
    });
  for (const key of ['creationTime', 'serviceStartTime'] as const) {
    const r = step[key];
    if (r && r.from === undefined && r.to === undefined)
      problems.push({ path: at(key), message: 'give `from`, `to` or both' });
  }
}

/** An expectation must say what comes back: a status (with its exact errors) or a SOAP Fault. */
function checkExpectation(e: ExpectationSpec, path: (string | number)[]): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  if (e.soapFault === undefined && e.status === undefined)
    out.push({
      path,
      message: 'expect needs `status` (and its exact `errors`, none when left out) or `soapFault`',
    });
  if (e.soapFault !== undefined) {
    for (const key of ['status', 'errors', 'documents', 'documentsPerCommunity'] as const) {
      if (e[key] !== undefined)
        out.push({
          path: [...path, key],
          message: `a SOAP Fault carries no ${key}: leave it out or drop soapFault`,
        });
    }
  }
  return out;
}

/** ITI-67 answers carry DocumentReferences, ITI-68 answers a document with a media type. */
function checkFhirExpectation(
  e: FhirExpectationSpec,
  transaction: 'ITI-67' | 'ITI-68',
  path: (string | number)[],
): ScenarioProblem[] {
  const keys =
    transaction === 'ITI-67' ? (['contentType'] as const) : (['documents', 'documentsPerCommunity'] as const);
  return keys
    .filter((key) => e[key] !== undefined)
    .map((key) => ({
      path: [...path, key],
      message:
        transaction === 'ITI-67'
          ? 'an ITI-67 answer is a searchset Bundle: expect documents, not a contentType'
          : `an ITI-68 answer is one document: ${key} belongs to find-document-references`,
    }));
}

/**
 * Check that every community the scenario names exists in the topology (by name, or by
 * homeCommunityId where one is allowed). `names` are the topology's community names.
 */
export function checkCommunityNames(s: ScenarioSpec, names: readonly string[]): ScenarioProblem[] {
  const known = new Set(names);
  const problems: ScenarioProblem[] = [];
  const need = (
    value: string,
    path: (string | number)[],
    opts: { oid?: boolean; none?: boolean } = {},
  ): void => {
    if (known.has(value)) return;
    if (opts.oid && isHomeCommunityId(value)) return;
    if (opts.none && value === 'none') return;
    problems.push({
      path,
      message: `no community named '${value}' in the topology (known: ${names.join(', ')})`,
    });
  };
  s.topology.faults.forEach((f, i) => need(f.gateway, ['topology', 'faults', i, 'gateway']));
  for (const [consumer, p] of Object.entries(s.topology.broker.consumers)) {
    for (const key of ['include', 'exclude'] as const)
      p[key]?.forEach((c, j) =>
        need(c, ['topology', 'broker', 'consumers', consumer, key, j], { oid: true }),
      );
  }
  s.steps.forEach((step, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['steps', i, ...rest];
    switch (step.kind) {
      case 'query':
        if (step.home !== undefined) need(step.home, at('home'), { oid: true });
        if (
          typeof step.patient === 'object' &&
          'role' in step.patient &&
          step.patient.community !== undefined
        )
          need(step.patient.community, at('patient', 'community'));
        if (step.documents && typeof step.documents.pick === 'object')
          need(step.documents.pick.community, at('documents', 'pick', 'community'));
        break;
      case 'retrieve':
        if (typeof step.pick === 'object') need(step.pick.community, at('pick', 'community'));
        step.extra?.forEach((x, j) =>
          need(x.community, at('extra', j, 'community'), { oid: true, none: true }),
        );
        break;
      case 'find-document-references':
      case 'retrieve-document':
        if (step.kind === 'find-document-references') {
          step.targetCommunities?.forEach((c, j) => need(c, at('targetCommunities', j), { oid: true }));
          if (
            typeof step.patient === 'object' &&
            'role' in step.patient &&
            step.patient.community !== undefined
          )
            need(step.patient.community, at('patient', 'community'));
        } else {
          if (typeof step.pick === 'object') need(step.pick.community, at('pick', 'community'));
          step.extra?.forEach((x, j) =>
            need(x.community, at('extra', j, 'community'), { oid: true, none: true }),
          );
        }
        step.expect.issues?.forEach((e, j) => {
          if (e.community !== undefined)
            need(e.community, at('expect', 'issues', j, 'community'), { oid: true });
        });
        for (const name of Object.keys(step.expect.documentsPerCommunity ?? {}))
          need(name, at('expect', 'documentsPerCommunity', name));
        return;
      case 'add-faults':
        step.faults.forEach((f, j) => need(f.gateway, at('faults', j, 'gateway')));
        return;
      case 'clear-faults':
      case 'wait':
        return;
    }
    step.expect.errors?.forEach((e, j) =>
      need(e.location, at('expect', 'errors', j, 'location'), { oid: true, none: true }),
    );
    for (const name of Object.keys(step.expect.documentsPerCommunity ?? {}))
      need(name, at('expect', 'documentsPerCommunity', name));
  });
  return problems;
}
