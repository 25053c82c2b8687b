// agentmart console: hash routing (#/..., so any prefix works), the view
// frame and navigation helpers. The route table and the navigation bar are
// given by the entry module (`configure`), so this module imports no view.

import { session } from "./api.js";
import { clear, h, link } from "./dom.js";
import { hideStatus, showError } from "./status.js";

const mainEl = () => /** @type {HTMLElement} */ (document.getElementById("main"));
let renderSeq = 0;

/** `[pattern, view]` pairs; the captured groups are the view's arguments. */
/** @type {Array<[RegExp, (...args: string[]) => unknown]>} */
let routes = [];
/** Redraws the navigation bar (called before every view). */
let renderNav = () => {};

/**
 * Sets the route table and the navigation bar's renderer.
 * @param {Array<[RegExp, (...args: string[]) => unknown]>} table
 * @param {() => void} nav
 */
export function configure(table, nav) {
  routes = table;
  renderNav = nav;
}

/** Redraws the navigation bar now (after the session changed). */
export function refreshNav() {
  renderNav();
}

/**
 * The current view's unsaved-changes check: returns a question to ask before
 * leaving (the view has edits that would be lost), or null. Reset by `page`.
 */
/** @type {(() => string | null) | null} */
let leaveGuard = null;
/** The address of the view on screen (to return to when leaving is refused). */
let shownHash = location.hash;

/**
 * Asks `check()` before the user leaves this view (a link, Back, closing the tab).
 * @param {() => string | null} check
 */
export function guardLeaving(check) {
  leaveGuard = check;
}

/** The question to ask before leaving the current view, or null. */
function leaveQuestion() {
  return leaveGuard ? leaveGuard() : null;
}

/**
 * Starts a view: a fresh main area, and a check that it is still current.
 * @param {string} title
 */
export function page(title) {
  leaveGuard = null;
  const seq = ++renderSeq;
  const main = clear(mainEl());
  document.title = `${title} · agentmart`;
  const heading = h("h1", { tabindex: "-1" }, title);
  // Busy until the view's data arrives (`route` clears it when the view settles).
  main.setAttribute("aria-busy", "true");
  main.append(heading, h("p", { class: "placeholder muted", id: "view-loading" }, "Loading…"));
  heading.focus({ preventScroll: true });
  return { main, heading, live: () => seq === renderSeq };
}

/**
 * The path part of the address (`#/agents/a/b` of `#/agents/a/b?x=1`).
 * @param {string} [hash]
 * @returns {string}
 */
export function hashPath(hash = location.hash) {
  const path = (hash || "#/").split("?")[0];
  return path === "#" || path === "" ? "#/" : path;
}

/**
 * The query part of the address (`#/?q=echo&sort=popular`): the view's state.
 * @param {string} [hash]
 * @returns {URLSearchParams}
 */
