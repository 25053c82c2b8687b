// Browser end-to-end tests of the agentmart web console.
//
// Starts the debug `agentmart` binary (AGENTMART_BIN, default
// `${CARGO_TARGET_DIR:-target}/debug/agentmart` from the repository root) on
// a free loopback port over a temporary sled store, and drives Debian's
// chromium (CHROMIUM, default /usr/bin/chromium) with playwright-core through
// a real user journey. Run it through `run.sh`, which builds the binary and
// installs what is missing. The server writes its messages (password reset,
// email verification) to an outbox directory (`--outbox`), where the tests
// read the links a user would get by email.

import { after, before, test } from "node:test";
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
const REPO = path.resolve(HERE, "..", "..");
const BIN = path.resolve(REPO, process.env.AGENTMART_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || "target", "debug", "agentmart"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PASSWORD = "correct horse battery staple";
const XSS = '<img src=x onerror="window.__xss=1">';

let server;
let serverLog = "";
let dataDir;
let outbox;
let browser;
let base;

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

async function startServer(extraArgs = []) {
  const port = await freePort();
  const child = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--store", `sled:${path.join(dataDir, `data-${port}`)}`,
    "--no-limits", ...extraArgs], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AGENTMART_LOG: "warn" } });
  child.stdout.on("data", (d) => { serverLog += d; });
  child.stderr.on("data", (d) => { serverLog += d; });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHealth(url, child);
  return { child, url };
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

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

/**
 * A fresh browser context (its own sessionStorage) and page, recording
 * console errors, uncaught exceptions, CSP violations and requests that
 * carry a token in the URL.
 */
