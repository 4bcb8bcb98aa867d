// An error of the control API as the views show it: an alert with its message (or `message` when
// given) and the problems the JSON answer listed (`problems`, docs/dashboard.md).
import { html } from './html.js';

export function Problem({ err, message }) {
  return html`<div role="alert" class="note bad">
    ${message ?? err.message}
    ${
      err.problems?.length > 0 &&
      html`<ul>
        ${err.problems.map((p) => html`<li>${p}</li>`)}
      </ul>`
    }
  </div>`;
}
