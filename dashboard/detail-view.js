// One transaction in full (GET /transactions/{id}): status, RegistryErrors, the consumer's request
// and the response, and each community leg with its request and response, pretty-printed (XML, or
// JSON for FHIR); the cURL command that sends the request to the broker again, and a download of
// the whole exchange as JSON.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { getTransaction } from './api.js';
import { clockTime, curlFor, prettyBody, shortStatus } from './format.js';
import { legOutcome, Waterfall } from './waterfall.js';

/**
 * One message of the exchange, pretty-printed; `head` (a failed leg's answer: status line and
 * headers) above it; `missing` says why there is none (default "not recorded").
 */
function Body({ title, text, part, head, missing = 'not recorded' }) {
  return html`<details open class="body" data-body=${part}>
    <summary>${title}</summary>
    ${head === undefined ? null : html`<pre tabindex="0" class="head" aria-label=${`${title}: status and headers`}>${head}</pre>`}
    ${text === undefined ? html`<p class="hint">${missing}</p>` : html`<pre tabindex="0">${prettyBody(text)}</pre>`}
  </details>`;
}

/** A failed leg's answer as it arrived: `HTTP 500` and its headers, one per line. */
const responseHead = (leg) =>
  leg.responseHeaders === undefined
    ? undefined
    : [
        `HTTP ${leg.httpStatus ?? '?'}`,
        ...Object.entries(leg.responseHeaders).map(([k, v]) => `${k}: ${v}`),
      ].join('\n');

/** Why a leg's response is missing: no answer came (and why), or none was recorded. */
const missingResponse = (leg) =>
  leg.noResponse !== undefined ? `no response: ${leg.noResponse}` : 'not recorded';

/** The request of a transaction or leg as the log keeps it: an envelope, else a FHIR request line. */
const requestText = (m) => m.requestXml ?? m.requestLine;
/** The response: an envelope, else a FHIR JSON body. */
const responseText = (m) => m.responseXml ?? m.responseBody;

function download(tx) {
  const blob = new Blob([JSON.stringify(tx, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${tx.id}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function DetailView({ id, topology, deadlineMs, onClose }) {
  const [tx, setTx] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [copied, setCopied] = useState('');
  useEffect(() => {
    setTx(undefined);
    setError(undefined);
    getTransaction(id).then(setTx, (err) => setError(err.message));
  }, [id]);
  const back = html`<button type="button" onClick=${onClose}>Back to the transactions</button>`;
  if (error)
    return html`<section>
      <div role="alert" class="note bad">${error}</div>
      ${back}
    </section>`;
  if (!tx)
    return html`<section>
      <p>Loading ${id}…</p>
      ${back}
    </section>`;
  const curl = curlFor(tx, topology?.broker.endpoints ?? {});
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser refused the clipboard: select the command below and copy it.');
    }
  };
  return html`
    <section aria-labelledby="detail-title" class="detail">
      <h2 id="detail-title">${tx.transaction} ${tx.id}</h2>
      <div class="actions">
        ${back}
        <button type="button" onClick=${copy} disabled=${curl === undefined}>Copy as cURL</button>
        <button type="button" onClick=${() => download(tx)}>Download the exchange (JSON)</button>
        <span role="status">${copied}</span>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd class="status">${shortStatus(tx.status)}</dd>
        <dt>Started</dt>
        <dd>${clockTime(tx.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>${tx.durationMs} ms</dd>
        <dt>Patient</dt>
        <dd>${tx.patient ?? tx.patientId ?? '—'}</dd>
        <dt>Consumer</dt>
        <dd>${tx.consumerId ?? '—'}</dd>
        <dt>Results</dt>
        <dd>${tx.resultCount}</dd>
        <dt>wsa:MessageID</dt>
        <dd><code>${tx.messageId ?? '—'}</code></dd>
      </dl>
      <h3>RegistryErrors (${tx.errors.length})</h3>
      ${
        tx.errors.length === 0
          ? html`<p>None.</p>`
          : html`<table class="errors-table">
              <thead>
                <tr>
                  <th scope="col">errorCode</th>
                  <th scope="col">severity</th>
                  <th scope="col">location</th>
                  <th scope="col">codeContext</th>
                </tr>
              </thead>
              <tbody>
                ${tx.errors.map(
                  (e) =>
                    html`<tr>
                      <td>${e.errorCode}</td>
                      <td>${e.severity.replace(/^.*:/, '')}</td>
                      <td><code>${e.location ?? '—'}</code></td>
                      <td>${e.codeContext}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h3>Legs</h3>
      <${Waterfall} tx=${tx} deadlineMs=${deadlineMs} />
      ${
        curl &&
        html`<details class="body">
          <summary>cURL</summary>
          <pre tabindex="0" class="curl">${curl}</pre>
        </details>`
      }
      <${Body} title="Consumer request" part="request" text=${requestText(tx)} />
      <${Body} title="Response to the consumer" part="response" text=${responseText(tx)} />
      ${tx.legs.map(
        (leg, i) =>
          html`<div class="leg-detail" data-leg=${i} data-community=${leg.community}>
            <h3>Leg ${i}: ${leg.community} (${leg.transaction ?? tx.transaction}): ${legOutcome(leg)}</h3>
            ${leg.failure ? html`<p class="note bad">${leg.failure.reason}: ${leg.failure.detail}</p>` : null}
            <${Body} title=${`Request to ${leg.community}`} part="request" text=${requestText(leg)} />
            <${Body}
              title=${`Response from ${leg.community}`}
              part="response"
              text=${responseText(leg)}
              head=${responseHead(leg)}
              missing=${missingResponse(leg)}
            />
          </div>`,
      )}
    </section>
  `;
}
