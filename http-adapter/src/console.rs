//! The web console: a small single-page app served at `/` of the router, from
//! assets compiled into the binary (`http-adapter/console/`), so `cargo build`
//! alone yields a working server with a browser UI.
//!
//! These routes, none of them part of the API (so not in `/openapi.json`):
//! `GET /` (the page), `GET /console.js` (the entry ES module), `GET
//! /modules/{name}.js` (the native ES modules it imports: no bundler, no build
//! step), `GET /console.css`, and the same page at the three paths of the links the core sends
//! through its notifier: `GET /reset-password?token=…`, `GET /verify-email?token=…` and
//! `GET /confirm-email-change?token=…`
//! (`{public_base_url}/reset-password?token=…`, see
//! `agentmart_core::Config::public_base_url`; a host that nests the router
//! under a prefix sets `public_base_url` to include it).
//! The console only calls the JSON API of `API.md`, with URLs relative to the
//! module's own URL (`new URL("v1/…", import.meta.url)`), so it works under any
//! prefix a host nests the router at and behind a prefix-stripping proxy.
//!
//! **The page URL without a trailing slash.** Nested with
//! `Router::nest("/market", ..)`, axum serves the router's `/` at `/market`
//! only (`/market/` is the host's 404; `Router::nest_service("/market", ..)`
//! serves both). A page at `/market` resolving `./console.js` would load
//! `/console.js`, outside the prefix. Rather than a `<base>` element (which
//! `base-uri 'none'` forbids, on purpose) or a redirect (which would need the
//! host to route `/market/`), the page's asset references are written relative
//! to the request path: `./console.js` when the path ends in `/`,
//! `./market/console.js` when it ends in the segment `market`. This uses only
//! the last segment, so it also holds behind a proxy that strips a prefix.
//! The link pages (`…/reset-password`, `…/verify-email`, `…/confirm-email-change`) sit next to the
//! assets, so theirs are always `./console.js`: `/market/reset-password`
//! loads `/market/console.js`.
//! The asset URLs carry a `?v=` hash of their content, so they can be cached
//! for a day while the page itself is revalidated on every load. The modules
//! share one hash, of all the JavaScript: the server writes it into every
//! relative import specifier (`"./api.js"` becomes `"./api.js?v=…"`), so a
//! change to any module reaches every browser at once, with no mix of an old
//! module and a new one. The sources keep plain specifiers and load as they
//! are from a file server too.
//!
//! **Headers.** The page gets a strict Content-Security-Policy ([`CONSOLE_CSP`]):
//! scripts, styles and fetches from the same origin only, no inline script or
//! style, no framing, no `<base>`, no form posts. The edge middleware adds
//! `nosniff`, `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`, and
//! keeps the CSP set here (it only fills in headers a route left unset).
//!
//! **Links with a token.** The page never contains the token (it is the same
//! page for every query). The console reads `?token=` once on load and drops
//! it from the address bar with `history.replaceState`, so it does not stay in
//! history or reach a reload; `no-referrer` keeps it out of `Referer` in the
//! meantime. The link pages are `Cache-Control: no-store`, so no cache keeps
//! a response keyed by a URL with a token.
//!
//! Turn the console off with [`crate::HttpOptions::console`] (binary:
//! `--no-console` or `AGENTMART_CONSOLE=false`); its paths then answer
//! `404 not_found` like any unknown path.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::{OriginalUri, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::problem::ApiError;
use crate::state::AppState;

/// The Content-Security-Policy of the console page.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const INDEX_HTML: &str = include_str!("../console/index.html");
const CONSOLE_JS: &str = include_str!("../console/console.js");
const CONSOLE_CSS: &str = include_str!("../console/console.css");

/// The URL directory (and source directory) of the modules `console.js` imports.
const MODULE_DIR: &str = "modules";

