// The Topology view: the broker and every community (name, homeCommunityId, kind, up or down,
// active faults, requests seen and the recent error rate), live from GET /events.
import { html } from './html.js';

/** How many of a community's latest legs the error rate is taken over. */
export const RECENT_LEGS = 20;

/** `simulated`, `external` or `MHD` (a community whose protocol is mhd). */
export const kindOf = (c) => (c.protocol === 'mhd' ? `MHD (${c.kind})` : c.kind);

/**
 * Per community: legs seen in the transactions held, and of the latest RECENT_LEGS the share that
 * failed or carried a RegistryError.
 */
export function legStats(transactions) {
  const stats = new Map();
  // transactions are newest first, so each community's first legs are its latest.
  for (const t of transactions)
    for (const leg of t.legs) {
      const s = stats.get(leg.community) ?? { requests: 0, recent: 0, recentErrors: 0 };
      s.requests += 1;
      if (s.recent < RECENT_LEGS) {
        s.recent += 1;
        if (leg.outcome === 'failed' || leg.errorCodes.length > 0) s.recentErrors += 1;
      }
      stats.set(leg.community, s);
    }
  return stats;
}

export function TopologyView({ topology, faults, transactions }) {
  if (!topology) return html`<p>Loading the topology…</p>`;
  const stats = legStats(transactions);
  const active = (name) => faults.filter((s) => s.fault.gateway === name).map((s) => s.fault.name);
  return html`
    <section aria-labelledby="topology-title">
      <h2 id="topology-title">Topology</h2>
      <dl class="broker">
        <dt>Broker</dt>
        <dd><code>${topology.broker.url || '(none in this process)'}</code></dd>
        <dt>Control API</dt>
        <dd><code>${topology.control.url}</code></dd>
        ${
          topology.dataPackDir
            ? html`<dt>Data pack</dt>
                <dd><code>${topology.dataPackDir}</code></dd>`
            : null
        }
        <dt>Fault seed</dt>
        <dd>${topology.seed}</dd>
      </dl>
      <table class="communities">
        <caption>
          ${topology.communities.length} communities; requests and error rate over the transactions held (the
          last ${RECENT_LEGS} legs of each community)
        </caption>
        <thead>
          <tr>
            <th scope="col">Community</th>
            <th scope="col">homeCommunityId</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Active faults</th>
            <th scope="col" class="num">Requests</th>
            <th scope="col" class="num">Recent errors</th>
          </tr>
        </thead>
        <tbody>
          ${topology.communities.map((c) => {
            const s = stats.get(c.name);
            const names = active(c.name);
            const rate = s && s.recent > 0 ? Math.round((100 * s.recentErrors) / s.recent) : undefined;
            return html`<tr key=${c.name} data-community=${c.name}>
              <th scope="row">${c.name}</th>
              <td><code>${c.homeCommunityId}</code></td>
              <td>${kindOf(c)}</td>
              <td><span class=${c.down ? 'badge bad' : 'badge good'}>${c.down ? 'down' : 'up'}</span></td>
              <td class="fault-names">${names.length === 0 ? '—' : names.join(', ')}</td>
              <td class="num">${s?.requests ?? 0}</td>
              <td class="num">${rate === undefined ? '—' : `${rate}% of ${s.recent}`}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </section>
  `;
}
