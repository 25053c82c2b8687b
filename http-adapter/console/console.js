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
import { configure, listen, refreshNav, route } from "./modules/router.js";
import { attempt, showError } from "./modules/status.js";
import { logout, viewForgotPassword, viewLogin, viewRegister, viewResetPassword, viewVerifyEmail } from "./modules/auth.js";
import { viewAccount } from "./modules/account.js";
import { viewBrowse, viewInstalls } from "./modules/market.js";
import { viewDetail } from "./modules/detail.js";
import { viewBuilder, viewEditor } from "./modules/builder.js";

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

async function start() {
  configure(routes, renderNav);
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
