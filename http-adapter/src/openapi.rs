//! The OpenAPI 3.1 document of the router (`GET /openapi.json`) and the
//! reference page rendered from it (`GET /docs`, self-contained: no script, no
//! CDN).
//!
//! The paths and operations are written here; every component schema of a
//! core type, and every limit (lengths, counts, ranges, patterns, the MIME
//! allow-list, page sizes), comes from [`agentmart_core::schema::components`],
//! which derives them from the core's types and validation constants. Only the
//! shapes that exist in HTTP alone (the problem document, the small bodies of
//! the token and password routes, health and JWKS answers) are described here.
//!
//! `tests/api` checks that every documented operation is routed, that the
//! answers of a full walkthrough conform to the documented schemas, and that
//! the document's limits are the core's constants.

use agentmart_core::{DEFAULT_PAGE_SIZE, ErrorCode, MAX_PAGE_SIZE};
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
fn id() -> Value {
    json!({ "type": "string", "format": "uuid" })
}
fn arr(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An object schema; `required` lists the keys always present.
fn obj(description: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut properties = Map::new();
    for (name, schema) in props {
        properties.insert((*name).to_string(), schema.clone());
    }
    json!({ "type": "object", "description": description, "properties": properties, "required": required })
}

/// Every component: the core's, then the shapes only HTTP has.
fn schemas() -> Map<String, Value> {
    let mut all = agentmart_core::schema::components();
    // The password rule of registration (core's policy defaults) is the rule of every new password.
    let new_password = all["RegisterRequest"]["properties"]["password"].clone();
    let http_only = json!({
        "Problem": obj(
            "An RFC 9457 problem document; every error answer is one (media type application/problem+json).",
            &[
                ("type", s()),
                ("title", s()),
                ("status", json!({ "type": "integer" })),
                ("detail", s()),
                ("code", r("ErrorCode")),
                ("request_id", ns()),
                ("errors", arr(r("FieldError"))),
                ("truncated", json!({ "type": "boolean", "description": "true when more than the 50 listed field errors were found" })),
            ],
            &["type", "title", "status", "detail", "code", "request_id"],
        ),
        "RefreshRequest": obj("A refresh token.", &[("refresh_token", s())], &["refresh_token"]),
        "EmailRequest": obj("An email address.", &[("email", s())], &["email"]),
        "ResetRequest": obj("A reset token and the new password.",
            &[("token", s()), ("new_password", new_password.clone())], &["token", "new_password"]),
        "ChangeRequest": obj("The current and the new password.",
            &[("current_password", s()), ("new_password", new_password)], &["current_password", "new_password"]),
        "TokenRequest": obj("A verification token.", &[("token", s())], &["token"]),
        "EmailChangeRequest": obj("The new address and the current password (re-authentication).",
            &[("new_email", s()), ("password", s())], &["new_email", "password"]),
        "DeleteAccountRequest": obj("The account's password.", &[("password", s())], &[]),
        "Status": obj("A health answer.", &[("status", s()), ("store", s())], &["status"]),
        "Jwks": obj("A JWK set.", &[("keys", arr(json!({})))], &["keys"]),
    });
    if let Value::Object(http_only) = http_only {
        for (name, schema) in http_only {
            debug_assert!(!all.contains_key(&name), "{name} is a core component");
            all.insert(name, schema);
        }
    }
    all
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
    Op { method: "post", path: "/v1/auth/login", tag: "accounts", summary: "Log in with email and password", auth: None, params: &[], body: Some(("LoginRequest", true)), ok: (200, Some("TokenPair")), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/refresh", tag: "accounts", summary: "Rotate the refresh token for new tokens", auth: None, params: &[], body: Some(("RefreshRequest", true)), ok: (200, Some("TokenPair")), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/logout", tag: "accounts", summary: "End this session", auth: Some(true), params: &[], body: None, ok: (204, None), errors: &[429] },
    Op { method: "post", path: "/v1/auth/logout-all", tag: "accounts", summary: "End every session of the user", auth: Some(true), params: &[], body: None, ok: (204, None), errors: &[429] },
    Op { method: "post", path: "/v1/auth/logout-others", tag: "accounts", summary: "End every session of the user but this one", auth: Some(true), params: &[], body: None, ok: (204, None), errors: &[429] },
    Op { method: "get", path: "/v1/auth/sessions", tag: "accounts", summary: "My active sessions, newest first", auth: Some(true), params: &["limit", "cursor"], body: None, ok: (200, Some("SessionInfoPage")), errors: &[422, 429] },
    Op { method: "delete", path: "/v1/auth/sessions/{id}", tag: "accounts", summary: "End one of my sessions", auth: Some(true), params: &["id"], body: None, ok: (204, None), errors: &[404, 429] },
    Op { method: "post", path: "/v1/auth/password/forgot", tag: "accounts", summary: "Ask for a password-reset message (same answer for unknown emails)", auth: None, params: &[], body: Some(("EmailRequest", true)), ok: (202, None), errors: &[429] },
    Op { method: "post", path: "/v1/auth/password/reset", tag: "accounts", summary: "Reset the password with a reset token; ends every session", auth: None, params: &[], body: Some(("ResetRequest", true)), ok: (204, None), errors: &[401, 422, 429] },
    Op { method: "post", path: "/v1/auth/password/change", tag: "accounts", summary: "Change my password; ends my other sessions", auth: Some(true), params: &[], body: Some(("ChangeRequest", true)), ok: (204, None), errors: &[422, 429] },
    Op { method: "post", path: "/v1/auth/email/verify", tag: "accounts", summary: "Verify my email with a verification token", auth: None, params: &[], body: Some(("TokenRequest", true)), ok: (204, None), errors: &[401, 429] },
    Op { method: "post", path: "/v1/auth/email/change", tag: "accounts", summary: "Change my email: needs my password; sends a 10-minute single-use link to the new address", auth: Some(true), params: &[], body: Some(("EmailChangeRequest", true)), ok: (202, None), errors: &[401, 409, 422, 429] },
    Op { method: "post", path: "/v1/auth/email/change/confirm", tag: "accounts", summary: "Confirm an email change with the link sent to the new address; tells the old address", auth: None, params: &[], body: Some(("TokenRequest", true)), ok: (204, None), errors: &[401, 409, 429] },
    Op { method: "post", path: "/v1/auth/email/verify/resend", tag: "accounts", summary: "Send a new verification message", auth: Some(true), params: &[], body: None, ok: (202, None), errors: &[409, 429] },
    Op { method: "get", path: "/v1/me", tag: "accounts", summary: "My profile", auth: Some(true), params: &[], body: None, ok: (200, Some("Profile")), errors: &[] },
    Op { method: "patch", path: "/v1/me", tag: "accounts", summary: "Change my profile", auth: Some(true), params: &[], body: Some(("ProfilePatch", true)), ok: (200, Some("Profile")), errors: &[409, 422] },
    Op { method: "delete", path: "/v1/me", tag: "accounts", summary: "Delete my account (password required)", auth: Some(true), params: &[], body: Some(("DeleteAccountRequest", true)), ok: (204, None), errors: &[] },
    Op { method: "get", path: "/v1/me/audit", tag: "accounts", summary: "Audit records about me, newest first", auth: Some(true), params: &["limit", "cursor"], body: None, ok: (200, Some("AuditRecordPage")), errors: &[422] },
    Op { method: "get", path: "/v1/agents", tag: "marketplace", summary: "List and search published agents", auth: Some(false), params: &["q", "category", "tag", "input_mode", "output_mode", "owner", "sort", "limit", "cursor"], body: None, ok: (200, Some("AgentListItemPage")), errors: &[422] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}", tag: "marketplace", summary: "An agent's detail", auth: Some(false), params: AGENT, body: None, ok: (200, Some("AgentDetail")), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/versions", tag: "marketplace", summary: "Published versions, newest first", auth: Some(false), params: &["owner", "slug", "limit", "cursor"], body: None, ok: (200, Some("VersionViewPage")), errors: &[404, 422] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/versions/{version}", tag: "marketplace", summary: "One published version", auth: Some(false), params: &["owner", "slug", "version"], body: None, ok: (200, Some("VersionView")), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/card", tag: "marketplace", summary: "The A2A AgentCard of a version (latest by default)", auth: Some(false), params: &["owner", "slug", "card_version"], body: None, ok: (200, Some("AgentCard")), errors: &[404] },
    Op { method: "put", path: "/v1/me/installs/{owner}/{slug}", tag: "marketplace", summary: "Install an agent (201 new, 200 already installed), optionally pinned", auth: Some(true), params: AGENT, body: Some(("InstallRequest", false)), ok: (201, Some("InstalledAgent")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/me/installs/{owner}/{slug}", tag: "marketplace", summary: "Uninstall an agent (also when not installed)", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/me/installs", tag: "marketplace", summary: "My installed agents", auth: Some(true), params: &["limit", "cursor"], body: None, ok: (200, Some("InstalledAgentPage")), errors: &[422] },
    Op { method: "put", path: "/v1/agents/{owner}/{slug}/rating", tag: "marketplace", summary: "Rate an installed agent (one per user, upsert; not your own)", auth: Some(true), params: AGENT, body: Some(("RateRequest", true)), ok: (200, Some("ReviewView")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/agents/{owner}/{slug}/rating", tag: "marketplace", summary: "Delete my rating", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/reviews", tag: "marketplace", summary: "An agent's reviews", auth: None, params: &["owner", "slug", "review_sort", "limit", "cursor"], body: None, ok: (200, Some("ReviewViewPage")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/usage", tag: "marketplace", summary: "Record a usage event (installing users only)", auth: Some(true), params: AGENT, body: Some(("UsageRequest", false)), ok: (202, Some("UsageEvent")), errors: &[404, 409, 422] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/usage", tag: "marketplace", summary: "Per-day usage (owner or admin)", auth: Some(true), params: &["owner", "slug", "from", "to"], body: None, ok: (200, Some("DailyUsagePage")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents", tag: "builder", summary: "Create an agent with its draft", auth: Some(true), params: &[], body: Some(("CreateAgent", true)), ok: (201, Some("AgentDraftView")), errors: &[409, 422] },
    Op { method: "get", path: "/v1/me/agents", tag: "builder", summary: "My agents, drafts included", auth: Some(true), params: &[], body: None, ok: (200, Some("MyAgentPage")), errors: &[] },
    Op { method: "get", path: "/v1/agents/{owner}/{slug}/draft", tag: "builder", summary: "Read the draft (owner or admin)", auth: Some(true), params: AGENT, body: None, ok: (200, Some("AgentDraftView")), errors: &[404] },
    Op { method: "patch", path: "/v1/agents/{owner}/{slug}/draft", tag: "builder", summary: "Edit the draft (owner only)", auth: Some(true), params: AGENT, body: Some(("DraftPatch", true)), ok: (200, Some("AgentDraftView")), errors: &[404, 409, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/preview", tag: "builder", summary: "Preview the draft: card, chat request, warnings", auth: Some(true), params: AGENT, body: Some(("PreviewRequest", false)), ok: (200, Some("Preview")), errors: &[404, 422] },
    Op { method: "post", path: "/v1/agents/{owner}/{slug}/versions", tag: "builder", summary: "Publish the draft as an immutable version", auth: Some(true), params: AGENT, body: Some(("PublishRequest", true)), ok: (201, Some("VersionView")), errors: &[404, 409, 422] },
    Op { method: "patch", path: "/v1/agents/{owner}/{slug}", tag: "builder", summary: "Change the status: listed, unlisted, deprecated", auth: Some(true), params: AGENT, body: Some(("StatusChange", true)), ok: (200, Some("MyAgent")), errors: &[403, 404, 409, 422] },
    Op { method: "delete", path: "/v1/agents/{owner}/{slug}", tag: "builder", summary: "Soft-delete an agent", auth: Some(true), params: AGENT, body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/v1/admin/audit", tag: "administration", summary: "The audit trail", auth: Some(true), params: &["actor", "subject", "action", "target", "from_time", "to_time", "limit", "cursor"], body: None, ok: (200, Some("AuditRecordPage")), errors: &[422] },
    Op { method: "patch", path: "/v1/admin/agents/{owner}/{slug}", tag: "administration", summary: "Moderate an agent (unlist, delete, ...)", auth: Some(true), params: AGENT, body: Some(("Moderation", true)), ok: (200, Some("Agent")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/admin/reviews/{id}", tag: "administration", summary: "Remove a review", auth: Some(true), params: &["id"], body: None, ok: (204, None), errors: &[404] },
    Op { method: "patch", path: "/v1/admin/users/{id}", tag: "administration", summary: "Disable or enable a user, or change their role", auth: Some(true), params: &["id"], body: Some(("AdminUserUpdate", true)), ok: (200, Some("Profile")), errors: &[404, 409, 422] },
    Op { method: "delete", path: "/v1/admin/users/{id}/sessions", tag: "administration", summary: "End every session of a user", auth: Some(true), params: &["id"], body: None, ok: (204, None), errors: &[404] },
    Op { method: "get", path: "/healthz", tag: "operations", summary: "Liveness: the process answers", auth: None, params: &[], body: None, ok: (200, Some("Status")), errors: &[] },
    Op { method: "get", path: "/readyz", tag: "operations", summary: "Readiness: the store answers (503 otherwise)", auth: None, params: &[], body: None, ok: (200, Some("Status")), errors: &[] },
    Op { method: "get", path: "/.well-known/jwks.json", tag: "operations", summary: "Public keys of access tokens (empty for HS256)", auth: None, params: &[], body: None, ok: (200, Some("Jwks")), errors: &[] },
];

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
            &format!("Page size, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."),
            json!({ "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE }),
        ),
        "cursor" => query("cursor", "The `next_cursor` of the previous page (same sort and filters).", s()),
        "q" => query("q", "Full-text query over name, tagline, description, skills and tags.", s()),
        "category" => query("category", "Only this category.", s()),
        "tag" => query("tag", "Only agents with this tag.", s()),
        "input_mode" => query("input_mode", "Only agents accepting this MIME type.", s()),
        "output_mode" => query("output_mode", "Only agents producing this MIME type.", s()),
        "owner_q" => query("owner", "Only agents of this handle.", s()),
        "sort" => query("sort", "Order (default `relevance` with `q`, else `popular`).", r("CatalogSort")),
        "review_sort" => query("sort", "Order of reviews.", r("ReviewSort")),
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
        403 => "forbidden: authenticated but not allowed; moderation_locked: an administrator moderated the agent",
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
    let schemas = schemas();
    let conventions = format!(
        "Conventions: JSON bodies in and out, snake_case fields, ids are UUIDv7 strings, times are RFC 3339 UTC. \
    Authenticated routes take `Authorization: Bearer <access token>`. Lists take `limit` (1–{MAX_PAGE_SIZE}, default \
    {DEFAULT_PAGE_SIZE}) and `cursor` and answer `{{items, next_cursor}}`. Every error is an RFC 9457 \
    `application/problem+json` document with a stable `code` (see `x-error-codes`); every answer carries \
    `x-request-id`. A method a route does not support answers 405 with code `malformed_request`; a request over the \
    timeout answers 503 `unavailable`."
    );
    let codes: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| json!({ "code": c.as_str(), "status": c.http_status(), "title": title_of(*c) }))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "agentmart API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("The JSON API of agentmart, an AI-agent marketplace: accounts and sessions, a builder \
    for custom agents, and a marketplace to browse, install, rate and use them.\n\n{conventions}"),
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
    if let Some(options) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
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
