//! The OpenAPI document: served, every documented operation routed, the
//! answers of a walkthrough conforming to the documented schemas (a small
//! JSON Schema checker for the subset the document uses), and every component
//! and limit taken from the core (`agentmart_core::schema::components`), never
//! typed a second time.

use axum::http::Method;
use serde_json::{Value, json};

use agentmart_core::agents::{
    ALLOWED_MODES, MAX_CHANGELOG_LEN, MAX_CONVERSATION_STARTER_LEN, MAX_CONVERSATION_STARTERS, MAX_DESCRIPTION_LEN,
    MAX_MAX_TOKENS, MAX_NAME_LEN, MAX_PREVIEW_INPUT_LEN, MAX_SKILL_DESCRIPTION_LEN, MAX_SKILL_EXAMPLE_LEN,
    MAX_SKILL_EXAMPLES, MAX_SKILL_ID_LEN, MAX_SKILL_TAG_LEN, MAX_SKILL_TAGS, MAX_SKILLS, MAX_SLUG_LEN,
    MAX_STATUS_MESSAGE_LEN, MAX_SYSTEM_PROMPT_LEN, MAX_TAG_LEN, MAX_TAGLINE_LEN, MAX_TAGS, MAX_TEMPERATURE,
    MAX_URL_LEN,
};
use agentmart_core::auth::{MAX_AVATAR_URL_LEN, MAX_BIO_LEN, MAX_DISPLAY_NAME_LEN, MAX_EMAIL_LEN, MAX_HANDLE_LEN};
use agentmart_core::market::{MAX_REVIEW_BODY, MAX_REVIEW_TITLE, MAX_USAGE_EVENT_LEN, MAX_USAGE_UNITS};
use agentmart_core::storage::{CatalogSort, ReviewSort};
use agentmart_core::{AgentStatus, ErrorCode, MAX_PAGE_SIZE, MAX_STARS, MIN_STARS, PasswordPolicy, Role};

