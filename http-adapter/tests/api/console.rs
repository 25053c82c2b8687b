//! The web console: the page and its assets, their headers, that they load
//! nothing from elsewhere, switching it off, and mounting under a prefix.

use agentmart_http::console::CONSOLE_CSP;
use agentmart_http::{HttpOptions, router};

use crate::helpers::{Answer, TestApp};

fn text(answer: &Answer) -> &str {
    answer.body.as_str().expect("a text body")
}

/// The `href`/`src` values of the page that end in `name` (with their query).
fn asset_url(page: &str, name: &str) -> String {
    let at = page.find(&format!("{name}?v=")).unwrap_or_else(|| panic!("{name} not referenced by the page"));
    let start = page[..at].rfind('"').unwrap() + 1;
    let end = at + page[at..].find('"').unwrap();
    page[start..end].to_string()
}

/// Fails when an asset refers to another origin or builds markup from strings.
#[track_caller]
fn assert_self_contained(name: &str, body: &str) {
    for origin in ["http://", "https://", "\"//", "'//", "`//", "(//", "=//", "url("] {
        assert!(!body.contains(origin), "{name} refers to another origin or resource: `{origin}`");
    }
    for sink in
        ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"on"]
    {
        assert!(!body.contains(sink), "{name} uses `{sink}`");
    }
}

/// The relative import specifiers of a module (`from "./x.js?v=…"`, `import "./x.js?v=…"`).
fn module_imports(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for pattern in [" from \"./", "import \"./"] {
        for (at, _) in source.match_indices(pattern) {
            let start = at + pattern.len() - 2;
            let end = start + source[start..].find('"').unwrap();
            found.push(source[start..end].to_string());
        }
    }
    found.sort();
    found.dedup();
    found
}

#[tokio::test]
async fn the_page_is_served_with_a_strict_policy() {
    let app = TestApp::new();
    let page = app.get("/", None).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("content-security-policy"), Some(CONSOLE_CSP));
    let csp = CONSOLE_CSP;
    for directive in
        ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]
    {
        assert!(csp.contains(directive), "{directive}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(page.header("x-request-id").is_some());

    let html = text(&page);
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.contains("{{"), "every placeholder is filled");
    assert!(asset_url(html, "console.js").starts_with("./console.js?v="));
    assert!(asset_url(html, "console.css").starts_with("./console.css?v="));
    assert!(html.contains("<script type=\"module\" src=\"./console.js?v="));
    // No inline script, style or handler: the CSP would refuse them.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("<style") && !html.contains("style="));
    let handler = html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].starts_with('=')
    });
    assert!(!handler, "an inline event handler in the page");
    assert_self_contained("index.html", html);
}

/// The page of an emailed link, at `path` (with a query), as a browser loads it.
#[track_caller]
fn assert_link_page(page: &Answer, path: &str) {
    assert_eq!(page.status, 200, "{path}: {:?}", page.body);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("content-security-policy"), Some(CONSOLE_CSP), "{path}");
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    // The URL carries a token: no cache keeps the answer.
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let html = text(page);
    assert!(html.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
    assert!(!html.contains("{{") && !html.contains("secret-token"), "placeholders filled, token not echoed");
    // Beside the router's root, whatever the prefix: `./console.js`.
    assert!(asset_url(html, "console.js").starts_with("./console.js?v="), "{path}");
    assert!(asset_url(html, "console.css").starts_with("./console.css?v="), "{path}");
}

#[tokio::test]
async fn the_emailed_links_lead_to_the_console() {
    let app = TestApp::new();
    let root = app.get("/", None).await;
    for path in ["/reset-password", "/verify-email", "/confirm-email-change"] {
        let page = app.get(&format!("{path}?token=secret-token"), None).await;
        assert_link_page(&page, path);
        // The same page as `/` (same asset versions).
        assert_eq!(asset_url(text(&page), "console.js"), asset_url(text(&root), "console.js"));
        // Without a token too (a reload after the console dropped it).
        assert_link_page(&app.get(path, None).await, path);
        // Only the page: nothing below it, no writes.
        app.get(&format!("{path}/console.js"), None).await.problem(404, "not_found");
        assert_eq!(app.post(path, None, serde_json::json!({})).await.status.as_u16(), 405);
    }
}

