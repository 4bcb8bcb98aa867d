// The Scenarios view: the shipped scenarios (GET /scenarios) and a Run button for each, which runs
// it against this sim (POST /scenarios/{name}/run, as `sim scenario run --target`) and shows each
// step passed or failed with its differences, and what was expected and what came back.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Problem } from './problem.js';
import { getScenarios, runScenario } from './api.js';

const verdict = (passed) =>
  html`<span class=${`badge ${passed ? 'good' : 'bad'}`}>${passed ? 'passed' : 'failed'}</span>`;

function Result({ result }) {
  return html`
    <section aria-labelledby="scenario-result-title" class="scenario-result">
      <h3 id="scenario-result-title">${result.name}: ${verdict(result.passed)}</h3>
      ${
        result.notes?.length > 0 &&
        html`<ul class="hint">
          ${result.notes.map((n) => html`<li>${n}</li>`)}
        </ul>`
      }
      <ol class="steps">
        ${result.steps.map(
          (s) =>
            html`<li key=${s.index} data-step=${s.id} data-passed=${String(s.passed)}>
              <strong>${s.title}</strong> ${verdict(s.passed)}
              ${
                s.differences.length > 0 &&
                html`<ul class="differences">
                  ${s.differences.map((d) => html`<li>${d}</li>`)}
                </ul>`
              }
              ${
                (s.expected || s.actual) &&
                html`<details>
                  <summary>Expected and actual</summary>
                  <div class="columns">
                    <div>
                      <h4>Expected</h4>
                      <pre>${JSON.stringify(s.expected ?? {}, null, 2)}</pre>
                    </div>
                    <div>
                      <h4>Actual</h4>
                      <pre>${JSON.stringify(s.actual ?? {}, null, 2)}</pre>
                    </div>
                  </div>
                </details>`
              }
            </li>`,
        )}
      </ol>
    </section>
  `;
}

export function ScenariosView() {
  const [scenarios, setScenarios] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  const [runningName, setRunningName] = useState(undefined);
  const [result, setResult] = useState(undefined);

  useEffect(() => {
    getScenarios().then(
      (b) => setScenarios(b.scenarios),
      (err) => {
        setScenarios([]);
        setProblem(
          err.status === 404
            ? {
                message:
                  'This sim does not serve scenarios: `npm run sim up` and the container stack do (an older sim, or a control API of another kind).',
              }
            : err,
        );
      },
    );
  }, []);

  const run = (name) => {
    setRunningName(name);
    setProblem(undefined);
    setResult(undefined);
    runScenario(name)
      .then(setResult, setProblem)
      .finally(() => setRunningName(undefined));
  };

  return html`
    <section aria-labelledby="scenarios-title">
      <h2 id="scenarios-title">Scenarios</h2>
      <p class="hint">
        Each runs against this sim: its faults and broker settings apply for the run and are undone after;
        faults of your own stay and count.
      </p>
      ${problem && html`<${Problem} err=${problem} />`}
      ${runningName && html`<p class="note" role="status">Running ${runningName}…</p>`}
      ${result && html`<${Result} result=${result} />`}
      ${
        scenarios === undefined
          ? html`<p>Loading…</p>`
          : html`<table class="scenarios">
              <thead>
                <tr>
                  <th scope="col">Scenario</th>
                  <th scope="col">Description</th>
                  <th scope="col"><span class="sr-only">Run</span></th>
                </tr>
              </thead>
              <tbody>
                ${scenarios.map(
                  (s) =>
                    html`<tr key=${s.name} data-scenario=${s.name}>
                      <th scope="row">${s.name}</th>
                      <td>${s.description ?? `invalid: ${(s.problems ?? []).join('; ')}`}</td>
                      <td>
                        <button
                          type="button"
                          disabled=${runningName !== undefined || s.description === undefined}
                          aria-label=${`Run ${s.name}`}
                          onClick=${() => run(s.name)}
                        >
                          Run
                        </button>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>
  `;
}
