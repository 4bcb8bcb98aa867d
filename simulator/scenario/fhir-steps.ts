/**
 * The two MHD steps: ITI-67 Find Document References and ITI-68 Retrieve Document sent to the
 * broker's FHIR face (IHE MHD 4.2.x), their inputs resolved from the environment (patient by role,
 * community names, documents picked from earlier steps) and their answers compared with the step's
 * expectation (fhir-expectations.ts).
 */
import type { ScenarioEnvironment } from './environment.js';
import { fhirExchange, type FhirOutcome } from './fhir-exchange.js';
import { compareFhirOutcome, summariseFhir, type FhirActualSummary } from './fhir-expectations.js';
import { retrieveDocumentUrl, searchParameters, searchRequest, type SearchInputs } from './fhir-requests.js';
import { choosePatient } from './patients.js';
import { describePick, pickDocuments, type FoundDocument } from './picks.js';
import { homeCommunityIdOf } from './requests.js';
import type { FindDocumentReferencesStepSpec, RetrieveDocumentStepSpec } from './scenario-spec.js';

/** What MHD steps need of the run's shared context (request-steps.ts RequestContext). */
export interface FhirStepContext {
  env: ScenarioEnvironment;
  found: Map<string, FoundDocument[]>;
  timeoutMs: number;
  /** Sees every FHIR JSON body received (tests validate them against the FHIR R4 schema). */
  onFhirMessage?: (m: { transaction: 'ITI-67' | 'ITI-68'; json: string }) => void;
}

/** The outcome of one MHD step. */
export interface FhirStepOutcome {
  title: string;
  differences: string[];
  durationMs: number;
  /** ITI-67: the one answer; ITI-68: one per document asked for. */
  actual?: FhirActualSummary | { requests: FhirActualSummary[] };
  /** ITI-67: the retrievable documents of the answer. */
  documents: FoundDocument[];
}

/** Run an ITI-67 step. */
export async function runFindDocumentReferencesStep(
  step: FindDocumentReferencesStepSpec,
  ctx: FhirStepContext,
): Promise<FhirStepOutcome> {
  const { env } = ctx;
  const inputs: SearchInputs = {};
  let title = `ITI-67 ${step.method === 'POST' ? 'POST _search' : 'GET'}`;
  if (step.patient !== undefined) {
    const p = choosePatient(step.patient, env.patients, env.communities);
    if ('problem' in p) return notSent(title, p.problem);
    if (p.nhsNumber !== undefined) inputs.nhsNumber = p.nhsNumber;
    else inputs.patientIdentifier = p.patientId;
    title += `, patient ${p.label}`;
  }
  if (step.targetCommunities) title += `, target communities ${step.targetCommunities.join(', ')}`;
  if (step.consumer !== undefined) title += `, consumer ${step.consumer}`;
  const r = searchRequest(env.fhirBase, step.method, searchParameters(step, inputs, env.communities));
  const o = await fhirExchange({
    transaction: 'ITI-67',
    ...r,
    timeoutMs: ctx.timeoutMs,
    ...(step.prefer !== undefined ? { prefer: step.prefer } : {}),
    ...(step.consumer !== undefined ? { consumer: step.consumer } : {}),
  });
  seen(ctx, 'ITI-67', o);
  return {
    title: step.title ?? title,
    differences: compareFhirOutcome(step.expect, o, env.communities),
    durationMs: o.durationMs,
    actual: summariseFhir(o, env.communities),
    documents: o.references.flatMap((x) => (x.document ? [x.document] : [])),
  };
}

/** Run an ITI-68 step: one GET per document, each judged against the expectation. */
export async function runRetrieveDocumentStep(
  step: RetrieveDocumentStepSpec,
  ctx: FhirStepContext,
): Promise<FhirStepOutcome> {
  const { env } = ctx;
  const targets: { document: FoundDocument; checkBytes: boolean }[] = [];
  let title = 'ITI-68';
  if (step.from !== undefined) {
    const picked = pickDocuments(ctx.found.get(step.from) ?? [], step.pick, env.communities);
    if (!picked.ok) return notSent(title, `pick: ${picked.problem}`);
    for (const d of picked.documents) targets.push({ document: d, checkBytes: true });
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
    targets.push({
      document: {
        home: x.community === 'none' ? '' : homeCommunityIdOf(x.community, env.communities),
        repositoryUniqueId,
        uniqueId: x.documentUniqueId,
      },
      checkBytes: false,
    });
  }
  if (step.extra) title += ` + ${step.extra.length} extra`;
  if (step.consumer !== undefined) title += `, consumer ${step.consumer}`;
  const differences: string[] = [];
  const requests: FhirActualSummary[] = [];
  let durationMs = 0;
  for (const t of targets) {
    const url = t.document.url ?? retrieveDocumentUrl(env.fhirBase, t.document);
    const o = await fhirExchange({
      transaction: 'ITI-68',
      method: 'GET',
      url: new URL(url, env.fhirBase).href,
      timeoutMs: ctx.timeoutMs,
      ...(step.accept !== undefined ? { accept: step.accept } : {}),
      ...(step.consumer !== undefined ? { consumer: step.consumer } : {}),
    });
    seen(ctx, 'ITI-68', o);
    durationMs += o.durationMs;
    requests.push(summariseFhir(o, env.communities));
    const prefix = targets.length > 1 ? `${t.document.uniqueId}: ` : '';
    for (const d of compareFhirOutcome(
      step.expect,
      o,
      env.communities,
      t.checkBytes ? t.document : undefined,
    ))
      differences.push(prefix + d);
  }
  return { title: step.title ?? title, differences, durationMs, actual: { requests }, documents: [] };
}

function seen(ctx: FhirStepContext, transaction: 'ITI-67' | 'ITI-68', o: FhirOutcome): void {
  if (o.receivedJson !== undefined) ctx.onFhirMessage?.({ transaction, json: o.receivedJson });
}

function notSent(title: string, problem: string): FhirStepOutcome {
  return { title, differences: [`not sent: ${problem}`], durationMs: 0, documents: [] };
}
