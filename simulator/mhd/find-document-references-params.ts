/**
 * Reading the raw pairs of an ITI-67 search (ITI TF-2 3.67.4.1.2; FHIR R4 "Search" 3.1.1): bounds,
 * names and modifiers against the served table (`search-parameters.ts`), unknown parameters by
 * the handling the client asked for (FHIR R4 "Search" 3.1.1.4, `Prefer: handling=strict|lenient`),
 * and the comma-separated OR values of each occurrence.
 */
import {
  MAX_OR_VALUES,
  MAX_SEARCH_PARAMS,
  MAX_SEARCH_TEXT,
  MAX_VALUE_LENGTH,
  RESULT_PARAMETERS,
  SEARCH_PARAMETER_BY_NAME,
  type IssueType,
  type SearchProblem,
} from './search-parameters.js';
import { SearchValueError, splitOr } from './search-parameters-values.js';

/**
 * What to do with a parameter the responder does not serve (FHIR R4 "Search" 3.1.1.4): `strict`
 * refuses the search (an error issue, HTTP 400); `lenient` ignores it and says so in a warning
 * issue. nir-sim defaults to strict, so that a consumer sees at once which of its parameters
 * the broker would have dropped; `Prefer: handling=lenient` asks for the FHIR default.
 */
export type SearchHandling = 'strict' | 'lenient';

/**
 * The handling a `Prefer` request header asks for (RFC 7240; FHIR R4 "Search" 3.1.1.4):
 * `handling=lenient` -> lenient, anything else (absent, `handling=strict`, other preferences) ->
 * strict.
 */
export function searchHandling(prefer: string | undefined): SearchHandling {
  if (prefer === undefined) return 'strict';
  for (const part of prefer.split(/[,;]/)) {
    const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'handling' && v === 'lenient') return 'lenient';
  }
  return 'strict';
}

/** One occurrence of a served parameter: its name as sent, modifier and OR items (still escaped). */
export interface Occurrence {
  sentName: string;
  modifier: string | undefined;
  items: string[];
}

/** Occurrences grouped by served parameter name, in the order they were sent. */
export type Occurrences = Map<string, Occurrence[]>;

/** A problem about the parameter sent as `sentName`. */
export function problem(
  sentName: string,
  code: IssueType,
  diagnostics: string,
  severity: SearchProblem['severity'] = 'error',
): SearchProblem {
  return { severity, code, diagnostics, expression: [`http.${sentName}`] };
}

/**
 * The pairs of a GET query string (with or without its `?`) or a POST `_search`
 * application/x-www-form-urlencoded body, or pairs already read; at most MAX_SEARCH_TEXT
 * characters of text. A `+` is a space in both (WHATWG URL "application/x-www-form-urlencoded").
 */
export function searchPairs(input: string | URLSearchParams): [string, string][] | SearchProblem {
  if (typeof input === 'string') {
    if (input.length > MAX_SEARCH_TEXT) {
      return {
        severity: 'error',
        code: 'too-long',
        diagnostics: `the search is ${input.length} characters long; at most ${MAX_SEARCH_TEXT} are accepted (MAX_SEARCH_TEXT)`,
        expression: [],
      };
    }
    return [...new URLSearchParams(input.startsWith('?') ? input.slice(1) : input)];
  }
  return [...input];
}

/**
 * Check and group `pairs`: every problem is pushed to `problems` (errors and warnings), the
 * usable occurrences are returned. Over MAX_SEARCH_PARAMS pairs, nothing else is read and the
 * result is undefined.
 */
export function groupOccurrences(
  pairs: [string, string][],
  handling: SearchHandling,
  problems: SearchProblem[],
): Occurrences | undefined {
  const out: Occurrences = new Map();
  if (pairs.length > MAX_SEARCH_PARAMS) {
    problems.push({
      severity: 'error',
      code: 'too-long',
      diagnostics: `the search has ${pairs.length} parameters; at most ${MAX_SEARCH_PARAMS} are accepted (MAX_SEARCH_PARAMS)`,
      expression: [],
    });
    return undefined;
  }
  for (const [sentName, value] of pairs) {
    const colon = sentName.indexOf(':');
    const base = colon < 0 ? sentName : sentName.slice(0, colon);
    const modifier = colon < 0 ? undefined : sentName.slice(colon + 1);
    if (RESULT_PARAMETERS.has(base)) continue;
    const spec = SEARCH_PARAMETER_BY_NAME.get(base);
    if (spec === undefined) {
      const shown = sentName.length > 64 ? `${sentName.slice(0, 64)}...` : sentName;
      problems.push(
        handling === 'strict'
          ? problem(
              shown,
              'not-supported',
              `unknown search parameter '${shown}' (strict handling; Prefer: handling=lenient ignores it)`,
            )
          : problem(shown, 'not-supported', `unknown search parameter '${shown}' was ignored`, 'warning'),
      );
      continue;
    }
    if (modifier !== undefined && !spec.modifiers.includes(modifier)) {
      // FHIR R4 "Search" 3.1.1.5.5: a server SHALL reject a modifier it does not support.
      const accepted = spec.modifiers.length === 0 ? 'none' : spec.modifiers.map((m) => `:${m}`).join(', ');
      problems.push(
        problem(
          sentName,
          'not-supported',
          `modifier ':${modifier}' is not supported on ${base} (accepted: ${accepted})`,
        ),
      );
      continue;
    }
    if (value.length > MAX_VALUE_LENGTH) {
      problems.push(
        problem(
          sentName,
          'too-long',
          `value is ${value.length} characters; at most ${MAX_VALUE_LENGTH} are accepted (MAX_VALUE_LENGTH)`,
        ),
      );
      continue;
    }
    if (value === '') {
      problems.push(problem(sentName, 'value', `${sentName} has an empty value and was ignored`, 'warning'));
      continue;
    }
    const items = splitOr(value);
    if (items.length > MAX_OR_VALUES) {
      problems.push(
        problem(
          sentName,
          'too-long',
          `${items.length} comma-separated values; at most ${MAX_OR_VALUES} are accepted (MAX_OR_VALUES)`,
        ),
      );
      continue;
    }
    // patient:identifier is the FHIR modifier form of the chain patient.identifier (NHS draft imaging spec).
    const key = base === 'patient' && modifier === 'identifier' ? 'patient.identifier' : base;
    const list = out.get(key);
    const occurrence = { sentName, modifier, items };
    if (list) list.push(occurrence);
    else out.set(key, [occurrence]);
  }
  return out;
}

/** Where a reader reports: problems, and why the search can match nothing (first reason kept). */
export interface ReadContext {
  problems: SearchProblem[];
  noMatch: string | undefined;
}

/** Read each item with `f`; a SearchValueError becomes a `value` problem on the occurrence. */
export function readItems<T>(o: Occurrence, ctx: ReadContext, f: (item: string) => T): T[] | undefined {
  try {
    return o.items.map(f);
  } catch (e) {
    if (!(e instanceof SearchValueError)) throw e;
    ctx.problems.push(problem(o.sentName, 'value', `${o.sentName}: ${e.message}`));
    return undefined;
  }
}
