// The Conformance view: the conformance kit's consumer mode (docs/conformance.md) over the requests
// the broker has received, as GET /conformance/consumer reports it: each check with its outcome and
// message over all requests, each onboarding item (UAT-01, NFT-01, ...) passed or failed, and per
// request (newest first) every check's verdict and message. Fetched again when the broker answers
// a request (the `transaction` and `refusal` events of GET /events), so it follows it live.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { Problem } from './problem.js';
import { getConsumerConformance } from './api.js';
import { clockTime } from './format.js';

/** Requests drawn, newest first (the report may hold a few hundred). */
const MAX_REQUESTS_SHOWN = 50;
/** Transaction events closer together than this fetch the report once, ms. */
const REFETCH_AFTER_MS = 300;

const WORDS = { passed: 'passed', failed: 'failed', skipped: 'not applicable' };
const TONE = { passed: 'good', failed: 'bad', skipped: 'muted' };

function Outcome({ outcome }) {
  return html`<span class=${`badge ${TONE[outcome] ?? ''}`} data-outcome=${outcome}
    >${WORDS[outcome] ?? outcome}</span
  >`;
}

/** `3 failed, 8 passed, 2 not applicable` for one request's verdicts. */
function tally(verdicts) {
  const n = (o) => verdicts.filter((v) => v.outcome === o).length;
  return ['failed', 'passed', 'skipped']
    .filter((o) => n(o) > 0)
    .map((o) => `${n(o)} ${WORDS[o]}`)
    .join(', ');
}

function Checks({ report }) {
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  return html`<table class="conformance-checks">
    <caption>
      Each check over the ${report.requestCount} request(s) judged
    </caption>
    <thead>
      <tr>
        <th scope="col">Check</th>
        <th scope="col">Outcome</th>
        <th scope="col">Message</th>
      </tr>
    </thead>
    <tbody>
      ${report.results.map((r) => {
        const def = byId.get(r.id);
        return html`<tr key=${r.id} data-check=${r.id}>
          <th scope="row">
            <code>${r.id}</code>
            ${def && html`<div class="hint">${def.title}</div>`}
          </th>
          <td><${Outcome} outcome=${r.outcome} /></td>
          <td>${r.message} ${def && html`<div class="hint">${def.source}</div>`}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function Request({ req, titles, open }) {
  return html`<details class="conformance-request" data-tx=${req.transactionId} open=${open}>
    <summary>
      ${clockTime(Date.parse(req.startedAt))} ${req.transaction}
      ${req.consumerId ? ` from ${req.consumerId}` : ''}: ${tally(req.verdicts)}
      ${req.refusal ? html` <span class="badge bad">refused: HTTP ${req.refusal.httpStatus}</span>` : ''}
    </summary>
    <p>
      <a href=${`#tx/${encodeURIComponent(req.transactionId)}`}>Transaction ${req.transactionId}</a>,
      ${req.durationMs} ms
      ${
        req.refusal &&
        html`; answered with a SOAP Fault
        ${[req.refusal.code, req.refusal.subcode].filter(Boolean).join(' / ')}: ${req.refusal.reason ?? ''}`
      }
    </p>
    <table class="verdicts">
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Verdict</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        ${req.verdicts.map(
          (v) =>
            html`<tr key=${v.id} data-check=${v.id}>
              <th scope="row"><code title=${titles.get(v.id) ?? ''}>${v.id}</code></th>
              <td><${Outcome} outcome=${v.outcome} /></td>
              <td>${v.message}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </details>`;
}

export function ConformanceView({ latestRequest }) {
  const [consumer, setConsumer] = useState('');
  const [asked, setAsked] = useState('');
  const [report, setReport] = useState(undefined);
  const [error, setError] = useState(undefined);
  // The consumer asked for, read when a scheduled fetch runs.
  const who = useRef('');
  who.current = asked;
  const pending = useRef(false);

  const load = () =>
    getConsumerConformance(who.current === '' ? undefined : who.current).then(
      (r) => {
        setReport(r);
        setError(undefined);
      },
      (err) => setError(err),
    );
  // Again whenever the broker answers another request (a transaction or refusal event): one fetch
  // for the events of REFETCH_AFTER_MS.
  useEffect(() => {
    if (pending.current) return;
    pending.current = true;
    setTimeout(() => {
      pending.current = false;
      load();
    }, REFETCH_AFTER_MS);
  }, [latestRequest]);
  useEffect(() => {
    load();
  }, [asked]);

  const submit = (e) => {
    e.preventDefault();
    setAsked(consumer.trim());
  };
  const titles = new Map((report?.checks ?? []).map((c) => [c.id, c.title]));
  const requests = [...(report?.requests ?? [])].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  return html`<section aria-labelledby="conformance-title" class="conformance">
    <h2 id="conformance-title">Conformance: consumer mode</h2>
    <p class="hint">
      Verdicts on the requests a consumer system sent to this broker (GET /conformance/consumer, as${' '}
      <code>npm run sim conformance consumer</code> reports them), updated as requests arrive.
    </p>
    <form onSubmit=${submit} class="filters" aria-label="Verdicts of one consumer">
      <label
        >Consumer (X-NIR-Consumer or TLS client CN)${' '}
        <input
          name="consumer"
          value=${consumer}
          onInput=${(e) => setConsumer(e.currentTarget.value)}
          placeholder="every consumer"
        />
      </label>
      <button type="submit">Show</button>
    </form>
    ${
      error &&
      html`<${Problem}
        err=${error}
        message=${error.status === 404 ? 'This sim has no consumer conformance route (GET /conformance/consumer).' : undefined}
      />`
    }
    ${
      report &&
      html`
        <p class="summary" aria-live="polite">
          ${report.requestCount} request(s) judged${report.consumer ? ` from ${report.consumer}` : ''}; answer
          deadline ${report.deadlineMs} ms
        </p>
        ${
          report.items.length > 0 &&
          html`<ul class="items" aria-label="Onboarding items">
            ${report.items.map(
              (i) =>
                html`<li data-item=${i.item}>
                  <strong>${i.item}</strong> <${Outcome} outcome=${i.outcome} />${' '}
                  <span class="hint">(${i.passed.length} request(s) passed, ${i.failed.length} failed)</span>
                </li>`,
            )}
          </ul>`
        }
        <${Checks} report=${report} />
        <h3>
          Requests
          (${requests.length}${requests.length > MAX_REQUESTS_SHOWN ? `, the newest ${MAX_REQUESTS_SHOWN} shown` : ''})
        </h3>
        ${requests.length === 0 && html`<p>No consumer request yet: send one to the broker.</p>`}
        ${requests
          .slice(0, MAX_REQUESTS_SHOWN)
          .map(
            (r, i) => html`<${Request} key=${r.transactionId} req=${r} titles=${titles} open=${i === 0} />`,
          )}
      `
    }
    <p class="hint">
      Provider-mode runs (<code>npm run sim conformance provider</code>, against a supplier's responding
      gateway) are not shown here: each writes its report into the output directory it was given${' '}
      (<code>run.json</code>, <code>report.html</code>), which the running sim does not know.
    </p>
  </section>`;
}