#[tokio::test]
async fn the_assets_have_their_types_and_load_nothing_from_elsewhere() {
    let app = TestApp::new();
    let page = app.get("/", None).await;
    let html = text(&page);

    let js = app.get(asset_url(html, "console.js").trim_start_matches('.'), None).await;
    assert_eq!(js.status, 200);
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("public, max-age=86400"));
    assert_eq!(js.header("x-content-type-options"), Some("nosniff"));
    assert_self_contained("console.js", text(&js));

    // Every module it imports is served as JavaScript, versioned, self-contained.
    // Walked from the entry: its imports are `./modules/…`, theirs `./…` beside them.
    let mut pending: Vec<String> = module_imports(text(&js)).iter().map(|s| s[1..].to_string()).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut sources = String::new();
    while let Some(path) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        assert!(path.starts_with("/modules/") && path.contains("?v="), "{path}");
        let module = app.get(&path, None).await;
        assert_eq!(module.status, 200, "{path}");
        assert_eq!(module.header("content-type"), Some("text/javascript; charset=utf-8"), "{path}");
        assert_eq!(module.header("cache-control"), Some("public, max-age=86400"), "{path}");
        assert_self_contained(&path, text(&module));
        pending.extend(module_imports(text(&module)).iter().map(|s| format!("/modules/{}", &s[2..])));
        sources.push_str(text(&module));
    }
    assert!(seen.len() >= 10, "{seen:?}");
    // API calls are relative to the modules' URL, so any mount prefix works.
    assert!(sources.contains("new URL(\"../\", import.meta.url)"));
    assert!(sources.contains("new URL(\"openapi.json\", ROOT)"), "enumerations come from the API document");
    app.get("/modules/nope.js", None).await.problem(404, "not_found");
    app.get("/modules/../console.js", None).await.problem(404, "not_found");

    let css = app.get(asset_url(html, "console.css").trim_start_matches('.'), None).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_self_contained("console.css", text(&css));
    assert!(!text(&css).contains("@import"));

    // The asset URLs change with their content (cache busting).
    let plain = app.get("/console.js", None).await;
    assert_eq!(plain.body, js.body);
}

#[tokio::test]
async fn the_console_can_be_switched_off() {
    let app = TestApp::with_options(|o| o.console = false);
    for path in [
        "/",
        "/console.js",
        "/modules/api.js",
        "/console.css",
        "/reset-password?token=x",
        "/verify-email?token=x",
        "/confirm-email-change?token=x",
    ] {
        app.get(path, None).await.problem(404, "not_found");
    }
    app.get("/healthz", None).await.ok(200);
    assert!(format!("{:?}", HttpOptions::default()).contains("console: true"));
}

#[tokio::test]
async fn the_console_is_not_part_of_the_api_document() {
    let app = TestApp::new();
    let doc = app.get("/openapi.json", None).await;
    let paths = doc.ok(200)["paths"].as_object().unwrap();
    for path in [
        "/",
        "/console.js",
        "/modules/{name}",
        "/console.css",
        "/reset-password",
        "/verify-email",
        "/confirm-email-change",
    ] {
        assert!(!paths.contains_key(path), "{path} is documented");
    }
}

fn options() -> HttpOptions {
    HttpOptions { auth_rate_limit: None, ..HttpOptions::default() }
}

