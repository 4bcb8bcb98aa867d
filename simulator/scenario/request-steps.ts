/**
 * The two request steps: ITI-38 Cross Gateway Query and ITI-39 Cross Gateway Retrieve sent to the
 * broker, their inputs resolved from the environment (patient by role, community names, documents
 * picked from earlier steps) and their answers compared with the step's expectation.
 */
import type { DocumentRequest } from '../xca/types.js';
import type { ScenarioEnvironment } from './environment.js';
import { exchange, type StepOutcome } from './exchange.js';
import { compareOutcome, summarise, type ActualSummary } from './expectations.js';
import { choosePatient } from './patients.js';
import { describePick, pickDocuments, type FoundDocument } from './picks.js';
import { homeCommunityIdOf, queryRequestXml, retrieveRequestXml, type QueryInputs } from './requests.js';
import type { QueryStepSpec, RetrieveStepSpec } from './scenario-spec.js';

/** What request steps share during one run. */
export interface RequestContext {
  env: ScenarioEnvironment;
  /** Documents found by each query step so far, by step id. */
  found: Map<string, FoundDocument[]>;
  /** Per request, ms. */
  timeoutMs: number;
  /** Sees every envelope sent and received (tests validate them against the IHE schemas). */
  onMessage?: (m: { direction: 'sent' | 'received'; xml: string }) => void;
  /** Sees every FHIR JSON body received (tests validate them against the FHIR R4 schema). */
  onFhirMessage?: (m: { transaction: 'ITI-67' | 'ITI-68'; json: string }) => void;
}

/** The outcome of one request step. */
export interface RequestStepOutcome {
  title: string;
  differences: string[];
  durationMs: number;
  actual?: ActualSummary;
  /** Retrievable documents in the answer (query steps). */
  documents: FoundDocument[];
}

/** Run a query step. */
export async function runQueryStep(step: QueryStepSpec, ctx: RequestContext): Promise<RequestStepOutcome> {
  const { env } = ctx;
  const inputs: QueryInputs = {};
  let title = `ITI-38 ${step.storedQuery}`;
  if (step.patient !== undefined) {
    const p = choosePatient(step.patient, env.patients, env.communities);
    if ('problem' in p) return notSent(title, p.problem);
    inputs.patientId = p.patientId;
    title += `, patient ${p.label}`;
  }
  if (step.documents) {
    const picked = pickDocuments(
      ctx.found.get(step.documents.from) ?? [],
      step.documents.pick,
      env.communities,
    );
    if (!picked.ok) return notSent(title, `documents: ${picked.problem}`);
    inputs.uniqueIds = picked.documents.map((d) => d.uniqueId);
    title += `, ${inputs.uniqueIds.length} document(s) (${describePick(step.documents.pick)} of ${step.documents.from})`;
  }
  if (step.uniqueIds) {
    inputs.uniqueIds = step.uniqueIds;
    title += `, ${step.uniqueIds.length} document(s)`;
  }
  if (step.home !== undefined) {
    inputs.home = homeCommunityIdOf(step.home, env.communities);
    title += `, home ${step.home}`;
  }
  if (step.consumer !== undefined) title += `, consumer ${step.consumer}`;
  const o = await exchange({
    transaction: 'ITI-38',
    url: env.brokerEndpoints['ITI-38'],
    bodyXml: queryRequestXml(step, inputs),
    timeoutMs: ctx.timeoutMs,
    ...(step.consumer !== undefined ? { consumer: step.consumer } : {}),
  });
  return judged(step.title ?? title, step, o, ctx);
}

/** Run a retrieve step. */
export async function runRetrieveStep(
  step: RetrieveStepSpec,
  ctx: RequestContext,
): Promise<RequestStepOutcome> {
  const { env } = ctx;
  const requests: DocumentRequest[] = [];
  let title = 'ITI-39';
  if (step.from !== undefined) {
    const picked = pickDocuments(ctx.found.get(step.from) ?? [], step.pick, env.communities);
    if (!picked.ok) return notSent(title, `pick: ${picked.problem}`);
    for (const d of picked.documents)
      requests.push({
        homeCommunityId: d.home,
        repositoryUniqueId: d.repositoryUniqueId,
        documentUniqueId: d.uniqueId,
      });
    title += ` ${picked.documents.length} document(s) (${describePick(step.pick)} of ${step.from})`;
  }
  for (const x of step.extra ?? []) {
    const c = env.communities.find((k) => k.name === x.community);
    const repositoryUniqueId = x.repositoryUniqueId ?? c?.repositoryUniqueId;
    if (repositoryUniqueId === undefined)
      return notSent(
        title,
        `extra: give repositoryUniqueId for community '${x.community}' (its repository is not known)`,
      );
    requests.push({
      ...(x.community === 'none' ? {} : { homeCommunityId: homeCommunityIdOf(x.community, env.communities) }),
      repositoryUniqueId,
      documentUniqueId: x.documentUniqueId,
    });
  }
  if (step.extra) title += ` + ${step.extra.length} extra`;
  if (step.consumer !== undefined) title += `, consumer ${step.consumer}`;
  const o = await exchange({
    transaction: 'ITI-39',
    url: env.brokerEndpoints['ITI-39'],
    bodyXml: retrieveRequestXml(requests),
    timeoutMs: ctx.timeoutMs,
    ...(step.consumer !== undefined ? { consumer: step.consumer } : {}),
  });
  return judged(step.title ?? title, step, o, ctx);
}

function judged(
  title: string,
  step: QueryStepSpec | RetrieveStepSpec,
  o: StepOutcome,
  ctx: RequestContext,
): RequestStepOutcome {
  ctx.onMessage?.({ direction: 'sent', xml: o.sentXml });
  if (o.receivedXml !== undefined) ctx.onMessage?.({ direction: 'received', xml: o.receivedXml });
  return {
    title,
    differences: compareOutcome(step.expect, o, ctx.env.communities),
    durationMs: o.durationMs,
    actual: summarise(o, ctx.env.communities),
    documents: o.items.flatMap((i) => (i.document ? [i.document] : [])),
  };
}

function notSent(title: string, problem: string): RequestStepOutcome {
  return { title, differences: [`not sent: ${problem}`], durationMs: 0, documents: [] };
}
