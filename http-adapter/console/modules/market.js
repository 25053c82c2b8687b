// agentmart console: the marketplace (browse and search) and the user's installs.

import { api } from "./api.js";
import { agentHash, badge, button, clear, field, h, input, link, ratingText, select, when } from "./dom.js";
import { apiSchema } from "./schema.js";
import { go, needLogin, page, route } from "./router.js";
import { attempt, notify, onSubmit } from "./status.js";

const browseState = { q: "", sort: "", category: "", tag: "" };

/** Labels of the catalogue sorts the API lists (a sort without one shows its name). */
const SORT_LABELS = { relevance: "Best match", popular: "Most installed", rating: "Best rated", newest: "Newest", trending: "Trending", name: "Name" };

export function agentCard(a, extra) {
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

export async function viewBrowse() {
  const { main, live } = page("Marketplace");
  const { catalogSorts } = await apiSchema();
  if (!live()) return;
  const sortSelect = select([["", "Best match / popular"], ...catalogSorts.map((s) => [s, SORT_LABELS[s] || s])], { value: browseState.sort });
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


export async function viewInstalls() {
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