#[tokio::test]
async fn nested_under_a_prefix_the_page_reaches_its_assets() {
    let base = TestApp::new();
    let host = axum::Router::new()
        .route("/", axum::routing::get(|| async { "host home" }))
        .nest("/market", router(base.mart.clone(), options()));
    let app = TestApp { router: host, ..base };
    assert_eq!(app.get("/", None).await.ok(200), "host home");

    // `nest` serves the router's root at `/market` (not `/market/`). There,
    // `./console.js` would leave the prefix, so the page names its assets
    // through the last segment instead.
    let bare = app.get("/market", None).await;
    assert_eq!(bare.status, 200);
    assert_eq!(bare.header("content-security-policy"), Some(CONSOLE_CSP));
    let html = text(&bare);
    let js = asset_url(html, "console.js");
    assert!(js.starts_with("./market/console.js?v="), "{js}");
    let css = asset_url(html, "console.css");
    assert!(css.starts_with("./market/console.css?v="), "{css}");
    // What the browser resolves them to, from a page at `/market`:
    let resolve = |relative: &str| format!("/{}", relative.trim_start_matches("./"));
    let loaded = app.get(&resolve(&js), None).await;
    assert_eq!(loaded.header("content-type"), Some("text/javascript; charset=utf-8"));
    // Its modules resolve beside it, under the prefix.
    let js_url = resolve(&js);
    let dir = &js_url[..js_url.rfind('/').unwrap() + 1];
    for specifier in module_imports(text(&loaded)) {
        let module = app.get(&format!("{dir}{}", specifier.trim_start_matches("./")), None).await;
        assert_eq!(module.header("content-type"), Some("text/javascript; charset=utf-8"), "{specifier}");
    }
    let loaded = app.get(&resolve(&css), None).await;
    assert_eq!(loaded.header("content-type"), Some("text/css; charset=utf-8"));

    // The emailed links' pages, under the prefix, name their assets beside them.
    for path in [
        "/market/reset-password?token=secret-token",
        "/market/verify-email?token=secret-token",
        "/market/confirm-email-change?token=secret-token",
    ] {
        let page = app.get(path, None).await;
        assert_link_page(&page, path);
        let js = asset_url(text(&page), "console.js");
        // From a page at `/market/reset-password`, `./console.js` is `/market/console.js`.
        let loaded = app.get(&format!("/market/{}", &js[2..]), None).await;
        assert_eq!(loaded.header("content-type"), Some("text/javascript; charset=utf-8"));
    }
    assert_eq!(app.get("/reset-password", None).await.status.as_u16(), 404, "only under the prefix");

    // The API beside it, and unknown paths under the prefix, are unchanged.
    app.get("/market/healthz", None).await.ok(200);
    app.get("/market/nope", None).await.problem(404, "not_found");
    app.get("/market/v1/nope", None).await.problem(404, "not_found");
}

#[tokio::test]
async fn as_a_nested_service_both_page_urls_work() {
    let base = TestApp::new();
    let host = axum::Router::new().nest_service("/market", router(base.mart.clone(), options()));
    let app = TestApp { router: host, ..base };

    // `/market/`: the router's own root, assets next to it.
    let slash = app.get("/market/", None).await;
    assert_eq!(slash.status, 200, "{:?}", slash.body);
    assert_eq!(slash.header("content-security-policy"), Some(CONSOLE_CSP));
    let html = text(&slash);
    let js = asset_url(html, "console.js");
    assert!(js.starts_with("./console.js?v="), "{js}");
    let css = asset_url(html, "console.css");
    assert_eq!(
        app.get(&format!("/market/{}", &js[2..]), None).await.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        app.get(&format!("/market/{}", &css[2..]), None).await.header("content-type"),
        Some("text/css; charset=utf-8")
    );

    // `/market`: the same page, naming its assets through the last segment.
    let bare = app.get("/market", None).await;
    assert_eq!(bare.status, 200);
    assert!(asset_url(text(&bare), "console.js").starts_with("./market/console.js?v="));
    app.get("/market/v1/agents", None).await.ok(200);
    assert_link_page(&app.get("/market/verify-email?token=secret-token", None).await, "/market/verify-email");
    // A write to the page's path is not a page.
    let post = app.post("/market/", None, serde_json::json!({})).await;
    assert_eq!(post.status.as_u16(), 405);
}
