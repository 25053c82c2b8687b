// agentmart console: DOM helpers. No markup strings anywhere: elements are
// built with createElement and text with textContent (the CSP forbids inline
// script and style, and no API string is ever parsed as markup).

/**
 * Creates an element. `props`: `class`, `text`, `on` ({event: fn}), `for`,
 * boolean properties (`disabled`, `checked`, `hidden`, `required`, ...) and
 * any other attribute (strings only; `on*` attributes are refused).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === "for") el.htmlFor = value;
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else if (/^on/i.test(key) || key === "style") throw new Error(`refusing attribute ${key}`);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let fieldSeq = 0;

/**
 * A labelled form control with a slot for its validation error. `max`: the
 * server's length limit, shown as a live counter. The control never gets a
 * `maxlength`: that would cut what is typed or pasted without a word, so an
 * over-long value is kept and the server's refusal shown at the field.
 */
export function field(label, control, { name, hint, max } = {}) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  if (name) control.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  const counter = max ? h("span", { class: "counter small", id: `${id}-count` }) : null;
  if (counter) {
    const update = () => {
      const n = [...control.value].length;
      counter.textContent = n > max ? `${n} / ${max} characters: ${n - max} over the limit` : `${n} / ${max} characters`;
      counter.classList.toggle("over", n > max);
    };
    control.addEventListener("input", update);
    update();
  }
  const described = [hintEl && hintEl.id, counter && counter.id, error.id].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  return h("div", { class: "field", "data-field": name || "" }, h("label", { for: id, text: label }), control, hintEl, counter, error);
}

/**
 * Text from the API as the user should read it: `code` spans (Markdown
 * backticks) become `<code>` elements instead of showing raw backticks.
 */
export function prose(text) {
  const parts = String(text).split(/`([^`]+)`/);
  return parts.map((part, i) => (i % 2 ? h("code", {}, part) : part)).filter((part) => part !== "");
}

export function input(type, props = {}) {
  return h("input", { type, ...props });
}

export function textarea(props = {}) {
  return h("textarea", props);
}

export function select(options, props = {}) {
  const el = h("select", props);
  for (const [value, label] of options) el.append(h("option", { value, text: label }));
  if (props.value !== undefined) el.value = props.value;
  return el;
}

/** What a button says while its action runs ("Install" → "Installing…"). */
const PENDING_LABELS = {
  Install: "Installing…", Uninstall: "Uninstalling…", Revoke: "Revoking…", "Log out": "Logging out…",
  "Log out everywhere": "Logging out…", "Delete my rating": "Deleting…", "Delete agent": "Deleting…",
  "Load more": "Loading…", "More reviews": "Loading…", "Show A2A card": "Loading…", Retry: "Retrying…",
};

/** The label a control shows while its action runs. */
export function pendingLabel(text) {
  return PENDING_LABELS[text] || `${text.replace(/…$/, "")}…`;
}

/**
 * A button. When `onClick` returns a promise (an API call), the button is
 * disabled and relabelled until it settles: one click, one request.
 */
export function button(text, onClick, cls) {
  const el = h("button", { type: "button", class: cls }, text);
  el.addEventListener("click", (event) => {
    if (el.dataset.pending) return;
    const result = onClick(event);
    if (!result || typeof result.then !== "function") return;
    el.dataset.pending = "1";
    el.disabled = true;
    el.setAttribute("aria-busy", "true");
    el.textContent = pendingLabel(text);
    const done = () => {
      delete el.dataset.pending;
      el.disabled = false;
      el.removeAttribute("aria-busy");
      el.textContent = text;
      // Disabling moved focus to the page body; give it back.
      if ((!document.activeElement || document.activeElement === document.body) && el.isConnected) el.focus();
    };
    result.then(done, done);
  });
  return el;
}

export function link(text, hash, cls) {
  return h("a", { href: hash, class: cls }, text);
}

export function badge(text) {
  return h("span", { class: `badge ${text}` }, text);
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function stars(n) {
  const full = Math.max(0, Math.min(5, Math.round(n)));
  return h("span", { class: "stars", "aria-label": `${n} out of 5 stars` }, "★".repeat(full) + "☆".repeat(5 - full));
}

export function ratingText(rating) {
  if (!rating || !rating.count) return "No ratings yet";
  return `${rating.mean.toFixed(1)} ★ (${rating.count} rating${rating.count === 1 ? "" : "s"})`;
}

export function json(value) {
  return h("pre", {}, h("code", {}, JSON.stringify(value, null, 2)));
}

export function lines(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean);
}

export function commaList(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

export function agentPath(owner, slug) {
  return `agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

export function agentHash(owner, slug) {
  return `#/agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

export function builderHash(owner, slug) {
  return `#/builder/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

