/**
 * The result of a scenario run, as the reporters (console, JSON, JUnit XML) render it. Durations
 * are wall-clock ms, for information (and the `maxResponseMs` check); nothing else depends on them.
 */
import type { ActualSummary } from './expectations.js';
import type { FhirActualSummary } from './fhir-expectations.js';
import type { ExpectationSpec, FhirExpectationSpec, StepSpec } from './scenario-spec.js';

/** One step's outcome. */
export interface StepResult {
  /** 1-based position in the file. */
  index: number;
  id: string;
  kind: StepSpec['kind'];
  /** What the step did, in words (e.g. `ITI-38 FindDocuments, patient 9995649284 (known-to-all)`). */
  title: string;
  passed: boolean;
  /** Actual vs expected, one readable line each; empty when the step passed. */
  differences: string[];
  durationMs: number;
  /**
   * For request steps: what was expected and what came back (ITI-68: one summary per document
   * asked for).
   */
  expected?: ExpectationSpec | FhirExpectationSpec;
  actual?: ActualSummary | FhirActualSummary | { requests: FhirActualSummary[] };
}

/** One scenario's outcome. */
export interface ScenarioResult {
  name: string;
  description: string;
  /** The file it came from, when run from a file. */
  file?: string;
  passed: boolean;
  durationMs: number;
  steps: StepResult[];
}
