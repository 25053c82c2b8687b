// agentmart web console: a single-page app over the JSON API of API.md.
//
// Plain ES module, no framework, no build step, nothing fetched from another
// origin. Served by agentmart-http (http-adapter/src/console.rs) under a
// strict Content-Security-Policy: no inline script or style, so the DOM is
// built with createElement/textContent only; no string is ever parsed as
// markup, and no handler is ever given as a string.
//
// Every API URL is relative to this module's own URL, which is the root of
// the agentmart router wherever a host nested it (`/`, `/market/`, ...).

const ROOT = new URL("./", import.meta.url);
const MODES = [
  "text/plain", "text/markdown", "text/html", "text/csv", "application/json", "application/pdf",
  "image/png", "image/jpeg", "image/webp", "audio/mpeg", "audio/wav",
];
const REFRESH_KEY = "agentmart.refresh_token";

// ---------------------------------------------------------------------------
// Links from messages
//
// The core emails `{public_base_url}/reset-password?token=…` and
// `{public_base_url}/verify-email?token=…`; the server answers both with this
// page. The token is read once, here, before anything else runs, and dropped
// from the address bar (history.replaceState) so it does not stay in the
// history, in bookmarks or in a reload; the page sends no Referer (meta tag
// and header), so it does not leak before that either. From then on it lives
// only in this module's memory, and the path shows the matching view.

const LINK_VIEWS = { "reset-password": "#/reset-password", "verify-email": "#/verify-email" };

/** `{kind, token}` of the link this page was opened with, until it is used. */
let linkToken = takeLinkToken();

function takeLinkToken() {
  const kind = location.pathname.split("/").pop();
  const view = LINK_VIEWS[kind];
  if (!view) return null;
  const token = new URLSearchParams(location.search).get("token");
  if (location.search || !location.hash) {
    try {
      history.replaceState(null, "", `${location.pathname}${view}`);
    } catch {
      // No history API: the token stays visible, but is still used once.
    }
  }
  return token ? { kind, token } : null;
}

// ---------------------------------------------------------------------------
// Session and tokens
//
// The access token (a short-lived JWT) lives only in this module's memory: it
// is gone on reload and never touches storage, URLs or logs. The refresh
// token is kept in sessionStorage so a reload of this tab stays logged in;
// sessionStorage is per tab and cleared when the tab closes, which limits how
// long a stolen copy is useful. The trade-off: any script running on this
// origin can read sessionStorage, so an XSS would expose the refresh token.
// An HttpOnly cookie would hide it from script, but the API is bearer-only by
// contract (and cookie auth would need CSRF defences); the console instead
// relies on its strict CSP and on never turning data into markup. Refresh
// tokens rotate on every use and a replayed one revokes its whole session
// (API.md), so a leaked token that is used also logs the real user out —
// visible, and bounded. A duplicated tab copies sessionStorage; whichever tab
// refreshes second presents a rotated token and both are logged out.

const session = {
  access: null,
  refresh: readRefresh(),
  me: null,
};

function readRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function storeTokens(tokens) {
  session.access = tokens.access_token;
  session.refresh = tokens.refresh_token;
  try {
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  } catch {
    // Storage unavailable (private mode quotas): the session lasts until reload.
  }
}

function clearSession() {
  session.access = null;
  session.refresh = null;
  session.me = null;
  try {
    sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // Nothing stored.
  }
}

/** An error answer of the API (a problem document) or of the network. */
class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code || "unknown";
  }
}

let refreshing = null;

/** Rotates the refresh token once, however many requests are waiting for it. */
function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      if (!session.refresh) return false;
      const answer = await send("POST", "auth/refresh", { body: { refresh_token: session.refresh }, token: null });
      if (!answer.ok) {
        clearSession();
        renderNav();
        return false;
      }
      storeTokens(await answer.json());
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

function apiUrl(path, query) {
  const url = new URL(`v1/${path}`, ROOT);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
  }
  return url;
}

async function send(method, path, { body, query, token } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "The server could not be reached.", code: "network" });
  }
}

/**
 * Calls the API. `auth`: "none" sends no token, "optional" sends one when
 * logged in, "required" (the default) needs a session. A 401 `token_expired`
 * or `unauthenticated` answer to a request that carried a token is retried
 * once after rotating the refresh token. Returns the parsed JSON (null for
 * an empty answer); throws ApiError for any error answer.
 */
async function api(method, path, { body, query, auth = "required" } = {}) {
  if (auth !== "none" && !session.access && session.refresh) await refreshTokens();
  if (auth === "required" && !session.access) {
    throw new ApiError(401, { title: "Not logged in", detail: "Log in to do this.", code: "unauthenticated" });
  }
  const token = auth === "none" ? null : session.access;
  let answer = await send(method, path, { body, query, token });
  if (answer.status === 401 && token) {
    const problem = await readJson(answer);
    if ((problem.code === "token_expired" || problem.code === "unauthenticated") && (await refreshTokens())) {
      answer = await send(method, path, { body, query, token: session.access });
    } else {
      if (problem.code === "token_invalid" || problem.code === "token_reused") {
        clearSession();
        renderNav();
      }
      throw new ApiError(401, problem);
    }
  }
  const data = await readJson(answer);
  if (!answer.ok) throw new ApiError(answer.status, data || {});
  return data;
}

async function readJson(answer) {
  if (answer.status === 204) return null;
  const text = await answer.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { title: `HTTP ${answer.status}`, detail: "The answer was not JSON.", code: "unknown" };
  }
}

async function loadMe() {
  session.me = await api("GET", "me");
  return session.me;
}

// ---------------------------------------------------------------------------
// DOM helpers (no markup strings anywhere)

/**
 * Creates an element. `props`: `class`, `text`, `on` ({event: fn}), `for`,
 * boolean properties (`disabled`, `checked`, `hidden`, `required`, ...) and
 * any other attribute (strings only; `on*` attributes are refused).
 */
function h(tag, props = {}, ...children) {
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

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function clear(el) {
  el.replaceChildren();
  return el;
}

let fieldSeq = 0;

/** A labelled form control with a slot for its validation error. */
function field(label, control, { name, hint } = {}) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  if (name) control.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint`, text: hint }) : null;
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${id}-error` : `${id}-error`);
  return h("div", { class: "field", "data-field": name || "" }, h("label", { for: id, text: label }), control, hintEl, error);
}