async function newUser() {
  const context = await browser.newContext();
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
    const emailedLink = req.isNavigationRequest() && /\/(reset-password|verify-email)$/.test(url.pathname);
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

async function assertClean({ page, problems }) {
  const csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(csp, [], "no CSP violations");
  assert.deepEqual(problems, [], "no console errors, page errors or tokens in URLs");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no injected script ran");
}

const status = (page) => page.locator("#status");

/** The messages in the outbox for `to` of `kind` (`password_reset`, `email_verification`), oldest first. */
async function messages(to, kind) {
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
async function nextMessage(to, kind, count) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await messages(to, kind);
    if (found.length > count) return found[count];
    if (Date.now() > deadline) throw new Error(`no ${kind} message for ${to} in ${outbox}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function register(page, email, handle) {
  await page.goto(base);
  await page.getByRole("link", { name: "Register" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Handle (optional)").fill(handle);
  await page.getByRole("button", { name: "Register" }).click();
  await assertText(status(page), `Welcome, @${handle}.`);
  await assertText(page.locator("#nav"), `@${handle}`);
}

async function assertText(locator, text, timeout = 10_000) {
  await locator.filter({ hasText: text }).first().waitFor({ state: "visible", timeout });
}

test("a builder publishes an agent that another user finds, installs and rates", async () => {
  // --- The builder registers and creates a draft, first with a bad slug.
  const ada = await newUser();
  const p = ada.page;
  await register(p, "ada@example.com", "ada");
  await p.getByRole("link", { name: "Builder" }).click();
  await p.getByLabel("Slug").fill("Bad Slug!");
  await p.getByLabel("Name", { exact: true }).fill(`Echo ${XSS}`);
  await p.getByRole("button", { name: "Create draft" }).click();
  const slugError = p.locator('[data-field="slug"] .field-error');
  await slugError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await p.getByLabel("Slug").getAttribute("aria-invalid"), "true");
  await assertText(status(p), "validation_failed");
  await p.getByLabel("Slug").fill("echo-bot");
  await p.getByRole("button", { name: "Create draft" }).click();
  await p.getByRole("heading", { name: `Edit Echo ${XSS}` }).waitFor();
  assert.match(p.url(), /#\/builder\/ada\/echo-bot$/);

  // --- Fill the definition, save, preview, publish 1.0.0.
  await p.getByLabel("Tagline").fill("Repeats what you say");
  await p.getByLabel("Description").fill(`Echoes text back. ${XSS}`);
  await p.getByLabel("System prompt").fill("Repeat the user's message verbatim.");
  await p.getByLabel("Tags (comma-separated)", { exact: true }).fill("writing, demo");
  await p.getByLabel("Category").fill("productivity");
  await p.locator('[data-field="input_modes"]').getByLabel("text/plain").check();
  await p.locator('[data-field="output_modes"]').getByLabel("text/plain").check();
  await p.getByRole("button", { name: "Add skill" }).click();
  const skill = p.locator(".skill-row").first();
  await skill.getByLabel("Id").fill("echo");
  await skill.getByLabel("Name").fill("Echo");
  await p.getByRole("button", { name: "Save draft" }).click();
  await assertText(status(p), "Draft saved; ready to publish.");

  await p.getByLabel("Sample input (optional)").fill("hello there");
  await p.getByRole("button", { name: "Preview", exact: true }).click();
  await assertText(p.locator("pre"), "Repeat the user's message verbatim.");
  await assertText(p.locator("pre"), '"defaultInputModes"');

  await p.getByLabel("Version").fill("1.0.0");
  await p.getByRole("button", { name: "Publish version" }).click();
  await assertText(status(p), "Published v1.0.0.");
  await assertText(p.locator("main"), "latest v1.0.0");

  // A reload keeps the session: the access token is re-minted from the refresh token.
  await p.reload();
  await assertText(p.locator("#nav"), "@ada");
  await assertClean(ada);

  // --- A second user finds it by search, installs and rates it.
  const bob = await newUser();
  const q = bob.page;
  await register(q, "bob@example.com", "bob");
  await q.getByRole("link", { name: "Marketplace" }).click();
  await q.getByLabel("Search").fill("echoes");
  await q.getByRole("button", { name: "Search" }).click();
  await assertText(q.locator("main"), "1 agent shown");
  await q.getByRole("link", { name: `Echo ${XSS}` }).click();
  await q.getByRole("heading", { name: `Echo ${XSS}` }).waitFor();
  await assertText(q.locator("main"), `Echoes text back. ${XSS}`);
  await q.getByRole("button", { name: "Install" }).click();
  await assertText(status(q), "installed.");
  await q.getByLabel("5 ★").check();
  await q.getByLabel("Title (optional)").fill("Does what it says");
  await q.getByLabel("Review (optional)").fill(XSS);
  await q.getByRole("button", { name: "Submit rating" }).click();
  await assertText(status(q), "Thanks for your rating.");
  await assertText(q.locator("#rating-summary"), "5.0 ★ (1 rating)");
  await assertText(q.locator(".review"), "Does what it says");
  await assertText(q.locator(".review"), XSS);
  assert.equal(await q.locator("main img").count(), 0, "markup in data stays text");

  // My installs lists it.
  await q.getByRole("link", { name: "My installs" }).click();
  await q.getByRole("link", { name: `Echo ${XSS}` }).waitFor();

  // --- Log out.
  await q.getByRole("button", { name: "Log out" }).click();
  await assertText(status(q), "Logged out.");
  await q.getByRole("link", { name: "Log in" }).waitFor();
  assert.equal(await q.evaluate(() => sessionStorage.length), 0, "nothing left in sessionStorage");
  await assertClean(bob);

  // Anonymous visitors see the rating and are asked to log in to rate.
  await q.goto(`${base}#/agents/ada/echo-bot`);
  await assertText(q.locator("#rating-summary"), "5.0 ★ (1 rating)");
  await assertText(q.locator("main"), "to install and rate this agent.");
  await assertClean(bob);

  await ada.context.close();
  await bob.context.close();
});

test("logging in, a problem answer in the status area, and the account page", async () => {
  const carol = await newUser();
  const p = carol.page;
  await register(p, "carol@example.com", "carol");
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("link", { name: "Log in" }).click();
  await p.getByLabel("Email").fill("carol@example.com");
  await p.getByLabel("Password").fill("wrong password!");
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(status(p), "invalid_credentials");
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(p.locator("#nav"), "@carol");

  await p.getByRole("link", { name: "Account" }).click();
  await p.getByLabel("Display name").fill("Carol C.");
  await p.getByRole("button", { name: "Save profile" }).click();
  await assertText(status(p), "Profile saved.");
  await assertText(p.locator("table"), "current");
  await assertText(p.locator("table").last(), "user.profile_updated");
  await assertText(p.locator("table").last(), "session.created");
  await assertClean(carol);
  await carol.context.close();
});

test("an expired access token is refreshed transparently", async () => {
  // The server's own expiry is covered by the Rust tests (and has a 30 s
  // leeway); here the first /v1/me answer is replaced by the problem an
  // expired token gets, to check what the console does with it.
  const dan = await newUser();
  const p = dan.page;
  await register(p, "dan@example.com", "dan");
  const seen = [];
  let expired = false;
  await p.route("**/v1/me", async (route) => {
    const auth = route.request().headers().authorization || "";
    seen.push(auth);
    if (!expired) {
      expired = true;
      await route.fulfill({
        status: 401,
        headers: { "content-type": "application/problem+json", "www-authenticate": "Bearer" },
        body: JSON.stringify({ type: "about:blank", title: "Token expired", status: 401, detail: "The access token has expired.", code: "token_expired", request_id: null }),
      });
    } else {
      await route.continue();
    }
  });
  const refreshed = p.waitForResponse((r) => r.url().endsWith("/v1/auth/refresh") && r.status() === 200);
  await p.getByRole("link", { name: "Account" }).click();
  await refreshed;
  await p.getByLabel("Handle").waitFor();
  assert.equal(await p.getByLabel("Handle").inputValue(), "dan");
  assert.equal(seen.length, 2, "one refused call, one retry");
  assert.match(seen[0], /^Bearer /);
  assert.match(seen[1], /^Bearer /);
  assert.notEqual(seen[0], seen[1], "the retry carries the new access token");
  assert.equal(await p.locator("#status.error").count(), 0, "no error shown");
  await assertClean(dan);
  await dan.context.close();
});

test("a forgotten password is reset through the emailed link", async () => {
  const erin = await newUser();
  const p = erin.page;
  await register(p, "erin@example.com", "erin");
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("link", { name: "Log in" }).click();
  await p.getByLabel("Email").fill("erin@example.com");
  await p.getByRole("link", { name: "Forgot password?" }).click();
  await p.getByRole("heading", { name: "Forgot your password?" }).waitFor();
  assert.equal(await p.getByLabel("Email").inputValue(), "erin@example.com", "the typed email comes along");
  await p.getByRole("button", { name: "Send reset link" }).click();
  await assertText(p.locator("main"), "If an account exists for erin@example.com, a message with a link");
  // An unknown email gets the same answer.
  await p.getByRole("button", { name: "Try again" }).click();
  await p.getByLabel("Email").fill("nobody@example.com");
  await p.getByRole("button", { name: "Send reset link" }).click();
  await assertText(p.locator("main"), "If an account exists for nobody@example.com, a message with a link");
  assert.deepEqual(await messages("nobody@example.com", "password_reset"), []);

  const mail = await nextMessage("erin@example.com", "password_reset", 0);
  assert.ok(mail.link.startsWith(`${base}reset-password?token=`), mail.link);
  await p.goto(mail.link);
  await p.getByRole("heading", { name: "Choose a new password" }).waitFor();
  assert.equal(p.url(), `${base}reset-password#/reset-password`, "the token is gone from the address bar");

  // The password policy's answers, beside the field.
  const newPassword = p.getByLabel("New password", { exact: true });
  const fieldError = p.locator('[data-field="new_password"] .field-error');
  await newPassword.fill("short");
  await p.getByLabel("Repeat the new password").fill("short");
  await p.getByRole("button", { name: "Set new password" }).click();
  await assertText(status(p), "validation_failed");
  await fieldError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await newPassword.getAttribute("aria-invalid"), "true");
  await newPassword.fill("password");
  await p.getByLabel("Repeat the new password").fill("password");
  await p.getByRole("button", { name: "Set new password" }).click();
  await fieldError.filter({ hasText: "too common" }).waitFor();
  // Two different entries are caught before asking the server.
  await newPassword.fill("a brand new passphrase");
  await p.getByLabel("Repeat the new password").fill("a brand new passphrase!");
  await p.getByRole("button", { name: "Set new password" }).click();
  await p.locator('[data-field="repeat"] .field-error').filter({ hasText: "not the same" }).waitFor();

  await p.getByLabel("Repeat the new password").fill("a brand new passphrase");
  await p.getByRole("button", { name: "Set new password" }).click();
  await assertText(status(p), "Password changed. Every session was ended: log in with your new password.");
  await p.getByRole("heading", { name: "Log in" }).waitFor();

  // The old password no longer works; the new one does.
  await p.getByLabel("Email").fill("erin@example.com");
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(status(p), "invalid_credentials");
  await p.getByLabel("Password").fill("a brand new passphrase");
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(p.locator("#nav"), "@erin");

  // The link works once.
  await p.goto(mail.link);
  await p.getByLabel("New password", { exact: true }).fill("another new passphrase");
  await p.getByLabel("Repeat the new password").fill("another new passphrase");
  await p.getByRole("button", { name: "Set new password" }).click();
  await assertText(status(p), "token_invalid");
  await assertText(p.locator("main"), "This password-reset link cannot be used");
  await p.getByRole("link", { name: "Request a new link" }).waitFor();
  // A reload has no token left to use.
  await p.reload();
  await assertText(p.locator("main"), "Open the link from the message again");
  await assertClean(erin);
  await erin.context.close();
});

