/**
 * The scenario runner: runs a validated scenario's steps in order against an injected
 * environment, and records per step pass/fail, the differences from the expectation in readable
 * lines, and the duration. Every step runs even after a failure, so one run shows everything that
 * differs. The topology's own faults are the environment's business (it starts with them).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScenarioEnvironment } from './environment.js';
import {
  runQueryStep,
  runRetrieveStep,
  type RequestContext,
  type RequestStepOutcome,
} from './request-steps.js';
import { runFindDocumentReferencesStep, runRetrieveDocumentStep } from './fhir-steps.js';
import type { ScenarioResult, StepResult } from './result.js';
import { stepIdOf, type ScenarioSpec, type StepSpec } from './scenario-spec.js';

/** Options of {@link runScenario}. */
interface RunOptions {
  /** How long one request may take before the step fails, ms (default 120 000). */
  requestTimeoutMs?: number;
  /** The file the scenario came from, for reports. */
  file?: string;
  /** Called after each step (e.g. to print progress). */
  onStep?: (r: StepResult) => void;
  /** Sees every SOAP envelope sent to and received from the broker. */
  onMessage?: RequestContext['onMessage'];
  /** Sees every FHIR JSON body received from the broker. */
  onFhirMessage?: RequestContext['onFhirMessage'];
}

/**
 * Run every step of `scenario` against `env`. Never throws for what a step meets (a refused
 * connection, an unreadable answer, a fault the topology rejects): each is a failed step with its
 * reason. Does not stop `env`.
 */
export async function runScenario(
  scenario: ScenarioSpec,
  env: ScenarioEnvironment,
  opts: RunOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const ctx: RequestContext = {
    env,
    found: new Map(),
    timeoutMs: opts.requestTimeoutMs ?? 120_000,
    ...(opts.onMessage ? { onMessage: opts.onMessage } : {}),
    ...(opts.onFhirMessage ? { onFhirMessage: opts.onFhirMessage } : {}),
  };
  const steps: StepResult[] = [];
  for (const [i, step] of scenario.steps.entries()) {
    const r = await runStep(step, i, ctx).catch((err: unknown): StepResult => ({
      index: i + 1,
      id: stepIdOf(step, i),
      kind: step.kind,
      title: step.title ?? step.kind,
      passed: false,
      differences: [`could not run the step: ${err instanceof Error ? err.message : String(err)}`],
      durationMs: 0,
    }));
    steps.push(r);
    opts.onStep?.(r);
  }
  return {
    name: scenario.name,
    description: scenario.description,
    ...(opts.file !== undefined ? { file: opts.file } : {}),
    passed: steps.every((s) => s.passed),
    durationMs: Math.round(performance.now() - started),
    steps,
  };
}

async function runStep(step: StepSpec, i: number, ctx: RequestContext): Promise<StepResult> {
  const id = stepIdOf(step, i);
  const base = { index: i + 1, id, kind: step.kind };
  const started = performance.now();
  const done = (title: string, differences: string[]): StepResult => ({
    ...base,
    title: step.title ?? title,
    passed: differences.length === 0,
    differences,
    durationMs: Math.round(performance.now() - started),
  });
  switch (step.kind) {
    case 'query':
    case 'retrieve': {
      const o: RequestStepOutcome =
        step.kind === 'query' ? await runQueryStep(step, ctx) : await runRetrieveStep(step, ctx);
      if (step.kind === 'query') ctx.found.set(id, o.documents);
      return {
        ...base,
        title: o.title,
        passed: o.differences.length === 0,
        differences: o.differences,
        durationMs: o.durationMs,
        expected: step.expect,
        ...(o.actual ? { actual: o.actual } : {}),
      };
    }
    case 'find-document-references':
    case 'retrieve-document': {
      const o =
        step.kind === 'find-document-references'
          ? await runFindDocumentReferencesStep(step, ctx)
          : await runRetrieveDocumentStep(step, ctx);
      if (step.kind === 'find-document-references') ctx.found.set(id, o.documents);
      return {
        ...base,
        title: o.title,
        passed: o.differences.length === 0,
        differences: o.differences,
        durationMs: o.durationMs,
        expected: step.expect,
        ...(o.actual ? { actual: o.actual } : {}),
      };
    }
    case 'add-faults': {
      const r = await ctx.env.faults.add(step.faults);
      const what = step.faults.map((f) => `${f.name} (${f.kind} on ${f.gateway})`).join(', ');
      return done(`add faults ${what}`, r.ok ? [] : r.problems.map((p) => `fault rejected: ${p}`));
    }
    case 'clear-faults': {
      if (step.names === undefined) {
        await ctx.env.faults.reset();
        return done('clear every fault', []);
      }
      const missing: string[] = [];
      for (const name of step.names) if (!(await ctx.env.faults.remove(name))) missing.push(name);
      return done(
        `clear faults ${step.names.join(', ')}`,
        missing.map((n) => `no fault named '${n}' to clear`),
      );
    }
    case 'wait':
      await sleep(step.ms);
      return done(`wait ${step.ms} ms`, []);
  }
}
