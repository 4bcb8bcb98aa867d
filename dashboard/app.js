// The nir-sim dashboard (docs/dashboard.md): Topology, Faults, Transactions, Scenarios, Audit and
// Conformance views over the control API, kept live by its Server-Sent Events stream (GET /events).
// Views are chosen by the URL fragment (#topology, #faults, #transactions, #tx/<id>, #scenarios,
// #audit, #conformance), so each can be linked to.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import {
  followEvents,
  getDeadlineMs,
  getFaultSchema,
  getFaults,
  getTopology,
  getTransactions,
} from './api.js';
import { TopologyView } from './topology-view.js';
import { FaultsView } from './faults-view.js';
import { LogView } from './log-view.js';
import { DetailView } from './detail-view.js';
import { AuditView } from './audit-view.js';
import { ScenariosView } from './scenarios-view.js';
import { ConformanceView } from './conformance-view.js';

/** Transactions kept in the page, as the control API's log keeps them. */
const MAX_TRANSACTIONS = 500;

const TABS = [
  ['topology', 'Topology'],
  ['faults', 'Faults'],
  ['transactions', 'Transactions'],
  ['scenarios', 'Scenarios'],
  ['audit', 'Audit'],
  ['conformance', 'Conformance'],
];

const routeOf = (hash) => {
  const h = hash.replace(/^#\/?/, '');
  if (h.startsWith('tx/')) return { view: 'detail', id: decodeURIComponent(h.slice(3)) };
  return { view: TABS.some(([t]) => t === h) ? h : 'topology' };
};

function App() {
  const [route, setRoute] = useState(routeOf(location.hash));
  const [topology, setTopology] = useState(undefined);
  const [faults, setFaults] = useState([]);
  const [schema, setSchema] = useState(undefined);
  const [transactions, setTransactions] = useState([]);
  const [deadlineMs, setDeadlineMs] = useState(undefined);
  // The last request the broker refused with a SOAP Fault (the `refusal` event): no transaction,
  // but the Conformance view judges it.
  const [lastRefusal, setLastRefusal] = useState(undefined);
  const [stream, setStream] = useState('connecting');
  const [problem, setProblem] = useState(undefined);
  const [filters, setFilters] = useState({ patient: '', community: '', status: '', transaction: '' });

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const fail = (err) => setProblem(`The control API did not answer: ${err.message}`);
    getTopology().then(setTopology, fail);
    getFaults().then((b) => setFaults(b.faults), fail);
    getFaultSchema().then(setSchema, fail);
    getDeadlineMs().then(setDeadlineMs, () => undefined);
    getTransactions(MAX_TRANSACTIONS).then(
      (b) =>
        setTransactions((live) => {
          const seen = new Set(live.map((t) => t.id));
          return [...live, ...b.transactions.filter((t) => !seen.has(t.id))].slice(0, MAX_TRANSACTIONS);
        }),
      fail,
    );
    return followEvents(
      {
        topology: setTopology,
        faults: (b) => setFaults(b.faults),
        transaction: (t) =>
          setTransactions((list) =>
            list.some((x) => x.id === t.id) ? list : [t, ...list].slice(0, MAX_TRANSACTIONS),
          ),
        refusal: (r) => setLastRefusal(r.id),
        // The `faults` event that follows a change carries the whole list with its counters.
        'fault-added': () => undefined,
        'fault-removed': () => undefined,
      },
      (state) => {
        setStream(state);
        // After a reconnection the deadline may have changed.
        if (state === 'live') getDeadlineMs().then(setDeadlineMs, () => undefined);
      },
    );
  }, []);

  const current = route.view === 'detail' ? 'transactions' : route.view;
  return html`
    <header>
      <h1>nir-sim</h1>
      <nav aria-label="Views">
        <ul>
          ${TABS.map(
            ([t, label]) =>
              html`<li>
                <a href=${`#${t}`} aria-current=${current === t ? 'page' : undefined}>${label}</a>
              </li>`,
          )}
        </ul>
      </nav>
      <p class=${`stream ${stream}`} role="status" aria-live="polite">
        ${stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
      </p>
    </header>
    <main>
      ${problem && html`<div role="alert" class="note bad">${problem}</div>`}
      ${
        route.view === 'topology' &&
        html`<${TopologyView} topology=${topology} faults=${faults} transactions=${transactions} />`
      }
      ${route.view === 'faults' && html`<${FaultsView} schema=${schema} topology=${topology} faults=${faults} />`}
      ${
        route.view === 'transactions' &&
        html`<${LogView}
          transactions=${transactions}
          topology=${topology}
          deadlineMs=${deadlineMs}
          filters=${filters}
          setFilters=${setFilters}
          onOpen=${(id) => (location.hash = `#tx/${encodeURIComponent(id)}`)}
        />`
      }
      ${route.view === 'scenarios' && html`<${ScenariosView} />`}
      ${route.view === 'audit' && html`<${AuditView} />`}
      ${route.view === 'conformance' && html`<${ConformanceView} latestRequest=${`${transactions[0]?.id ?? ''} ${lastRefusal ?? ''}`} />`}
      ${
        route.view === 'detail' &&
        html`<${DetailView}
          id=${route.id}
          topology=${topology}
          deadlineMs=${deadlineMs}
          onClose=${() => (location.hash = '#transactions')}
        />`
      }
    </main>
  `;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
