//! The OpenAPI document: served, every documented operation routed, and the
//! answers of a walkthrough conforming to the documented schemas (a small
//! JSON Schema checker for the subset the document uses).

use axum::http::Method;
use serde_json::{Value, json};

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
    assert_eq!(operations, 44, "every route of API.md and the operations routes");
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
    c.check("post", "/v1/auth/logout", &app.call(Method::POST, "/v1/auth/logout", owner, None).await);
    c.check("post", "/v1/auth/logout-all", &app.call(Method::POST, "/v1/auth/logout-all", fan_token, None).await);
    assert!(c.checked >= 50, "{} answers checked", c.checked);
}