/// The modules `console.js` imports, served at `/modules/{name}`.
const MODULES: &[(&str, &str)] = &[
    ("account.js", include_str!("../console/modules/account.js")),
    ("api.js", include_str!("../console/modules/api.js")),
    ("auth.js", include_str!("../console/modules/auth.js")),
    ("builder.js", include_str!("../console/modules/builder.js")),
    ("detail.js", include_str!("../console/modules/detail.js")),
    ("dom.js", include_str!("../console/modules/dom.js")),
    ("links.js", include_str!("../console/modules/links.js")),
    ("markdown.js", include_str!("../console/modules/markdown.js")),
    ("market.js", include_str!("../console/modules/market.js")),
    ("router.js", include_str!("../console/modules/router.js")),
    ("schema.js", include_str!("../console/modules/schema.js")),
    ("status.js", include_str!("../console/modules/status.js")),
];

/// The placeholder in `index.html` that becomes the assets' relative prefix.
const ASSET_PREFIX: &str = "{{asset_prefix}}";
/// The placeholders in `index.html` that become the assets' content hashes.
const JS_VERSION: &str = "{{js_version}}";
const CSS_VERSION: &str = "{{css_version}}";

/// Cache policy of the page: always revalidate (it names the current assets).
const PAGE_CACHE: &str = "no-cache";
/// Cache policy of the link pages: their URLs carry a token; store nothing.
const LINK_PAGE_CACHE: &str = "no-store";
/// Cache policy of the assets: their URLs change with their content.
const ASSET_CACHE: &str = "public, max-age=86400";

/// The console's routes (added by [`crate::router`] when the console is on).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/reset-password", get(link_page))
        .route("/verify-email", get(link_page))
        .route("/confirm-email-change", get(link_page))
        .route("/console.js", get(script))
        .route("/modules/{name}", get(module))
        .route("/console.css", get(styles))
}

/// A content hash for cache busting (not security): std's deterministic
/// hasher; it only has to change when the asset does within one binary.
fn content_hash(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The JavaScript as served: the entry module and every module, with each
/// relative import specifier carrying the hash of all of them.
struct Scripts {
    /// The shared `?v=` value of the modules.
    version: String,
    /// `console.js`, its imports versioned.
    entry: String,
    /// `(name, source)` of each module, its imports versioned.
    modules: Vec<(&'static str, String)>,
}

/// Writes `?v=version` into each quoted specifier `"{dir}{name}"` of a module.
fn version_imports(source: &str, dir: &str, version: &str) -> String {
    let mut out = source.to_owned();
    for (name, _) in MODULES {
        out = out.replace(&format!("\"{dir}{name}\""), &format!("\"{dir}{name}?v={version}\""));
    }
    out
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: OnceLock<Scripts> = OnceLock::new();
    SCRIPTS.get_or_init(|| {
        let mut all = String::from(CONSOLE_JS);
        for (name, source) in MODULES {
            all.push_str(name);
            all.push_str(source);
        }
        let version = content_hash(&all);
        let entry = version_imports(CONSOLE_JS, &format!("./{MODULE_DIR}/"), &version);
        let modules = MODULES.iter().map(|(name, source)| (*name, version_imports(source, "./", &version))).collect();
        Scripts { version, entry, modules }
    })
}

/// `index.html` with the asset hashes filled in (the prefix still open).
fn page_template() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        INDEX_HTML.replace(JS_VERSION, &scripts().version).replace(CSS_VERSION, &content_hash(CONSOLE_CSS))
    })
}

/// The relative prefix that reaches the router's root from a page at `path`:
/// `./` when `path` ends in `/`, else `<last segment>/` (percent-encoded
/// where it is not a plain URL character, so it is safe in an attribute).
pub(crate) fn asset_prefix(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        return "./".to_owned();
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    let mut prefix = String::with_capacity(last.len() + 3);
    // A segment like `a:b` would read as a scheme; `./` keeps it a path.
    prefix.push_str("./");
    for byte in last.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'%') {
            prefix.push(char::from(byte));
        } else {
            prefix.push_str(&format!("%{byte:02X}"));
        }
    }
    prefix.push('/');
    prefix
}

