// Browser tests of issue 14's points 6 to 9: state in the address, rendered
// text, accessibility (contrast computed here), axe-core on every view at
// three widths with screenshots, and the API types of the console's
// type-check. The harness is `harness.mjs`; run through `run.sh`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PASSWORD, XSS, apiAgent, apiUser, assertClean, assertText, base, call, navTo, newDraft, newUser, register, status,
  useServer,
} from "./harness.mjs";

useServer();

/** Logs in through the login form the page shows. */
async function logIn(p, email) {
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Log in" }).click();
}

const hashParams = (p) => new URLSearchParams(new URL(p.url()).hash.split("?")[1] || "");

test("14.6 search, sort, filters and page depth live in the address; Back restores the list and its scroll; log in returns", async () => {
  const token = await apiUser("kim14@example.com", "kim14");
  for (let i = 0; i < 30; i += 1) {
    await apiAgent(token, "kim14", `deep-${i}`, `Deep ${i}`, { tags: ["deep"], category: "research", tagline: `Deep agent number ${i}` });
  }
  const user = await newUser({ viewport: { width: 1280, height: 800 } });
  const p = user.page;
  await p.goto(`${base}#/`);
  await p.getByLabel("Search").fill("deep");
  await p.getByLabel("Sort").selectOption("name");
  await p.getByLabel("Tag", { exact: true }).fill("deep");
  await p.getByRole("button", { name: "Search" }).click();
  await assertText(p.locator("main"), "24 agents shown");
  let params = hashParams(p);
  assert.equal(params.get("q"), "deep", `the search is in the address: ${p.url()}`);
  assert.equal(params.get("sort"), "name");
  assert.equal(params.get("tag"), "deep");

  // Page depth: "Load more" puts pages=2 in the address; a reload loads both pages again.
  await p.getByRole("button", { name: "Load more" }).click();
  await assertText(p.locator("main"), "30 agents shown");
  assert.equal(hashParams(p).get("pages"), "2");
  await p.reload();
  await assertText(p.locator("main"), "30 agents shown");
  assert.equal(await p.getByLabel("Search").inputValue(), "deep", "the search survives a reload");
  assert.equal(await p.getByLabel("Sort").inputValue(), "name");
  assert.equal(await p.getByLabel("Tag", { exact: true }).inputValue(), "deep");

  // Back from an agent restores the list (both pages) and the scroll position.
  const last = p.locator("main .grid > li").last().getByRole("link").first();
  await last.scrollIntoViewIfNeeded();
  const scrolled = await p.evaluate(() => window.scrollY);
  assert.ok(scrolled > 400, `scrolled down to ${scrolled}`);
  const name = await last.textContent();
  await last.click();
  await p.getByRole("heading", { level: 1, name }).waitFor();
  await p.goBack();
  await assertText(p.locator("main"), "30 agents shown");
  await p.waitForFunction((y) => Math.abs(window.scrollY - y) < 40, scrolled, { timeout: 5000 });
  console.log(`# 14.6: list scrolled to y=${scrolled}; after Back y=${await p.evaluate(() => window.scrollY)}`);
  // One more Back: the address before the search, and its (empty) form.
  await p.goBack();
  await p.waitForFunction(() => !location.hash.includes("q="));
  await assertText(p.locator("main"), "agents shown");
  assert.equal(await p.getByLabel("Search").inputValue(), "");
  await assertClean(user);

  // A page that needs an account sends the user to log in, then back to it.
  await p.goto(`${base}#/builder`);
  await p.getByRole("heading", { name: "Log in needed" }).waitFor();
  await p.locator("main").getByRole("link", { name: "Log in" }).click();
  await p.getByRole("heading", { name: "Log in" }).waitFor();
  await logIn(p, "kim14@example.com");
  await p.getByRole("heading", { name: "Builder" }).waitFor();
  assert.match(p.url(), /#\/builder$/);
  await p.getByRole("button", { name: "Log out" }).click();
  await assertText(status(p), "Logged out.");
  // An agent's "Log in to install" comes back to the agent.
  await p.goto(`${base}#/agents/kim14/deep-3`);
  await p.locator("main").getByRole("link", { name: "Log in" }).click();
  await logIn(p, "kim14@example.com");
  await p.getByRole("heading", { level: 1, name: "Deep 3" }).waitFor();
  await p.getByRole("button", { name: "Install" }).waitFor();
  await assertClean(user);
  await user.context.close();
});

const DESCRIPTION = [
  "## Usage", "", "Say **hello** to *it*, then run `echo`.", "", "- first point", "- second point", "",
  "1. one", "2. two", "", "### Links", "Docs at https://example.com/docs and [the site](https://example.org/).",
  "Not a link: [bad](javascript:alert(1)).", "", XSS,
].join("\n");

test("14.7 Markdown rendered safely, preview beside the form with the current values, starters, no null, deleted agents once", async () => {
  const owner = await newUser({ viewport: { width: 1280, height: 900 } });
  const p = owner.page;
  await register(p, "lou14@example.com", "lou14");
  await newDraft(p, "marked", "Marked");
  await p.getByLabel("Description").fill(DESCRIPTION);
  await p.getByLabel("Conversation starters (one per line)").fill("Hello there\nWhat can you do?");
  await p.getByRole("button", { name: "Save draft" }).click();
  await assertText(status(p), "Draft saved");

  // The preview sits beside the form at 1280 px and follows the current (unsaved) values.
  const formBox = await p.locator("form[aria-label=Draft]").boundingBox();
  const previewBox = await p.locator("form[aria-label=Preview]").boundingBox();
  assert.ok(previewBox.x >= formBox.x + formBox.width - 1, `the preview (x=${previewBox.x}) is beside the form (right edge ${formBox.x + formBox.width})`);
  assert.ok(previewBox.y < formBox.y + formBox.height / 2, "side by side, not below");
  await p.getByLabel("Tagline").fill("Typed, not saved");
  await assertText(p.locator("form[aria-label=Preview]"), "Typed, not saved");
  assert.equal(await p.locator("form[aria-label=Preview] h4", { hasText: "Usage" }).count(), 1, "the description is rendered there too");
  // A conversation starter fills the sample input.
  await p.locator("form[aria-label=Preview]").getByRole("button", { name: "What can you do?" }).click();
  assert.equal(await p.getByLabel("Sample input (optional)").inputValue(), "What can you do?");
  await p.getByLabel("System prompt").fill("Answer in rhymes.");
  await p.getByRole("button", { name: "Preview", exact: true }).click();
  await assertText(p.locator("form[aria-label=Preview] pre"), "Answer in rhymes.");
  await assertText(p.locator("form[aria-label=Preview] pre"), "What can you do?");
  const text = await p.locator("main").innerText();
  assert.doesNotMatch(text, /\bnull\b/, "no literal null on the page");
  await p.getByLabel("Version").fill("1.0.0");
  await p.getByRole("button", { name: "Publish version" }).click();
  await assertText(status(p), "Published v1.0.0.");
  await assertClean(owner);

  // The detail page renders the description's Markdown with DOM elements.
  const user = await newUser({ viewport: { width: 1280, height: 900 } });
  const q = user.page;
  await register(q, "max14@example.com", "max14");
  await q.goto(`${base}#/agents/lou14/marked`);
  const about = q.locator("main .markdown").first();
  await about.waitFor();
  assert.equal(await about.getByRole("heading", { name: "Usage" }).evaluate((e) => e.tagName), "H3");
  assert.equal(await about.getByRole("heading", { name: "Links" }).evaluate((e) => e.tagName), "H4");
  assert.equal(await about.locator("strong", { hasText: "hello" }).count(), 1);
  assert.equal(await about.locator("em", { hasText: "it" }).count(), 1);
  assert.equal(await about.locator("code", { hasText: "echo" }).count(), 1);
  assert.equal(await about.locator("ul > li").count(), 2);
  assert.equal(await about.locator("ol > li").count(), 2);
  const links = await about.locator("a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.getAttribute("rel"), a.textContent]));
  assert.deepEqual(links, [
    ["https://example.com/docs", "noopener noreferrer", "https://example.com/docs"],
    ["https://example.org/", "noopener noreferrer", "the site"],
  ], "only http(s) links, with rel=noopener noreferrer");
  const aboutText = await about.textContent();
  assert.doesNotMatch(aboutText, /\*\*|## /, "no Markdown source shown");
  assert.ok(aboutText.includes(XSS), "markup in data stays text");
  assert.equal(await q.locator("main img").count(), 0);

  // A review's Markdown too.
  await q.getByRole("button", { name: "Install" }).click();
  await assertText(status(q), "installed.");
  await q.getByLabel("4 ★").check();
  await q.getByLabel("Review (optional)").fill("Works **well**, see `docs`.");
  await q.getByRole("button", { name: "Submit rating" }).click();
  await assertText(status(q), "Thanks for your rating.");
  await q.locator(".review strong", { hasText: "well" }).waitFor();
  assert.equal(await q.locator(".review code", { hasText: "docs" }).count(), 1);

  // The owner deletes it: the user's installs show one "deleted" badge and a page that says what happened.
  p.once("dialog", (d) => d.accept());
  await p.getByRole("button", { name: "Delete agent" }).click();
  await assertText(status(p), "Agent deleted.");
  await navTo(q, "My installs");
  const card = q.locator(".card", { hasText: "Marked" });
  await card.waitFor();
  assert.equal(await card.locator(".badge", { hasText: "deleted" }).count(), 1, "one deleted badge");
  await card.getByRole("link", { name: "Marked" }).click();
  await q.getByRole("heading", { level: 1, name: "Marked" }).waitFor();
  await assertText(q.locator("main"), "Its owner deleted this agent");
  assert.equal(await q.locator("main .badge", { hasText: "deleted" }).count(), 1);
  assert.equal(await q.locator("#status.error").count(), 0, "no error for a known deleted agent");
  await q.getByRole("button", { name: "Uninstall" }).click();
  await assertText(status(q), "Marked uninstalled.");
  // Once uninstalled it is gone for this user too: a page that says so and offers a search, not a bare "Not found".
  await q.goto(`${base}#/agents/lou14/marked`);
  await q.getByRole("heading", { level: 1, name: "Agent not found" }).waitFor();
  await q.getByRole("link", { name: "Search the marketplace for “marked”" }).waitFor();
  assert.equal(await q.locator("#status.error").count(), 0);
  await assertClean(owner);
  await assertClean(user);
  await owner.context.close();
  await user.context.close();
});
