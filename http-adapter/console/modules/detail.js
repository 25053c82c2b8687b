// agentmart console: an agent's page (description, ratings, reviews, install, rating form).

import { ApiError, api, session } from "./api.js";
import { markdown } from "./markdown.js";
import { agentPath, append, badge, builderHash, button, clear, field, h, input, json, link, ratingText, select, stars, textarea, when } from "./dom.js";
import { apiSchema } from "./schema.js";
import { go, loginLink, page, route, withQuery } from "./router.js";
import { attempt, notify, onSubmit } from "./status.js";

/** Labels of the review sorts the API lists. */
/** @type {Record<string, string>} */
const REVIEW_SORT_LABELS = { newest: "Newest", stars: "Stars" };

/**
 * The page of the agent `owner/slug`.
 * @param {string} owner
 * @param {string} slug
 */
export async function viewDetail(owner, slug) {
  const { main, heading, live } = page(`${owner}/${slug}`);
  /** @type {Api.AgentDetail} */
  let a;
  /** @type {Awaited<ReturnType<typeof apiSchema>>} */
  let schema;
  try {
    [a, schema] = await Promise.all([api("GET", agentPath(owner, slug), { auth: "optional" }), apiSchema()]);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || !live()) throw err;
    await goneAgent(main, heading, owner, slug, live);
    return;
  }
  if (!live()) return;
  heading.textContent = a.name;
  document.title = `${a.name} · agentmart`;
  const mine = session.me && session.me.handle === a.owner;

  const about = h("section", { class: "panel", "aria-labelledby": "about-heading" },
    h("h2", { id: "about-heading", class: "visually-hidden" }, "About"),
    h("p", { class: "muted" }, `@${a.owner}/${a.slug}`, a.latest_version ? ` · v${a.latest_version}` : "", " · ", badge(a.status),
      a.published_at ? ` · published ${when(a.published_at)}` : ""),
    a.status_message ? h("p", { class: "warnings" }, a.status_message) : null,
    a.tagline ? h("p", { class: "prewrap" }, h("strong", {}, a.tagline)) : null,
    a.description ? markdown(a.description, 3) : null,
    h("p", { class: "small muted" }, `Input: ${a.input_modes.join(", ") || "—"} · Output: ${a.output_modes.join(", ") || "—"}`,
      a.category ? ` · Category: ${a.category}` : ""),
    a.tags.length ? h("ul", { class: "chips", "aria-label": "Tags" }, a.tags.map((t) => h("li", { class: "chip" }, t))) : null,
    /^https?:\/\//i.test(a.documentation_url || "")
      ? h("p", {}, h("a", { href: a.documentation_url, rel: "noopener noreferrer", target: "_blank" }, "Documentation")) : null,
    a.skills.length ? [h("h2", {}, "Skills"), a.skills.map((s) => h("div", { class: "skill" },
      h("div", {}, h("strong", {}, s.name), " ", h("code", { class: "small" }, s.id)),
      s.description ? h("div", { class: "prewrap small" }, s.description) : null,
      s.examples && s.examples.length ? h("ul", { class: "small" }, s.examples.map((x) => h("li", { class: "prewrap" }, x))) : null))] : null,
    a.conversation_starters.length ? [h("h2", {}, "Conversation starters"),
      h("ul", {}, a.conversation_starters.map((c) => h("li", { class: "prewrap" }, c)))] : null);

  const cardBox = h("details", { class: "panel" }, h("summary", {}, "A2A agent card"));
  cardBox.addEventListener("toggle", () => {
    if (!cardBox.open || cardBox.dataset.loaded) return;
    cardBox.dataset.loaded = "1";
    attempt(async () => cardBox.append(json(await api("GET", `${agentPath(owner, slug)}/card`, { auth: "optional" }), "A2A agent card")));
  });

  // Rating summary and histogram.
  const hist = a.rating.histogram || [0, 0, 0, 0, 0];
  const ratingBox = h("section", { class: "panel", "aria-label": "Ratings" },
    h("div", { class: "rating-big" }, a.rating.count ? a.rating.mean.toFixed(1) : "–"),
    a.rating.count ? stars(a.rating.mean) : null,
    h("p", { class: "muted small", id: "rating-summary" }, ratingText(a.rating)),
    h("div", { class: "histogram" }, [5, 4, 3, 2, 1].map((n) => [
      h("span", {}, `${n} ★`),
      h("progress", { max: String(Math.max(1, a.rating.count)), value: String(hist[n - 1]), "aria-label": `${n} stars: ${hist[n - 1]}` }),
      h("span", { class: "small" }, String(hist[n - 1]))])),
    h("p", { class: "small muted" }, `${a.install_count} install${a.install_count === 1 ? "" : "s"} · ${a.usage_30d} uses in 30 days`));

  // Install / uninstall and rating.
  const actionsBox = h("section", { class: "panel" });
  if (a.status === "deleted") {
    // Readable to the users who installed it, nobody else: say what that means.
    append(actionsBox, [h("p", { class: "warnings" }, "Its owner deleted this agent: it is no longer listed, and nobody can install or rate it any more."),
      a.installed ? h("p", {}, "Your install stays readable until you uninstall it.") : null,
      a.installed ? h("div", { class: "actions" }, button("Uninstall", () => attempt(async () => {
        await api("DELETE", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
        notify(`${a.name} uninstalled.`);
        go("#/installs");
      }), "secondary"), link("My installs", "#/installs")) : null]);
  } else if (!session.me) {
    actionsBox.append(h("p", {}, loginLink("Log in"), " to install and rate this agent."));
  } else {
    actionsBox.append(h("div", { class: "actions" },
      a.installed
        ? button("Uninstall", () => attempt(async () => {
          await api("DELETE", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
          notify(`${a.name} uninstalled.`);
          route();
        }), "secondary")
        : button("Install", () => attempt(async () => {
          await api("PUT", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
          notify(`${a.name} installed.`);
          route();
        })),
      a.installed ? badge("installed") : null,
      mine ? link("Edit in builder", builderHash(owner, slug), "button secondary") : null));
    if (a.installed && !mine) actionsBox.append(ratingForm(a, owner, slug));
  }

  // Reviews.
  const reviewsBox = h("section", { class: "panel", "aria-label": "Reviews" }, h("h2", {}, "Reviews"));
  const reviewSort = select(schema.reviewSorts.map((s) => [s, REVIEW_SORT_LABELS[s] || s]));
  const reviewList = h("div");
  const reviewMore = h("div", { class: "actions" });
  reviewsBox.append(field("Sort reviews", reviewSort), reviewList, reviewMore);
  /** @param {string | null} [cursor] */
  async function loadReviews(cursor) {
    /** @type {Api.ReviewViewPage} */
    const data = await api("GET", `${agentPath(owner, slug)}/reviews`, { auth: "none", query: { sort: reviewSort.value, limit: 10, cursor } });
    if (!cursor) clear(reviewList);
    for (const r of data.items) reviewList.append(reviewItem(r));
    if (!reviewList.children.length) reviewList.append(h("p", { class: "muted" }, "No reviews yet."));
    clear(reviewMore);
    if (data.next_cursor) reviewMore.append(button("More reviews", () => attempt(() => loadReviews(data.next_cursor)), "secondary"));
  }
  reviewSort.addEventListener("change", () => attempt(() => loadReviews()));

  // A deleted agent's reviews are gone with it (the API answers 404).
  const gone = a.status === "deleted";
  main.append(h("div", { class: "cols" }, h("div", {}, about, gone ? null : reviewsBox, cardBox), h("div", { class: "first-on-phones" }, ratingBox, actionsBox)));
  if (!gone) await loadReviews();
}

/**
 * @param {Api.ReviewView} r
 * @returns {HTMLElement}
 */
function reviewItem(r) {
  const who = r.user.display_name ? `${r.user.display_name} (@${r.user.handle})` : `@${r.user.handle}`;
  return h("article", { class: "review" },
    h("div", {}, stars(r.stars), " ", r.title ? h("span", { class: "review-title" }, r.title) : null),
    r.body ? markdown(r.body, 3) : null,
    h("div", { class: "muted small" }, `${who} · ${when(r.updated_at)}`, r.version ? ` · v${r.version}` : ""));
}

/**
 * The rating form of an installed agent (the user's own rating, if any, filled in).
 * @param {Api.AgentDetail} a
 * @param {string} owner
 * @param {string} slug
 * @returns {HTMLFormElement}
 */
function ratingForm(a, owner, slug) {
  const mine = a.my_rating;
  const group = h("div", { class: "stars-input" }, [1, 2, 3, 4, 5].map((n) => h("label", {},
    h("input", { type: "radio", name: "stars", value: String(n), checked: mine ? mine.stars === n : false, required: true }), `${n} ★`)));
  const starsField = h("fieldset", { class: "field", "data-field": "stars" }, h("legend", {}, "Your rating"), group, h("p", { class: "field-error" }));
  const form = h("form", { novalidate: true, "aria-label": "Rate this agent" },
    h("h2", {}, mine ? "Your review" : "Rate this agent"),
    starsField,
    field("Title (optional)", input("text", { value: mine && mine.title ? mine.title : "" }), { name: "title" }),
    field("Review (optional)", textarea({ value: mine && mine.body ? mine.body : "" }), { name: "body" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, mine ? "Update rating" : "Submit rating"),
      mine ? button("Delete my rating", () => attempt(async () => {
        await api("DELETE", `${agentPath(owner, slug)}/rating`);
        notify("Rating deleted.");
        route();
      }), "danger") : null));
  onSubmit(form, async (data) => {
    const starsValue = Number(data.get("stars"));
    const body = { stars: starsValue || 0, title: data.get("title") || null, body: data.get("body") || null };
    await api("PUT", `${agentPath(owner, slug)}/rating`, { body });
    notify("Thanks for your rating.");
    route();
  });
  return form;
}


/**
 * The page of an agent that is not in the marketplace (deleted, or never
 * there): for a user who installed it, what the install still holds and an
 * Uninstall button; otherwise a search for its name.
 */
/**
 * @param {HTMLElement} main
 * @param {HTMLElement} heading
 * @param {string} owner
 * @param {string} slug
 * @param {() => boolean} live
 */
async function goneAgent(main, heading, owner, slug, live) {
  /** @type {Api.InstalledAgentPage} */
  const installs = session.me ? await api("GET", "me/installs", { query: { limit: 100 } }) : { items: [] };
  if (!live()) return;
  const item = installs.items.find((i) => i.agent.owner === owner && i.agent.slug === slug);
  const search = link(`Search the marketplace for “${slug}”`, withQuery("#/", { q: slug }));
  if (!item) {
    heading.textContent = "Agent not found";
    document.title = "Agent not found · agentmart";
    main.append(h("section", { class: "panel" },
      h("p", {}, `There is no agent @${owner}/${slug} in the marketplace: its owner may have deleted or renamed it.`),
      h("div", { class: "actions" }, search, link("Browse the marketplace", "#/"))));
    return;
  }
  const a = item.agent;
  heading.textContent = a.name;
  document.title = `${a.name} (deleted) · agentmart`;
  main.append(h("section", { class: "panel" },
    h("p", { class: "muted" }, `@${owner}/${slug}`, a.latest_version ? ` · v${a.latest_version}` : "", " · ", badge("deleted")),
    h("p", {}, "Its owner deleted this agent: it is no longer listed, and nobody can install it any more. ",
      `You installed it ${when(item.installed_at)}`, item.pinned_version ? `, pinned to v${item.pinned_version}` : "",
      "; your install stays readable until you uninstall it."),
    a.tagline ? h("p", {}, h("strong", {}, a.tagline)) : null,
    h("div", { class: "actions" }, button("Uninstall", () => attempt(async () => {
      await api("DELETE", `me/installs/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`);
      notify(`${a.name} uninstalled.`);
      go("#/installs");
    }), "secondary"), search, link("My installs", "#/installs"))));
}
