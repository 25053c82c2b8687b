// agentmart web console: a single-page app over the JSON API of API.md.
//
// Native ES modules, no framework, no build step, nothing fetched from another
// origin. Served by agentmart-http (http-adapter/src/console.rs) under a
// strict Content-Security-Policy: no inline script or style, so the DOM is
// built with createElement/textContent only; no string is ever parsed as
// markup, and no handler is ever given as a string.
//
// This entry module wires the route table and the navigation bar; the code
// lives in `modules/*.js` beside it:
//   links.js   the token of an emailed link (read first, dropped from the URL)
//   api.js     fetch, tokens and refresh; every URL relative to the router root
//   schema.js  enumerations and limits read from the API's OpenAPI document
//   dom.js     element helpers        status.js  status area and form wiring
//   router.js  hash routing and the view frame
//   auth.js, account.js, market.js, detail.js, builder.js  the views
//
// `links.js` is imported first: module evaluation follows import order, so
// the token leaves the address bar before anything else runs.

import "./modules/links.js";
import { loadMe, onSessionEnded, refreshTokens, clearSession, session } from "./modules/api.js";
import { button, clear, h, link } from "./modules/dom.js";
import { configure, hashPath, listen, loginHash, refreshNav, route } from "./modules/router.js";
import { attempt, showError } from "./modules/status.js";
import {
  logout, viewConfirmEmailChange, viewForgotPassword, viewLogin, viewRegister, viewResetPassword, viewVerifyEmail,
} from "./modules/auth.js";
import { viewAccount } from "./modules/account.js";
import { viewBrowse, viewInstalls } from "./modules/market.js";
import { viewDetail } from "./modules/detail.js";
import { viewBuilder, viewEditor } from "./modules/builder.js";

/** Opens and closes the navigation behind the menu button (shown on phones only, see console.css). */
function wireMenu() {
  const toggle = document.getElementById("menu-toggle");
  const nav = document.getElementById("nav");
  if (!toggle || !nav) return;
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
}

/**
 * The skip link jumps to the main area without touching the address (which
 * holds the route): it focuses `#main` instead of following `#main`.
 */
function wireSkipLink() {
  const skip = document.getElementById("skip-link");
  const main = document.getElementById("main");
  if (!skip || !main) return;
  skip.addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
}

function renderNav() {
  const nav = clear(/** @type {HTMLElement} */ (document.getElementById("nav")));
  // Every navigation closes the phone menu.
  nav.classList.remove("open");
  const toggle = document.getElementById("menu-toggle");
  if (toggle) toggle.setAttribute("aria-expanded", "false");
  const current = hashPath().split("/")[1] || "";
  /** @type {(text: string, hash: string) => HTMLAnchorElement} */
  const item = (text, hash) => {
    const a = link(text, hash);
    if ((hashPath(hash).split("/")[1] || "") === current) a.setAttribute("aria-current", "page");
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
    // Logging in from the navigation comes back to the page it was opened on.
    const away = /^#\/(login|register)$/.test(hashPath());
    const login = item("Log in", away ? "#/login" : loginHash("#/login"));
    const register = item("Register", away ? "#/register" : loginHash("#/register"));
    nav.append(h("span", { class: "spacer" }), login, register);
  }
}

/** @type {Array<[RegExp, (...args: string[]) => unknown]>} */
const routes = [
  [/^#?\/?$/, () => viewBrowse()],
  [/^#\/login$/, () => viewLogin()],
  [/^#\/register$/, () => viewRegister()],
  [/^#\/forgot-password$/, () => viewForgotPassword()],
  [/^#\/reset-password$/, () => viewResetPassword()],
  [/^#\/verify-email$/, () => viewVerifyEmail()],
  [/^#\/confirm-email-change$/, () => viewConfirmEmailChange()],
  [/^#\/agents\/([^/]+)\/([^/]+)$/, (o, s) => viewDetail(o, s)],
  [/^#\/installs$/, () => viewInstalls()],
  [/^#\/builder$/, () => viewBuilder()],
  [/^#\/builder\/([^/]+)\/([^/]+)$/, (o, s) => viewEditor(o, s)],
  [/^#\/account$/, () => viewAccount()],
];

async function start() {
  configure(routes, renderNav);
  wireMenu();
  wireSkipLink();
  onSessionEnded(refreshNav);
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
  listen();
  await route();
}

start();