test("an email address is verified through the emailed link", async () => {
  const fay = await newUser();
  const p = fay.page;
  await register(p, "fay@example.com", "fay");
  const first = await nextMessage("fay@example.com", "email_verification", 0);
  assert.ok(first.link.startsWith(`${base}verify-email?token=`), first.link);
  const verifyCalls = [];
  p.on("request", (req) => {
    if (req.method() === "POST" && new URL(req.url()).pathname === "/v1/auth/email/verify") verifyCalls.push(req.url());
  });

  // An expired link offers a new one. (The answer is faked here: expiry
  // itself is covered by the Rust tests.)
  await p.route("**/v1/auth/email/verify", (route) => route.fulfill({
    status: 401,
    headers: { "content-type": "application/problem+json" },
    body: JSON.stringify({ type: "about:blank", title: "Token expired", status: 401, detail: "The token has expired.", code: "token_expired", request_id: null }),
  }), { times: 1 });
  await p.goto(first.link);
  await assertText(p.locator("main"), "This verification link has expired.");
  assert.equal(p.url(), `${base}verify-email#/verify-email`, "the token is gone from the address bar");
  await p.getByRole("button", { name: "Send a new verification link" }).click();
  await assertText(status(p), "A new verification link was sent to fay@example.com.");

  const second = await nextMessage("fay@example.com", "email_verification", 1);
  await p.goto(second.link);
  await p.getByRole("heading", { name: "Email verified" }).waitFor();
  assert.equal(p.url(), `${base}verify-email#/verify-email`);
  assert.equal(verifyCalls.length, 2, "one call per opened link");
  // Moving between views does not call again.
  await p.locator("#nav").getByRole("link", { name: "Marketplace" }).click();
  await p.goBack();
  await p.getByRole("heading", { name: "Email verified" }).waitFor();
  assert.equal(verifyCalls.length, 2);
  await p.locator("#nav").getByRole("link", { name: "Account" }).click();
  await assertText(p.locator("main"), "fay@example.com · verified");

  // A used link says so.
  await p.goto(second.link);
  await assertText(p.locator("main"), "This verification link cannot be used");
  await assertText(p.locator("main"), "already verified");
  await assertClean(fay);
  await fay.context.close();
});

