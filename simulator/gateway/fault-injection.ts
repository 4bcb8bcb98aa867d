/**
 * The one place faults apply (docs/architecture.md "Fault model"): for each request a gateway asks
 * the fault store which faults hold, waits, and then answers with a SOAP Fault, a transport
 * directive, or the normal answer with its content changed.
 */
import type { FaultStore } from '../faults/fault-store.js';
import { planFaults, type FaultPlan, type FaultProtocol } from '../faults/fault-plan.js';
import { SoapFaultError } from '../soap/fault.js';
import type { SoapResponse } from '../soap/server.js';
import type { DeadlineClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MhdTransaction } from '../shared/fhir-endpoints.js';
import type { Transaction } from '../xca/constants.js';
import { XcaNs } from '../xca/constants.js';

/** Who is asking, for fault selection. */
export interface FaultTarget {
  gateway: string;
  transaction: Transaction | MhdTransaction;
  patient?: string;
}

/**
 * Choose the faults for one request and wait out any latency (ms of `clock`'s time, so a test on
 * a virtual clock moves past it exactly); the plan says what else to do. Shared by the XCA
 * endpoints (`beginFaults`) and the MHD community (mhd-responder.ts), which answers a
 * `soap-fault` in its own protocol. `protocol` picks the bodies of `empty-body`, `http-status`
 * and `malformed-*` (faults/fault-plan.ts).
 */
export async function chooseFaults(
  store: FaultStore | undefined,
  target: FaultTarget,
  logger: Logger,
  clock: DeadlineClock,
  protocol: FaultProtocol = 'xca',
): Promise<FaultPlan> {
  const plan = planFaults(store?.select(target) ?? [], protocol);
  if (plan.applied.length > 0) logger.info({ faults: plan.applied, ...target }, 'faults applied');
  if (plan.delayMs > 0) await clock.sleep(plan.delayMs);
  return plan;
}

/**
 * Choose and start carrying out the faults for one XCA request: waits out any latency, throws
 * the SOAP Fault if one applies, and returns the plan for the content and delivery effects.
 * @throws SoapFaultError when a `soap-fault` applies.
 */
export async function beginFaults(
  store: FaultStore | undefined,
  target: FaultTarget,
  logger: Logger,
  clock: DeadlineClock,
): Promise<FaultPlan> {
  const plan = await chooseFaults(store, target, logger, clock);
  if (plan.soapFault)
    throw new SoapFaultError(plan.soapFault.code, plan.soapFault.reason, { logDetail: 'simulated fault' });
  return plan;
}

/** The body namespaces a `wrong-namespace` fault replaces (ebRS 3.0 query and XDS.b). */
const WRONG_NS: ReadonlyArray<[string, string]> = [
  [XcaNs.query, 'urn:oasis:names:tc:ebxml-regrep:xsd:query:2.1'],
  [XcaNs.xdsb, 'urn:ihe:iti:xds-b:2006'],
];

/** Finish an answer under a plan: wrong namespace, MTOM Content-IDs and delivery directive. */
export function finishWithFaults(plan: FaultPlan, answer: SoapResponse): SoapResponse {
  let bodyXml = answer.bodyXml;
  if (plan.wrongNamespace) for (const [from, to] of WRONG_NS) bodyXml = bodyXml.split(from).join(to);
  return {
    ...answer,
    bodyXml,
    ...(plan.wrongContentId ? wrongContentIds(answer) : {}),
    ...(plan.delivery ? { delivery: plan.delivery } : {}),
  };
}

/**
 * `mtom-wrong-content-id`: every MTOM part renamed `wrong-<id>`, so that no xop:Include href
 * (XOP 1.0 §3.2, `cid:<id>`) resolves. Parts produced while writing (an async iterable) are left alone.
 */
function wrongContentIds(answer: SoapResponse): Pick<SoapResponse, 'attachments' | 'streamedAttachments'> {
  const rename = <P extends { contentId: string }>(p: P): P => ({ ...p, contentId: `wrong-${p.contentId}` });
  const streamed = answer.streamedAttachments;
  return {
    ...(answer.attachments ? { attachments: answer.attachments.map(rename) } : {}),
    ...(streamed ? { streamedAttachments: Array.isArray(streamed) ? streamed.map(rename) : streamed } : {}),
  };
}
