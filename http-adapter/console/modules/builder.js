// agentmart console: the builder (my agents, new drafts) and the draft editor
// (fields, preview, publish, status, versions, export).

import { ApiError, api } from "./api.js";
import { agentHash, agentPath, badge, builderHash, button, clear, commaList, field, h, input, json, lines, link, select, textarea, when } from "./dom.js";
import { apiSchema } from "./schema.js";
import { go, needLogin, page, route } from "./router.js";
import { attempt, notify, onSubmit } from "./status.js";

export async function viewBuilder() {
  if (needLogin()) return;
  const { main, live } = page("Builder");
  const create = h("form", { class: "panel", novalidate: true, "aria-label": "New agent" },
    h("h2", {}, "New agent"),
    h("div", { class: "row" },
      field("Slug", input("text", { required: true, placeholder: "my-agent" }),
        { name: "slug", hint: "2–63 lower-case letters, digits and hyphens; part of the agent's address." }),
      field("Name", input("text", { required: true, maxlength: "100" }), { name: "name" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create draft")));
  onSubmit(create, async (data) => {
    const draft = await api("POST", "agents", { body: { slug: String(data.get("slug") || "").trim(), name: data.get("name") } });
    notify(`Draft ${draft.slug} created.`);
    go(builderHash(draft.owner, draft.slug));
  });

  const tableBody = h("tbody");
  const listBox = h("section", { class: "panel" }, h("h2", {}, "My agents"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Agent", "Status", "Latest version", "Updated", ""].map((t) => h("th", { scope: "col" }, t)))),
      tableBody)));
  main.append(create, listBox);
  const data = await api("GET", "me/agents");
  if (!live()) return;
  for (const a of data.items) {
    tableBody.append(h("tr", {},
      h("td", {}, h("strong", {}, a.name), h("div", { class: "muted small" }, `@${a.owner}/${a.slug}`)),
      h("td", {}, badge(a.status)),
      h("td", {}, a.latest_version || "—"),
      h("td", {}, when(a.updated_at)),
      h("td", {}, a.status === "deleted" ? null : link("Edit", builderHash(a.owner, a.slug)))));
  }
  if (!data.items.length) tableBody.append(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No agents yet: create one above.")));
}

function skillRow(skill = {}) {
  const row = h("fieldset", { class: "skill-row" }, h("legend", {}, "Skill"),
    h("div", { class: "row" },
      field("Id", input("text", { value: skill.id || "", "data-k": "id" })),
      field("Name", input("text", { value: skill.name || "", "data-k": "name" }))),
    field("Description", textarea({ value: skill.description || "", "data-k": "description" })),
    field("Tags (comma-separated)", input("text", { value: (skill.tags || []).join(", "), "data-k": "tags" })),
    field("Examples (one per line)", textarea({ value: (skill.examples || []).join("\n"), "data-k": "examples" })));
  row.append(h("div", { class: "actions" }, button("Remove skill", () => row.remove(), "danger")));
  return row;
}

function readSkills(container) {
  return [...container.querySelectorAll(".skill-row")].map((row) => {
    const v = (k) => row.querySelector(`[data-k="${k}"]`).value;
    return { id: v("id").trim(), name: v("name").trim(), description: v("description"), tags: commaList(v("tags")), examples: lines(v("examples")) };
  });
}

function parseJsonField(form, name, text) {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    const err = new ApiError(0, { title: "Invalid JSON", detail: `${name} is not valid JSON.`, code: "client_validation", errors: [{ field: name, code: "invalid_json", message: `not valid JSON (${e.message})` }] });
    throw err;
  }
}

function modeChecks(name, selected, modes) {
  return h("fieldset", { class: "field", "data-field": name },
    h("legend", {}, name === "input_modes" ? "Input modes" : "Output modes"),
    h("div", { class: "checks" }, modes.map((m) => h("label", {}, h("input", { type: "checkbox", name, value: m, checked: selected.includes(m) }), m))),
    h("p", { class: "field-error" }));
}

export async function viewEditor(owner, slug) {
  if (needLogin()) return;
  const { main, heading, live } = page(`Edit ${owner}/${slug}`);
  const [d, schema] = await Promise.all([api("GET", `${agentPath(owner, slug)}/draft`), apiSchema()]);
  const max = (k) => (schema.maxLength[k] ? String(schema.maxLength[k]) : undefined);
  if (!live()) return;
  heading.textContent = `Edit ${d.name}`;
  main.append(h("p", { class: "muted" }, `@${d.owner}/${d.slug} · `, badge(d.status),
    d.latest_version ? ` · latest v${d.latest_version}` : " · not published yet",
    d.status !== "draft" && d.status !== "deleted" ? [" · ", link("View in marketplace", agentHash(d.owner, d.slug))] : null));

  const warningsBox = h("div", { class: "warnings small", "aria-live": "polite" });
  function showWarnings(warnings) {
    clear(warningsBox);
    if (warnings && warnings.length) {
      warningsBox.append(h("p", {}, "Before publishing, fix:"), h("ul", {}, warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))));
    }
  }
  showWarnings(d.warnings);

  const skills = h("div", {}, d.skills.map((s) => skillRow(s)));
  const model = d.model || {};
  const form = h("form", { class: "panel", novalidate: true, "aria-label": "Draft" },
    h("h2", {}, "Draft"),
    warningsBox,
    h("div", { class: "row" },
      field("Name", input("text", { value: d.name, maxlength: max("name") }), { name: "name" }),
      field("Category", input("text", { value: d.category || "" }), { name: "category", hint: "e.g. productivity" })),
    field("Tagline", input("text", { value: d.tagline, maxlength: max("tagline") }), { name: "tagline" }),
    field("Description", textarea({ value: d.description }), { name: "description" }),
    field("System prompt", textarea({ value: d.system_prompt, class: "code", rows: "8" }), { name: "system_prompt", hint: "Never shown publicly." }),
    field("Tags (comma-separated)", input("text", { value: d.tags.join(", ") }), { name: "tags", hint: "Up to 10 lower-case tags." }),
    modeChecks("input_modes", d.input_modes, schema.mimeTypes),
    modeChecks("output_modes", d.output_modes, schema.mimeTypes),
    field("Conversation starters (one per line)", textarea({ value: d.conversation_starters.join("\n") }), { name: "conversation_starters" }),
    h("div", { class: "field", "data-field": "skills" }, h("h3", {}, "Skills"), skills,
      h("div", { class: "actions" }, button("Add skill", () => skills.append(skillRow()), "secondary")), h("p", { class: "field-error" })),
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
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save draft")));
  onSubmit(form, async (data) => {
    const text = (k) => String(data.get(k) || "");
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
    const saved = await api("PATCH", `${agentPath(owner, slug)}/draft`, { body });
    showWarnings(saved.warnings);
    heading.textContent = `Edit ${saved.name}`;
    notify(saved.warnings.length ? "Draft saved (see what to fix before publishing)." : "Draft saved; ready to publish.");
  });

  // Preview.
  const previewOut = h("div");
  const preview = h("form", { class: "panel", novalidate: true, "aria-label": "Preview" },
    h("h2", {}, "Preview"),
    h("p", { class: "muted small" }, "Shows the saved draft's A2A card and the exact chat request a sample input would send."),
    field("Sample input (optional)", textarea({ rows: "3" }), { name: "input" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Preview")), previewOut);
  onSubmit(preview, async (data) => {
    const input = String(data.get("input") || "");
    const p = await api("POST", `${agentPath(owner, slug)}/preview`, { body: input ? { input } : {} });
    clear(previewOut).append(
      p.warnings.length ? h("ul", { class: "warnings small" }, p.warnings.map((w) => h("li", {}, `${w.field}: ${w.message}`))) : null,
      h("h3", {}, "A2A card"), json(p.card),
      h("h3", {}, "Chat request"), json(p.chat_request),
      p.model_response ? [h("h3", {}, "Model response"), h("p", { class: "prewrap" }, p.model_response.content)] : null);
  });

  // Publish.
  const publish = h("form", { class: "panel", novalidate: true, "aria-label": "Publish" },
    h("h2", {}, "Publish"),
    h("p", { class: "muted small" }, "Publishing snapshots the saved draft as an immutable version."),
    field("Version", input("text", { value: nextVersion(d.latest_version), required: true }), { name: "version", hint: "Semantic version above the latest, e.g. 1.0.0." }),
    field("Changelog (optional)", textarea({ rows: "3" }), { name: "changelog" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Publish version")));
  onSubmit(publish, async (data) => {
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
      clear(cardOut).append(json(card), h("a", { href: URL.createObjectURL(blob), download: `${d.owner}-${d.slug}-card.json`, class: "button secondary" }, "Download card.json"));
    }), "secondary"), button("Delete agent", () => attempt(async () => {
      if (!window.confirm(`Delete ${d.owner}/${d.slug}? Installs stay readable to their users.`)) return;
      await api("DELETE", agentPath(owner, slug));
      notify("Agent deleted.");
      go("#/builder");
    }), "danger")), cardOut);

  main.append(h("div", { class: "cols" }, h("div", {}, form, preview), h("div", {}, publish, statusForm, versionsBox, exportBox)));

  if (d.latest_version) {
    const versions = await api("GET", `${agentPath(owner, slug)}/versions`, { auth: "optional" });
    if (!live()) return;
    versionsBox.append(h("ul", {}, versions.items.map((v) => h("li", {}, h("strong", {}, `v${v.version}`), ` · ${when(v.published_at)}`,
      v.changelog ? h("div", { class: "small prewrap" }, v.changelog) : null))));
  } else {
    versionsBox.append(h("p", { class: "muted small" }, "No published version yet."));
  }
}

function nextVersion(latest) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(latest || "");
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : "1.0.0";
}