use crate::helpers::{Answer, TestApp, agent_body};

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = options.iter().filter(|s| validate(doc, s, value, at).is_ok()).count();
        return if ok == 1 { Ok(()) } else { Err(format!("{at}: {ok} oneOf options match {value}")) };
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = options.iter().any(|s| validate(doc, s, value, at).is_ok());
        return if ok { Ok(()) } else { Err(format!("{at}: no anyOf option matches {value}")) };
    }
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !kinds.iter().any(|k| type_matches(k, value)) {
            return Err(format!("{at}: {value} is not {kinds:?}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !value.is_null()
        && !values.contains(value)
    {
        return Err(format!("{at}: {value} not in {values:?}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        return Err(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && n > max
    {
        return Err(format!("{at}: {n} > {max}"));
    }
    let chars = value.as_str().map(|t| t.chars().count());
    if let (Some(max), Some(n)) = (schema.get("maxLength").and_then(Value::as_u64), chars)
        && n as u64 > max
    {
        return Err(format!("{at}: {n} characters > maxLength {max}"));
    }
    if let (Some(max), Some(items)) = (schema.get("maxItems").and_then(Value::as_u64), value.as_array())
        && items.len() as u64 > max
    {
        return Err(format!("{at}: {} items > maxItems {max}", items.len()));
    }
    if let Some(object) = value.as_object() {
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap();
            if !object.contains_key(key) {
                return Err(format!("{at}: missing required `{key}` in {value}"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, field) in object {
                match props.get(key) {
                    Some(field_schema) => validate(doc, field_schema, field, &format!("{at}.{key}"))?,
                    None => return Err(format!("{at}: undocumented field `{key}`")),
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(doc, items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

struct Checker {
    doc: Value,
    checked: usize,
}

impl Checker {
    #[track_caller]
    fn check(&mut self, method: &str, template: &str, answer: &Answer) {
        let status = answer.status.as_u16().to_string();
        let op = &self.doc["paths"][template][method];
        assert!(op.is_object(), "{method} {template} is documented");
        let response = &op["responses"][&status];
        assert!(response.is_object(), "{method} {template}: status {status} is documented ({})", answer.body);
        match response["content"].as_object().and_then(|c| c.iter().next()) {
            Some((media, content)) => {
                let got = answer.header("content-type").unwrap_or("");
                assert!(got.starts_with(media.as_str()), "{method} {template}: content type {got}, documented {media}");
                if let Err(err) = validate(&self.doc, &content["schema"], &answer.body, "body") {
                    panic!("{method} {template} {status}: {err}");
                }
            }
            None => assert!(answer.body.is_null(), "{method} {template} {status}: documented without a body"),
        }
        self.checked += 1;
    }
}

#[tokio::test]
async fn the_document_and_the_reference_page_are_served() {
    let app = TestApp::new();
    let doc = app.get("/openapi.json", None).await;
    assert_eq!(doc.ok(200)["openapi"], "3.1.0");
    let operations: usize = doc.body["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(operations, 48, "every route of API.md and the operations routes");
    let page = app.get("/docs", None).await;
    let html = page.ok(200).as_str().unwrap();
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(html.contains("/v1/agents/{owner}/{slug}/rating") && html.contains("payload_too_large"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "self-contained");
    assert!(page.header("content-security-policy").unwrap().contains("style-src 'self'"));
    let css = app.get("/docs.css", None).await;
    assert!(css.ok(200).as_str().unwrap().contains("font"));
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::new();
    let doc = app.get("/openapi.json", None).await.body;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template
            .replace("{owner}", "nobody")
            .replace("{slug}", "nothing")
            .replace("{version}", "1.0.0")
            .replace("{id}", "00000000-0000-7000-8000-000000000000");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = app.call(method.clone(), &path, None, None).await;
            assert_ne!(answer.status.as_u16(), 405, "{method} {template}");
            assert_ne!(answer.body["detail"], "no route serves this path", "{method} {template} is routed");
        }
    }
}

#[tokio::test]
async fn a_walkthrough_conforms_to_the_document() {
    let app = TestApp::new();
    let mut c = Checker { doc: app.get("/openapi.json", None).await.body, checked: 0 };

    c.check("get", "/healthz", &app.get("/healthz", None).await);
    c.check("get", "/readyz", &app.get("/readyz", None).await);
    c.check("get", "/.well-known/jwks.json", &app.get("/.well-known/jwks.json", None).await);

    let register = "/v1/auth/register";
    let body = json!({ "email": "owner@example.com", "password": crate::helpers::PASSWORD, "display_name": "Owner" });
    let registered = app.post(register, None, body.clone()).await;
    c.check("post", register, &registered);
    c.check("post", register, &app.post(register, None, body).await);
    c.check("post", register, &app.post(register, None, json!({ "email": "x", "password": "y" })).await);
    c.check("post", register, &app.post(register, None, json!({ "email": 1 })).await);
    let owner_token = registered.body["tokens"]["access_token"].as_str().unwrap().to_string();
    let owner_refresh = registered.body["tokens"]["refresh_token"].as_str().unwrap().to_string();
    let handle = registered.body["user"]["handle"].as_str().unwrap().to_string();
    let owner = Some(owner_token.as_str());
    let login = json!({ "email": "owner@example.com", "password": crate::helpers::PASSWORD });
    c.check("post", "/v1/auth/login", &app.post("/v1/auth/login", None, login).await);
    let bad_login = json!({ "email": "owner@example.com", "password": "wrong wrong" });
    c.check("post", "/v1/auth/login", &app.post("/v1/auth/login", None, bad_login).await);
    let refreshed = app.post("/v1/auth/refresh", None, json!({ "refresh_token": owner_refresh })).await;
    c.check("post", "/v1/auth/refresh", &refreshed);
    c.check("get", "/v1/me", &app.get("/v1/me", owner).await);
    c.check("get", "/v1/me", &app.get("/v1/me", None).await);
    c.check("patch", "/v1/me", &app.call(Method::PATCH, "/v1/me", owner, Some(json!({ "bio": "hi" }))).await);
    c.check("get", "/v1/auth/sessions", &app.get("/v1/auth/sessions", owner).await);
    c.check("get", "/v1/auth/sessions", &app.get("/v1/auth/sessions?limit=0", owner).await);
    c.check("get", "/v1/me/audit", &app.get("/v1/me/audit", owner).await);
    let forgot = app.post("/v1/auth/password/forgot", None, json!({ "email": "owner@example.com" })).await;
    c.check("post", "/v1/auth/password/forgot", &forgot);
    let resend = app.call(Method::POST, "/v1/auth/email/verify/resend", owner, None).await;
    c.check("post", "/v1/auth/email/verify/resend", &resend);
    let verify = app.post("/v1/auth/email/verify", None, json!({ "token": "amv_nope" })).await;
    c.check("post", "/v1/auth/email/verify", &verify);

    // Builder.
    let agents = "/v1/agents";
    c.check("post", agents, &app.post(agents, owner, agent_body("walk", "Walk")).await);
    c.check("post", agents, &app.post(agents, owner, json!({ "slug": "!", "name": "" })).await);
    let base = format!("/v1/agents/{handle}/walk");
    let t = "/v1/agents/{owner}/{slug}";
    c.check("get", &format!("{t}/draft"), &app.get(&format!("{base}/draft"), owner).await);
    let patch = json!({ "model": { "name": "gpt-4o-mini", "temperature": 0.2 }, "input_schema": null });
    let patched = app.call(Method::PATCH, &format!("{base}/draft"), owner, Some(patch)).await;
    c.check("patch", &format!("{t}/draft"), &patched);
    let preview = app.post(&format!("{base}/preview"), owner, json!({ "input": "hello" })).await;
    c.check("post", &format!("{t}/preview"), &preview);
    let published = app.post(&format!("{base}/versions"), owner, json!({ "version": "1.0.0" })).await;
    c.check("post", &format!("{t}/versions"), &published);
    let again = app.post(&format!("{base}/versions"), owner, json!({ "version": "1.0.0" })).await;
    c.check("post", &format!("{t}/versions"), &again);
    c.check("get", &format!("{t}/versions"), &app.get(&format!("{base}/versions"), None).await);
    c.check("get", &format!("{t}/versions"), &app.get(&format!("{base}/versions?limit=1"), None).await);
    c.check("get", &format!("{t}/versions"), &app.get(&format!("{base}/versions?limit=500"), None).await);
    c.check("get", &format!("{t}/versions/{{version}}"), &app.get(&format!("{base}/versions/1.0.0"), owner).await);
    c.check("get", &format!("{t}/card"), &app.get(&format!("{base}/card"), None).await);
    c.check("get", "/v1/me/agents", &app.get("/v1/me/agents", owner).await);

    // Marketplace.
    let fan = app.register("fan@example.com").await;
    let fan_token = Some(fan.access.as_str());
    c.check("get", agents, &app.get("/v1/agents?limit=1", None).await);
    c.check("get", agents, &app.get("/v1/agents?cursor=forged", None).await);
    c.check("get", t, &app.get(&base, None).await);
    c.check("get", t, &app.get("/v1/agents/nobody/nothing", None).await);
    let install = format!("/v1/me/installs/{handle}/walk");
    let it = "/v1/me/installs/{owner}/{slug}";
    c.check("put", it, &app.call(Method::PUT, &install, fan_token, None).await);
    c.check("put", it, &app.call(Method::PUT, &install, fan_token, Some(json!({ "version": "1.0.0" }))).await);
    c.check("get", "/v1/me/installs", &app.get("/v1/me/installs", fan_token).await);
    let rate = json!({ "stars": 5, "title": "Great" });
    let rating = app.call(Method::PUT, &format!("{base}/rating"), fan_token, Some(rate)).await;
    c.check("put", &format!("{t}/rating"), &rating);
    c.check("get", t, &app.get(&base, fan_token).await);
    c.check("get", &format!("{t}/reviews"), &app.get(&format!("{base}/reviews"), None).await);
    let usage = app.post(&format!("{base}/usage"), fan_token, json!({ "units": 3 })).await;
    c.check("post", &format!("{t}/usage"), &usage);
    c.check("get", &format!("{t}/usage"), &app.get(&format!("{base}/usage"), owner).await);
    c.check("get", &format!("{t}/usage"), &app.get(&format!("{base}/usage"), fan_token).await);

    // Administration.
    let admin = app.admin("admin@example.com").await;
    let admin_token = Some(admin.access.as_str());
    c.check("get", "/v1/admin/audit", &app.get("/v1/admin/audit?limit=3", admin_token).await);
    c.check("get", "/v1/admin/audit", &app.get("/v1/admin/audit", fan_token).await);
    let moderate = format!("/v1/admin/agents/{handle}/walk");
    let moderated = app.call(Method::PATCH, &moderate, admin_token, Some(json!({ "status": "listed" }))).await;
    c.check("patch", "/v1/admin/agents/{owner}/{slug}", &moderated);
    let review = format!("/v1/admin/reviews/{}", rating.body["id"].as_str().unwrap());
    c.check("delete", "/v1/admin/reviews/{id}", &app.call(Method::DELETE, &review, admin_token, None).await);
    let user = format!("/v1/admin/users/{}", fan.id);
    let updated = app.call(Method::PATCH, &user, admin_token, Some(json!({ "role": "user" }))).await;
    c.check("patch", "/v1/admin/users/{id}", &updated);
    let sessions = format!("/v1/admin/users/{}/sessions", fan.id);
    let ended = app.call(Method::DELETE, &sessions, fan_token, None).await;
    c.check("delete", "/v1/admin/users/{id}/sessions", &ended);

    // Endings.
    c.check("patch", t, &app.call(Method::PATCH, &base, owner, Some(json!({ "status": "deprecated" }))).await);
    c.check("delete", it, &app.call(Method::DELETE, &install, fan_token, None).await);
    c.check(
        "delete",
        &format!("{t}/rating"),
        &app.call(Method::DELETE, &format!("{base}/rating"), fan_token, None).await,
    );
    c.check("delete", t, &app.call(Method::DELETE, &base, owner, None).await);
    let change = json!({ "current_password": crate::helpers::PASSWORD, "new_password": "a different passphrase" });
    c.check("post", "/v1/auth/password/change", &app.post("/v1/auth/password/change", owner, change).await);
    c.check("post", "/v1/auth/logout-others", &app.call(Method::POST, "/v1/auth/logout-others", owner, None).await);
    c.check("post", "/v1/auth/logout", &app.call(Method::POST, "/v1/auth/logout", owner, None).await);
    c.check("post", "/v1/auth/logout-all", &app.call(Method::POST, "/v1/auth/logout-all", fan_token, None).await);
    assert!(c.checked >= 50, "{} answers checked", c.checked);
}

/// The JSON Schema keywords that state a limit.
const LIMIT_KEYWORDS: [&str; 9] =
    ["maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "pattern", "enum", "const"];

/// Every (JSON pointer, keyword, value) of a limit keyword under `value`.
fn limits(value: &Value, at: &str, out: &mut Vec<(String, String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if LIMIT_KEYWORDS.contains(&key.as_str()) {
                    out.push((at.to_string(), key.clone(), child.clone()));
                } else {
                    limits(child, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| limits(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn every_core_component_is_in_the_document_as_the_core_describes_it() {
    let doc = agentmart_http::openapi::document();
    let documented = doc["components"]["schemas"].as_object().unwrap();
    let core = agentmart_core::schema::components();
    for (name, schema) in &core {
        assert_eq!(documented.get(name), Some(schema), "component {name} is the core's");
    }
    // The names other clients code against.
    for name in ["MimeType", "CatalogSort", "ReviewSort", "AgentDefinition", "AgentStatus", "Role", "ErrorCode"] {
        assert!(core.contains_key(name), "core describes {name}");
    }
    // The shapes only HTTP has state no limit of their own: a new password is the registration rule, copied.
    let password = &core["RegisterRequest"]["properties"]["password"];
    for (name, schema) in documented.iter().filter(|(name, _)| !core.contains_key(*name)) {
        let mut found = Vec::new();
        limits(schema, name, &mut found);
        for (at, keyword, _) in found {
            let property = at.rsplit('/').next().unwrap();
            assert_eq!(property, "new_password", "{at}: `{keyword}` typed in openapi.rs; take it from the core");
        }
        if let Some(new_password) = schema["properties"].get("new_password") {
            assert_eq!(new_password, password, "{name}.new_password is the registration rule");
        }
    }
    // Every `$ref` of the document resolves.
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(documented.contains_key(name), "{r} resolves");
    }
}

#[test]
fn the_document_limits_are_the_core_constants() {
    let doc = agentmart_http::openapi::document();
    let schemas = &doc["components"]["schemas"];
    let prop = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();
    let check = |schema: &str, field: &str, keyword: &str, expected: Value| {
        let at = prop(schema, field);
        assert_eq!(at[keyword], expected, "{schema}.{field} {keyword}: {at}");
    };
    let len = |n: usize| json!(n);
    let pattern = |rest: &str, min: usize, max: usize| json!(format!("^[a-z0-9][{rest}]{{{min},{}}}$", max - 1));

    // Definition fields, in the definition and in a draft patch alike.
    for schema in ["AgentDefinition", "DraftPatch"] {
        check(schema, "name", "maxLength", len(MAX_NAME_LEN));
        check(schema, "name", "minLength", json!(1));
        check(schema, "tagline", "maxLength", len(MAX_TAGLINE_LEN));
        check(schema, "description", "maxLength", len(MAX_DESCRIPTION_LEN));
        check(schema, "system_prompt", "maxLength", len(MAX_SYSTEM_PROMPT_LEN));
        check(schema, "skills", "maxItems", len(MAX_SKILLS));
        check(schema, "conversation_starters", "maxItems", len(MAX_CONVERSATION_STARTERS));
        assert_eq!(prop(schema, "conversation_starters")["items"]["maxLength"], len(MAX_CONVERSATION_STARTER_LEN));
        check(schema, "tags", "maxItems", len(MAX_TAGS));
        assert_eq!(prop(schema, "tags")["items"]["pattern"], pattern("a-z0-9-", 0, MAX_TAG_LEN));
        check(schema, "category", "pattern", pattern("a-z0-9-", 0, MAX_TAG_LEN));
        check(schema, "icon_url", "maxLength", len(MAX_URL_LEN));
        check(schema, "documentation_url", "maxLength", len(MAX_URL_LEN));
        for modes in ["input_modes", "output_modes"] {
            assert_eq!(prop(schema, modes)["items"]["$ref"], "#/components/schemas/MimeType");
        }
    }
    let modes: Vec<&str> =
        schemas["MimeType"]["enum"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(modes, ALLOWED_MODES);
    check("CreateAgent", "slug", "pattern", pattern("a-z0-9-", 1, MAX_SLUG_LEN));
    check("CreateAgent", "name", "maxLength", len(MAX_NAME_LEN));
    check("Skill", "id", "pattern", pattern("a-z0-9_-", 0, MAX_SKILL_ID_LEN));
    check("Skill", "name", "maxLength", len(MAX_NAME_LEN));
    check("Skill", "description", "maxLength", len(MAX_SKILL_DESCRIPTION_LEN));
    check("Skill", "tags", "maxItems", len(MAX_SKILL_TAGS));
    assert_eq!(prop("Skill", "tags")["items"]["maxLength"], len(MAX_SKILL_TAG_LEN));
    check("Skill", "examples", "maxItems", len(MAX_SKILL_EXAMPLES));
    assert_eq!(prop("Skill", "examples")["items"]["maxLength"], len(MAX_SKILL_EXAMPLE_LEN));
    check("ModelSettings", "name", "maxLength", len(MAX_NAME_LEN));
    check("ModelSettings", "temperature", "maximum", json!(MAX_TEMPERATURE));
    check("ModelSettings", "max_tokens", "maximum", json!(MAX_MAX_TOKENS));
    check("PreviewRequest", "input", "maxLength", len(MAX_PREVIEW_INPUT_LEN));
    check("PublishRequest", "changelog", "maxLength", len(MAX_CHANGELOG_LEN));
    check("StatusChange", "status_message", "maxLength", len(MAX_STATUS_MESSAGE_LEN));
    check("Moderation", "status_message", "maxLength", len(MAX_STATUS_MESSAGE_LEN));

    // Marketplace.
    for schema in ["RateRequest", "ReviewView"] {
        check(schema, "stars", "minimum", json!(MIN_STARS));
        check(schema, "stars", "maximum", json!(MAX_STARS));
    }
    check("RateRequest", "title", "maxLength", len(MAX_REVIEW_TITLE));
    check("RateRequest", "body", "maxLength", len(MAX_REVIEW_BODY));
    check("UsageRequest", "units", "maximum", json!(MAX_USAGE_UNITS));
    check("UsageRequest", "event", "pattern", pattern("a-z0-9._-", 0, MAX_USAGE_EVENT_LEN));

    // Accounts.
    let policy = PasswordPolicy::default();
    check("RegisterRequest", "password", "minLength", len(policy.min_len));
    check("RegisterRequest", "password", "maxLength", len(policy.max_len));
    check("RegisterRequest", "email", "maxLength", len(MAX_EMAIL_LEN));
    check("RegisterRequest", "handle", "pattern", pattern("a-z0-9-", 1, MAX_HANDLE_LEN));
    check("RegisterRequest", "display_name", "maxLength", len(MAX_DISPLAY_NAME_LEN));
    for schema in ["ResetRequest", "ChangeRequest"] {
        assert_eq!(prop(schema, "new_password"), prop("RegisterRequest", "password"), "{schema}");
    }
    check("ProfilePatch", "handle", "pattern", pattern("a-z0-9-", 1, MAX_HANDLE_LEN));
    check("ProfilePatch", "display_name", "maxLength", len(MAX_DISPLAY_NAME_LEN));
    check("ProfilePatch", "bio", "maxLength", len(MAX_BIO_LEN));
    check("ProfilePatch", "avatar_url", "maxLength", len(MAX_AVATAR_URL_LEN));

    // Page sizes: the request types and every `limit` parameter.
    for schema in ["PageRequest", "ListAgents", "ListReviews"] {
        check(schema, "limit", "maximum", json!(MAX_PAGE_SIZE));
        check(schema, "limit", "minimum", json!(1));
    }
    let mut limit_params = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for param in op["parameters"].as_array().unwrap() {
                let mut found = Vec::new();
                limits(&param["schema"], "", &mut found);
                if param["name"] == "limit" {
                    assert_eq!(param["schema"]["maximum"], json!(MAX_PAGE_SIZE));
                    limit_params += 1;
                } else {
                    assert!(found.is_empty(), "parameter {} types a limit: {found:?}", param["name"]);
                }
            }
        }
    }
    assert!(limit_params >= 5, "{limit_params} paged operations");

    // Enumerations: each documented value is one the core accepts, and every core value is documented.
    fn values(schema: &Value) -> Vec<Value> {
        schema["enum"].as_array().unwrap().clone()
    }
    for v in values(&schemas["CatalogSort"]) {
        serde_json::from_value::<CatalogSort>(v).unwrap();
    }
    for v in values(&schemas["ReviewSort"]) {
        serde_json::from_value::<ReviewSort>(v).unwrap();
    }
    for v in values(&schemas["AgentStatus"]) {
        serde_json::from_value::<AgentStatus>(v).unwrap();
    }
    for v in values(&schemas["Role"]) {
        serde_json::from_value::<Role>(v).unwrap();
    }
    assert_eq!(values(&schemas["CatalogSort"]).len(), 6);
    let codes: Vec<Value> = ErrorCode::ALL.iter().map(|c| json!(c.as_str())).collect();
    assert_eq!(values(&schemas["ErrorCode"]), codes);
    assert_eq!(prop("Problem", "code")["$ref"], "#/components/schemas/ErrorCode");
    let sort = doc["paths"]["/v1/agents"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "sort");
    assert_eq!(sort.unwrap()["schema"]["$ref"], "#/components/schemas/CatalogSort");
}
