// agentmart console: the status region (outcomes of actions, problem
// documents) and form wiring (field errors beside their fields).
//
// The status region is fixed to the viewport (see `.status` in console.css),
// so an outcome is in view wherever the control that caused it sits on a
// long page. It is a live region: `role=status` for confirmations (which
// fade after a while), `role=alert` for errors (which stay until dismissed
// or until the next action).

import { ApiError } from "./api.js";
import { button, clear, h, pendingLabel, prose } from "./dom.js";

const statusEl = () => /** @type {HTMLElement} */ (document.getElementById("status"));

/** How long a confirmation stays (errors stay until dismissed). */
const CONFIRMATION_MS = 8000;
let fadeTimer = 0;

/**
 * Shows `title` (and `detailLines`: text or nodes) in the status region.
 * @param {"ok" | "error"} kind
 * @param {string} title
 * @param {Array<Node | string | null>} [detailLines]
 */
export function showStatus(kind, title, detailLines = []) {
  const el = statusEl();
  clearTimeout(fadeTimer);
  el.className = `status ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  const body = h("div", { class: "status-body" }, h("div", { class: "status-title" }, title));
  for (const line of detailLines) if (line) body.append(line instanceof Node ? line : h("div", {}, line));
  clear(el).append(body, button("Dismiss", hideStatus, "link"));
  el.hidden = false;
  if (kind === "ok") fadeTimer = setTimeout(hideStatus, CONFIRMATION_MS);
}

export function hideStatus() {
  const el = statusEl();
  clearTimeout(fadeTimer);
  el.hidden = true;
  clear(el);
}

/** @param {string} message */
export function notify(message) {
  showStatus("ok", message);
}

/**
 * The problem's diagnostic facts (code, status, request id), for a collapsed "Details".
 * @param {ApiError} err
 */
function details(err) {
  const p = err.problem || {};
  const facts = [["Code", err.code]];
  if (err.status) facts.push(["HTTP status", String(err.status)]);
  if (p.request_id) facts.push(["Request id", p.request_id]);
  return h("details", { class: "small muted" }, h("summary", {}, "Details"),
    h("dl", {}, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, h("code", {}, v))])));
}

/**
 * Shows an error in the status region: the problem's title and a plain
 * sentence, its code, status and request id under a collapsed "Details", and
 * any field errors that have no field on screen, one per line.
 * @param {unknown} err
 * @param {Api.FieldError[]} [unplaced]
 * @param {(() => unknown) | null} [retry]
 */
export function showError(err, unplaced = [], retry = null) {
  if (!(err instanceof ApiError)) {
    showStatus("error", "Something went wrong", [h("p", {}, prose(err instanceof Error ? err.message : String(err)))]);
    return;
  }
  const p = err.problem || {};
  const extra = [];
  // A detail that only repeats the title ("Email already registered" / "email
  // already registered") says nothing new.
  const sameAsTitle = String(p.detail || "").toLowerCase() === String(p.title || "").toLowerCase();
  if (p.detail && !sameAsTitle) extra.push(h("p", {}, prose(p.detail)));
  if (unplaced.length) extra.push(h("ul", {}, unplaced.map((e) => h("li", {}, prose(`${e.field}: ${cleanMessage(e)}`)))));
  if (err.code !== "network" && err.code !== "client_validation") extra.push(details(err));
  // The server could not be reached (or is down for a moment): the same call may work now.
  if (retry && (err.code === "network" || err.status === 503)) {
    extra.push(h("div", { class: "actions" }, button("Retry", async () => {
      hideStatus();
      await retry();
    })));
  }
  showStatus("error", p.title || "Request failed", extra);
}

/**
 * Clears the field errors of a form.
 * @param {HTMLFormElement} form
 */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) clear(el);
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** The conflict codes that belong to one field (409 answers carry no `errors[]`). */
/** @type {Record<string, string>} */
const CONFLICT_FIELDS = { email_taken: "email", handle_taken: "handle", slug_taken: "slug", version_exists: "version" };

/**
 * The field errors of a problem: its `errors[]`, or the one field a conflict is about.
 * @param {unknown} err
 * @returns {Api.FieldError[]}
 */
export function problemFieldErrors(err) {
  if (!(err instanceof ApiError)) return [];
  const p = err.problem || {};
  if (Array.isArray(p.errors) && p.errors.length) return p.errors;
  const conflicted = CONFLICT_FIELDS[err.code];
  return conflicted ? [{ field: conflicted, code: err.code, message: p.detail || p.title || "already taken" }] : [];
}

/**
 * A field error's message without the field's path repeated in front of it.
 * @param {Api.FieldError} e
 */
function cleanMessage(e) {
  let message = String(e.message || e.code || "");
  const path = String(e.field || "");
  for (;;) {
    const before = message;
    if (path && message.startsWith(`${path}: `)) message = message.slice(path.length + 2);
    else if (path && message.startsWith(`${path} `)) message = message.slice(path.length + 1);
    if (message === before) break;
  }
  return message;
}

/**
 * `skills[1].id` under the field `skills`: "Skill 2, id".
 * @param {string} field
 * @param {string} base
 */
function subPath(field, base) {
  const rest = field.slice(base.length).replace(/^\./, "");
  if (!rest) return "";
  return rest.replace(/^\[(\d+)\]\.?/, (/** @type {string} */ _, /** @type {string} */ i) => `${Number(i) + 1}${rest.length > _.length ? ", " : ""}`).replaceAll(".", " ").replace(/_/g, " ");
}

/**
 * Puts each field error beside its field (`skills[0].id` goes to the field
 * named `skills`), one per line, marks the control `aria-invalid` and focuses
 * the first; returns those that have no field in this form.
 * @param {HTMLFormElement} form
 * @param {Api.FieldError[]} errors
 * @returns {Api.FieldError[]}
 */
export function placeFieldErrors(form, errors) {
  const unplaced = [];
  /** @type {HTMLElement | null} */
  let first = null;
  for (const e of errors || []) {
    const fieldName = String(e.field || "");
    const base = fieldName.split(/[[.]/)[0];
    /** @type {HTMLElement | null} */
    const holder = form.querySelector(`[data-field="${CSS.escape(fieldName)}"]`) ||
      form.querySelector(`[data-field="${CSS.escape(base)}"]`);
    if (!holder) {
      unplaced.push(e);
      continue;
    }
    const slot = holder.querySelector(":scope > .field-error");
    const exact = holder.dataset.field === fieldName;
    const where = exact ? "" : subPath(fieldName, base);
    const label = holder.dataset.field === "skills" && where ? `Skill ${where}: ` : where ? `${where}: ` : "";
    if (slot) slot.append(h("span", { class: "error-line" }, prose(`${label}${cleanMessage(e)}`)));
    /** @type {HTMLElement | null} */
    const control = holder.querySelector("input, textarea, select");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
  }
  if (first) first.focus();
  return unplaced;
}

/** Thrown by an action whose failure is already shown: `onSubmit` adds nothing. */
export class Handled extends Error {}

/**
 * Keeps the keyboard where the user was: focus that fell to the page body goes back to `el`.
 * @param {HTMLElement | null} el
 */
function keepFocus(el) {
  const active = document.activeElement;
  if ((!active || active === document.body) && el && el.isConnected) el.focus();
}

/**
 * Wires a form: on submit, clears old errors, runs `action` (one at a time:
 * the submit button is disabled while it runs), and shows a failure in the
 * status region with field errors beside their fields.
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<unknown>} action
 * @returns {HTMLFormElement}
 */
export function onSubmit(form, action) {
  let running = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (running) return;
    running = true;
    clearFieldErrors(form);
    /** @type {HTMLButtonElement | null} */
    const submit = form.querySelector("button[type=submit]");
    const label = submit ? submit.textContent || "" : "";
    if (submit) {
      submit.disabled = true;
      submit.textContent = pendingLabel(label);
    }
    form.setAttribute("aria-busy", "true");
    try {
      await action(new FormData(form));
    } catch (err) {
      if (!(err instanceof Handled)) {
        showError(err, placeFieldErrors(form, problemFieldErrors(err)), () => form.requestSubmit());
      }
    } finally {
      running = false;
      form.removeAttribute("aria-busy");
      if (submit) {
        submit.disabled = false;
        submit.textContent = label;
      }
      keepFocus(submit);
    }
  });
  return form;
}

/**
 * Runs an action from a button, showing a failure in the status region.
 * @param {() => unknown} action
 */
export async function attempt(action) {
  try {
    await action();
  } catch (err) {
    showError(err, [], () => attempt(action));
  }
}
