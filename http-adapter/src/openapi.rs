//! The OpenAPI 3.1 document of the router (`GET /openapi.json`), written by
//! hand from the core's request and answer types, and the reference page
//! rendered from it (`GET /docs`, self-contained: no script, no CDN).
//!
//! `tests/api` checks that every documented operation is routed and that the
//! answers of a full walkthrough conform to the documented schemas.

use agentmart_core::ErrorCode;
use serde_json::{Map, Value, json};

use crate::problem::title_of;

fn s() -> Value {
    json!({ "type": "string" })
}
fn ns() -> Value {
    json!({ "type": ["string", "null"] })
}
fn dt() -> Value {
    json!({ "type": "string", "format": "date-time" })
}
fn ndt() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}
fn id() -> Value {
    json!({ "type": "string", "format": "uuid" })
}
fn nid() -> Value {
    json!({ "type": ["string", "null"], "format": "uuid" })
}
fn int() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}
fn num() -> Value {
    json!({ "type": "number" })
}
fn boolean() -> Value {
    json!({ "type": "boolean" })
}
fn arr(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}
fn strings() -> Value {
    arr(s())
}
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}
fn nr(name: &str) -> Value {
    json!({ "oneOf": [r(name), { "type": "null" }] })
}
fn any() -> Value {
    json!({})
}
fn version() -> Value {
    json!({ "type": "string", "description": "Semantic version, e.g. `1.2.0`." })
}
fn nversion() -> Value {
    json!({ "type": ["string", "null"], "description": "Semantic version, or null." })
}

/// An object schema; `required` lists the keys always present.
fn obj(description: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut properties = Map::new();
    for (name, schema) in props {
        properties.insert((*name).to_string(), schema.clone());
    }
    json!({ "type": "object", "description": description, "properties": properties, "required": required })
}

fn page(item: &str) -> Value {
    obj(
        &format!("A page of {item}; pass `next_cursor` back as `cursor` for the next page (null on the last)."),
        &[("items", arr(r(item))), ("next_cursor", ns())],
        &["items", "next_cursor"],
    )
}

/// The definition fields; `input` makes the optional ones nullable (requests accept `null` for "absent").
fn definition_props(include_prompt: bool, input: bool) -> Vec<(&'static str, Value)> {
    let opt = |schema: Value| {
        if input { json!({ "oneOf": [schema, { "type": "null" }] }) } else { schema }
    };
    let mut props = vec![
        ("name", json!({ "type": "string", "minLength": 1, "maxLength": 100 })),
        ("tagline", json!({ "type": "string", "maxLength": 100 })),
        ("description", json!({ "type": "string", "maxLength": 2000 })),
    ];
    if include_prompt {
        props.push(("system_prompt", json!({ "type": "string", "maxLength": 32000 })));
    }
    props.extend([
        ("skills", json!({ "type": "array", "items": r("Skill"), "maxItems": 32 })),
        ("input_modes", json!({ "type": "array", "items": r("Mode") })),
        ("output_modes", json!({ "type": "array", "items": r("Mode") })),
        ("input_schema", json!({ "description": "JSON Schema of the input; required for application/json." })),
        ("output_schema", json!({ "description": "JSON Schema of the output; required for application/json." })),
        ("conversation_starters", json!({ "type": "array", "items": s(), "maxItems": 6 })),
        ("model", opt(r("ModelSettings"))),
        ("category", opt(s())),
        ("tags", json!({ "type": "array", "items": s(), "maxItems": 10 })),
        ("icon_url", opt(s())),
        ("documentation_url", opt(s())),
    ]);
    props
}

const DEFINITION_ALWAYS: [&str; 7] =
    ["name", "tagline", "description", "skills", "input_modes", "output_modes", "conversation_starters"];

