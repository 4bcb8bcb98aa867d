// One transaction's community legs as a waterfall: each leg a bar from its start to its end on a
// scale of the broker's per-community deadline (or the transaction's duration when longer), with
// its outcome, HTTP status and RegistryError codes written out.
import { html } from './html.js';

/** `timed out`, `HTTP 503`, `answered (XDSRegistryError)`, ...: what happened on a leg, in words. */
export function legOutcome(leg) {
  if (leg.outcome === 'failed') {
    const why =
      leg.failure?.reason === 'timeout' ? 'timed out' : `failed: ${leg.failure?.reason ?? 'unknown'}`;
    return leg.httpStatus !== undefined ? `${why} (HTTP ${leg.httpStatus})` : why;
  }
  const codes = leg.errorCodes.length > 0 ? ` (${leg.errorCodes.join(', ')})` : '';
  return `HTTP ${leg.httpStatus ?? '?'}${codes}`;
}

/** `good`, `warn` or `bad`: the colour class of a leg. */
const tone = (leg) => (leg.outcome === 'failed' ? 'bad' : leg.errorCodes.length > 0 ? 'warn' : 'good');

export function Waterfall({ tx, deadlineMs }) {
  const span = Math.max(deadlineMs ?? 0, tx.durationMs, 1);
  const pct = (ms) => `${Math.min(100, Math.max(0, (100 * ms) / span)).toFixed(2)}%`;
  return html`<ul class="waterfall" aria-label=${`legs of ${tx.id}`}>
    ${tx.legs.map((leg) => {
      const offset = leg.startedAt - tx.startedAt;
      const state = legOutcome(leg);
      return html`<li
        class=${`leg ${tone(leg)}`}
        data-community=${leg.community}
        data-outcome=${leg.outcome}
        data-failure=${leg.failure?.reason ?? ''}
      >
        <span class="leg-name" title=${leg.community}>${leg.community}</span>
        <span class="track" title=${`${leg.community}: ${state}, ${leg.durationMs} ms from +${offset} ms`}>
          <span
            class="bar"
            style=${{ left: pct(offset), width: pct(Math.max(leg.durationMs, span / 200)) }}
          ></span>
          ${deadlineMs ? html`<span class="deadline" style=${{ left: pct(deadlineMs) }}></span>` : null}
        </span>
        <span class="leg-state">${state}, ${leg.durationMs} ms</span>
      </li>`;
    })}
  </ul>`;
}
