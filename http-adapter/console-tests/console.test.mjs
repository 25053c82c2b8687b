// Browser end-to-end tests of the agentmart web console: the journeys of a
// builder and a user, accounts and emailed links, and issue 14's points 1 to
// 5 (`14.N …`). The harness (server, browser, helpers) is `harness.mjs`; the
// points 6 to 9 are in `issue14.test.mjs`. Run them through `run.sh`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PASSWORD, XSS, assertClean, assertText, base, inViewport, messages, navTo, newDraft, newUser, nextMessage, register,
  startServer, status, stopServer, useServer,
} from "./harness.mjs";

useServer();

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
  await assertText(status(p), "Validation failed");
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
  await assertText(status(p), "Invalid credentials");
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
  await assertText(status(p), "Validation failed");
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
  await assertText(status(p), "Invalid credentials");
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

test("an email address is changed with the password and the link sent to the new address", async () => {
  const gus = await newUser();
  const p = gus.page;
  await register(p, "gus@example.com", "gus");
  await navTo(p, "Account");
  const form = p.locator("form").filter({ has: p.getByRole("heading", { name: "Change email" }) });
  // A wrong password changes nothing and sends nothing.
  await form.getByLabel("New email").fill("gustav@example.com");
  await form.getByLabel("Your password").fill("not my password at all");
  await form.getByRole("button", { name: "Send confirmation link" }).click();
  await assertText(status(p), "Invalid credentials");
  assert.deepEqual(await messages("gustav@example.com", "email_change"), []);
  await form.getByLabel("Your password").fill(PASSWORD);
  await form.getByRole("button", { name: "Send confirmation link" }).click();
  await assertText(status(p), "A confirmation link was sent to gustav@example.com.");
  // Nothing changes until the link is opened.
  await assertText(p.locator("main"), "gus@example.com");

  const mail = await nextMessage("gustav@example.com", "email_change", 0);
  assert.ok(mail.link.startsWith(`${base}confirm-email-change?token=`), mail.link);
  await p.goto(mail.link);
  await p.getByRole("heading", { name: "Email changed" }).waitFor();
  assert.equal(p.url(), `${base}confirm-email-change#/confirm-email-change`, "the token is gone from the address bar");
  const notice = await nextMessage("gus@example.com", "email_changed", 0);
  assert.equal(notice.token, "", "the old address gets a notice without a secret");
  await p.getByRole("link", { name: "Account" }).first().click();
  await assertText(p.locator("main"), "gustav@example.com · verified");

  // The link works once; a reload has no token left.
  await p.goto(mail.link);
  await assertText(p.locator("main"), "This email-change link cannot be used");
  await p.reload();
  await assertText(p.locator("main"), "Open the link from the message again");
  // The new address logs in.
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("link", { name: "Log in" }).click();
  await p.getByLabel("Email").fill("gustav@example.com");
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(p.locator("#nav"), "@gus");
  await assertClean(gus);
  await gus.context.close();
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

test("14.1 a pasted 129-character password is kept and refused with the server's message; 128 registers and logs in", async () => {
  const user = await newUser();
  const p = user.page;
  await p.goto(`${base}#/register`);
  const long = "x".repeat(60) + "ü".repeat(69); // 129 characters
  await p.getByLabel("Email").fill("long@example.com");
  await p.getByLabel("Password", { exact: true }).fill(long);
  assert.equal(await p.getByLabel("Password", { exact: true }).inputValue(), long, "nothing cut from what was typed");
  await assertText(p.locator('[data-field="password"] .counter'), "129 / 128 characters: 1 over the limit");
  await p.getByRole("button", { name: "Register" }).click();
  const error = p.locator('[data-field="password"] .field-error');
  await error.filter({ hasText: /\S/ }).waitFor();
  assert.match(await error.textContent(), /128/);
  assert.equal(await p.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await p.getByLabel("Password", { exact: true }).inputValue(), long, "the value is kept after the refusal");

  const max = "y".repeat(60) + "é".repeat(68); // 128 characters
  await p.getByLabel("Password", { exact: true }).fill(max);
  await p.getByRole("button", { name: "Register" }).click();
  await assertText(status(p), "Welcome, @long.");
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("link", { name: "Log in" }).click();
  await p.getByLabel("Email").fill("long@example.com");
  await p.getByLabel("Password").fill(max);
  await p.getByRole("button", { name: "Log in" }).click();
  await assertText(p.locator("#nav"), "@long");
  await assertClean(user);
  await user.context.close();
});

test("14.1 publishing saves pending edits first; leaving with unsaved edits asks; limits are counters, not cuts", async () => {
  const user = await newUser();
  const p = user.page;
  await register(p, "erin14@example.com", "erin14");
  await newDraft(p, "keeper", "Keeper");
  await p.getByLabel("Tagline").fill("First tagline");
  await p.getByRole("button", { name: "Save draft" }).click();
  await assertText(status(p), "Draft saved");
  await assertText(p.locator("form[aria-label=Draft]"), "All changes saved");

  // A tagline over the limit is kept whole, with a counter.
  const over = "t".repeat(101);
  await p.getByLabel("Tagline").fill(over);
  assert.equal(await p.getByLabel("Tagline").inputValue(), over);
  await assertText(p.locator('[data-field="tagline"] .counter'), "101 / 100 characters: 1 over the limit");

  // Edit, then publish without "Save draft": the edit is saved and published.
  await p.getByLabel("Tagline").fill("Edited tagline");
  await assertText(p.locator("form[aria-label=Draft]"), "Unsaved changes");
  await p.getByLabel("Version").fill("1.0.0");
  await p.getByRole("button", { name: "Publish version" }).click();
  await assertText(status(p), "Published v1.0.0.");
  await assertText(p.locator("main"), "latest v1.0.0");
  assert.equal(await p.getByLabel("Tagline").inputValue(), "Edited tagline", "the edit is still in the field");
  const published = await (await fetch(`${base}v1/agents/erin14/keeper`)).json();
  assert.equal(published.tagline, "Edited tagline", "the published version has the edit");

  // Leaving with unsaved edits asks; refusing keeps them, accepting leaves.
  await p.getByLabel("Tagline").fill("Not saved yet");
  const asked = [];
  p.once("dialog", (dialog) => { asked.push(dialog.message()); dialog.dismiss(); });
  await p.getByRole("link", { name: "Builder" }).click();
  await p.waitForFunction(() => location.hash === "#/builder/erin14/keeper");
  assert.equal(asked.length, 1, "asked before leaving");
  assert.match(asked[0], /unsaved changes/);
  assert.equal(await p.getByLabel("Tagline").inputValue(), "Not saved yet", "the edit survives a refused leave");
  p.once("dialog", (dialog) => dialog.accept());
  await p.getByRole("link", { name: "Builder" }).click();
  await p.getByRole("heading", { name: "Builder" }).waitFor();

  // Closing the tab with unsaved edits: the browser's prompt.
  await p.getByRole("link", { name: "Edit" }).click();
  await p.getByRole("heading", { name: "Edit Keeper" }).waitFor();
  await p.getByLabel("Tagline").click();
  await p.keyboard.type(" more");
  const unload = new Promise((resolve) => p.once("dialog", (dialog) => { resolve(dialog.type()); dialog.accept(); }));
  await assertClean(user);
  await p.close({ runBeforeUnload: true });
  assert.equal(await unload, "beforeunload");
  await user.context.close();
});

for (const width of [360, 1280]) {
  test(`14.2 outcomes of save, publish and password change are in the viewport at ${width} px`, async () => {
    const user = await newUser({ viewport: { width, height: 740 } });
    const p = user.page;
    const handle = `view${width}`;
    await register(p, `${handle}@example.com`, handle);
    await newDraft(p, "in-view", "In view");
    await p.getByRole("button", { name: "Save draft" }).scrollIntoViewIfNeeded();
    await p.getByRole("button", { name: "Save draft" }).click();
    await assertText(status(p), "Draft saved");
    assert.ok(await inViewport(p, status(p)), "the save's message is in view");
    assert.notEqual(await p.evaluate(() => document.activeElement.tagName), "BODY", "focus stays on the form");

    await p.getByRole("button", { name: "Publish version" }).scrollIntoViewIfNeeded();
    await p.getByRole("button", { name: "Publish version" }).click();
    await assertText(status(p), "Published v1.0.0.");
    assert.ok(await inViewport(p, status(p)), "the publish's message is in view");

    await navTo(p, "Account");
    await p.getByLabel("Current password").fill(PASSWORD);
    await p.getByLabel("New password").fill(`${PASSWORD} 2`);
    await p.getByRole("button", { name: "Change password" }).scrollIntoViewIfNeeded();
    await p.getByRole("button", { name: "Change password" }).click();
    await assertText(status(p), "Password changed");
    assert.ok(await inViewport(p, status(p)), "the password change's message is in view");
    assert.notEqual(await p.evaluate(() => document.activeElement.tagName), "BODY");
    await assertClean(user);
    await user.context.close();
  });
}

test("14.3 errors in plain words: details collapsed, conflicts and field errors at their fields, no raw markup", async () => {
  const user = await newUser();
  const p = user.page;
  await register(p, "fay14@example.com", "fay14");
  await newDraft(p, "taken", "Taken");

  // 422 on a nested field: under it, without the path repeated.
  await p.getByLabel("Model name").fill("gpt-x");
  await p.getByLabel("Temperature").fill("5");
  await p.getByRole("button", { name: "Save draft" }).click();
  const tempError = p.locator('[data-field="model.temperature"] .field-error');
  await tempError.filter({ hasText: /\S/ }).waitFor();
  const tempText = await tempError.textContent();
  assert.doesNotMatch(tempText, /model\.temperature/, `no path prefix in "${tempText}"`);
  assert.equal(await p.getByLabel("Temperature").getAttribute("aria-invalid"), "true");
  await assertText(status(p), "Validation failed");
  const details = status(p).locator("details");
  assert.equal(await details.evaluate((d) => d.open), false, "code, status and request id are collapsed");
  assert.equal(await status(p).getByText("validation_failed").isVisible(), false);
  await details.locator("summary").click();
  assert.equal(await status(p).getByText("validation_failed").isVisible(), true);

  // 409: the slug is taken, said under the slug.
  p.once("dialog", (d) => d.accept());
  await p.getByRole("link", { name: "Builder" }).click();
  await p.getByLabel("Slug").fill("taken");
  await p.getByLabel("Name", { exact: true }).fill("Again");
  await p.getByRole("button", { name: "Create draft" }).click();
  const slugError = p.locator('[data-field="slug"] .field-error');
  await slugError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await p.getByLabel("Slug").getAttribute("aria-invalid"), "true");

  // 409 at registration: under the email.
  const other = await newUser();
  await other.page.goto(`${base}#/register`);
  await other.page.getByLabel("Email").fill("fay14@example.com");
  await other.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await other.page.getByRole("button", { name: "Register" }).click();
  const emailError = other.page.locator('[data-field="email"] .field-error');
  await emailError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await other.page.getByLabel("Email").getAttribute("aria-invalid"), "true");

  // A not-found detail with backticks: code, not raw backticks.
  // (The editor of a missing agent: the agent page itself answers a missing agent with a page of its own, 14.7.)
  await p.goto(`${base}#/builder/fay14/nope`);
  await status(p).locator(".status-body p").first().waitFor();
  const sentence = await status(p).locator(".status-body p").first().textContent();
  assert.doesNotMatch(sentence, /`/, `no raw backticks in "${sentence}"`);
  await assertClean(user);
  await assertClean(other);
  await user.context.close();
  await other.context.close();
});

test("14.5 busy views, one request per click, and Retry after a network error", async () => {
  // A builder publishes an agent for the others to install.
  const owner = await newUser();
  await register(owner.page, "gil14@example.com", "gil14");
  await newDraft(owner.page, "pending", "Pending bot");
  await owner.page.getByLabel("Version").fill("1.0.0");
  await owner.page.getByRole("button", { name: "Publish version" }).click();
  await assertText(status(owner.page), "Published v1.0.0.");
  await assertClean(owner);
  await owner.context.close();

  const user = await newUser();
  const p = user.page;
  await register(p, "hal14@example.com", "hal14");

  // A slow list: the view says it is busy, with a visible placeholder, until the data arrives.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const list = (url) => url.pathname === "/v1/agents";
  await p.getByRole("link", { name: "My installs" }).click();
  await p.getByRole("heading", { name: "My installs" }).waitFor();
  await p.route(list, async (r) => { await held; await r.continue(); });
  await p.getByRole("link", { name: "Marketplace", exact: true }).click();
  await p.locator("main[aria-busy=true]").waitFor();
  assert.ok(await p.locator("#view-loading").isVisible(), "a visible placeholder while loading");
  release();
  await assertText(p.locator("main"), "Pending bot");
  await p.locator("main:not([aria-busy])").waitFor();
  assert.equal(await p.locator("#view-loading").count(), 0);
  await p.unroute(list);

  // A double-click on Install sends one request; the button says what it is doing.
  await p.getByRole("link", { name: "Pending bot" }).click();
  await p.getByRole("button", { name: "Install" }).waitFor();
  let installs = 0;
  let letGo;
  const slow = new Promise((resolve) => { letGo = resolve; });
  await p.route("**/v1/me/installs/**", async (r) => {
    if (r.request().method() === "PUT") installs += 1;
    await slow;
    await r.continue();
  });
  await p.getByRole("button", { name: "Install" }).dblclick();
  await p.getByRole("button", { name: "Installing…" }).waitFor();
  assert.equal(await p.getByRole("button", { name: "Installing…" }).isDisabled(), true);
  letGo();
  await assertText(status(p), "installed.");
  assert.equal(installs, 1, "one click, one request");
  await p.unroute("**/v1/me/installs/**");

  // The network fails once: the error offers Retry, which re-runs the call.
  let failed = false;
  await p.route((url) => url.pathname === "/v1/me/installs", (r) => {
    if (!failed) {
      failed = true;
      return r.abort("internetdisconnected");
    }
    return r.continue();
  });
  await p.getByRole("link", { name: "My installs" }).click();
  await assertText(status(p), "Network error");
  user.problems.splice(0); // chromium logs the aborted request itself
  await status(p).getByRole("button", { name: "Retry" }).click();
  await p.getByRole("link", { name: "Pending bot" }).waitFor();
  await p.evaluate(() => { window.__csp = window.__csp.filter((v) => !v.includes("internetdisconnected")); });
  await assertClean(user);
  await user.context.close();
});

test("14.4 phones: Install before the description, stacked rows, a one-line top bar, a sticky Save", async () => {
  const owner = await newUser();
  await register(owner.page, "ivy14@example.com", "ivy14");
  await newDraft(owner.page, "phone", "Phone bot");
  await owner.page.getByLabel("Description").fill(Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of a long description.`).join("\n"));
  await owner.page.getByLabel("Version").fill("1.0.0");
  await owner.page.getByRole("button", { name: "Publish version" }).click();
  await assertText(status(owner.page), "Published v1.0.0.");
  await owner.context.close();

  const user = await newUser({ viewport: { width: 360, height: 740 } });
  const p = user.page;
  await register(p, "jo14@example.com", "jo14");
  const topbar = await p.locator(".topbar").boundingBox();
  assert.ok(topbar.height <= 64, `signed-in top bar is ${topbar.height} px tall`);
  assert.equal(await p.locator("main").evaluate((m) => getComputedStyle(m).paddingLeft), "12px", "the phone padding applies");
  await navTo(p, "Marketplace");

  await p.goto(`${base}#/agents/ivy14/phone`);
  const install = p.getByRole("button", { name: "Install" });
  await install.waitFor();
  const installBox = await install.boundingBox();
  const descriptionBox = await p.getByText("Line 1 of a long description.").boundingBox();
  console.log(`# 360 px: Install at y=${Math.round(installBox.y)}, description at y=${Math.round(descriptionBox.y)}`);
  assert.ok(installBox.y < descriptionBox.y, "Install comes before the description");
  assert.ok(installBox.y + installBox.height < 740, "Install is in the first screen");

  // The builder list and the sessions: every control within the screen's width.
  await newDraft(p, "mine", "Mine");
  await p.getByRole("button", { name: "Save draft" }).click();
  await assertText(status(p), "Draft saved");
  await navTo(p, "Builder");
  const edit = p.getByRole("link", { name: "Edit" });
  await edit.waitFor();
  const editBox = await edit.boundingBox();
  assert.ok(editBox.x + editBox.width <= 360, `Edit reaches x=${editBox.x + editBox.width}`);
  await navTo(p, "Account");
  const revoke = p.locator("table").first().getByRole("button").first();
  await revoke.waitFor();
  const revokeBox = await revoke.boundingBox();
  assert.ok(revokeBox.x + revokeBox.width <= 360, `the session's button reaches x=${revokeBox.x + revokeBox.width}`);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 360), "no horizontal scroll");

  // The editor: Save stays in view while the form scrolls.
  await p.goto(`${base}#/builder/jo14/mine`);
  await p.getByLabel("Conversation starters (one per line)").scrollIntoViewIfNeeded();
  assert.ok(await inViewport(p, p.getByRole("button", { name: "Save draft" })), "Save draft is in view mid-form");
  assert.ok(await inViewport(p, p.getByRole("button", { name: "Publish", exact: true })), "Publish is in view mid-form");
  await assertClean(user);
  await user.context.close();
});
