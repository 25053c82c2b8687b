// The harness of the browser end-to-end tests of the agentmart web console
// (`*.test.mjs` beside this file import it; `useServer()` starts what they need).
//
// Starts the debug `agentmart` binary (AGENTMART_BIN, default
// `${CARGO_TARGET_DIR:-target}/debug/agentmart` from the repository root) on
// a free loopback port over a temporary sled store, and drives Debian's
// chromium (CHROMIUM, default /usr/bin/chromium) with playwright-core through
// a real user journey. Run it through `run.sh`, which builds the binary and
// installs what is missing. The server writes its messages (password reset,
// email verification) to an outbox directory (`--outbox`), where the tests
// read the links a user would get by email.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "..", "..");
const BIN = path.resolve(REPO, process.env.AGENTMART_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || "target", "debug", "agentmart"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const PASSWORD = "correct horse battery staple";
/**
 * A directory with another console (`console.js`, `console.css` and
 * `modules/*.js`, e.g. an older commit's) to test instead of the binary's (optional).
 */
export const BASELINE = process.env.CONSOLE_BASELINE_DIR || "";
export const XSS = '<img src=x onerror="window.__xss=1">';

let server;
let serverLog = "";
export let dataDir;
export let outbox;
export let browser;
export let base;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`agentmart exited early (${child.exitCode}):\n${serverLog}`);
    try {
      const answer = await fetch(`${url}healthz`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`agentmart did not become healthy:\n${serverLog}`);
}

export async function startServer(extraArgs = []) {
  const port = await freePort();
  const child = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--store", `sled:${path.join(dataDir, `data-${port}`)}`,
    "--no-limits", ...extraArgs], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AGENTMART_LOG: "warn" } });
  child.stdout.on("data", (d) => { serverLog += d; });
  child.stderr.on("data", (d) => { serverLog += d; });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHealth(url, child);
  return { child, url };
}

export function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

/** Registers the hooks that start the server and the browser before a test file, and stop them after. */
export function useServer() {
before(async () => {
  assert.ok(existsSync(BIN), `the agentmart binary is missing at ${BIN} (cargo build -p agentmart-http --bin agentmart)`);
  assert.ok(existsSync(CHROMIUM), `chromium is missing at ${CHROMIUM}`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "agentmart-console-"));
  outbox = path.join(dataDir, "outbox");
  ({ child: server, url: base } = await startServer(["--outbox", outbox]));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(server);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});
}

/**
 * A fresh browser context (its own sessionStorage) and page, recording
 * console errors, uncaught exceptions, CSP violations and requests that
 * carry a token in the URL.
 */
