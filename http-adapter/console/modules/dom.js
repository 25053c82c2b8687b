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

/** A labelled form control with a slot for its validation error. */
export function field(label, control, { name, hint } = {}) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  if (name) control.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${id}-error` : `${id}-error`);
  return h("div", { class: "field", "data-field": name || "" }, h("label", { for: id, text: label }), control, hintEl, error);
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

export function button(text, onClick, cls) {
  return h("button", { type: "button", class: cls, on: { click: onClick } }, text);
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