export function hashQuery(hash = location.hash) {
  const at = (hash || "").indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

/**
 * `path` with the non-empty values of `params` as its query (`#/?q=echo`).
 * @param {string} path
 * @param {Record<string, string | number | null | undefined>} params
 * @returns {string}
 */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Puts a view's state into the address without re-rendering: `push` makes a
 * new history entry (a new search: Back returns to the previous one), else
 * the current entry is replaced (loading more of the same list).
 * @param {string} hash
 * @param {boolean} push
 */
export function setViewState(hash, push) {
  if (hash === location.hash) return;
  if (push) history.pushState(null, "", hash);
  else history.replaceState(history.state, "", hash);
  shownHash = location.hash;
}

// Scroll positions: the browser's own restoration runs before a view has
// re-rendered its data, so the console keeps each history entry's position in
// its `history.state` (updated as the page scrolls) and restores it after
// the view settles when the user comes back to that entry (Back, Forward).
if ("scrollRestoration" in history) history.scrollRestoration = "manual";
let scrollTimer = 0;
/** Records the current scroll position in the current history entry. */
function saveScroll() {
  clearTimeout(scrollTimer);
  history.replaceState({ ...(history.state || {}), scroll: Math.round(window.scrollY) }, "");
}
window.addEventListener("scroll", () => {
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(saveScroll, 120);
}, { passive: true });
// A click that follows a link may leave before the debounced save: save first
// (capture phase: the entry is still the one being left).
document.addEventListener("click", saveScroll, true);

/** Renders the view of the current address. */
export async function route() {
  shownHash = location.hash;
  renderNav();
  // The position saved in this history entry (only a traversal comes back to one).
  const saved = history.state && typeof history.state.scroll === "number" ? history.state.scroll : null;
  const hash = hashPath();
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      const args = match.slice(1).map(decodeURIComponent);
      const seq = renderSeq;
      try {
        await view(...args);
      } catch (err) {
        if (renderSeq <= seq + 1) showError(err, [], route);
      } finally {
        // Only the view still on screen (it called `page` once) clears its busy state.
        if (renderSeq <= seq + 1) {
          settle();
          window.scrollTo(0, saved || 0);
        }
      }
      return;
    }
  }
  const { main } = page("Not found");
  main.append(h("p", {}, "No such page. ", link("Back to the marketplace", "#/")));
  settle();
}

/** Ends the view's busy state (its data arrived, or failed to). */
function settle() {
  const main = mainEl();
  main.removeAttribute("aria-busy");
  const placeholder = document.getElementById("view-loading");
  if (placeholder) placeholder.remove();
}

// A status shown just before a navigation of our own survives it; following
// a link clears it.
let keepStatus = false;

/**
 * Navigates to `hash` (re-rendering when already there), keeping the status shown.
 * @param {string} hash
 */
export function go(hash) {
  if (location.hash === hash) {
    route();
  } else {
    keepStatus = true;
    location.hash = hash;
  }
}

/** Re-renders on every address change (a link followed clears the status). */
export function listen() {
  window.addEventListener("hashchange", () => {
    // A navigation of our own (after an action the user asked for) leaves
    // without asking; a link, Back or a typed address asks first.
    const question = keepStatus ? null : leaveQuestion();
    if (question && !window.confirm(question)) {
      // Stay: put the address back without re-rendering (the edits are kept).
      history.replaceState(null, "", shownHash || "#/");
      renderNav();
      return;
    }
    if (!keepStatus) hideStatus();
    keepStatus = false;
    route();
  });
  // Closing or reloading the tab with unsaved edits: the browser's own prompt.
  window.addEventListener("beforeunload", (event) => {
    if (!leaveQuestion()) return;
    event.preventDefault();
    event.returnValue = "";
  });
}

/**
 * Where to go after logging in or registering: the `next` of the address
 * (`#/login?next=%23%2Fbuilder`, set by the page that asked the user to log
 * in; so it survives a reload and the register link), else the marketplace.
 * Only an address inside the console is followed.
 */
export function afterLogin() {
  const next = hashQuery().get("next") || "";
  return /^#\/(?!login|register)/.test(next) ? next : "#/";
}

/**
 * The address of `view` (`#/login`, `#/register`) that comes back to `hash` afterwards.
 * @param {string} view
 * @param {string} [hash]
 * @returns {string}
 */
export function loginHash(view, hash = location.hash) {
  const back = hashPath(hash) === "#/" && !hashQuery(hash).toString() ? "" : hash;
  return withQuery(view, { next: back });
}

/**
 * A "Log in" link that comes back to `hash` (default: this page) afterwards.
 * @param {string} text
 * @param {string} [hash]
 */
export function loginLink(text, hash = location.hash) {
  return link(text, loginHash("#/login", hash));
}

/** Shows a "log in needed" page when logged out; true when it did. */
export function needLogin() {
  if (session.me) return false;
  const { main } = page("Log in needed");
  main.append(h("p", {}, "This page needs an account. ", loginLink("Log in"), " or ", link("register", loginHash("#/register")),
    "; you come back here afterwards."));
  return true;
}
