// agentmart console: the marketplace (browse and search) and the user's installs.

import { api } from "./api.js";
import { agentHash, badge, button, clear, field, h, input, link, ratingText, select, when } from "./dom.js";
import { apiSchema } from "./schema.js";
import { go, hashQuery, needLogin, page, setViewState, withQuery } from "./router.js";
import { attempt, notify, onSubmit } from "./status.js";

/** How many pages of 24 a shared or reloaded address may ask for at once. */
const MAX_DEPTH = 20;

/** Labels of the catalogue sorts the API lists (a sort without one shows its name). */
/** @type {Record<string, string>} */
const SORT_LABELS = { relevance: "Best match", popular: "Most installed", rating: "Best rated", newest: "Newest", trending: "Trending", name: "Name" };

/**
 * An agent's card in a grid (`extra`: what a list adds, e.g. install facts).
 * @param {Api.AgentListItem} a
 * @param {Child} [extra]
 * @returns {HTMLLIElement}
 */
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
      link(t, withQuery("#/", { tag: t }), "chip")))) : null,
    extra || null);
}

/**
 * The marketplace. Its state is the address: `#/?q=…&sort=…&category=…&tag=…&pages=N`
 * (`pages`: how many pages of results are loaded), so a search is shareable,
 * survives a reload, and Back returns to the previous search with as many
 * results loaded as before (the router then restores the scroll position).
 */
export async function viewBrowse() {
  const params = hashQuery();
  /** @type {Record<"q" | "sort" | "category" | "tag", string>} */
  const state = { q: params.get("q") || "", sort: params.get("sort") || "", category: params.get("category") || "", tag: params.get("tag") || "" };
  const depth = Math.max(1, Math.min(MAX_DEPTH, Math.floor(Number(params.get("pages"))) || 1));
  const { main, live } = page("Marketplace");
  const { catalogSorts } = await apiSchema();
  if (!live()) return;
  /** @type {Array<[string, string]>} */
  const sorts = [["", "Best match / popular"], ...catalogSorts.map((s) => /** @type {[string, string]} */ ([s, SORT_LABELS[s] || s]))];
  const sortSelect = select(sorts, { value: state.sort });
  const form = h("form", { class: "panel", role: "search", "aria-label": "Find agents" },
    h("div", { class: "row" },
      field("Search", input("search", { value: state.q, placeholder: "name, skill, tag…" }), { name: "q" }),
      field("Sort", sortSelect, { name: "sort" }),
      field("Category", input("text", { value: state.category }), { name: "category" }),
      field("Tag", input("text", { value: state.tag }), { name: "tag" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Search"),
      button("Clear filters", () => go("#/"), "secondary")));
  const list = h("ul", { class: "grid", "aria-labelledby": "results-heading" });
  const more = h("div", { class: "actions" });
  const summary = h("p", { class: "muted small", "aria-live": "polite" });
  main.append(form, h("h2", { id: "results-heading", class: "visually-hidden" }, "Agents"), summary, list, more);

  let pages = 0;
  /** The address of this search with `n` pages loaded. */
  const stateHash = (/** @type {number} */ n) => withQuery("#/", { ...state, pages: n > 1 ? n : "" });
  /** Loads the first page (no cursor) or the next one; returns the next page's cursor. */
  /**
   * @param {string | null} [cursor]
   * @returns {Promise<string | null>}
   */
  async function load(cursor) {
    const query = { limit: 24, cursor, ...state };
    /** @type {Api.AgentListItemPage} */
    const data = await api("GET", "agents", { query, auth: "optional" });
    if (!live()) return null;
    if (!cursor) clear(list);
    pages = cursor ? pages + 1 : 1;
    for (const a of data.items) list.append(agentCard(a));
    summary.textContent = list.children.length ? `${list.children.length} agent${list.children.length === 1 ? "" : "s"} shown` : "No agents match.";
    clear(more);
    if (data.next_cursor) {
      more.append(button("Load more", () => attempt(async () => {
        await load(data.next_cursor);
        setViewState(stateHash(pages), false);
      }), "secondary"));
    }
    return data.next_cursor || null;
  }
  onSubmit(form, async (data) => {
    for (const key of /** @type {const} */ (["q", "sort", "category", "tag"])) state[key] = String(data.get(key) || "").trim();
    // A new search is a new history entry: Back returns to the previous one.
    setViewState(stateHash(1), true);
    await load();
  });
  let cursor = await load();
  while (cursor && pages < depth && live()) cursor = await load(cursor);
}


export async function viewInstalls() {
  if (needLogin()) return;
  const { main, live } = page("My installs");
  const list = h("ul", { class: "grid", "aria-labelledby": "installs-heading" });
  const more = h("div", { class: "actions" });
  main.append(h("h2", { id: "installs-heading", class: "visually-hidden" }, "Installed agents"), list, more);
  /** @param {string | null} [cursor] */
  async function load(cursor) {
    /** @type {Api.InstalledAgentPage} */
    const data = await api("GET", "me/installs", { query: { limit: 24, cursor } });
    if (!live()) return;
    if (!cursor) clear(list);
    for (const item of data.items) {
      const a = item.agent;
      list.append(agentCard(a, [
        h("div", { class: "meta" }, h("span", {}, `installed ${when(item.installed_at)}`),
          item.pinned_version ? h("span", {}, `pinned to v${item.pinned_version}`) : null,
          // One "deleted" badge: the card shows the agent's status already.
          item.deleted && a.status !== "deleted" ? badge("deleted") : null),
        h("div", { class: "actions" }, button("Uninstall", () => attempt(async () => {
          await api("DELETE", `me/installs/${encodeURIComponent(a.owner)}/${encodeURIComponent(a.slug)}`);
          notify(`${a.name} uninstalled.`);
          go(location.hash);
        }), "secondary")),
      ]));
    }
    if (!list.children.length) main.insertBefore(h("p", { class: "muted" }, "Nothing installed yet. ", link("Browse the marketplace", "#/"), "."), list);
    clear(more);
    if (data.next_cursor) more.append(button("Load more", () => attempt(() => load(data.next_cursor)), "secondary"));
  }
  await load();
}

