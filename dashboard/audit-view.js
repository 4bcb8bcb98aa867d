// The Audit view: the AuditEvents the simulated PARS holds for a patient (NHS number) or a time
// window (GET /audit-events), each with its outcome, action, agents and patient; and the Patient
// Access Report the CLI prints (GET /audit-report, as `sim audit report --patient`). The control
// API reads PARS for the page (docs/dashboard.md "Views").
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Problem } from './problem.js';
import { getAuditEvents, getAuditReport } from './api.js';

/** AuditEvent.outcome in words (FHIR R4 audit-event-outcome). */
const OUTCOMES = { 0: 'Success', 4: 'Minor failure', 8: 'Serious failure', 12: 'Major failure' };
/** AuditEvent.action in words (FHIR R4 audit-event-action). */
const ACTIONS = { C: 'Create', R: 'Read', U: 'Update', D: 'Delete', E: 'Execute' };

/** A `datetime-local` value (local time, no zone) as an ISO 8601 instant, or undefined when empty. */
const instant = (local) => (local === '' ? undefined : new Date(local).toISOString());

function Outcome({ code, desc }) {
  const cls = code === '0' ? 'good' : code === '4' ? 'warn' : 'bad';
  return html`<span class=${`badge ${cls}`}>${OUTCOMES[code] ?? code}</span>
    ${desc && desc !== OUTCOMES[code] ? html`<div class="hint">${desc}</div>` : ''}`;
}

function EventsTable({ answer }) {
  return html`
    <p class="summary" aria-live="polite">
      ${answer.events.length} of ${answer.total} AuditEvents, newest first (from PARS ${answer.pars})
    </p>
    <table class="audit-events">
      <thead>
        <tr>
          <th scope="col">Recorded</th>
          <th scope="col">Transaction</th>
          <th scope="col">Action</th>
          <th scope="col">Outcome</th>
          <th scope="col">Patient</th>
          <th scope="col">Agents</th>
        </tr>
      </thead>
      <tbody>
        ${answer.events.map(
          (e) =>
            html`<tr key=${e.id} data-audit-event=${e.id}>
              <td>${e.recorded}</td>
              <td>${e.transaction}</td>
              <td>${ACTIONS[e.action] ?? e.action}</td>
              <td><${Outcome} code=${e.outcome} desc=${e.outcomeDesc} /></td>
              <td>${e.patient ?? '—'}</td>
              <td>
                <ul class="agents">
                  ${e.agents.map(
                    (a) =>
                      html`<li>
                        ${a.who} <span class="hint">(${[a.type, a.role].filter(Boolean).join(', ')})</span>
                        ${a.requestor ? html` <strong>requestor</strong>` : ''}
                      </li>`,
                  )}
                </ul>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

function Report({ report }) {
  const counts = Object.entries(report.byTransaction);
  return html`
    <section aria-labelledby="report-title">
      <h3 id="report-title">Patient Access Report for ${report.subject}</h3>
      <p class="summary">
        ${report.accesses.length} accesses${counts.length > 0 ? ': ' : ''}
        ${counts.map(([t, n]) => `${t} ${n}`).join(', ')} (from PARS ${report.pars}), oldest first
      </p>
      <table class="access-report">
        <thead>
          <tr>
            <th scope="col">Recorded</th>
            <th scope="col">Transaction</th>
            <th scope="col">Outcome</th>
            <th scope="col">User</th>
            <th scope="col">Organisation</th>
            <th scope="col">Calling system</th>
            <th scope="col">Identity</th>
            <th scope="col">Documents</th>
          </tr>
        </thead>
        <tbody>
          ${report.accesses.map(
            (a) =>
              html`<tr key=${a.id}>
                <td>${a.recorded}</td>
                <td>
                  ${a.transaction}${a.via === 'document' ? html` <span class="hint">(by document)</span>` : ''}
                </td>
                <td><${Outcome} code=${a.outcome} desc=${a.outcomeDesc} /></td>
                <td>${a.user ?? '—'}${a.role ? html` <span class="hint">(${a.role})</span>` : ''}</td>
                <td>${a.organisation ?? '—'}</td>
                <td>${a.callingSystem ?? '—'}</td>
                <td>${a.assurance}</td>
                <td>${a.documents.length === 0 ? '—' : a.documents.join(', ')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
  `;
}

export function AuditView() {
  const [form, setForm] = useState({ patient: '', since: '', until: '' });
  const [answer, setAnswer] = useState(undefined);
  const [report, setReport] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const patient = form.patient.replace(/\s+/g, '');

  const run = (work) => {
    setBusy(true);
    setProblem(undefined);
    work()
      .catch(setProblem)
      .finally(() => setBusy(false));
  };
  const search = (e) => {
    e.preventDefault();
    run(async () => {
      setReport(undefined);
      setAnswer(
        await getAuditEvents({
          patient: patient || undefined,
          since: instant(form.since),
          until: instant(form.until),
        }),
      );
    });
  };
  const accessReport = () =>
    run(async () => {
      setAnswer(undefined);
      setReport(await getAuditReport(patient));
    });

  return html`
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit</h2>
      <p class="hint">
        The AuditEvents the simulated PARS holds (FHIR R4), for a patient, a time window or both; empty fields
        are not filtered on.
      </p>
      <form class="filters" aria-label="Search AuditEvents" onSubmit=${search}>
        <label for="audit-patient">Patient (NHS number)</label>
        <input
          id="audit-patient"
          type="search"
          inputmode="numeric"
          value=${form.patient}
          onInput=${set('patient')}
        />
        <label for="audit-since">From</label>
        <input id="audit-since" type="datetime-local" step="1" value=${form.since} onInput=${set('since')} />
        <label for="audit-until">To</label>
        <input id="audit-until" type="datetime-local" step="1" value=${form.until} onInput=${set('until')} />
        <button type="submit" disabled=${busy}>Search</button>
        <button type="button" disabled=${busy || patient === ''} onClick=${accessReport}>
          Patient Access Report
        </button>
      </form>
      ${problem && html`<${Problem} err=${problem} />`} ${answer && html`<${EventsTable} answer=${answer} />`}
      ${report && html`<${Report} report=${report} />`}
    </section>
  `;
}