test("the console can be switched off", async () => {
  const off = await startServer(["--no-console"]);
  try {
    const answer = await fetch(off.url);
    assert.equal(answer.status, 404);
    assert.equal(answer.headers.get("content-type"), "application/problem+json");
  } finally {
    await stopServer(off.child);
  }
});

/** The values of the first enumeration in `doc` that holds every one of `marker`. */
function enumWith(doc, marker) {
  const stack = [doc];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== "object") continue;
    if (Array.isArray(node.enum) && marker.every((m) => node.enum.includes(m))) return node.enum;
    stack.push(...Object.values(node));
  }
  throw new Error(`no enumeration with ${marker.join(", ")} in the API document`);
}

test("the console reads its enumerations from the API document, under today's or renamed components", async () => {
  const doc = await (await fetch(`${base}openapi.json`)).json();
  const mimeTypes = enumWith(doc, ["text/plain", "application/json"]);
  const sorts = enumWith(doc, ["popular", "trending"]);
  const dave = await newUser();
  const p = dave.page;
  await register(p, "dave@example.com", "dave");
  await p.goto(`${base}#/`);
  await p.getByLabel("Sort").waitFor();
  const offered = await p.getByLabel("Sort").locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(offered, sorts, "every catalogue sort of the API, in its order");

  await p.getByRole("link", { name: "Builder" }).click();
  await p.getByLabel("Slug").fill("enum-bot");
  await p.getByLabel("Name", { exact: true }).fill("Enum bot");
  await p.getByRole("button", { name: "Create draft" }).click();
  await p.getByRole("heading", { name: "Edit Enum bot" }).waitFor();
  const modes = await p.locator('[data-field="input_modes"] input[type=checkbox]').evaluateAll((cs) => cs.map((c) => c.value));
  assert.deepEqual(modes, mimeTypes, "the MIME allow-list of the API");

  // The components renamed as core-derived schemas name them: still found.
  const renamed = structuredClone(doc);
  const schemas = renamed.components.schemas;
  const mode = schemas.Mode || schemas.MimeType;
  delete schemas.Mode;
  schemas.MimeType = mode;
  const text = JSON.stringify(renamed).replaceAll('"#/components/schemas/Mode"', '"#/components/schemas/MimeType"');
  await p.route("**/openapi.json", (r) => r.fulfill({ status: 200, contentType: "application/json", body: text }));
  await p.reload();
  await p.getByRole("heading", { name: "Edit Enum bot" }).waitFor();
  assert.equal(await p.locator('[data-field="input_modes"] input[type=checkbox]').count(), mimeTypes.length);

  // Without the enumeration anywhere, the editor says so instead of guessing.
  const stripped = JSON.parse(text);
  delete stripped.components.schemas.MimeType;
  const body = JSON.stringify(stripped).replaceAll('{"$ref":"#/components/schemas/MimeType"}', '{"type":"string"}');
  await p.unroute("**/openapi.json");
  await p.route("**/openapi.json", (r) => r.fulfill({ status: 200, contentType: "application/json", body }));
  await p.reload();
  await assertText(status(p), "The API description has no list of MIME types.");
  assert.equal(await p.locator('[data-field="input_modes"]').count(), 0);
  await assertClean(dave);
  await dave.context.close();
});