/// The page with its assets at `prefix` (relative to the page's URL).
fn render_page(prefix: &str, cache: &'static str) -> Response {
    let html = page_template().replace(ASSET_PREFIX, prefix);
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSOLE_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `GET /`: the console page (`uri` is the original URI, before any nesting
/// stripped it).
async fn index(OriginalUri(uri): OriginalUri) -> Response {
    render_page(&asset_prefix(uri.path()), PAGE_CACHE)
}

/// `GET /reset-password`, `GET /verify-email`, `GET /confirm-email-change`: the console page at the paths
/// of the emailed links. They are one segment below the router's root, so the
/// assets are beside them whatever the prefix.
async fn link_page() -> Response {
    render_page("./", LINK_PAGE_CACHE)
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE));
    response
}

/// The content type of JavaScript modules (browsers refuse a module served as anything else).
const JS_TYPE: &str = "text/javascript; charset=utf-8";

/// `GET /console.js`: the console's entry ES module.
async fn script() -> Response {
    asset(&scripts().entry, JS_TYPE)
}

/// `GET /modules/{name}`: one of the ES modules `console.js` imports; any
/// other name is the API's `404 not_found`.
async fn module(Path(name): Path<String>) -> Response {
    match scripts().modules.iter().find(|(known, _)| *known == name) {
        Some((_, source)) => asset(source, JS_TYPE),
        None => ApiError::no_route().into_response(),
    }
}

/// `GET /console.css`: the console's styles.
async fn styles() -> Response {
    asset(CONSOLE_CSS, "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_reach_the_router_root() {
        assert_eq!(asset_prefix("/"), "./");
        assert_eq!(asset_prefix("/market/"), "./");
        assert_eq!(asset_prefix("/market"), "./market/");
        assert_eq!(asset_prefix("/a/b-c.d"), "./b-c.d/");
        assert_eq!(asset_prefix("/x\"y<z"), "./x%22y%3Cz/");
        assert_eq!(asset_prefix("/caf%C3%A9"), "./caf%C3%A9/");
    }

    #[test]
    fn the_page_names_its_assets_with_placeholders_filled() {
        let page = page_template();
        assert!(page.contains("console.js?v="));
        assert!(page.contains("console.css?v="));
        assert!(!page.contains(JS_VERSION) && !page.contains(CSS_VERSION));
        assert!(page.contains(ASSET_PREFIX), "the prefix is filled per request");
    }

    /// Every relative specifier in the JavaScript names a served module and
    /// carries the version, so no module is ever loaded unversioned.
    #[test]
    fn every_import_names_a_served_module_with_the_version() {
        let scripts = scripts();
        let sources = std::iter::once(("console.js", scripts.entry.as_str()))
            .chain(scripts.modules.iter().map(|(name, source)| (*name, source.as_str())));
        let mut imports = 0;
        for (file, source) in sources {
            for (at, _) in source.match_indices(" from \"").chain(source.match_indices("import \"")) {
                let rest = &source[at..];
                let start = rest.find('"').unwrap() + 1;
                let end = start + rest[start..].find('"').unwrap();
                let specifier = &rest[start..end];
                let (path, version) =
                    specifier.split_once("?v=").unwrap_or_else(|| panic!("{file}: `{specifier}` unversioned"));
                assert_eq!(version, scripts.version, "{file}: {specifier}");
                let name = if file == "console.js" {
                    path.strip_prefix(&format!("./{MODULE_DIR}/")).unwrap_or_else(|| panic!("{file}: {specifier}"))
                } else {
                    path.strip_prefix("./").unwrap_or_else(|| panic!("{file}: {specifier}"))
                };
                assert!(
                    MODULES.iter().any(|(known, _)| *known == name),
                    "{file} imports {specifier}, which is not served"
                );
                imports += 1;
            }
        }
        assert!(imports > MODULES.len(), "every module is imported somewhere ({imports} imports)");
    }
}