export async function newUser(options = {}) {
  const context = await browser.newContext(options);
  if (BASELINE) {
    // Serve another console's assets (e.g. an older commit's) in place of the
    // binary's, to show which journeys it fails (see README).
    for (const name of ["console.js", "console.css"]) {
      const body = await readFile(path.join(BASELINE, name), "utf8");
      const contentType = name.endsWith(".js") ? "text/javascript" : "text/css";
      await context.route(`**/${name}?*`, (r) => r.fulfill({ status: 200, contentType, body }));
    }
    // Its modules too (a module it does not have answers 404).
    await context.route((url) => /\/modules\/[a-z0-9-]+\.js$/.test(url.pathname), async (r) => {
      const name = new URL(r.request().url()).pathname.split("/").pop();
      try {
        const body = await readFile(path.join(BASELINE, "modules", name), "utf8");
        await r.fulfill({ status: 200, contentType: "text/javascript", body });
      } catch {
        await r.fulfill({ status: 404, contentType: "text/plain", body: "not in the baseline" });
      }
    });
  }
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error" && msg.type() !== "warning") return;
    const text = msg.text();
    // Chromium logs every 4xx fetch answer; the journey provokes some on purpose.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`console.${msg.type()}: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("request", (req) => {
    const url = new URL(req.url());
    // Opening an emailed link is the one request allowed a token in its URL.
    const emailedLink = req.isNavigationRequest() && /\/(reset-password|verify-email|confirm-email-change)$/.test(url.pathname);
    if (/token/i.test(url.search) && !emailedLink) problems.push(`token in URL: ${req.url()}`);
    // The page sends no Referer (which could carry such a URL) anywhere.
    const referer = req.headers().referer;
    if (referer) problems.push(`Referer sent: ${referer} to ${req.url()}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page, problems };
}

export async function assertClean({ page, problems }) {
  const csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(csp, [], "no CSP violations");
  assert.deepEqual(problems, [], "no console errors, page errors or tokens in URLs");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no injected script ran");
}

export const status = (page) => page.locator("#status");

/**
 * The messages in the outbox for `to` of `kind` (`password_reset`, `email_verification`,
 * `email_change`, `email_changed`), oldest first.
 */
export async function messages(to, kind) {
  let names = [];
  try {
    names = (await readdir(outbox)).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  } catch {
    // No message yet: no directory either.
  }
  const all = await Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(outbox, n), "utf8"))));
  return all.filter((m) => m.to === to && m.kind === kind);
}

/** Waits for message number `count + 1` for `to` of `kind`; returns it. */
export async function nextMessage(to, kind, count) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await messages(to, kind);
    if (found.length > count) return found[count];
    if (Date.now() > deadline) throw new Error(`no ${kind} message for ${to} in ${outbox}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function register(page, email, handle) {
  await page.goto(base);
  await navTo(page, "Register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Handle (optional)").fill(handle);
  await page.getByRole("button", { name: "Register" }).click();
  try {
    await assertText(status(page), `Welcome, @${handle}.`);
  } catch (err) {
    throw new Error(`registering @${handle}: the status says "${await status(page).textContent()}"`, { cause: err });
  }
  // On phones the navigation sits behind the menu button, so check its text, not its visibility.
  await page.waitForFunction((who) => document.getElementById("nav").textContent.includes(who), `@${handle}`);
}

export async function assertText(locator, text, timeout = 10_000) {
  await locator.filter({ hasText: text }).first().waitFor({ state: "visible", timeout });
}


/** Creates a draft from the builder and waits for its editor. */
export async function newDraft(p, slug, name) {
  await navTo(p, "Builder");
  await p.getByLabel("Slug").fill(slug);
  await p.getByLabel("Name", { exact: true }).fill(name);
  await p.getByRole("button", { name: "Create draft" }).click();
  await p.getByRole("heading", { name: `Edit ${name}` }).waitFor();
  // What publishing needs: a system prompt, an input and an output mode.
  await p.getByLabel("System prompt").fill("Answer briefly.");
  await p.locator('[data-field="input_modes"]').getByLabel("text/plain").check();
  await p.locator('[data-field="output_modes"]').getByLabel("text/plain").check();
  await p.getByRole("button", { name: "Save draft" }).click();
  await assertText(status(p), "Draft saved");
}

/** Follows a navigation link, opening the phone menu first when it is collapsed. */
export async function navTo(p, name) {
  const toggle = p.getByRole("button", { name: "Menu" });
  if (await toggle.isVisible()) await toggle.click();
  await p.locator("#nav").getByRole("link", { name, exact: true }).click();
}

/** Whether `locator`'s box intersects the viewport (no scrolling needed to see it). */
export async function inViewport(p, locator) {
  const box = await locator.boundingBox();
  const { width, height } = p.viewportSize();
  return Boolean(box) && box.y < height && box.y + box.height > 0 && box.x < width && box.x + box.width > 0;
}

// --- Seeding through the JSON API (fast; the journeys themselves use the UI).

/** One JSON API call; throws with the answer on a non-2xx status. */
export async function call(method, url, token, body) {
  const answer = await fetch(`${base}v1/${url}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Registers a user through the API; returns its access token. */
export async function apiUser(email, handle) {
  const answer = await call("POST", "auth/register", null, { email, password: PASSWORD, handle });
  return answer.tokens.access_token;
}

/** Creates an agent through the API and, unless `publish` is false, publishes 1.0.0 (listed). */
export async function apiAgent(token, owner, slug, name, patch = {}, publish = true) {
  await call("POST", "agents", token, { slug, name });
  await call("PATCH", `agents/${owner}/${slug}/draft`, token, {
    system_prompt: "Answer briefly.", input_modes: ["text/plain"], output_modes: ["text/plain"], ...patch,
  });
  if (publish) await call("POST", `agents/${owner}/${slug}/versions`, token, { version: "1.0.0" });
}