fn schemas() -> Value {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut draft_view = vec![
        ("id", id()),
        ("owner", s()),
        ("slug", s()),
        ("status", r("AgentStatus")),
        ("status_message", ns()),
        ("latest_version", nversion()),
        ("warnings", arr(r("FieldError"))),
        ("created_at", dt()),
        ("updated_at", dt()),
    ];
    draft_view.extend(definition_props(true, false));
    let mut draft_required = vec![
        "id",
        "owner",
        "slug",
        "status",
        "status_message",
        "latest_version",
        "warnings",
        "created_at",
        "updated_at",
        "system_prompt",
        "tags",
    ];
    draft_required.extend(DEFINITION_ALWAYS);

    let mut version_view = vec![
        ("agent_id", id()),
        ("owner", s()),
        ("slug", s()),
        ("version", version()),
        ("changelog", ns()),
        ("published_at", dt()),
    ];
    version_view.extend(definition_props(true, false));
    let mut version_required = vec!["agent_id", "owner", "slug", "version", "changelog", "published_at", "tags"];
    version_required.extend(DEFINITION_ALWAYS);

    let mut create = vec![("slug", json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$" }))];
    create.extend(definition_props(true, true));

    let nullable_patch = |name: &str| json!({ "description": format!("New {name}, or null to remove it.") });
    let mut patch: Vec<(&str, Value)> = definition_props(true, true);
    for (name, schema) in patch.iter_mut() {
        if matches!(*name, "input_schema" | "output_schema" | "model" | "category" | "icon_url" | "documentation_url") {
            *schema = nullable_patch(name);
        }
    }

    json!({
        "Problem": obj(
            "An RFC 9457 problem document; every error answer is one (media type application/problem+json).",
            &[
                ("type", s()),
                ("title", s()),
                ("status", json!({ "type": "integer" })),
                ("detail", s()),
                ("code", json!({ "type": "string", "enum": codes })),
                ("request_id", ns()),
                ("errors", arr(r("FieldError"))),
                ("truncated", json!({ "type": "boolean", "description": "true when more than the 50 listed field errors were found" })),
            ],
            &["type", "title", "status", "detail", "code", "request_id"],
        ),
        "FieldError": obj(
            "One failing field of a validation error.",
            &[("field", s()), ("code", s()), ("message", s())],
            &["field", "code", "message"],
        ),
        "Tokens": obj(
            "An access token (JWT) and a single-use refresh token.",
            &[("access_token", s()), ("token_type", json!({ "type": "string", "enum": ["Bearer"] })),
              ("expires_in", int()), ("refresh_token", s())],
            &["access_token", "token_type", "expires_in", "refresh_token"],
        ),
        "Role": { "type": "string", "enum": ["user", "admin"] },
        "Profile": obj(
            "A user's own view of their account.",
            &[("id", id()), ("email", ns()), ("email_verified", boolean()), ("handle", s()),
              ("display_name", ns()), ("bio", ns()), ("avatar_url", ns()), ("role", r("Role")), ("created_at", dt())],
            &["id", "email", "email_verified", "handle", "display_name", "bio", "avatar_url", "role", "created_at"],
        ),
        "Registered": obj("The new account and its first session's tokens.",
            &[("user", r("Profile")), ("tokens", r("Tokens"))], &["user", "tokens"]),
        "Session": obj(
            "A login session.",
            &[("id", id()), ("created_at", dt()), ("last_used_at", dt()), ("user_agent", ns()), ("ip", ns()),
              ("current", boolean())],
            &["id", "created_at", "last_used_at", "user_agent", "ip", "current"],
        ),
        "SessionPage": page("Session"),
        "AuditRecord": obj(
            "One audit record: a state change.",
            &[("id", id()), ("at", dt()), ("actor", nid()), ("subject", nid()), ("action", s()), ("target", ns()),
              ("ip", ns()), ("details", any())],
            &["id", "at", "actor", "subject", "action", "target", "ip", "details"],
        ),
        "AuditPage": page("AuditRecord"),
        "AgentStatus": { "type": "string", "enum": ["draft", "listed", "unlisted", "deprecated", "deleted"] },
        "Mode": { "type": "string", "description": "A MIME type from the allow-list.", "enum": [
            "text/plain", "text/markdown", "text/html", "text/csv", "application/json", "application/pdf",
            "image/png", "image/jpeg", "image/webp", "audio/mpeg", "audio/wav"] },
        "Skill": obj(
            "A capability of an agent.",
            &[("id", s()), ("name", s()), ("description", s()), ("tags", strings()), ("examples", strings())],
            &["id", "name"],
        ),
        "ModelSettings": obj(
            "Model settings of an agent.",
            &[("name", s()), ("temperature", num()), ("max_tokens", int())],
            &["name"],
        ),
        "RatingSummary": obj("Mean stars (0 when unrated) and count.", &[("mean", num()), ("count", int())],
            &["mean", "count"]),
        "RatingDetail": obj(
            "Mean stars, count and the 1–5 histogram (index 0 is one star).",
            &[("mean", num()), ("count", int()),
              ("histogram", json!({ "type": "array", "items": int(), "minItems": 5, "maxItems": 5 }))],
            &["mean", "count", "histogram"],
        ),
        "AgentListItem": obj(
            "An agent in a marketplace list.",
            &[("id", id()), ("owner", s()), ("slug", s()), ("name", s()), ("tagline", s()), ("category", ns()),
              ("tags", strings()), ("input_modes", strings()), ("output_modes", strings()),
              ("latest_version", nversion()), ("install_count", int()), ("rating", r("RatingSummary")),
              ("updated_at", dt()), ("status", r("AgentStatus")), ("status_message", ns())],
            &["id", "owner", "slug", "name", "tagline", "category", "tags", "input_modes", "output_modes",
              "latest_version", "install_count", "rating", "updated_at", "status", "status_message"],
        ),
        "AgentPage": page("AgentListItem"),
        "AgentDetail": obj(
            "The public detail of a published agent (never the system prompt).",
            &[("id", id()), ("owner", s()), ("slug", s()), ("name", s()), ("tagline", s()), ("description", s()),
              ("category", ns()), ("tags", strings()), ("skills", arr(r("Skill"))), ("input_modes", strings()),
              ("output_modes", strings()), ("conversation_starters", strings()), ("icon_url", ns()),
              ("documentation_url", ns()), ("latest_version", nversion()), ("install_count", int()),
              ("rating", r("RatingDetail")), ("usage_30d", int()), ("status", r("AgentStatus")),
              ("status_message", ns()), ("created_at", dt()), ("updated_at", dt()), ("published_at", ndt()),
              ("installed", json!({ "type": ["boolean", "null"], "description": "null when anonymous" })),
              ("my_rating", nr("Review"))],
            &["id", "owner", "slug", "name", "tagline", "description", "category", "tags", "skills", "input_modes",
              "output_modes", "conversation_starters", "icon_url", "documentation_url", "latest_version",
              "install_count", "rating", "usage_30d", "status", "status_message", "created_at", "updated_at",
              "published_at", "installed", "my_rating"],
        ),
        "Review": obj(
            "A rating with its optional review text.",
            &[("id", id()),
              ("user", obj("The author.", &[("handle", s()), ("display_name", ns())], &["handle", "display_name"])),
              ("stars", json!({ "type": "integer", "minimum": 1, "maximum": 5 })), ("title", ns()), ("body", ns()),
              ("version", nversion()), ("created_at", dt()), ("updated_at", dt())],
            &["id", "user", "stars", "title", "body", "version", "created_at", "updated_at"],
        ),
        "ReviewPage": page("Review"),
        "InstalledAgent": obj(
            "One of the caller's installed agents.",
            &[("agent", r("AgentListItem")), ("pinned_version", nversion()), ("installed_at", dt()),
              ("updated_at", dt()), ("deleted", boolean())],
            &["agent", "pinned_version", "installed_at", "updated_at", "deleted"],
        ),
        "InstalledAgentPage": page("InstalledAgent"),
        "UsageEvent": obj(
            "A recorded usage event.",
            &[("agent_id", id()), ("user_id", id()), ("event", s()), ("units", int()), ("occurred_at", dt())],
            &["agent_id", "user_id", "event", "units", "occurred_at"],
        ),
        "DailyUsage": obj(
            "Usage of an agent on one UTC day.",
            &[("date", json!({ "type": "string", "format": "date" })), ("events", int()), ("units", int()),
              ("users", int())],
            &["date", "events", "units", "users"],
        ),
        "DailyUsagePage": page("DailyUsage"),
        "CreateAgent": obj("A new agent: its slug and the draft's definition fields.", &create, &["slug", "name"]),
        "DraftPatch": obj(
            "Changes to a draft; absent fields stay, lists are replaced whole.", &patch, &[]),
        "AgentDraft": obj("The owner's view of an agent and its draft.", &draft_view, &draft_required),
        "MyAgent": obj(
            "One of the caller's agents (drafts and deleted ones included).",
            &[("id", id()), ("owner", s()), ("slug", s()), ("name", s()), ("status", r("AgentStatus")),
              ("status_message", ns()), ("latest_version", nversion()), ("created_at", dt()), ("updated_at", dt())],
            &["id", "owner", "slug", "name", "status", "status_message", "latest_version", "created_at",
              "updated_at"],
        ),
        "MyAgentPage": page("MyAgent"),
        "Version": obj(
            "A published, immutable version; `system_prompt` only for the owner and admins.",
            &version_view,
            &version_required,
        ),
        "VersionPage": page("Version"),
        "AgentCard": obj(
            "An A2A AgentCard.",
            &[("name", s()), ("description", s()), ("url", s()), ("version", s()), ("protocolVersion", s()),
              ("provider", obj("The publisher.", &[("organization", s()), ("url", s())], &["organization", "url"])),
              ("capabilities", obj("Optional protocol features.",
                  &[("streaming", boolean()), ("pushNotifications", boolean())], &["streaming", "pushNotifications"])),
              ("defaultInputModes", strings()), ("defaultOutputModes", strings()),
              ("skills", arr(obj("A skill.", &[("id", s()), ("name", s()), ("description", s()), ("tags", strings()),
                  ("examples", strings()), ("inputModes", strings()), ("outputModes", strings())],
                  &["id", "name", "description", "tags"]))),
              ("documentationUrl", s()), ("iconUrl", s())],
            &["name", "description", "url", "version", "protocolVersion", "provider", "capabilities",
              "defaultInputModes", "defaultOutputModes", "skills"],
        ),
        "ChatRequest": obj(
            "The exact OpenAI-style chat-completions request the agent would send.",
            &[("model", s()),
              ("messages", arr(obj("A message.", &[("role", s()), ("content", s())], &["role", "content"]))),
              ("temperature", num()), ("max_tokens", int()), ("response_format", any())],
            &["model", "messages"],
        ),
        "Preview": obj(
            "What the draft would look like and send.",
            &[("card", r("AgentCard")), ("chat_request", r("ChatRequest")), ("warnings", arr(r("FieldError"))),
              ("model_response", json!({ "oneOf": [
                  obj("The model's answer.", &[("content", s()), ("model", ns())], &["content", "model"]),
                  { "type": "null" }] }))],
            &["card", "chat_request", "warnings", "model_response"],
        ),
        "Agent": obj(
            "An agent's metadata (administration answers).",
            &[("id", id()), ("owner_id", id()), ("slug", s()), ("status", r("AgentStatus")), ("status_message", ns()),
              ("latest_version", nversion()), ("created_at", dt()), ("updated_at", dt()), ("published_at", ndt())],
            &["id", "owner_id", "slug", "status", "status_message", "latest_version", "created_at", "updated_at",
              "published_at"],
        ),
    })
}

/// One operation of the table below.
struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    /// `Some(true)` bearer required, `Some(false)` optional, `None` anonymous.
    auth: Option<bool>,
    params: &'static [&'static str],
    /// Request body schema and whether it is required.
    body: Option<(&'static str, bool)>,
    /// Success status and answer schema (None: no body).
    ok: (u16, Option<&'static str>),
    /// Error statuses besides the common ones.
    errors: &'static [u16],
}

const AGENT: &[&str] = &["owner", "slug"];

#[rustfmt::skip]
const OPS: &[Op] = &[
    Op { method: "post", path: "/v1/auth/register", tag: "accounts", summary: "Register an account", auth: None, params: &[], body: Some(("RegisterRequest", true)), ok: (201, Some("Registered")), errors: &[409, 422, 429] },
    Op { method: "post", path: "/v1/auth/login", tag: "accounts", summary: "Log in with email and password", auth: None, params: &[], body: Some(("LoginRequest", true)), ok: (200, Some("Tokens")), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/refresh", tag: "accounts", summary: "Rotate the refresh token for new tokens", auth: None, params: &[], body: Some(("RefreshRequest", true)), ok: (200, Some("Tokens")), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/logout", tag: "accounts", summary: "End this session", auth: Some(true), params: &[], body: None, ok: (204, None), errors: &[429] },
    Op { method: "post", path: "/v1/auth/logout-all", tag: "accounts", summary: "End every session of the user", auth: Some(true), params: &[], body: None, ok: (204, None), errors: &[429] },
    Op { method: "get", path: "/v1/auth/sessions", tag: "accounts", summary: "List my active sessions", auth: Some(true), params: &[], body: None, ok: (200, Some("SessionPage")), errors: &[429] },
    Op { method: "delete", path: "/v1/auth/sessions/{id}", tag: "accounts", summary: "End one of my sessions", auth: Some(true), params: &["id"], body: None, ok: (204, None), errors: &[404, 429] },
    Op { method: "post", path: "/v1/auth/password/forgot", tag: "accounts", summary: "Ask for a password-reset message (same answer for unknown emails)", auth: None, params: &[], body: Some(("EmailRequest", true)), ok: (202, None), errors: &[429] },
    Op { method: "post", path: "/v1/auth/password/reset", tag: "accounts", summary: "Reset the password with a reset token; ends every session", auth: None, params: &[], body: Some(("ResetRequest", true)), ok: (204, None), errors: &[401, 422, 429] },
    Op { method: "post", path: "/v1/auth/password/change", tag: "accounts", summary: "Change my password; ends my other sessions", auth: Some(true), params: &[], body: Some(("ChangeRequest", true)), ok: (204, None), errors: &[422, 429] },
    Op { method: "post", path: "/v1/auth/email/verify", tag: "accounts", summary: "Verify my email with a verification token", auth: None, params: &[], body: Some(("TokenRequest", true)), ok: (204, None), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/email/verify/resend", tag: "accounts", summary: "Send a new verification message", auth: Some(true), params: &[], body: None, ok: (202, None), errors: &[409, 429] },
    Op { method: "get", path: "/v1/me", tag: "accounts", summary: "My profile", auth: Some(true), params: &[], body: None, ok: (200, Some("Profile")), errors: &[] },
    Op { method: "patch", path: "/v1/me", tag: "accounts", summary: "Change my profile", auth: Some(true), params: &[], body: Some(("ProfilePatch", true)), ok: (200, Some("Profile")), errors: &[409, 422] },
    Op { method: "delete", path: "/v1/me", tag: "accounts", summary: "Delete my account (password required)", auth: Some(true), params: &[], body: Some(("DeleteAccountRequest", true)), ok: (204, None), errors: &[] },
    Op { method: "get", path: "/v1/me/audit", tag: "accounts", summary: "Audit records about me, newest first", auth: Some(true), params: &["limit", "cursor"], body: None, ok: (200, Some("AuditPage")), errors: &[422] },
    Op { method: "get", path: "/v1/agents", tag: "marketplace", summary: "List and search published agents", auth: Some(false), params: &["q", "category", "tag", "input_mode", "output_mode", "owner", "sort", "limit", "cursor"], body: None, ok: (200, Some("AgentPage")), errors: &[422] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}", tag: "marketplace", summary: "An agent's detail", auth: Some(false), params: AGENT, body: None, ok: (200, Some("AgentDetail")), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/versions", tag: "marketplace", summary: "Published versions, newest first", auth: Some(false), params: AGENT, body: None, ok: (200, Some("VersionPage")), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/versions/{version}", tag: "marketplace", summary: "One published version", auth: Some(false), params: &["owner", "slug", "version"], body: None, ok: (200, Some("Version")), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/card", tag: "marketplace", summary: "The A2A AgentCard of a version (latest by default)", auth: Some(false), params: &["owner", "slug", "card_version"], body: None, ok: (200, Some("AgentCard")), errors: &[404] },
    Op { method: "put", path: "/v1/me/installs/{owner}/{slug}", tag: "marketplace", summary: "Install an agent (201 new, 200 already installed), optionally pinned", auth: Some(true), params: AGENT, body: Some(("InstallRequest", false)), ok: (201, Some("InstalledAgent")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/me/installs/{owner}/{slug}", tag: "marketplace", summary: "Uninstall an agent (also when not installed)", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/me/installs", tag: "marketplace", summary: "My installed agents", auth: Some(true), params: &["limit", "cursor"], body: None, ok: (200, Some("InstalledAgentPage")), errors: &[422] },
    Op { method: "put", path: "/v1/agents/{owner}/{slug}/rating", tag: "marketplace", summary: "Rate an installed agent (one per user, upsert; not your own)", auth: Some(true), params: AGENT, body: Some(("RateRequest", true)), ok: (200, Some("Review")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/agents/{owner}/{slug}/rating", tag: "marketplace", summary: "Delete my rating", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/reviews", tag: "marketplace", summary: "An agent's reviews", auth: None, params: &["owner", "slug", "review_sort", "limit", "cursor"], body: None, ok: (200, Some("ReviewPage")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/usage", tag: "marketplace", summary: "Record a usage event (installing users only)", auth: Some(true), params: AGENT, body: Some(("UsageRequest", false)), ok: (202, Some("UsageEvent")), errors: &[404, 409, 422] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/usage", tag: "marketplace", summary: "Per-day usage (owner or admin)", auth: Some(true), params: &["owner", "slug", "from", "to"], body: None, ok: (200, Some("DailyUsagePage")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents", tag: "builder", summary: "Create an agent with its draft", auth: Some(true), params: &[], body: Some(("CreateAgent", true)), ok: (201, Some("AgentDraft")), errors: &[409, 422] },
    Op { method: "get", path: "/v1/me/agents", tag: "builder", summary: "My agents, drafts included", auth: Some(true), params: &[], body: None, ok: (200, Some("MyAgentPage")), errors: &[] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/draft", tag: "builder", summary: "Read the draft (owner or admin)", auth: Some(true), params: AGENT, body: None, ok: (200, Some("AgentDraft")), errors: &[404] },
    Op { method: "patch", path: "/v1/agents/{owner}/{slug}/draft", tag: "builder", summary: "Edit the draft (owner only)", auth: Some(true), params: AGENT, body: Some(("DraftPatch", true)), ok: (200, Some("AgentDraft")), errors: &[404, 409, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/preview", tag: "builder", summary: "Preview the draft: card, chat request, warnings", auth: Some(true), params: AGENT, body: Some(("PreviewRequest", false)), ok: (200, Some("Preview")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/versions", tag: "builder", summary: "Publish the draft as an immutable version", auth: Some(true), params: AGENT, body: Some(("PublishRequest", true)), ok: (201, Some("Version")), errors: &[404, 409, 422] },
    Op { method: "patch", path: "/v1/agents/{owner}/{slug}", tag: "builder", summary: "Change the status: listed, unlisted, deprecated", auth: Some(true), params: AGENT, body: Some(("StatusChange", true)), ok: (200, Some("MyAgent")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/agents/{owner}/{slug}", tag: "builder", summary: "Soft-delete an agent", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/admin/audit", tag: "administration", summary: "The audit trail", auth: Some(true), params: &["actor", "subject", "action", "target", "from_time", "to_time", "limit", "cursor"], body: None, ok: (200, Some("AuditPage")), errors: &[422] },
    Op { method: "patch", path: "/v1/admin/agents/{owner}/{slug}", tag: "administration", summary: "Moderate an agent (unlist, delete, ...)", auth: Some(true), params: AGENT, body: Some(("Moderation", true)), ok: (200, Some("Agent")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/admin/reviews/{id}", tag: "administration", summary: "Remove a review", auth: Some(true), params: &["id"], body: None, ok: (204, None), errors: &[404] },
    Op { method: "patch", path: "/v1/admin/users/{id}", tag: "administration", summary: "Disable or enable a user, or change their role", auth: Some(true), params: &["id"], body: Some(("AdminUserUpdate", true)), ok: (200, Some("Profile")), errors: &[404, 409, 422] },
    Op { method: "get", path: "/healthz", tag: "operations", summary: "Liveness: the process answers", auth: None, params: &[], body: None, ok: (200, Some("Status")), errors: &[] },
    Op { method: "get", path: "/readyz", tag: "operations", summary: "Readiness: the store answers (503 otherwise)", auth: None, params: &[], body: None, ok: (200, Some("Status")), errors: &[] },
    Op { method: "get", path: "/.well-known/jwks.json", tag: "operations", summary: "Public keys of access tokens (empty for HS256)", auth: None, params: &[], body: None, ok: (200, Some("Jwks")), errors: &[] },
];

fn request_bodies() -> Value {
    let password = json!({ "type": "string", "minLength": 1 });
    let new_password = json!({ "type": "string", "minLength": 8, "maxLength": 128,
        "description": "8 to 128 characters, not a common password; no composition rules." });
    let when = json!({ "type": ["string", "null"], "format": "date-time",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$" });
    json!({
        "RegisterRequest": obj("A new account.", &[("email", json!({ "type": "string", "format": "email" })), ("password", new_password.clone()),
            ("handle", json!({ "type": ["string", "null"], "description": "^[a-z0-9][a-z0-9-]{1,30}$; derived from the email when absent" })),
            ("display_name", ns())], &["email", "password"]),
        "LoginRequest": obj("Credentials.", &[("email", s()), ("password", password.clone())], &["email", "password"]),
        "RefreshRequest": obj("A refresh token.", &[("refresh_token", s())], &["refresh_token"]),
        "EmailRequest": obj("An email address.", &[("email", s())], &["email"]),
        "ResetRequest": obj("A reset token and the new password.", &[("token", s()), ("new_password", new_password.clone())],
            &["token", "new_password"]),
        "ChangeRequest": obj("The current and the new password.",
            &[("current_password", s()), ("new_password", new_password)], &["current_password", "new_password"]),
        "TokenRequest": obj("A verification token.", &[("token", s())], &["token"]),
        "ProfilePatch": obj("Changes to the profile; null clears an optional field.",
            &[("handle", s()), ("display_name", ns()), ("bio", ns()), ("avatar_url", ns())], &[]),
        "DeleteAccountRequest": obj("The account's password.", &[("password", s())], &[]),
        "InstallRequest": obj("Optionally pin a published version.", &[("version", nversion())], &[]),
        "RateRequest": obj("1 to 5 stars and an optional review.",
            &[("stars", json!({ "type": "integer", "minimum": 1, "maximum": 5 })), ("title", ns()), ("body", ns())],
            &["stars"]),
        "UsageRequest": obj("A usage event; every field has a default.",
            &[("event", json!({ "type": ["string", "null"], "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$" })),
              ("units", json!({ "type": ["integer", "null"], "minimum": 0, "maximum": 1_000_000_000_000u64 })),
              ("occurred_at", when)],
            &[]),
        "PreviewRequest": obj("A sample input.", &[("input", ns())], &[]),
        "PublishRequest": obj("The version to publish.", &[("version", s()), ("changelog", ns())], &["version"]),
        "StatusChange": obj("A new status.", &[("status", r("AgentStatus")), ("status_message", ns())], &["status"]),
        "Moderation": obj("A new status set by an administrator.",
            &[("status", r("AgentStatus")), ("status_message", ns())], &["status"]),
        "AdminUserUpdate": obj("Changes to a user; absent fields stay.",
            &[("disabled", json!({ "type": ["boolean", "null"] })), ("role", json!({ "oneOf": [r("Role"), { "type": "null" }] }))], &[]),
        "Status": obj("A health answer.", &[("status", s()), ("store", s())], &["status"]),
        "Jwks": obj("A JWK set.", &[("keys", arr(any()))], &["keys"]),
    })
}

fn parameter(name: &str) -> Value {
    let path = |name: &str, description: &str, schema: Value| json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema });
    let query = |name: &str, description: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema });
    match name {
        "owner" => path("owner", "The owner's handle.", s()),
        "slug" => path("slug", "The agent's slug.", s()),
        "version" => path("version", "A published semantic version.", s()),
        "id" => path("id", "A UUID.", id()),
        "limit" => query(
            "limit",
            "Page size, 1 to 100 (default 20).",
            json!({ "type": "integer", "minimum": 1, "maximum": 100 }),
        ),
        "cursor" => query("cursor", "The `next_cursor` of the previous page (same sort and filters).", s()),
        "q" => query("q", "Full-text query over name, tagline, description, skills and tags.", s()),
        "category" => query("category", "Only this category.", s()),
        "tag" => query("tag", "Only agents with this tag.", s()),
        "input_mode" => query("input_mode", "Only agents accepting this MIME type.", s()),
        "output_mode" => query("output_mode", "Only agents producing this MIME type.", s()),
        "owner_q" => query("owner", "Only agents of this handle.", s()),
        "sort" => query(
            "sort",
            "Order (default `relevance` with `q`, else `popular`).",
            json!({ "type": "string", "enum": ["popular", "rating", "newest", "trending", "name", "relevance"] }),
        ),
        "review_sort" => query("sort", "Order of reviews.", json!({ "type": "string", "enum": ["newest", "stars"] })),
        "card_version" => query("version", "A published version (default: the latest).", s()),
        "from" => {
            query("from", "First UTC day (default 29 days before `to`).", json!({ "type": "string", "format": "date" }))
        }
        "to" => query("to", "Last UTC day (default today).", json!({ "type": "string", "format": "date" })),
        "actor" => query("actor", "Only records by this user.", id()),
        "subject" => query("subject", "Only records about this user.", id()),
        "action" => query("action", "Only this action, e.g. `user.registered`.", s()),
        "target" => query("target", "Only this target, e.g. `agent:<id>`.", s()),
        "from_time" => query("from", "At or after this time.", dt()),
        "to_time" => query("to", "Before this time.", dt()),
        other => query(other, "", s()),
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": r("Problem") } }
    })
}

fn status_description(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        400 => "malformed_request: unparsable JSON, wrong types, bad parameters or cursor",
        401 => "unauthenticated, invalid_credentials, token_expired, token_invalid or token_reused",
        403 => "forbidden: authenticated but not allowed",
        404 => "not_found: absent, or not visible to the caller",
        405 => "malformed_request: the route does not support this method (see `Allow`)",
        409 => "email_taken, handle_taken, slug_taken, version_exists or conflict",
        413 => "payload_too_large: the body is over the limit",
        422 => "validation_failed: `errors` names each failing field",
        429 => "rate_limited: retry after `Retry-After` seconds",
        500 => "internal: unexpected; quote the request id",
        503 => "unavailable: storage down or shutting down; retry",
        _ => "",
    }
}

fn operation(op: &Op) -> Value {
    // On the list route `owner` is a filter, not a path segment.
    let params: Vec<Value> = op
        .params
        .iter()
        .map(|p| if *p == "owner" && op.path == "/v1/agents" { parameter("owner_q") } else { parameter(p) })
        .collect();
    let mut responses = Map::new();
    let (status, schema) = op.ok;
    let mut ok = json!({ "description": status_description(status) });
    if let Some(schema) = schema {
        ok["content"] = json!({ "application/json": { "schema": r(schema) } });
    }
    responses.insert(status.to_string(), ok);
    if op.path == "/v1/me/installs/{owner}/{slug}" && op.method == "put" {
        responses.insert(
            "200".into(),
            json!({ "description": "Already installed (pin updated)",
                    "content": { "application/json": { "schema": r("InstalledAgent") } } }),
        );
    }
    let mut errors: Vec<u16> = op.errors.to_vec();
    if op.path.starts_with("/v1/") {
        errors.extend([400, 500, 503]);
    }
    if op.auth == Some(true) || op.auth == Some(false) {
        errors.extend([401, 403]);
    }
    if op.body.is_some() {
        errors.push(413);
    }
    if op.path == "/readyz" {
        errors.push(503);
    }
    errors.sort_unstable();
    errors.dedup();
    for status in errors {
        responses.insert(status.to_string(), problem_response(status_description(status)));
    }
    let mut value = json!({
        "operationId": format!("{}_{}", op.method, op.path.trim_start_matches('/').replace(['/', '.', '-'], "_").replace(['{', '}'], "")),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
    });
    match op.auth {
        Some(true) => value["security"] = json!([{ "bearer": [] }]),
        Some(false) => value["security"] = json!([{}, { "bearer": [] }]),
        None => value["security"] = json!([]),
    }
    if let Some((schema, required)) = op.body {
        value["requestBody"] = json!({
            "required": required,
            "content": { "application/json": { "schema": r(schema) } }
        });
    }
    value
}

/// The whole OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPS {
        let entry = paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    let mut schemas = schemas();
    if let (Some(all), Value::Object(bodies)) = (schemas.as_object_mut(), request_bodies()) {
        all.extend(bodies);
    }
    let codes: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| json!({ "code": c.as_str(), "status": c.http_status(), "title": title_of(*c) }))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "agentmart API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON API of agentmart, an AI-agent marketplace: accounts and sessions, a builder for \
    custom agents, and a marketplace to browse, install, rate and use them.\n\nConventions: JSON bodies in and out, \
    snake_case fields, ids are UUIDv7 strings, times are RFC 3339 UTC. Authenticated routes take \
    `Authorization: Bearer <access token>`. Lists take `limit` (1–100, default 20) and `cursor` and answer \
    `{items, next_cursor}`. Every error is an RFC 9457 `application/problem+json` document with a stable `code` \
    (see `x-error-codes`); every answer carries `x-request-id`. A method a route does not support answers 405 with \
    code `malformed_request`; a request over the timeout answers 503 `unavailable`.",
        },
        "servers": [{ "url": ".", "description": "Relative to where this document is served" }],
        "tags": [
            { "name": "accounts", "description": "Registration, login, sessions, password and email flows, profile." },
            { "name": "marketplace", "description": "Listing, search, detail, installs, ratings, reviews, usage." },
            { "name": "builder", "description": "The caller's own agents: drafts, preview, publish, status." },
            { "name": "administration", "description": "Audit trail and moderation (role admin)." },
            { "name": "operations", "description": "Health, readiness and keys." }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } }
        },
        "x-error-codes": codes,
    })
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn schema_text(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        return options.iter().map(schema_text).collect::<Vec<_>>().join(" | ");
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ => "any".to_string(),
    };
    let mut text = esc(&kind);
    if let Some(items) = schema.get("items") {
        text = format!("array of {}", schema_text(items));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|v| esc(&v.to_string())).collect();
        text.push_str(&format!(" ({})", values.join(", ")));
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        text.push_str(&format!(" <small>{}</small>", esc(format)));
    }
    text
}

/// The reference page (`GET /docs`), rendered from [`document`]; its styles are at `docs.css`.
pub fn docs_html(doc: &Value) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>agentmart API reference</title><link rel=\"stylesheet\" href=\"docs.css\"></head><body><main>",
    );
    html.push_str(&format!(
        "<h1>agentmart API <small>{}</small></h1><p>{}</p><p>Machine-readable: <a href=\"openapi.json\">openapi.json</a>.</p>",
        esc(doc["info"]["version"].as_str().unwrap_or("")),
        esc(doc["info"]["description"].as_str().unwrap_or("")).replace("\n\n", "</p><p>")
    ));
    html.push_str("<h2 id=\"errors\">Error codes</h2><table><tr><th>code</th><th>HTTP</th><th>title</th></tr>");
    for code in doc["x-error-codes"].as_array().into_iter().flatten() {
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(code["code"].as_str().unwrap_or("")),
            code["status"],
            esc(code["title"].as_str().unwrap_or(""))
        ));
    }
    html.push_str("</table>");
    for tag in doc["tags"].as_array().into_iter().flatten() {
        let name = tag["name"].as_str().unwrap_or("");
        html.push_str(&format!(
            "<h2 id=\"tag-{0}\">{0}</h2><p>{1}</p>",
            esc(name),
            esc(tag["description"].as_str().unwrap_or(""))
        ));
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if op["tags"][0] != name {
                    continue;
                }
                let lock = match op["security"].as_array().map(Vec::len) {
                    Some(1) => " <span class=\"auth\">bearer</span>",
                    Some(2) => " <span class=\"auth opt\">bearer optional</span>",
                    _ => "",
                };
                html.push_str(&format!(
                    "<section class=\"op\"><h3><span class=\"m {0}\">{1}</span> <code>{2}</code>{3}</h3><p>{4}</p>",
                    esc(method),
                    esc(&method.to_uppercase()),
                    esc(path),
                    lock,
                    esc(op["summary"].as_str().unwrap_or(""))
                ));
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                if !params.is_empty() {
                    html.push_str("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>");
                    for p in params {
                        html.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(p["name"].as_str().unwrap_or("")),
                            esc(p["in"].as_str().unwrap_or("")),
                            schema_text(&p["schema"]),
                            esc(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    html.push_str("</table>");
                }
                if let Some(body) = op.get("requestBody") {
                    let required = if body["required"] == true { "" } else { " (optional)" };
                    html.push_str(&format!(
                        "<p>Body{}: {}</p>",
                        required,
                        schema_text(&body["content"]["application/json"]["schema"])
                    ));
                }
                html.push_str("<ul class=\"responses\">");
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let schema = response["content"]
                        .as_object()
                        .and_then(|c| c.values().next())
                        .map(|m| format!(" → {}", schema_text(&m["schema"])))
                        .unwrap_or_default();
                    html.push_str(&format!(
                        "<li><b>{}</b> {}{}</li>",
                        esc(status),
                        esc(response["description"].as_str().unwrap_or("")),
                        schema
                    ));
                }
                html.push_str("</ul></section>");
            }
        }
    }
    html.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"].as_object().into_iter().flatten() {
        html.push_str(&format!(
            "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3><p>{1}</p>",
            esc(name),
            esc(schema["description"].as_str().unwrap_or(""))
        ));
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if let Some(props) = schema["properties"].as_object() {
            html.push_str("<table><tr><th>field</th><th>type</th><th></th></tr>");
            for (field, field_schema) in props {
                let mark = if required.contains(&field.as_str()) { "always" } else { "optional" };
                html.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(field),
                    schema_text(field_schema),
                    mark
                ));
            }
            html.push_str("</table>");
        } else {
            html.push_str(&format!("<p>{}</p>", schema_text(schema)));
        }
        html.push_str("</section>");
    }
    html.push_str("</main></body></html>");
    html
}

