// The Faults view: the catalogue as a form built from GET /fault-schema (the schema POST /faults
// validates with: each kind's fields, defaults and bounds), its refusals shown as the API words
// them; per-community quick toggles; the active faults with their matched/applied counters, live.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { addFaults, clearFaults, removeFault } from './api.js';

/** Fields every fault has, set apart at the top of the form. */
const ENVELOPE = new Set(['name', 'gateway', 'kind']);

/** Quick toggles: label, kind and fields; the fault is named `<kind>-<community>` as `sim fault add` names it. */
export const QUICK = [
  { label: 'down', kind: 'refuse', fields: {} },
  { label: 'slow (2 s)', kind: 'latency', fields: { latencyMs: 2000 } },
  { label: 'timeout', kind: 'timeout', fields: {} },
  { label: 'SOAP fault', kind: 'soap-fault', fields: {} },
];

/** Each kind of the schema: its name, its fields (without the envelope) and the required ones. */
export function kindsOf(schema) {
  return (schema?.oneOf ?? []).map((k) => ({
    kind: k.properties.kind.const,
    gateway: k.properties.gateway.const,
    fields: Object.entries(k.properties).filter(([f]) => !ENVELOPE.has(f)),
    required: new Set(k.required ?? []),
  }));
}

/** The JSON value of a form field as its schema types it; undefined when left empty. */
function valueOf(prop, raw) {
  if (raw === undefined || raw === '') return undefined;
  if (prop.type === 'integer' || prop.type === 'number') return Number(raw);
  if (prop.type === 'boolean') return raw === true || raw === 'true';
  return raw;
}

function Field({ id, name, prop, required, value, onInput }) {
  const def = prop.default !== undefined ? `default ${JSON.stringify(prop.default)}` : undefined;
  const hint = [required ? 'required' : 'optional', def].filter(Boolean).join(', ');
  const label = html`<label for=${id}>${name} <span class="hint">(${hint})</span></label>`;
  if (prop.enum)
    return html`${label}
      <select id=${id} value=${value ?? ''} onChange=${(e) => onInput(e.currentTarget.value)}>
        <option value="">${def ? `(${def})` : '(any)'}</option>
        ${prop.enum.map((v) => html`<option value=${v}>${v}</option>`)}
      </select>`;
  if (prop.type === 'boolean')
    return html`${label}
      <select id=${id} value=${value ?? ''} onChange=${(e) => onInput(e.currentTarget.value)}>
        <option value="">(${def ?? 'unset'})</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>`;
  const numeric = prop.type === 'integer' || prop.type === 'number';
  return html`${label}
    <input
      id=${id}
      type=${numeric ? 'number' : 'text'}
      step=${prop.type === 'integer' ? '1' : 'any'}
      min=${prop.minimum}
      max=${prop.maximum}
      placeholder=${prop.default !== undefined ? String(prop.default) : ''}
      value=${value ?? ''}
      onInput=${(e) => onInput(e.currentTarget.value)}
    />`;
}

function FaultForm({ schema, communities }) {
  const kinds = kindsOf(schema);
  const [kind, setKind] = useState('timeout');
  const [gateway, setGateway] = useState('');
  const [name, setName] = useState('');
  const [values, setValues] = useState({});
  const [result, setResult] = useState(undefined);
  const k = kinds.find((x) => x.kind === kind) ?? kinds[0];
  if (!k) return html`<p>Loading the fault catalogue…</p>`;
  const targets = k.gateway !== undefined ? [k.gateway] : communities;
  const target = targets.includes(gateway) ? gateway : targets[0];
  const submit = async (e) => {
    e.preventDefault();
    const fault = { name: name.trim() || `${k.kind}-${target}`, gateway: target, kind: k.kind };
    for (const [f, prop] of k.fields) {
      const v = valueOf(prop, values[f]);
      if (v !== undefined) fault[f] = v;
    }
    try {
      const added = await addFaults([fault]);
      setResult({ ok: true, text: `Added ${added.faults.map((f) => f.name).join(', ')}.` });
    } catch (err) {
      setResult({ ok: false, text: err.message, problems: err.problems });
    }
  };
  return html`
    <form class="fault-form" onSubmit=${submit} novalidate aria-labelledby="fault-form-title">
      <h3 id="fault-form-title">Add a fault</h3>
      <div class="grid">
        <label for="fault-kind">kind</label>
        <select
          id="fault-kind"
          value=${k.kind}
          onChange=${(e) => {
            setKind(e.currentTarget.value);
            setValues({});
            setResult(undefined);
          }}
        >
          ${kinds.map((x) => html`<option value=${x.kind}>${x.kind}</option>`)}
        </select>
        <label for="fault-gateway">gateway <span class="hint">(the community)</span></label>
        <select id="fault-gateway" value=${target} onChange=${(e) => setGateway(e.currentTarget.value)}>
          ${targets.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
        <label for="fault-name">name <span class="hint">(default ${k.kind}-${target})</span></label>
        <input id="fault-name" type="text" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
        ${k.fields.map(
          ([f, prop]) =>
            html`<${Field}
              id=${`fault-field-${f}`}
              name=${f}
              prop=${prop}
              required=${k.required.has(f)}
              value=${values[f]}
              onInput=${(v) => setValues({ ...values, [f]: v })}
            />`,
        )}
      </div>
      <button type="submit">Add fault</button>
      ${
        result &&
        html`<div role=${result.ok ? 'status' : 'alert'} class=${result.ok ? 'note good' : 'note bad'}>
          <strong>${result.text}</strong>
          ${
            result.problems?.length
              ? html`<ul>
                  ${result.problems.map((p) => html`<li>${p}</li>`)}
                </ul>`
              : null
          }
        </div>`
      }
    </form>
  `;
}

