// agentmart console: DOM helpers. No markup strings anywhere: elements are
// built with createElement and text with textContent (the CSP forbids inline
// script and style, and no API string is ever parsed as markup).

/**
 * Creates an element. `props`: `class`, `text`, `on` ({event: fn}), `for`,
 * boolean properties (`disabled`, `checked`, `hidden`, `required`, ...) and
 * any other attribute (strings only; `on*` attributes are refused).
 */
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [event, fn] of Object.entries(/** @type {Handlers} */ (value))) el.addEventListener(event, fn);
    else if (key === "for") /** @type {HTMLLabelElement} */ (/** @type {unknown} */ (el)).htmlFor = String(value);
    else if (key === "value") /** @type {HTMLInputElement} */ (/** @type {unknown} */ (el)).value = String(value);
    else if (value === true) el.setAttribute(key, "");
    else if (/^on/i.test(key) || key === "style") throw new Error(`refusing attribute ${key}`);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends `children` (flattened; absent ones skipped, never printed as "null").
 * @template {Element} E
 * @param {E} el
 * @param {Child[]} children
 * @returns {E}
 */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * @template {Element} E
 * @param {E} el
 * @returns {E}
 */
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
/**
 * @param {string} label
 * @param {Control} control
 * @param {{ name?: string, hint?: string, max?: number }} [options]
 * @returns {HTMLDivElement}
 */
export function field(label, control, { name, hint, max } = {}) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  if (name) control.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  const counter = max ? h("span", { class: "counter small", id: `${id}-count` }) : null;
  if (counter && max) {
    const limit = max;
    const update = () => {
      const n = [...control.value].length;
      counter.textContent = n > limit ? `${n} / ${limit} characters: ${n - limit} over the limit` : `${n} / ${limit} characters`;
      counter.classList.toggle("over", n > limit);
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
/**
 * @param {unknown} text
 * @returns {Array<Node | string>}
 */
export function prose(text) {
  const parts = String(text).split(/`([^`]+)`/);
  return parts.map((part, i) => (i % 2 ? h("code", {}, part) : part)).filter((part) => part !== "");
}

/**
 * The control named `name` of `form` (an input, a textarea or a select).
 * @param {HTMLFormElement} form
 * @param {string} name
 * @returns {HTMLInputElement}
 */
export function control(form, name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
}

/**
 * @param {string} type
 * @param {Props} [props]
 * @returns {HTMLInputElement}
 */
export function input(type, props = {}) {
  return h("input", { type, ...props });
}

/**
 * @param {Props} [props]
 * @returns {HTMLTextAreaElement}
 */
export function textarea(props = {}) {
  return h("textarea", props);
}

/**
 * @param {Array<[string, string]>} options `[value, label]` pairs
 * @param {Props} [props]
 * @returns {HTMLSelectElement}
 */
export function select(options, props = {}) {
  const el = h("select", props);
  for (const [value, label] of options) el.append(h("option", { value, text: label }));
  if (props.value !== undefined) el.value = String(props.value);
  return el;
}

/** What a button says while its action runs ("Install" → "Installing…"). */
/** @type {Record<string, string>} */
const PENDING_LABELS = {
  Install: "Installing…", Uninstall: "Uninstalling…", Revoke: "Revoking…", "Log out": "Logging out…",
  "Log out everywhere": "Logging out…", "Delete my rating": "Deleting…", "Delete agent": "Deleting…",
  "Load more": "Loading…", "More reviews": "Loading…", "Show A2A card": "Loading…", Retry: "Retrying…",
};

/** The label a control shows while its action runs. */
/**
 * @param {string} text
 * @returns {string}
 */
export function pendingLabel(text) {
  return PENDING_LABELS[text] || `${text.replace(/…$/, "")}…`;
}

/**
 * A button. When `onClick` returns a promise (an API call), the button is
 * disabled and relabelled until it settles: one click, one request.
 */
/**
 * @param {string} text
 * @param {(event: MouseEvent) => unknown} onClick
 * @param {string} [cls]
 * @returns {HTMLButtonElement}
 */
export function button(text, onClick, cls) {
  const el = h("button", { type: "button", class: cls }, text);
  el.addEventListener("click", (event) => {
    if (el.dataset.pending) return;
    const result = onClick(event);
    if (!(result instanceof Promise)) return;
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

/**
 * @param {Child} text
 * @param {string} hash
 * @param {string} [cls]
 * @returns {HTMLAnchorElement}
 */
export function link(text, hash, cls) {
  return h("a", { href: hash, class: cls }, text);
}

/**
 * @param {string} text
 * @returns {HTMLSpanElement}
 */
export function badge(text) {
  return h("span", { class: `badge ${text}` }, text);
}

/**
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/**
 * @param {number} n
 * @returns {HTMLSpanElement}
 */
export function stars(n) {
  const full = Math.max(0, Math.min(5, Math.round(n)));
  return h("span", { class: "stars", "aria-label": `${n} out of 5 stars` }, "★".repeat(full) + "☆".repeat(5 - full));
}

/**
 * @param {{ mean: number, count: number } | null | undefined} rating
 * @returns {string}
 */
export function ratingText(rating) {
  if (!rating || !rating.count) return "No ratings yet";
  return `${rating.mean.toFixed(1)} ★ (${rating.count} rating${rating.count === 1 ? "" : "s"})`;
}

/**
 * A JSON document as a scrollable box that keyboard users can reach
 * (`tabindex=0`, a region named `label`). Absent values (`null`) are left
 * out rather than printed as "null".
 */
/**
 * @param {unknown} value
 * @param {string} [label]
 * @returns {HTMLPreElement}
 */
export function json(value, label = "JSON") {
  const text = JSON.stringify(value, (_key, v) => (v === null ? undefined : v), 2);
  return h("pre", { tabindex: "0", role: "region", "aria-label": label }, h("code", {}, text));
}

/**
 * A table in a box that scrolls sideways when it is wider than the screen;
 * keyboard users can reach the box (`tabindex=0`, a region named `label`).
 */
/**
 * @param {string} label
 * @param {HTMLTableElement} table
 * @returns {HTMLDivElement}
 */
export function tableBox(label, table) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label }, table);
}

/**
 * @param {string} text
 * @returns {string[]}
 */
export function lines(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean);
}

/**
 * @param {string} text
 * @returns {string[]}
 */
export function commaList(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * @param {string} owner
 * @param {string} slug
 * @returns {string}
 */
export function agentPath(owner, slug) {
  return `agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

/**
 * @param {string} owner
 * @param {string} slug
 * @returns {string}
 */
export function agentHash(owner, slug) {
  return `#/agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

/**
 * @param {string} owner
 * @param {string} slug
 * @returns {string}
 */
export function builderHash(owner, slug) {
  return `#/builder/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

