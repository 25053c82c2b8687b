// agentmart console: the builder (my agents, new drafts) and the draft editor
// (fields, preview, publish, status, versions, export).

import { ApiError, api } from "./api.js";
import { agentHash, agentPath, append, badge, builderHash, button, clear, commaList, field, h, input, json, lines, link, select, tableBox, textarea, when } from "./dom.js";
import { apiSchema } from "./schema.js";
import { markdown } from "./markdown.js";
import { go, guardLeaving, needLogin, page, route } from "./router.js";
import { Handled, attempt, clearFieldErrors, notify, onSubmit, placeFieldErrors, problemFieldErrors, showError } from "./status.js";

export async function viewBuilder() {
  if (needLogin()) return;
  const { main, live } = page("Builder");
  // Limits are a nicety here (a counter): without the API description the form still works.
  /** @type {Record<string, number | null>} */
  const limits = await apiSchema().then((s) => s.maxLength, () => ({}));
  if (!live()) return;
  const create = h("form", { class: "panel", novalidate: true, "aria-label": "New agent" },
    h("h2", {}, "New agent"),
    h("div", { class: "row" },
      field("Slug", input("text", { required: true, placeholder: "my-agent" }),
        { name: "slug", hint: "2–63 lower-case letters, digits and hyphens; part of the agent's address." }),
      field("Name", input("text", { required: true }), { name: "name", max: limits.name || undefined })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create draft")));
  onSubmit(create, async (data) => {
    const draft = await api("POST", "agents", { body: { slug: String(data.get("slug") || "").trim(), name: data.get("name") } });
    notify(`Draft ${draft.slug} created.`);
    go(builderHash(draft.owner, draft.slug));
  });

  const tableBody = h("tbody");
  const listBox = h("section", { class: "panel" }, h("h2", {}, "My agents"),
    tableBox("My agents", h("table", { class: "stack" },
      h("thead", {}, h("tr", {}, ["Agent", "Status", "Latest version", "Updated", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      tableBody)));
  main.append(create, listBox);
  /** @type {Api.MyAgentPage} */
  const data = await api("GET", "me/agents");
  if (!live()) return;
  for (const a of data.items) {
    tableBody.append(h("tr", {},
      h("td", { "data-label": "Agent" }, h("strong", {}, a.name), h("div", { class: "muted small" }, `@${a.owner}/${a.slug}`)),
      h("td", { "data-label": "Status" }, badge(a.status)),
      h("td", { "data-label": "Latest version" }, a.latest_version || "—"),
      h("td", { "data-label": "Updated" }, when(a.updated_at)),
      h("td", { "data-label": "Actions" }, a.status === "deleted" ? null : link("Edit", builderHash(a.owner, a.slug)))));
  }
  if (!data.items.length) tableBody.append(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No agents yet: create one above.")));
}

/**
 * One skill's fieldset in the draft form.
 * @param {Partial<Api.Skill>} [skill]
 * @returns {HTMLFieldSetElement}
 */
function skillRow(skill = {}) {
  const row = h("fieldset", { class: "skill-row" }, h("legend", {}, "Skill"),
    h("div", { class: "row" },
      field("Id", input("text", { value: skill.id || "", "data-k": "id" })),
      field("Name", input("text", { value: skill.name || "", "data-k": "name" }))),
    field("Description", textarea({ value: skill.description || "", "data-k": "description" })),
    field("Tags (comma-separated)", input("text", { value: (skill.tags || []).join(", "), "data-k": "tags" })),
    field("Examples (one per line)", textarea({ value: (skill.examples || []).join("\n"), "data-k": "examples" })));
  row.append(h("div", { class: "actions" }, button("Remove skill", () => {
    const list = row.parentElement;
    row.remove();
    if (list) list.dispatchEvent(new Event("skill-removed"));
  }, "danger")));
  return row;
}

/**
 * The skills of the draft form.
 * @param {HTMLElement} container
 * @returns {Api.Skill[]}
 */
function readSkills(container) {
  return [...container.querySelectorAll(".skill-row")].map((row) => {
    const v = (/** @type {string} */ k) => /** @type {HTMLInputElement} */ (row.querySelector(`[data-k="${k}"]`)).value;
    return { id: v("id").trim(), name: v("name").trim(), description: v("description"), tags: commaList(v("tags")), examples: lines(v("examples")) };
  });
}

/**
 * A JSON Schema field's value (null when empty); a client-side field error when it is not JSON.
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {string} text
 * @returns {unknown}
 */
function parseJsonField(form, name, text) {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    const err = new ApiError(0, { title: "Invalid JSON", detail: `${name} is not valid JSON.`, code: "client_validation", errors: [{ field: name, code: "invalid_json", message: `not valid JSON (${e instanceof Error ? e.message : e})` }] });
    throw err;
  }
}

/**
 * @param {"input_modes" | "output_modes"} name
 * @param {string[]} selected
 * @param {string[]} modes
 * @returns {HTMLFieldSetElement}
 */
function modeChecks(name, selected, modes) {
  return h("fieldset", { class: "field", "data-field": name },
    h("legend", {}, name === "input_modes" ? "Input modes" : "Output modes"),
    h("div", { class: "checks" }, modes.map((m) => h("label", {}, h("input", { type: "checkbox", name, value: m, checked: selected.includes(m) }), m))),
    h("p", { class: "field-error" }));
}

/**
 * The draft editor of `owner/slug`.
 * @param {string} owner
 * @param {string} slug
 */
export async function viewEditor(owner, slug) {
  if (needLogin()) return;
  const { main, heading, live } = page(`Edit ${owner}/${slug}`);
  /** @type {[Api.AgentDraftView, Awaited<ReturnType<typeof apiSchema>>]} */
  const [d, schema] = await Promise.all([api("GET", `${agentPath(owner, slug)}/draft`), apiSchema()]);
  const max = (/** @type {string} */ k) => schema.maxLength[k] || undefined;
  if (!live()) return;
  heading.textContent = `Edit ${d.name}`;
  main.append(h("p", { class: "muted" }, `@${d.owner}/${d.slug} · `, badge(d.status),
    d.latest_version ? ` · latest v${d.latest_version}` : " · not published yet",
    d.status !== "draft" && d.status !== "deleted" ? [" · ", link("View in marketplace", agentHash(d.owner, d.slug))] : null));

  const warningsBox = h("div", { class: "warnings small", "aria-live": "polite" });
  /** @param {Api.FieldError[]} warnings */
  function showWarnings(warnings) {
    clear(warningsBox);
    if (warnings && warnings.length) {
      warningsBox.append(h("p", {}, "Before publishing, fix:"), h("ul", {}, warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))));
    }
  }
  showWarnings(d.warnings);

  const skills = h("div", {}, d.skills.map((s) => skillRow(s)));
  const saveState = h("span", { class: "saved small", "aria-live": "polite" }, "All changes saved");
  /** @type {Partial<Api.ModelSettings>} */
  const model = d.model || {};
  const form = h("form", { class: "panel", novalidate: true, "aria-label": "Draft" },
    h("h2", {}, "Draft"),
    warningsBox,
    h("div", { class: "row" },
      field("Name", input("text", { value: d.name }), { name: "name", max: max("name") }),
      field("Category", input("text", { value: d.category || "" }), { name: "category", hint: "e.g. productivity" })),
    field("Tagline", input("text", { value: d.tagline }), { name: "tagline", max: max("tagline") }),
    field("Description", textarea({ value: d.description }), { name: "description", max: max("description") }),
    field("System prompt", textarea({ value: d.system_prompt, class: "code", rows: "8" }),
      { name: "system_prompt", hint: "Never shown publicly.", max: max("system_prompt") }),
    field("Tags (comma-separated)", input("text", { value: d.tags.join(", ") }), { name: "tags", hint: "Up to 10 lower-case tags." }),
    modeChecks("input_modes", d.input_modes, schema.mimeTypes),
    modeChecks("output_modes", d.output_modes, schema.mimeTypes),
    field("Conversation starters (one per line)", textarea({ value: d.conversation_starters.join("\n") }), { name: "conversation_starters" }),
    h("div", { class: "field", "data-field": "skills" }, h("h3", {}, "Skills"), skills,
      h("div", { class: "actions" }, button("Add skill", () => { skills.append(skillRow()); edited(); }, "secondary")),
      h("p", { class: "field-error" })),
    h("h3", {}, "Model"),
    h("div", { class: "row" },
      field("Model name", input("text", { value: model.name || "" }), { name: "model", hint: "Empty: the host's default." }),
      field("Temperature", input("number", { value: model.temperature ?? "", step: "0.1", min: "0", max: "2" }), { name: "model.temperature" }),
      field("Max tokens", input("number", { value: model.max_tokens ?? "", step: "1", min: "1" }), { name: "model.max_tokens" })),
    field("Input JSON Schema", textarea({ value: d.input_schema ? JSON.stringify(d.input_schema, null, 2) : "", class: "code" }),
      { name: "input_schema", hint: "Required when the input modes include application/json." }),
    field("Output JSON Schema", textarea({ value: d.output_schema ? JSON.stringify(d.output_schema, null, 2) : "", class: "code" }),
      { name: "output_schema", hint: "Required when the output modes include application/json." }),
    h("div", { class: "row" },
      field("Icon URL", input("url", { value: d.icon_url || "" }), { name: "icon_url" }),
      field("Documentation URL", input("url", { value: d.documentation_url || "" }), { name: "documentation_url" })),
    // The draft's actions stay in view while the form scrolls (sticky, at the bottom).
    h("div", { class: "actions sticky-actions" }, h("button", { type: "submit" }, "Save draft"),
      button("Publish", () => { publish.requestSubmit(); }, "secondary"), saveState));

  // Unsaved edits: any input in the draft form. Publishing and changing the
  // status save them first; leaving the editor asks first.
  let dirty = false;
  function edited() {
    dirty = true;
    saveState.className = "unsaved small";
    saveState.textContent = "Unsaved changes";
  }
  function saved() {
    dirty = false;
    saveState.className = "saved small";
    saveState.textContent = "All changes saved";
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  skills.addEventListener("skill-removed", edited);
  guardLeaving(() => (dirty ? "The draft has unsaved changes. Leave without saving them?" : null));

  /** Saves the draft form (PATCH); throws the API's problem on failure, with the edits kept. */
  async function saveDraft() {
    const data = new FormData(form);
    const text = (/** @type {string} */ k) => String(data.get(k) || "");
    const modelName = text("model").trim();
    const body = {
      name: text("name"),
      tagline: text("tagline"),
      description: text("description"),
      system_prompt: text("system_prompt"),
      category: text("category").trim() || null,
      tags: commaList(text("tags")),
      input_modes: data.getAll("input_modes"),
      output_modes: data.getAll("output_modes"),
      conversation_starters: lines(text("conversation_starters")),
      skills: readSkills(skills),
      model: modelName ? {
        name: modelName,
        ...(text("model.temperature") ? { temperature: Number(text("model.temperature")) } : {}),
        ...(text("model.max_tokens") ? { max_tokens: Number(text("model.max_tokens")) } : {}),
      } : null,
      input_schema: parseJsonField(form, "input_schema", text("input_schema")),
      output_schema: parseJsonField(form, "output_schema", text("output_schema")),
      icon_url: text("icon_url").trim() || null,
      documentation_url: text("documentation_url").trim() || null,
    };
    const answer = await api("PATCH", `${agentPath(owner, slug)}/draft`, { body });
    saved();
    showWarnings(answer.warnings);
    heading.textContent = `Edit ${answer.name}`;
    return answer;
  }

  /**
   * Saves pending edits before an action on the saved draft (publish, status).
   * A refused save shows its errors at the draft's fields and stops the action.
   */
  async function savePending() {
    if (!dirty) return;
    clearFieldErrors(form);
    try {
      await saveDraft();
    } catch (err) {
      const unplaced = placeFieldErrors(form, problemFieldErrors(err));
      showError(err, unplaced);
      throw new Handled();
    }
  }

  onSubmit(form, async () => {
    const answer = await saveDraft();
    notify(answer.warnings.length ? "Draft saved (see what to fix before publishing)." : "Draft saved; ready to publish.");
  });

  // Preview: beside the form on wide screens (see `.editor` in console.css).
  // "How it looks" follows the form as it is typed (nothing saved); the
  // Preview button saves pending edits first, so the A2A card and the chat
  // request it shows are those of the current form values.
  const looks = h("div", { class: "looks", "aria-live": "off" });
  const starters = h("div", { class: "actions starters" });
  const sample = textarea({ rows: "3" });
  function renderLooks() {
    const data = new FormData(form);
    const text = (/** @type {string} */ k) => String(data.get(k) || "");
    // `append` of dom.js, not the native one: it drops absent parts instead of printing "null".
    append(clear(looks), [
      h("p", { class: "looks-name" }, h("strong", {}, text("name") || "(no name)")),
      text("tagline") ? h("p", { class: "muted" }, text("tagline")) : null,
      text("description").trim() ? markdown(text("description"), 4) : h("p", { class: "muted small" }, "No description yet.")]);
    const list = lines(text("conversation_starters"));
    append(clear(starters), [list.length
      ? list.map((c) => button(c, () => { sample.value = c; sample.focus(); }, "secondary starter"))
      : h("p", { class: "muted small" }, "No conversation starters yet.")]);
  }
  form.addEventListener("input", renderLooks);
  renderLooks();
  const previewOut = h("div");
  const preview = h("form", { class: "panel preview", novalidate: true, "aria-label": "Preview" },
    h("h2", {}, "Preview"),
    h("h3", {}, "How it looks"), looks,
    h("h3", {}, "Try it"),
    h("p", { class: "muted small" }, "A conversation starter fills the sample input. Preview saves your edits, then shows the A2A card and the exact chat request the input would send."),
    starters,
    field("Sample input (optional)", sample, { name: "input" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Preview")), previewOut);
  onSubmit(preview, async (data) => {
    await savePending();
    const input = String(data.get("input") || "");
    /** @type {Api.Preview} */
    const p = await api("POST", `${agentPath(owner, slug)}/preview`, { body: input ? { input } : {} });
    append(clear(previewOut), [
      p.warnings.length ? h("ul", { class: "warnings small" }, p.warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))) : null,
      h("h3", {}, "A2A card"), json(p.card, "A2A card"),
      h("h3", {}, "Chat request"), json(p.chat_request, "Chat request"),
      p.model_response ? [h("h3", {}, "Model response"), h("p", { class: "prewrap" }, p.model_response.content)] : null]);
  });

  // Publish.
  const publish = h("form", { class: "panel", novalidate: true, "aria-label": "Publish" },
    h("h2", {}, "Publish"),
    h("p", { class: "muted small" }, "Publishing snapshots the saved draft as an immutable version."),
    field("Version", input("text", { value: nextVersion(d.latest_version), required: true }), { name: "version", hint: "Semantic version above the latest, e.g. 1.0.0." }),
    field("Changelog (optional)", textarea({ rows: "3" }), { name: "changelog" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Publish version")));
  onSubmit(publish, async (data) => {
    await savePending();
    const version = await api("POST", `${agentPath(owner, slug)}/versions`, {
      body: { version: String(data.get("version") || "").trim(), changelog: data.get("changelog") || null },
    });
    notify(`Published v${version.version}.`);
    route();
  });

  // Status.
  const statusForm = h("form", { class: "panel", novalidate: true, "aria-label": "Status" },
    h("h2", {}, "Status"),
    field("Status", select([["listed", "Listed"], ["unlisted", "Unlisted"], ["deprecated", "Deprecated"]],
      { value: ["listed", "unlisted", "deprecated"].includes(d.status) ? d.status : "listed" }), { name: "status" }),
    field("Message (optional)", input("text", { value: d.status_message || "" }), { name: "status_message" }),
    h("div", { class: "actions" }, h("button", { type: "submit", disabled: d.status === "draft" }, "Change status")),
    d.status === "draft" ? h("p", { class: "muted small" }, "Publish a first version to list the agent.") : null);
  onSubmit(statusForm, async (data) => {
    await savePending();
    await api("PATCH", agentPath(owner, slug), { body: { status: data.get("status"), status_message: data.get("status_message") || null } });
    notify("Status changed.");
    route();
  });

  // Versions and card export.
  const versionsBox = h("section", { class: "panel" }, h("h2", {}, "Versions"));
  const cardOut = h("div");
  const exportBox = h("section", { class: "panel" }, h("h2", {}, "Export"),
    h("div", { class: "actions" }, button("Show A2A card", () => attempt(async () => {
      const card = await api("GET", `${agentPath(owner, slug)}/card`, { auth: "optional" });
      const blob = new Blob([JSON.stringify(card, null, 2)], { type: "application/json" });
      clear(cardOut).append(json(card, "A2A card"), h("a", { href: URL.createObjectURL(blob), download: `${d.owner}-${d.slug}-card.json`, class: "button secondary" }, "Download card.json"));
    }), "secondary"), button("Delete agent", () => attempt(async () => {
      if (!window.confirm(`Delete ${d.owner}/${d.slug}? Installs stay readable to their users.`)) return;
      await api("DELETE", agentPath(owner, slug));
      notify("Agent deleted.");
      go("#/builder");
    }), "danger")), cardOut);

  main.append(h("div", { class: "editor" }, form, h("div", { class: "editor-side" }, preview, publish, statusForm, versionsBox, exportBox)));

  if (d.latest_version) {
    /** @type {Api.VersionViewPage} */
    const versions = await api("GET", `${agentPath(owner, slug)}/versions`, { auth: "optional" });
    if (!live()) return;
    versionsBox.append(h("ul", {}, versions.items.map((v) => h("li", {}, h("strong", {}, `v${v.version}`), ` · ${when(v.published_at)}`,
      v.changelog ? h("div", { class: "small prewrap" }, v.changelog) : null))));
  } else {
    versionsBox.append(h("p", { class: "muted small" }, "No published version yet."));
  }
}

/**
 * @param {string | null} latest
 * @returns {string}
 */
function nextVersion(latest) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(latest || "");
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : "1.0.0";
}

