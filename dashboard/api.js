// The control API as the dashboard uses it: only its documented routes (docs/faults.md "The control
// API", docs/dashboard.md "The event stream"), on the origin that served the page.

/** The body of a JSON answer, or an Error carrying the control API's `{ error, problems }`. */
async function json(res) {
  const text = await res.text();
  const body = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const err = new Error(body?.error ?? `HTTP ${res.status}`);
    err.status = res.status;
    err.problems = body?.problems ?? [];
    throw err;
  }
  return body;
}

export const getTopology = () => fetch('/topology').then(json);
export const getFaults = () => fetch('/faults').then(json);
export const getFaultSchema = () => fetch('/fault-schema').then(json);
export const getTransactions = (limit = 500) => fetch(`/transactions?limit=${limit}`).then(json);
export const getTransaction = (id) => fetch(`/transactions/${encodeURIComponent(id)}`).then(json);

/**
 * AuditEvents from the simulated PARS (GET /audit-events): `{ patient, since, until, limit }`, each
 * optional (since/until ISO 8601 instants); rejects with the control API's problems.
 */
export function getAuditEvents(q) {
  const params = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return fetch(`/audit-events?${params.join('&')}`).then(json);
}

/** The Patient Access Report of an NHS number (GET /audit-report). */
export const getAuditReport = (patient) =>
  fetch(`/audit-report?patient=${encodeURIComponent(patient)}`).then(json);

/** The shipped scenarios (GET /scenarios; `sim up` serves it). */
export const getScenarios = () => fetch('/scenarios').then(json);

/** Run a shipped scenario against this sim (POST /scenarios/{name}/run): its ScenarioResult. */
export const runScenario = (name) =>
  fetch(`/scenarios/${encodeURIComponent(name)}/run`, { method: 'POST' }).then(json);

/**
 * The conformance kit's consumer-mode report over the requests the broker received
 * (GET /conformance/consumer), for one consumer id when given.
 */
export const getConsumerConformance = (consumer) =>
  fetch(
    `/conformance/consumer${consumer === undefined ? '' : `?consumer=${encodeURIComponent(consumer)}`}`,
  ).then(json);

/** The broker's per-community deadline (ms), or undefined where the control API has no broker. */
export async function getDeadlineMs() {
  const res = await fetch('/broker/settings');
  if (!res.ok) return undefined;
  return (await res.json()).deadlineMs;
}

/** Add faults (all or nothing); rejects with the control API's problems. */
export const addFaults = (faults) =>
  fetch('/faults', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ faults }),
  }).then(json);

export const removeFault = (name) =>
  fetch(`/faults/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(json);

export const clearFaults = () => fetch('/reset', { method: 'POST' }).then(json);

/**
 * Follow `GET /events`: `on[kind](data)` for each event (topology, faults, fault-added,
 * fault-removed, transaction, refusal), `onState('live' | 'reconnecting')`. EventSource reconnects by itself
 * and sends Last-Event-ID. Returns the function that closes the stream.
 */
export function followEvents(on, onState) {
  const source = new EventSource('/events');
  source.onopen = () => onState('live');
  source.onerror = () => onState('reconnecting');
  for (const [kind, handler] of Object.entries(on))
    source.addEventListener(kind, (e) => handler(JSON.parse(e.data)));
  return () => source.close();
}