/// The stylesheet of the reference page.
pub const DOCS_CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#fafafa;color:#222}\
main{max-width:60rem;margin:0 auto;padding:1rem 2rem}h1 small{color:#777;font-size:60%}\
h2{border-bottom:2px solid #ddd;margin-top:2.5rem}section{background:#fff;border:1px solid #e3e3e3;\
border-radius:6px;padding:.5rem 1rem;margin:1rem 0}h3{margin:.3rem 0;font-size:1rem}\
.m{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;padding:0 .4rem;\
font-size:.8rem}.get{background:#2b7bb9}.post{background:#2f9e44}.put{background:#e67700}\
.patch{background:#9c36b5}.delete{background:#c92a2a}.auth{font-size:.75rem;background:#eee;border-radius:4px;\
padding:0 .4rem;margin-left:.5rem}.opt{background:#f6f6f6;color:#777}table{border-collapse:collapse;\
margin:.5rem 0;width:100%}td,th{border-bottom:1px solid #eee;text-align:left;padding:.2rem .5rem;\
vertical-align:top}code{font-family:ui-monospace,monospace;font-size:.9em}ul.responses{margin:.3rem 0}\
small{color:#888}";

/// The document, serialized once.
pub(crate) fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| document().to_string())
}

/// The reference page, rendered once.
pub(crate) fn docs_page() -> &'static str {
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HTML.get_or_init(|| docs_html(&document()))
}
