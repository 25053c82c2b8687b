// agentmart console: hash routing (#/..., so any prefix works), the view
// frame and navigation helpers. The route table and the navigation bar are
// given by the entry module (`configure`), so this module imports no view.

import { session } from "./api.js";
import { clear, h, link } from "./dom.js";
import { hideStatus, showError } from "./status.js";

const mainEl = () => document.getElementById("main");
let renderSeq = 0;

/** `[pattern, view]` pairs; the captured groups are the view's arguments. */
let routes = [];
/** Redraws the navigation bar (called before every view). */
let renderNav = () => {};

/** Sets the route table and the navigation bar's renderer. */
export function configure(table, nav) {
  routes = table;
  renderNav = nav;
}

/** Redraws the navigation bar now (after the session changed). */
export function refreshNav() {
  renderNav();
}

/** Starts a view: a fresh main area, and a check that it is still current. */
export function page(title) {
  const seq = ++renderSeq;
  const main = clear(mainEl());
  document.title = `${title} · agentmart`;
  const heading = h("h1", { tabindex: "-1" }, title);
  main.append(heading);
  heading.focus({ preventScroll: true });
  return { main, heading, live: () => seq === renderSeq };
}

/** Renders the view of the current address. */
export async function route() {
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

/** Navigates to `hash` (re-rendering when already there), keeping the status shown. */
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
    if (!keepStatus) hideStatus();
    keepStatus = false;
    route();
  });
}

/** Where to go after logging in (a view that sent the user to log in), else the marketplace. */
let afterLogin = null;

/** Takes the address to return to after logging in (once). */
export function takeAfterLogin() {
  const next = afterLogin || "#/";
  afterLogin = null;
  return next;
}

/** A "Log in" link that comes back to `hash` afterwards. */
export function loginLink(text, hash) {
  return h("a", { href: "#/login", on: { click: () => { afterLogin = hash; } } }, text);
}

/** Shows a "log in needed" page when logged out; true when it did. */
export function needLogin() {
  if (session.me) return false;
  const { main } = page("Log in needed");
  main.append(h("p", {}, "This page needs an account. ", link("Log in", "#/login"), " or ", link("register", "#/register"), "."));
  return true;
}