function input(type, props = {}) {
  return h("input", { type, ...props });
}

function textarea(props = {}) {
  return h("textarea", props);
}

function select(options, props = {}) {
  const el = h("select", props);
  for (const [value, label] of options) el.append(h("option", { value, text: label }));
  if (props.value !== undefined) el.value = props.value;
  return el;
}

function button(text, onClick, cls) {
  return h("button", { type: "button", class: cls, on: { click: onClick } }, text);
}

function link(text, hash, cls) {
  return h("a", { href: hash, class: cls }, text);
}

function badge(text) {
  return h("span", { class: `badge ${text}` }, text);
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function stars(n) {
  const full = Math.max(0, Math.min(5, Math.round(n)));
  return h("span", { class: "stars", "aria-label": `${n} out of 5 stars` }, "★".repeat(full) + "☆".repeat(5 - full));
}

function ratingText(rating) {
  if (!rating || !rating.count) return "No ratings yet";
  return `${rating.mean.toFixed(1)} ★ (${rating.count} rating${rating.count === 1 ? "" : "s"})`;
}

function json(value) {
  return h("pre", {}, h("code", {}, JSON.stringify(value, null, 2)));
}

function lines(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean);
}

function commaList(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function agentPath(owner, slug) {
  return `agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

function agentHash(owner, slug) {
  return `#/agents/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

function builderHash(owner, slug) {
  return `#/builder/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
}

// ---------------------------------------------------------------------------
// Status area: problem documents and confirmations

const statusEl = () => document.getElementById("status");

function showStatus(kind, title, detailLines = []) {
  const el = statusEl();
  el.className = `status ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  const body = h("div", { class: "status-body" }, h("div", { class: "status-title" }, title));
  for (const line of detailLines) if (line) body.append(h("div", {}, line));
  clear(el).append(body, button("Dismiss", hideStatus, "link"));
  el.hidden = false;
}

function hideStatus() {
  const el = statusEl();
  el.hidden = true;
  clear(el);
}

function notify(message) {
  showStatus("ok", message);
}

/**
 * Shows an error in the status area: the problem's title, detail and code
 * (and request id), and any field errors not shown beside their field.
 */
function showError(err, unplaced = []) {
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
function clearFieldErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * Puts each `errors[]` entry of a validation problem beside its field
 * (`skills[0].id` goes to the field named `skills`); returns those that
 * have no field in this form.
 */
function placeFieldErrors(form, errors) {
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
function onSubmit(form, action) {
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
async function attempt(action) {
  try {
    await action();
  } catch (err) {
    showError(err);
  }
}

// ---------------------------------------------------------------------------
// Navigation and routing (hash based: #/..., so any prefix works)

const mainEl = () => document.getElementById("main");
let renderSeq = 0;

function renderNav() {
  const nav = clear(document.getElementById("nav"));
  const current = location.hash.split("/")[1] || "";
  const item = (text, hash) => {
    const a = link(text, hash);
    if ((hash.split("/")[1] || "") === current) a.setAttribute("aria-current", "page");
    return a;
  };
  nav.append(item("Marketplace", "#/"));
  if (session.me) {
    nav.append(
      item("My installs", "#/installs"),
      item("Builder", "#/builder"),
      item("Account", "#/account"),
      h("span", { class: "spacer" }),
      h("span", { class: "who" }, `@${session.me.handle}`),
      button("Log out", () => attempt(logout), "secondary"),
    );
  } else {
    nav.append(h("span", { class: "spacer" }), item("Log in", "#/login"), item("Register", "#/register"));
  }
}

const routes = [
  [/^#?\/?$/, () => viewBrowse()],
  [/^#\/login$/, () => viewLogin()],
  [/^#\/register$/, () => viewRegister()],
  [/^#\/forgot-password$/, () => viewForgotPassword()],
  [/^#\/reset-password$/, () => viewResetPassword()],
  [/^#\/verify-email$/, () => viewVerifyEmail()],
  [/^#\/agents\/([^/]+)\/([^/]+)$/, (o, s) => viewDetail(o, s)],
  [/^#\/installs$/, () => viewInstalls()],
  [/^#\/builder$/, () => viewBuilder()],
  [/^#\/builder\/([^/]+)\/([^/]+)$/, (o, s) => viewEditor(o, s)],
  [/^#\/account$/, () => viewAccount()],
];

/** Starts a view: a fresh main area, and a check that it is still current. */
function page(title) {
  const seq = ++renderSeq;
  const main = clear(mainEl());
  document.title = `${title} · agentmart`;
  const heading = h("h1", { tabindex: "-1" }, title);
  main.append(heading);
  heading.focus({ preventScroll: true });
  return { main, heading, live: () => seq === renderSeq };
}

async function route() {
  renderNav();
  const hash = location.hash || "#/";
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      const args = match.slice(1).map(decodeURIComponent);
      try {
        await view(...args);
      } catch (err) {
        showError(err);
      }
      return;
    }
  }
  const { main } = page("Not found");
  main.append(h("p", {}, "No such page. ", link("Back to the marketplace", "#/")));
}

// A status shown just before a navigation of our own survives it; following
// a link clears it.
let keepStatus = false;

function go(hash) {
  if (location.hash === hash) {
    route();
  } else {
    keepStatus = true;
    location.hash = hash;
  }
}

function needLogin() {
  if (session.me) return false;
  const { main } = page("Log in needed");
  main.append(h("p", {}, "This page needs an account. ", link("Log in", "#/login"), " or ", link("register", "#/register"), "."));
  return true;
}

// ---------------------------------------------------------------------------
// Accounts

function viewLogin() {
  const { main } = page("Log in");
  const form = h("form", { class: "panel auth-box", novalidate: true },
    field("Email", input("email", { autocomplete: "username", required: true }), { name: "email" }),
    field("Password", input("password", { autocomplete: "current-password", required: true }), { name: "password" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Log in"), link("Create an account", "#/register")),
    h("p", { class: "small" }, h("a", { href: "#/forgot-password", on: { click: () => { typedEmail = form.elements.email.value; } } },
      "Forgot password?")));
  if (typedEmail) form.elements.email.value = typedEmail;
  onSubmit(form, async (data) => {
    const tokens = await api("POST", "auth/login", {
      auth: "none",
      body: { email: data.get("email"), password: data.get("password") },
    });
    storeTokens(tokens);
    await loadMe();
    hideStatus();
    const next = afterLogin || "#/";
    afterLogin = null;
    go(next);
  });
  main.append(form);
  (form.elements.email.value ? form.elements.password : form.elements.email).focus();
}

/** The email typed into the last login or forgot-password form (carried between them). */
let typedEmail = "";
/** Where to go after logging in (a view that sent the user to log in), else the marketplace. */
let afterLogin = null;

/** A "Log in" link that comes back to `hash` afterwards. */
function loginLink(text, hash) {
  return h("a", { href: "#/login", on: { click: () => { afterLogin = hash; } } }, text);
}

function viewForgotPassword() {
  const { main } = page("Forgot your password?");
  const form = h("form", { class: "panel auth-box", novalidate: true },
    h("p", { class: "muted small" }, "Enter the email address of your account: we send a link to choose a new password."),
    field("Email", input("email", { autocomplete: "email", required: true, value: typedEmail }), { name: "email" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send reset link"), link("Back to log in", "#/login")));
  onSubmit(form, async (data) => {
    const email = String(data.get("email") || "").trim();
    if (!email) {
      throw new ApiError(0, { title: "Email needed", detail: "Enter the email address of your account.", code: "client_validation",
        errors: [{ field: "email", code: "required", message: "enter your email address" }] });
    }
    typedEmail = email;
    // The answer is the same whether or not an account has this email.
    await api("POST", "auth/password/forgot", { auth: "none", body: { email } });
    form.replaceWith(h("section", { class: "panel auth-box", role: "status" },
      h("p", {}, `If an account exists for ${email}, a message with a link to choose a new password was sent to it.`),
      h("p", { class: "muted small" }, "The link works once and expires. Nothing arrived? Check the address and try again."),
      h("div", { class: "actions" }, button("Try again", () => route(), "secondary"), link("Back to log in", "#/login"))));
  });
  main.append(form);
  form.elements.email.focus();
}

/** What a used, expired or unknown link token means, in words. */
function linkProblem(err, what) {
  if (err instanceof ApiError && err.code === "token_expired") return `This ${what} link has expired.`;
  if (err instanceof ApiError && err.code === "token_invalid") {
    return `This ${what} link cannot be used: it was already used, a newer one was sent since, or it was cut short.`;
  }
  return null;
}

function viewResetPassword() {
  const { main } = page("Choose a new password");
  const token = linkToken && linkToken.kind === "reset-password" ? linkToken.token : null;
  const another = () => h("p", {}, link("Request a new link", "#/forgot-password"), " or ", link("log in", "#/login"), ".");
  if (!token) {
    main.append(h("section", { class: "panel auth-box" },
      h("p", {}, "This page sets a new password with the link from a password-reset message. ",
        "Open the link from the message again (it works once), or ask for a new one."), another()));
    return;
  }
  const form = h("form", { class: "panel auth-box", novalidate: true },
    h("p", { class: "muted small" }, "Setting a new password ends every session of your account; you then log in with it."),
    field("New password", input("password", { autocomplete: "new-password", required: true, minlength: "8", maxlength: "128" }),
      { name: "new_password", hint: "8 to 128 characters; common passwords are refused." }),
    field("Repeat the new password", input("password", { autocomplete: "new-password", required: true }), { name: "repeat" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set new password")));
  onSubmit(form, async (data) => {
    const password = String(data.get("new_password") || "");
    if (password !== data.get("repeat")) {
      throw new ApiError(0, { title: "The passwords differ", detail: "Type the same new password twice.", code: "client_validation",
        errors: [{ field: "repeat", code: "mismatch", message: "not the same as the new password" }] });
    }
    try {
      await api("POST", "auth/password/reset", { auth: "none", body: { token, new_password: password } });
    } catch (err) {
      const problem = linkProblem(err, "password-reset");
      if (problem) {
        linkToken = null;
        form.replaceWith(h("section", { class: "panel auth-box" }, h("p", {}, problem), another()));
      }
      throw err;
    }
    linkToken = null;
    // Every session ended, this tab's too.
    clearSession();
    notify("Password changed. Every session was ended: log in with your new password.");
    go("#/login");
  });
  main.append(form);
  form.elements.new_password.focus();
}

/** The one verification call for the token this page was opened with (memoised: views re-render). */
let verification = null;

function verifyOnce() {
  if (!verification && linkToken && linkToken.kind === "verify-email") {
    const { token } = linkToken;
    linkToken = null;
    verification = api("POST", "auth/email/verify", { auth: "none", body: { token } })
      .then(() => ({ ok: true }), (err) => ({ ok: false, err }));
  }
  return verification;
}

async function viewVerifyEmail() {
  const { main, heading, live } = page("Verify your email");
  const pending = verifyOnce();
  const resend = () => {
    if (!session.me) {
      return h("p", {}, loginLink("Log in", "#/verify-email"), " to get a new verification link.");
    }
    if (session.me.email_verified) return h("p", {}, "Your email address is already verified. ", link("Account", "#/account"));
    return h("div", { class: "actions" }, button("Send a new verification link", () => attempt(async () => {
      await api("POST", "auth/email/verify/resend");
      notify(`A new verification link was sent to ${session.me.email}.`);
    })));
  };
  if (!pending) {
    main.append(h("section", { class: "panel auth-box" },
      h("p", {}, "This page confirms an email address with the link from a verification message. Open the link from the message again, or get a new one."),
      resend()));
    return;
  }
  const box = h("section", { class: "panel auth-box", "aria-live": "polite" }, h("p", { class: "muted" }, "Checking the link…"));
  main.append(box);
  const outcome = await pending;
  if (!live()) return;
  if (outcome.ok) {
    heading.textContent = "Email verified";
    document.title = "Email verified · agentmart";
    if (session.me) session.me.email_verified = true;
    clear(box).append(h("p", {}, "Thank you: your email address is verified."),
      h("div", { class: "actions" }, session.me ? link("Account", "#/account") : link("Log in", "#/login"), link("Marketplace", "#/")));
    return;
  }
  heading.textContent = "Email not verified";
  document.title = "Email not verified · agentmart";
  const problem = linkProblem(outcome.err, "verification");
  if (!problem) showError(outcome.err);
  clear(box).append(h("p", {}, problem || "The link could not be checked."), resend());
}

function viewRegister() {
  const { main } = page("Create an account");
  const form = h("form", { class: "panel auth-box", novalidate: true },
    field("Email", input("email", { autocomplete: "email", required: true }), { name: "email" }),
    field("Password", input("password", { autocomplete: "new-password", required: true, minlength: "8", maxlength: "128" }),
      { name: "password", hint: "8 to 128 characters; common passwords are refused." }),
    field("Handle (optional)", input("text", { autocomplete: "nickname", pattern: "[a-z0-9][a-z0-9-]{1,30}" }),
      { name: "handle", hint: "Lower-case letters, digits and hyphens; derived from the email when empty." }),
    field("Display name (optional)", input("text", { autocomplete: "name" }), { name: "display_name" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Register"), link("I have an account", "#/login")));
  onSubmit(form, async (data) => {
    const body = { email: data.get("email"), password: data.get("password") };
    if (data.get("handle")) body.handle = data.get("handle");
    if (data.get("display_name")) body.display_name = data.get("display_name");
    const answer = await api("POST", "auth/register", { auth: "none", body });
    storeTokens(answer.tokens);
    session.me = answer.user;
    notify(`Welcome, @${answer.user.handle}.`);
    go("#/");
  });
  main.append(form);
  form.querySelector("input").focus();
}

// Logging out always ends the session here, even when the server could not
// be told (it expires on its own); a failure is still shown.
async function logout() {
  let failure = null;
  try {
    if (session.access || session.refresh) await api("POST", "auth/logout");
  } catch (err) {
    failure = err;
  }
  clearSession();
  if (failure) showError(failure);
  else notify("Logged out.");
  go("#/");
}

async function logoutEverywhere() {
  await api("POST", "auth/logout-all");
  clearSession();
  notify("Logged out of every session.");
  go("#/");
}

async function viewAccount() {
  if (needLogin()) return;
  const { main, live } = page("Account");
  const me = await loadMe();
  if (!live()) return;
  renderNav();

  const profile = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Profile"),
    h("p", { class: "muted small" }, `${me.email || "no email"} · `,
      me.email_verified ? "verified" : "not verified", ` · role ${me.role} · member since ${when(me.created_at)}`),
    field("Handle", input("text", { value: me.handle, required: true }), { name: "handle" }),
    field("Display name", input("text", { value: me.display_name || "" }), { name: "display_name" }),
    field("Bio", textarea({ value: me.bio || "" }), { name: "bio" }),
    field("Avatar URL", input("url", { value: me.avatar_url || "" }), { name: "avatar_url" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save profile"),
      me.email_verified ? null : button("Resend verification email", () => attempt(async () => {
        await api("POST", "auth/email/verify/resend");
        notify("Verification email sent.");
      }), "secondary")));
  onSubmit(profile, async (data) => {
    const orNull = (k) => (data.get(k) ? data.get(k) : null);
    session.me = await api("PATCH", "me", {
      body: { handle: data.get("handle"), display_name: orNull("display_name"), bio: orNull("bio"), avatar_url: orNull("avatar_url") },
    });
    renderNav();
    notify("Profile saved.");
    await loadAudit();
  });

  const password = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Change password"),
    h("p", { class: "muted small" }, "Your other sessions are ended; this one stays."),
    field("Current password", input("password", { autocomplete: "current-password" }), { name: "current_password" }),
    field("New password", input("password", { autocomplete: "new-password" }), { name: "new_password" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password")));
  onSubmit(password, async (data) => {
    await api("POST", "auth/password/change", {
      body: { current_password: data.get("current_password"), new_password: data.get("new_password") },
    });
    password.reset();
    notify("Password changed; other sessions ended.");
    await Promise.all([renderSessions(), loadAudit()]);
  });

  const sessionsBox = h("section", { class: "panel" });
  async function renderSessions() {
    const list = await api("GET", "auth/sessions");
    clear(sessionsBox).append(h("h2", {}, "Sessions"));
    const rows = list.items.map((s) => h("tr", {},
      h("td", {}, when(s.created_at), s.current ? [" ", badge("current")] : null),
      h("td", {}, when(s.last_used_at)),
      h("td", { class: "small" }, s.user_agent || "—"),
      h("td", {}, s.ip || "—"),
      h("td", {}, button(s.current ? "Log out" : "Revoke", () => attempt(async () => {
        if (s.current) return logout();
        await api("DELETE", `auth/sessions/${encodeURIComponent(s.id)}`);
        notify("Session revoked.");
        await renderSessions();
      }), "secondary"))));
    sessionsBox.append(
      h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, ["Started", "Last used", "Browser", "IP", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows))),
      h("div", { class: "actions" }, button("Log out everywhere", () => attempt(logoutEverywhere), "danger")));
  }

  const auditBox = h("section", { class: "panel" }, h("h2", {}, "My audit trail"));
  const auditBody = h("tbody");
  const auditMore = h("div", { class: "actions" });
  auditBox.append(h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["When", "Action", "Target", "IP"].map((t) => h("th", { scope: "col" }, t)))), auditBody)), auditMore);
  async function loadAudit(cursor) {
    const pageData = await api("GET", "me/audit", { query: { limit: 20, cursor } });
    if (!cursor) clear(auditBody);
    for (const r of pageData.items) {
      auditBody.append(h("tr", {}, h("td", {}, when(r.at)), h("td", {}, h("code", {}, r.action)), h("td", { class: "small" }, r.target || "—"), h("td", {}, r.ip || "—")));
    }
    clear(auditMore);
    if (pageData.next_cursor) auditMore.append(button("Load more", () => attempt(() => loadAudit(pageData.next_cursor)), "secondary"));
  }

  const danger = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Delete account"),
    h("p", { class: "muted small" }, "This cannot be undone."),
    field("Password", input("password", { autocomplete: "current-password" }), { name: "password" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Delete my account")));
  onSubmit(danger, async (data) => {
    if (!window.confirm("Delete your account for good?")) return;
    await api("DELETE", "me", { body: { password: data.get("password") } });
    clearSession();
    notify("Account deleted.");
    go("#/");
  });

  main.append(h("div", { class: "cols" }, h("div", {}, profile, sessionsBox, auditBox), h("div", {}, password, danger)));
  await Promise.all([renderSessions(), loadAudit()]);
}

// ---------------------------------------------------------------------------
// Marketplace

const browseState = { q: "", sort: "", category: "", tag: "" };

function agentCard(a, extra) {
  return h("li", { class: "card" },
    h("h3", {}, link(a.name, agentHash(a.owner, a.slug))),
    h("div", { class: "meta" }, h("span", {}, `@${a.owner}/${a.slug}`), a.latest_version ? h("span", {}, `v${a.latest_version}`) : null,
      a.status && a.status !== "listed" ? badge(a.status) : null),
    a.tagline ? h("p", { class: "prewrap" }, a.tagline) : null,
    a.status === "deprecated" && a.status_message ? h("p", { class: "warnings small" }, a.status_message) : null,
    h("div", { class: "meta" }, h("span", {}, ratingText(a.rating)), h("span", {}, `${a.install_count} install${a.install_count === 1 ? "" : "s"}`),
      a.category ? h("span", {}, a.category) : null),
    a.tags && a.tags.length ? h("ul", { class: "chips", "aria-label": "Tags" }, a.tags.map((t) => h("li", {},
      button(t, () => { browseState.tag = t; go("#/"); }, "chip")))) : null,
    extra || null);
}

async function viewBrowse() {
  const { main, live } = page("Marketplace");
  const sortSelect = select([["", "Best match / popular"], ["popular", "Most installed"], ["rating", "Best rated"],
    ["newest", "Newest"], ["trending", "Trending"], ["name", "Name"]], { value: browseState.sort });
  const form = h("form", { class: "panel", role: "search" },
    h("div", { class: "row" },
      field("Search", input("search", { value: browseState.q, placeholder: "name, skill, tag…" }), { name: "q" }),
      field("Sort", sortSelect, { name: "sort" }),
      field("Category", input("text", { value: browseState.category }), { name: "category" }),
      field("Tag", input("text", { value: browseState.tag }), { name: "tag" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Search"),
      button("Clear filters", () => { Object.assign(browseState, { q: "", sort: "", category: "", tag: "" }); route(); }, "secondary")));
  const list = h("ul", { class: "grid", "aria-label": "Agents" });
  const more = h("div", { class: "actions" });
  const summary = h("p", { class: "muted small", "aria-live": "polite" });
  main.append(form, summary, list, more);

  async function load(cursor) {
    const query = { limit: 24, cursor, q: browseState.q, sort: browseState.sort, category: browseState.category, tag: browseState.tag };
    const data = await api("GET", "agents", { query, auth: "optional" });
    if (!live()) return;
    if (!cursor) clear(list);
    for (const a of data.items) list.append(agentCard(a));
    summary.textContent = list.children.length ? `${list.children.length} agent${list.children.length === 1 ? "" : "s"} shown` : "No agents match.";
    clear(more);
    if (data.next_cursor) more.append(button("Load more", () => attempt(() => load(data.next_cursor)), "secondary"));
  }
  onSubmit(form, async (data) => {
    browseState.q = String(data.get("q") || "").trim();
    browseState.sort = String(data.get("sort") || "");
    browseState.category = String(data.get("category") || "").trim();
    browseState.tag = String(data.get("tag") || "").trim();
    await load();
  });
  await load();
}

async function viewDetail(owner, slug) {
  const { main, heading, live } = page(`${owner}/${slug}`);
  const a = await api("GET", agentPath(owner, slug), { auth: "optional" });
  if (!live()) return;
  heading.textContent = a.name;
  document.title = `${a.name} · agentmart`;
  const mine = session.me && session.me.handle === a.owner;

  const about = h("section", { class: "panel" },
    h("p", { class: "muted" }, `@${a.owner}/${a.slug}`, a.latest_version ? ` · v${a.latest_version}` : "", " · ", badge(a.status),
      a.published_at ? ` · published ${when(a.published_at)}` : ""),
    a.status_message ? h("p", { class: "warnings" }, a.status_message) : null,
    a.tagline ? h("p", { class: "prewrap" }, h("strong", {}, a.tagline)) : null,
    a.description ? h("p", { class: "prewrap" }, a.description) : null,
    h("p", { class: "small muted" }, `Input: ${a.input_modes.join(", ") || "—"} · Output: ${a.output_modes.join(", ") || "—"}`,
      a.category ? ` · Category: ${a.category}` : ""),
    a.tags.length ? h("ul", { class: "chips", "aria-label": "Tags" }, a.tags.map((t) => h("li", { class: "chip" }, t))) : null,
    /^https?:\/\//i.test(a.documentation_url || "")
      ? h("p", {}, h("a", { href: a.documentation_url, rel: "noopener noreferrer", target: "_blank" }, "Documentation")) : null,
    a.skills.length ? [h("h2", {}, "Skills"), a.skills.map((s) => h("div", { class: "skill" },
      h("div", {}, h("strong", {}, s.name), " ", h("code", { class: "small" }, s.id)),
      s.description ? h("div", { class: "prewrap small" }, s.description) : null,
      s.examples && s.examples.length ? h("ul", { class: "small" }, s.examples.map((x) => h("li", { class: "prewrap" }, x))) : null))] : null,
    a.conversation_starters.length ? [h("h2", {}, "Conversation starters"),
      h("ul", {}, a.conversation_starters.map((c) => h("li", { class: "prewrap" }, c)))] : null);

  const cardBox = h("details", { class: "panel" }, h("summary", {}, "A2A agent card"));
  cardBox.addEventListener("toggle", () => {
    if (!cardBox.open || cardBox.dataset.loaded) return;
    cardBox.dataset.loaded = "1";
    attempt(async () => cardBox.append(json(await api("GET", `${agentPath(owner, slug)}/card`, { auth: "optional" }))));
  });

  // Rating summary and histogram.
  const hist = a.rating.histogram || [0, 0, 0, 0, 0];
  const ratingBox = h("section", { class: "panel", "aria-label": "Ratings" },
    h("div", { class: "rating-big" }, a.rating.count ? a.rating.mean.toFixed(1) : "–"),
    a.rating.count ? stars(a.rating.mean) : null,
    h("p", { class: "muted small", id: "rating-summary" }, ratingText(a.rating)),
    h("div", { class: "histogram" }, [5, 4, 3, 2, 1].map((n) => [
      h("span", {}, `${n} ★`),
      h("progress", { max: String(Math.max(1, a.rating.count)), value: String(hist[n - 1]), "aria-label": `${n} stars: ${hist[n - 1]}` }),
      h("span", { class: "small" }, String(hist[n - 1]))])),
    h("p", { class: "small muted" }, `${a.install_count} install${a.install_count === 1 ? "" : "s"} · ${a.usage_30d} uses in 30 days`));

  // Install / uninstall and rating.
  const actionsBox = h("section", { class: "panel" });
  if (!session.me) {
    actionsBox.append(h("p", {}, link("Log in", "#/login"), " to install and rate this agent."));
  } else {
    actionsBox.append(h("div", { class: "actions" },
      a.installed
        ? button("Uninstall", () => attempt(async () => {
          await api("DELETE", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
          notify(`${a.name} uninstalled.`);
          route();
        }), "secondary")
        : button("Install", () => attempt(async () => {
          await api("PUT", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
          notify(`${a.name} installed.`);
          route();
        })),
      a.installed ? badge("installed") : null,
      mine ? link("Edit in builder", builderHash(owner, slug), "button secondary") : null));
    if (a.installed && !mine) actionsBox.append(ratingForm(a, owner, slug));
  }

  // Reviews.
  const reviewsBox = h("section", { class: "panel", "aria-label": "Reviews" }, h("h2", {}, "Reviews"));
  const reviewSort = select([["newest", "Newest"], ["stars", "Stars"]]);
  const reviewList = h("div");
  const reviewMore = h("div", { class: "actions" });
  reviewsBox.append(field("Sort reviews", reviewSort), reviewList, reviewMore);
  async function loadReviews(cursor) {
    const data = await api("GET", `${agentPath(owner, slug)}/reviews`, { auth: "none", query: { sort: reviewSort.value, limit: 10, cursor } });
    if (!cursor) clear(reviewList);
    for (const r of data.items) reviewList.append(reviewItem(r));
    if (!reviewList.children.length) reviewList.append(h("p", { class: "muted" }, "No reviews yet."));
    clear(reviewMore);
    if (data.next_cursor) reviewMore.append(button("More reviews", () => attempt(() => loadReviews(data.next_cursor)), "secondary"));
  }
  reviewSort.addEventListener("change", () => attempt(() => loadReviews()));

  main.append(h("div", { class: "cols" }, h("div", {}, about, reviewsBox, cardBox), h("div", {}, ratingBox, actionsBox)));
  await loadReviews();
}

function reviewItem(r) {
  const who = r.user.display_name ? `${r.user.display_name} (@${r.user.handle})` : `@${r.user.handle}`;
  return h("article", { class: "review" },
    h("div", {}, stars(r.stars), " ", r.title ? h("span", { class: "review-title" }, r.title) : null),
    r.body ? h("p", { class: "prewrap" }, r.body) : null,
    h("div", { class: "muted small" }, `${who} · ${when(r.updated_at)}`, r.version ? ` · v${r.version}` : ""));
}

function ratingForm(a, owner, slug) {
  const mine = a.my_rating;
  const group = h("div", { class: "stars-input" }, [1, 2, 3, 4, 5].map((n) => h("label", {},
    h("input", { type: "radio", name: "stars", value: String(n), checked: mine ? mine.stars === n : false, required: true }), `${n} ★`)));
  const starsField = h("fieldset", { class: "field", "data-field": "stars" }, h("legend", {}, "Your rating"), group, h("p", { class: "field-error" }));
  const form = h("form", { novalidate: true, "aria-label": "Rate this agent" },
    h("h2", {}, mine ? "Your review" : "Rate this agent"),
    starsField,
    field("Title (optional)", input("text", { value: mine && mine.title ? mine.title : "" }), { name: "title" }),
    field("Review (optional)", textarea({ value: mine && mine.body ? mine.body : "" }), { name: "body" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, mine ? "Update rating" : "Submit rating"),
      mine ? button("Delete my rating", () => attempt(async () => {
        await api("DELETE", `${agentPath(owner, slug)}/rating`);
        notify("Rating deleted.");
        route();
      }), "danger") : null));
  onSubmit(form, async (data) => {
    const starsValue = Number(data.get("stars"));
    const body = { stars: starsValue || 0, title: data.get("title") || null, body: data.get("body") || null };
    await api("PUT", `${agentPath(owner, slug)}/rating`, { body });
    notify("Thanks for your rating.");
    route();
  });
  return form;
}

async function viewInstalls() {
  if (needLogin()) return;
  const { main, live } = page("My installs");
  const list = h("ul", { class: "grid", "aria-label": "Installed agents" });
  const more = h("div", { class: "actions" });
  main.append(list, more);
  async function load(cursor) {
    const data = await api("GET", "me/installs", { query: { limit: 24, cursor } });
    if (!live()) return;
    if (!cursor) clear(list);
    for (const item of data.items) {
      const a = item.agent;
      list.append(agentCard(a, [
        h("div", { class: "meta" }, h("span", {}, `installed ${when(item.installed_at)}`),
          item.pinned_version ? h("span", {}, `pinned to v${item.pinned_version}`) : null,
          item.deleted ? badge("deleted") : null),
        h("div", { class: "actions" }, button("Uninstall", () => attempt(async () => {
          await api("DELETE", `me/installs/${encodeURIComponent(a.owner)}/${encodeURIComponent(a.slug)}`);
          notify(`${a.name} uninstalled.`);
          route();
        }), "secondary")),
      ]));
    }
    if (!list.children.length) main.insertBefore(h("p", { class: "muted" }, "Nothing installed yet. ", link("Browse the marketplace", "#/"), "."), list);
    clear(more);
    if (data.next_cursor) more.append(button("Load more", () => attempt(() => load(data.next_cursor)), "secondary"));
  }
  await load();
}

// ---------------------------------------------------------------------------
// Builder

async function viewBuilder() {
  if (needLogin()) return;
  const { main, live } = page("Builder");
  const create = h("form", { class: "panel", novalidate: true, "aria-label": "New agent" },
    h("h2", {}, "New agent"),
    h("div", { class: "row" },
      field("Slug", input("text", { required: true, placeholder: "my-agent" }),
        { name: "slug", hint: "2–63 lower-case letters, digits and hyphens; part of the agent's address." }),
      field("Name", input("text", { required: true, maxlength: "100" }), { name: "name" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create draft")));
  onSubmit(create, async (data) => {
    const draft = await api("POST", "agents", { body: { slug: String(data.get("slug") || "").trim(), name: data.get("name") } });
    notify(`Draft ${draft.slug} created.`);
    go(builderHash(draft.owner, draft.slug));
  });

  const tableBody = h("tbody");
  const listBox = h("section", { class: "panel" }, h("h2", {}, "My agents"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Agent", "Status", "Latest version", "Updated", ""].map((t) => h("th", { scope: "col" }, t)))),
      tableBody)));
  main.append(create, listBox);
  const data = await api("GET", "me/agents");
  if (!live()) return;
  for (const a of data.items) {
    tableBody.append(h("tr", {},
      h("td", {}, h("strong", {}, a.name), h("div", { class: "muted small" }, `@${a.owner}/${a.slug}`)),
      h("td", {}, badge(a.status)),
      h("td", {}, a.latest_version || "—"),
      h("td", {}, when(a.updated_at)),
      h("td", {}, a.status === "deleted" ? null : link("Edit", builderHash(a.owner, a.slug)))));
  }
  if (!data.items.length) tableBody.append(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No agents yet: create one above.")));
}

function skillRow(skill = {}) {
  const row = h("fieldset", { class: "skill-row" }, h("legend", {}, "Skill"),
    h("div", { class: "row" },
      field("Id", input("text", { value: skill.id || "", "data-k": "id" })),
      field("Name", input("text", { value: skill.name || "", "data-k": "name" }))),
    field("Description", textarea({ value: skill.description || "", "data-k": "description" })),
    field("Tags (comma-separated)", input("text", { value: (skill.tags || []).join(", "), "data-k": "tags" })),
    field("Examples (one per line)", textarea({ value: (skill.examples || []).join("\n"), "data-k": "examples" })));
  row.append(h("div", { class: "actions" }, button("Remove skill", () => row.remove(), "danger")));
  return row;
}

function readSkills(container) {
  return [...container.querySelectorAll(".skill-row")].map((row) => {
    const v = (k) => row.querySelector(`[data-k="${k}"]`).value;
    return { id: v("id").trim(), name: v("name").trim(), description: v("description"), tags: commaList(v("tags")), examples: lines(v("examples")) };
  });
}

function parseJsonField(form, name, text) {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    const err = new ApiError(0, { title: "Invalid JSON", detail: `${name} is not valid JSON.`, code: "client_validation", errors: [{ field: name, code: "invalid_json", message: `not valid JSON (${e.message})` }] });
    throw err;
  }
}

function modeChecks(name, selected) {
  return h("fieldset", { class: "field", "data-field": name },
    h("legend", {}, name === "input_modes" ? "Input modes" : "Output modes"),
    h("div", { class: "checks" }, MODES.map((m) => h("label", {}, h("input", { type: "checkbox", name, value: m, checked: selected.includes(m) }), m))),
    h("p", { class: "field-error" }));
}

async function viewEditor(owner, slug) {
  if (needLogin()) return;
  const { main, heading, live } = page(`Edit ${owner}/${slug}`);
  const d = await api("GET", `${agentPath(owner, slug)}/draft`);
  if (!live()) return;
  heading.textContent = `Edit ${d.name}`;
  main.append(h("p", { class: "muted" }, `@${d.owner}/${d.slug} · `, badge(d.status),
    d.latest_version ? ` · latest v${d.latest_version}` : " · not published yet",
    d.status !== "draft" && d.status !== "deleted" ? [" · ", link("View in marketplace", agentHash(d.owner, d.slug))] : null));

  const warningsBox = h("div", { class: "warnings small", "aria-live": "polite" });
  function showWarnings(warnings) {
    clear(warningsBox);
    if (warnings && warnings.length) {
      warningsBox.append(h("p", {}, "Before publishing, fix:"), h("ul", {}, warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))));
    }
  }
  showWarnings(d.warnings);

  const skills = h("div", {}, d.skills.map((s) => skillRow(s)));
  const model = d.model || {};
  const form = h("form", { class: "panel", novalidate: true, "aria-label": "Draft" },
    h("h2", {}, "Draft"),
    warningsBox,
    h("div", { class: "row" },
      field("Name", input("text", { value: d.name, maxlength: "100" }), { name: "name" }),
      field("Category", input("text", { value: d.category || "" }), { name: "category", hint: "e.g. productivity" })),
    field("Tagline", input("text", { value: d.tagline, maxlength: "100" }), { name: "tagline" }),
    field("Description", textarea({ value: d.description }), { name: "description" }),
    field("System prompt", textarea({ value: d.system_prompt, class: "code", rows: "8" }), { name: "system_prompt", hint: "Never shown publicly." }),
    field("Tags (comma-separated)", input("text", { value: d.tags.join(", ") }), { name: "tags", hint: "Up to 10 lower-case tags." }),
    modeChecks("input_modes", d.input_modes),
    modeChecks("output_modes", d.output_modes),
    field("Conversation starters (one per line)", textarea({ value: d.conversation_starters.join("\n") }), { name: "conversation_starters" }),
    h("div", { class: "field", "data-field": "skills" }, h("h3", {}, "Skills"), skills,
      h("div", { class: "actions" }, button("Add skill", () => skills.append(skillRow()), "secondary")), h("p", { class: "field-error" })),
    h("h3", {}, "Model"),
    h("div", { class: "row" },
      field("Model name", input("text", { value: model.name || "" }), { name: "model", hint: "Empty: the host's default." }),
      field("Temperature", input("number", { value: model.temperature ?? "", step: "0.1", min: "0", max: "2" }), { name: "model.temperature" }),
      field("Max tokens", input("number", { value: model.max_tokens ?? "", step: "1", min: "1" }), { name: "model.max_tokens" })),
    field("Input JSON Schema", textarea({ value: d.input_schema ? JSON.stringify(d.input_schema, null, 2) : "", class: "code" }),
      { name: "input_schema", hint: "Required when the input modes include application/json." }),
    field("Output JSON Schema", textarea({ value: d.output_schema ? JSON.stringify(d.output_schema, null, 2) : "", class: "code" }),
      { name: "output_schema", hint: "Required when the output modes include application/json." }),
    h("div", { class: "row" },
      field("Icon URL", input("url", { value: d.icon_url || "" }), { name: "icon_url" }),
      field("Documentation URL", input("url", { value: d.documentation_url || "" }), { name: "documentation_url" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save draft")));
  onSubmit(form, async (data) => {
    const text = (k) => String(data.get(k) || "");
    const modelName = text("model").trim();
    const body = {
      name: text("name"),
      tagline: text("tagline"),
      description: text("description"),
      system_prompt: text("system_prompt"),
      category: text("category").trim() || null,
      tags: commaList(text("tags")),
      input_modes: data.getAll("input_modes"),
      output_modes: data.getAll("output_modes"),
      conversation_starters: lines(text("conversation_starters")),
      skills: readSkills(skills),
      model: modelName ? {
        name: modelName,
        ...(text("model.temperature") ? { temperature: Number(text("model.temperature")) } : {}),
        ...(text("model.max_tokens") ? { max_tokens: Number(text("model.max_tokens")) } : {}),
      } : null,
      input_schema: parseJsonField(form, "input_schema", text("input_schema")),
      output_schema: parseJsonField(form, "output_schema", text("output_schema")),
      icon_url: text("icon_url").trim() || null,
      documentation_url: text("documentation_url").trim() || null,
    };
    const saved = await api("PATCH", `${agentPath(owner, slug)}/draft`, { body });
    showWarnings(saved.warnings);
    heading.textContent = `Edit ${saved.name}`;
    notify(saved.warnings.length ? "Draft saved (see what to fix before publishing)." : "Draft saved; ready to publish.");
  });

  // Preview.
  const previewOut = h("div");
  const preview = h("form", { class: "panel", novalidate: true, "aria-label": "Preview" },
    h("h2", {}, "Preview"),
    h("p", { class: "muted small" }, "Shows the saved draft's A2A card and the exact chat request a sample input would send."),
    field("Sample input (optional)", textarea({ rows: "3" }), { name: "input" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Preview")), previewOut);
  onSubmit(preview, async (data) => {
    const input = String(data.get("input") || "");
    const p = await api("POST", `${agentPath(owner, slug)}/preview`, { body: input ? { input } : {} });
    clear(previewOut).append(
      p.warnings.length ? h("ul", { class: "warnings small" }, p.warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))) : null,
      h("h3", {}, "A2A card"), json(p.card),
      h("h3", {}, "Chat request"), json(p.chat_request),
      p.model_response ? [h("h3", {}, "Model response"), h("p", { class: "prewrap" }, p.model_response.content)] : null);
  });

  // Publish.
  const publish = h("form", { class: "panel", novalidate: true, "aria-label": "Publish" },
    h("h2", {}, "Publish"),
    h("p", { class: "muted small" }, "Publishing snapshots the saved draft as an immutable version."),
    field("Version", input("text", { value: nextVersion(d.latest_version), required: true }), { name: "version", hint: "Semantic version above the latest, e.g. 1.0.0." }),
    field("Changelog (optional)", textarea({ rows: "3" }), { name: "changelog" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Publish version")));
  onSubmit(publish, async (data) => {
    const version = await api("POST", `${agentPath(owner, slug)}/versions`, {
      body: { version: String(data.get("version") || "").trim(), changelog: data.get("changelog") || null },
    });
    notify(`Published v${version.version}.`);
    route();
  });

  // Status.
  const statusForm = h("form", { class: "panel", novalidate: true, "aria-label": "Status" },
    h("h2", {}, "Status"),
    field("Status", select([["listed", "Listed"], ["unlisted", "Unlisted"], ["deprecated", "Deprecated"]],
      { value: ["listed", "unlisted", "deprecated"].includes(d.status) ? d.status : "listed" }), { name: "status" }),
    field("Message (optional)", input("text", { value: d.status_message || "" }), { name: "status_message" }),
    h("div", { class: "actions" }, h("button", { type: "submit", disabled: d.status === "draft" }, "Change status")),
    d.status === "draft" ? h("p", { class: "muted small" }, "Publish a first version to list the agent.") : null);
  onSubmit(statusForm, async (data) => {
    await api("PATCH", agentPath(owner, slug), { body: { status: data.get("status"), status_message: data.get("status_message") || null } });
    notify("Status changed.");
    route();
  });

  // Versions and card export.
  const versionsBox = h("section", { class: "panel" }, h("h2", {}, "Versions"));
  const cardOut = h("div");
  const exportBox = h("section", { class: "panel" }, h("h2", {}, "Export"),
    h("div", { class: "actions" }, button("Show A2A card", () => attempt(async () => {
      const card = await api("GET", `${agentPath(owner, slug)}/card`, { auth: "optional" });
      const blob = new Blob([JSON.stringify(card, null, 2)], { type: "application/json" });
      clear(cardOut).append(json(card), h("a", { href: URL.createObjectURL(blob), download: `${d.owner}-${d.slug}-card.json`, class: "button secondary" }, "Download card.json"));
    }), "secondary"), button("Delete agent", () => attempt(async () => {
      if (!window.confirm(`Delete ${d.owner}/${d.slug}? Installs stay readable to their users.`)) return;
      await api("DELETE", agentPath(owner, slug));
      notify("Agent deleted.");
      go("#/builder");
    }), "danger")), cardOut);

  main.append(h("div", { class: "cols" }, h("div", {}, form, preview), h("div", {}, publish, statusForm, versionsBox, exportBox)));

  if (d.latest_version) {
    const versions = await api("GET", `${agentPath(owner, slug)}/versions`, { auth: "optional" });
    if (!live()) return;
    versionsBox.append(h("ul", {}, versions.items.map((v) => h("li", {}, h("strong", {}, `v${v.version}`), ` · ${when(v.published_at)}`,
      v.changelog ? h("div", { class: "small prewrap" }, v.changelog) : null))));
  } else {
    versionsBox.append(h("p", { class: "muted small" }, "No published version yet."));
  }
}

function nextVersion(latest) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(latest || "");
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : "1.0.0";
}

// ---------------------------------------------------------------------------
// Start

async function start() {
  const loading = document.getElementById("loading");
  if (loading) loading.remove();
  if (session.refresh) {
    try {
      if (await refreshTokens()) await loadMe();
    } catch (err) {
      clearSession();
      showError(err);
    }
  }
  window.addEventListener("hashchange", () => {
    if (!keepStatus) hideStatus();
    keepStatus = false;
    route();
  });
  await route();
}

start();