function QuickToggles({ communities, faults, onError }) {
  const names = new Set(faults.map((s) => s.fault.name));
  const toggle = async (q, c, on) => {
    const name = `${q.kind}-${c}`;
    try {
      if (on) await addFaults([{ name, gateway: c, kind: q.kind, ...q.fields }]);
      else await removeFault(name);
    } catch (err) {
      onError(`${name}: ${err.message}${err.problems?.length ? `: ${err.problems.join('; ')}` : ''}`);
    }
  };
  return html`
    <table class="quick">
      <caption>
        ${'Quick toggles (each adds or removes the fault '}<code>kind-community</code>)
      </caption>
      <thead>
        <tr>
          <th scope="col">Community</th>
          ${QUICK.map((q) => html`<th scope="col">${q.label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${communities.map(
          (c) =>
            html`<tr key=${c}>
              <th scope="row">${c}</th>
              ${QUICK.map(
                (q) =>
                  html`<td>
                    <input
                      type="checkbox"
                      aria-label=${`${c}: ${q.label}`}
                      checked=${names.has(`${q.kind}-${c}`)}
                      onChange=${(e) => toggle(q, c, e.currentTarget.checked)}
                    />
                  </td>`,
              )}
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

/** A fault's own settings (what is not the envelope), as `key=value`. */
const settings = (f) =>
  Object.entries(f)
    .filter(([k]) => !ENVELOPE.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

function ActiveFaults({ faults, onError }) {
  const act = (p) => p.catch((err) => onError(err.message));
  return html`
    <div class="active-faults">
      <h3 id="active-title">Active faults (${faults.length})</h3>
      <button type="button" onClick=${() => act(clearFaults())} disabled=${faults.length === 0}>
        Clear all faults
      </button>
      <table aria-labelledby="active-title">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Gateway</th>
            <th scope="col">Kind</th>
            <th scope="col">Settings</th>
            <th scope="col" class="num">Matched</th>
            <th scope="col" class="num">Applied</th>
            <th scope="col"><span class="sr-only">Remove</span></th>
          </tr>
        </thead>
        <tbody>
          ${
            faults.length === 0
              ? html`<tr>
                  <td colspan="7">No fault is active.</td>
                </tr>`
              : faults.map(
                  (s) =>
                    html`<tr key=${s.fault.name} data-fault=${s.fault.name}>
                      <th scope="row">${s.fault.name}</th>
                      <td>${s.fault.gateway}</td>
                      <td>${s.fault.kind}</td>
                      <td><code>${settings(s.fault)}</code></td>
                      <td class="num">${s.matched}</td>
                      <td class="num">${s.applied}</td>
                      <td>
                        <button
                          type="button"
                          aria-label=${`Remove fault ${s.fault.name}`}
                          onClick=${() => act(removeFault(s.fault.name))}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>`,
                )
          }
        </tbody>
      </table>
    </div>
  `;
}

export function FaultsView({ schema, topology, faults }) {
  const [error, setError] = useState(undefined);
  const communities = (topology?.communities ?? []).filter((c) => c.kind === 'simulated').map((c) => c.name);
  return html`
    <section aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      ${error && html`<div role="alert" class="note bad">${error}</div>`}
      <div class="columns">
        <${FaultForm} schema=${schema} communities=${communities} />
        <${QuickToggles} communities=${communities} faults=${faults} onError=${setError} />
      </div>
      <${ActiveFaults} faults=${faults} onError=${setError} />
    </section>
  `;
}
