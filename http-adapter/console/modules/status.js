// agentmart console: the status area (problem documents and confirmations) and form wiring.

import { ApiError } from "./api.js";
import { button, clear, h } from "./dom.js";

const statusEl = () => document.getElementById("status");

export function showStatus(kind, title, detailLines = []) {
  const el = statusEl();
  el.className = `status ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  const body = h("div", { class: "status-body" }, h("div", { class: "status-title" }, title));
  for (const line of detailLines) if (line) body.append(h("div", {}, line));
  clear(el).append(body, button("Dismiss", hideStatus, "link"));
  el.hidden = false;
}

export function hideStatus() {
  const el = statusEl();
  el.hidden = true;
  clear(el);
}

export function notify(message) {
  showStatus("ok", message);
}

/**
 * Shows an error in the status area: the problem's title, detail and code
 * (and request id), and any field errors not shown beside their field.
 */
export function showError(err, unplaced = []) {
  if (!(err instanceof ApiError)) {
    showStatus("error", "Something went wrong", [String(err && err.message ? err.message : err)]);
    return;
  }
  const p = err.problem || {};
  const extra = [];
  if (p.detail && p.detail !== p.title) extra.push(p.detail);
  const meta = [`code: ${err.code}`];
  if (err.status) meta.push(`status: ${err.status}`);
  if (p.request_id) meta.push(`request id: ${p.request_id}`);
  extra.push(h("span", { class: "muted small" }, meta.join(" · ")));
  if (unplaced.length) {
    extra.push(h("ul", {}, unplaced.map((e) => h("li", {}, `${e.field}: ${e.message}`))));
  }
  showStatus("error", p.title || "Request failed", extra);
}

/** Clears the field errors of a form. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * Puts each `errors[]` entry of a validation problem beside its field
 * (`skills[0].id` goes to the field named `skills`); returns those that
 * have no field in this form.
 */
export function placeFieldErrors(form, errors) {
  const unplaced = [];
  let first = null;
  for (const e of errors || []) {
    const base = String(e.field || "").split(/[[.]/)[0];
    const holder = form.querySelector(`[data-field="${CSS.escape(e.field)}"]`) ||
      form.querySelector(`[data-field="${CSS.escape(base)}"]`);
    if (!holder) {
      unplaced.push(e);
      continue;
    }
    const slot = holder.querySelector(":scope > .field-error");
    const text = e.field === base ? e.message : `${e.field}: ${e.message}`;
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    const control = holder.querySelector("input, textarea, select");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
  }
  if (first) first.focus();
  return unplaced;
}

/**
 * Wires a form: on submit, clears old errors, runs `action`, and shows a
 * failure in the status area with field errors beside their fields.
 */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const submit = form.querySelector("button[type=submit]");
    if (submit) submit.disabled = true;
    try {
      await action(new FormData(form));
    } catch (err) {
      const unplaced = err instanceof ApiError ? placeFieldErrors(form, err.problem.errors) : [];
      showError(err, unplaced);
    } finally {
      if (submit) submit.disabled = false;
    }
  });
  return form;
}

/** Runs an action from a button, showing a failure in the status area. */
export async function attempt(action) {
  try {
    await action();
  } catch (err) {
    showError(err);
  }
}

