// The live transaction log: the consumer requests the broker answered (GET /transactions, then
// each `transaction` event of GET /events), newest first, filtered by patient, community, status
// and transaction; each with its legs' waterfall. Opening one shows its detail.
import { html } from './html.js';
import { clockTime, shortStatus } from './format.js';
import { Waterfall } from './waterfall.js';

/** The transactions GET /transactions filters by (docs/faults.md "The control API"). */
export const TRANSACTIONS = ['ITI-38', 'ITI-39', 'RAD-75', 'ITI-67', 'ITI-68', 'WADO-RS'];
export const STATUSES = ['Success', 'PartialSuccess', 'Failure'];

/** The transactions that pass every filter that is set. */
export function applyFilters(transactions, f) {
  const patient = f.patient.replace(/\s+/g, '');
  return transactions.filter(
    (t) =>
      (patient === '' || (t.patient ?? '').includes(patient)) &&
      (f.community === '' || t.legs.some((l) => l.community === f.community)) &&
      (f.status === '' || shortStatus(t.status) === f.status) &&
      (f.transaction === '' || t.transaction === f.transaction),
  );
}

function Filters({ filters, setFilters, communities }) {
  const set = (k) => (e) => setFilters({ ...filters, [k]: e.currentTarget.value });
  return html`<form
    class="filters"
    role="search"
    aria-label="Filter transactions"
    onSubmit=${(e) => e.preventDefault()}
  >
    <label for="filter-patient">Patient (NHS number)</label>
    <input
      id="filter-patient"
      type="search"
      inputmode="numeric"
      value=${filters.patient}
      onInput=${set('patient')}
    />
    <label for="filter-community">Community</label>
    <select id="filter-community" value=${filters.community} onChange=${set('community')}>
      <option value="">all</option>
      ${communities.map((c) => html`<option value=${c}>${c}</option>`)}
    </select>
    <label for="filter-status">Status</label>
    <select id="filter-status" value=${filters.status} onChange=${set('status')}>
      <option value="">all</option>
      ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
    </select>
    <label for="filter-transaction">Transaction</label>
    <select id="filter-transaction" value=${filters.transaction} onChange=${set('transaction')}>
      <option value="">all</option>
      ${TRANSACTIONS.map((t) => html`<option value=${t}>${t}</option>`)}
    </select>
  </form>`;
}

/** At most this many rows are drawn at once (the log holds 500). */
const MAX_ROWS = 200;

export function LogView({ transactions, topology, deadlineMs, filters, setFilters, onOpen }) {
  const communities = (topology?.communities ?? []).map((c) => c.name);
  const shown = applyFilters(transactions, filters);
  return html`
    <section aria-labelledby="log-title">
      <h2 id="log-title">Transactions</h2>
      <${Filters} filters=${filters} setFilters=${setFilters} communities=${communities} />
      <p class="summary" aria-live="polite">
        ${shown.length} of ${transactions.length} transactions
        ${shown.length > MAX_ROWS ? ` (the newest ${MAX_ROWS} shown)` : ''}
        ${deadlineMs ? html`; bars on a scale of the broker's ${deadlineMs} ms deadline (the line)` : ''}
      </p>
      <table class="log">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Transaction</th>
            <th scope="col">Patient</th>
            <th scope="col">Status</th>
            <th scope="col">Errors</th>
            <th scope="col" class="num">Duration</th>
            <th scope="col" class="legs-col">Community legs</th>
          </tr>
        </thead>
        <tbody>
          ${shown.slice(0, MAX_ROWS).map((t) => {
            const status = shortStatus(t.status);
            return html`<tr key=${t.id} data-tx=${t.id} data-status=${status}>
              <td>
                <button type="button" class="link" onClick=${() => onOpen(t.id)} aria-label=${`Open ${t.id}`}>
                  ${clockTime(t.startedAt)}
                </button>
              </td>
              <td>${t.transaction}</td>
              <td>${t.patient ?? '—'}</td>
              <td>
                <span
                  class=${`badge ${status === 'Success' ? 'good' : status === 'PartialSuccess' ? 'warn' : 'bad'}`}
                  >${status}</span
                >
              </td>
              <td class="errors">
                ${t.errors.length === 0 ? '—' : t.errors.map((e) => e.errorCode).join(', ')}
              </td>
              <td class="num">${t.durationMs} ms</td>
              <td><${Waterfall} tx=${t} deadlineMs=${deadlineMs} /></td>
            </tr>`;
          })}
        </tbody>
      </table>
    </section>
  `;
}
