//! End-to-end over PostgreSQL: the real `agentmart` binary on a loopback port
//! with `--store postgres://...` on a fresh database `am_e2e_<random>`
//! (created with `psql` at `DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, and dropped afterwards).
//!
//! Without a reachable PostgreSQL (or without `psql`) the test prints a loud
//! SKIP and passes, unless `CI=true`, where that is a failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const SECRET: &str = "an e2e signing secret of more than 32 bytes";

fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

fn base_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{database}{query}")
}

fn psql(url: &str, sql: &str) -> std::io::Result<Output> {
    Command::new("psql").args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]).stdin(Stdio::null()).output()
}

/// A fresh database, dropped (with any leftover connections) on drop.
struct Database {
    admin_url: String,
    name: String,
    url: String,
}

impl Database {
    /// Creates `am_e2e_<random>`, or `None` after a loud SKIP (a failure in CI).
    fn create() -> Option<Database> {
        let admin_url = base_url();
        let name = format!("am_e2e_{}", uuid::Uuid::now_v7().simple());
        let why = match psql(&admin_url, &format!("CREATE DATABASE {name}")) {
            Ok(out) if out.status.success() => {
                let url = with_database(&admin_url, &name);
                return Some(Database { admin_url, name, url });
            }
            Ok(out) => format!("psql at {admin_url} failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
            Err(e) => format!("cannot run psql: {e}"),
        };
        assert!(!ci(), "CI=true but the PostgreSQL end-to-end test cannot run: {why}");
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIP: {why}; the PostgreSQL end-to-end test did NOT run (set DATABASE_URL; CI=true makes this a failure) !!!!!\n"
        );
        None
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentmart"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AGENTMART_JWT_SECRET", SECRET)
        .env("AGENTMART_LOG_FORMAT", "json")
        .args(args);
    cmd
}

struct Server {
    child: Child,
    addr: String,
    logs: Receiver<String>,
}

impl Server {
    fn start(store: &str) -> Server {
        let mut child = command(&["serve", "--listen", "127.0.0.1:0", "--store", store])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (log_tx, logs) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("agentmart serving http://").nth(1) {
                    let addr: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
                    let _ = addr_tx.send(addr);
                }
                let _ = log_tx.send(line);
            }
        });
        let addr = match addr_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let logs: Vec<String> = logs.try_iter().collect();
                panic!("the server logs the URL it serves; its log:\n{}", logs.join("\n"));
            }
        };
        Server { child, addr, logs }
    }

    /// Sends SIGTERM and waits for a clean exit; returns the log lines.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "clean exit after SIGTERM: {status:?}");
                break;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.logs.try_iter().collect()
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(token) = token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        let payload = if chunked { dechunk(rest) } else { rest.to_string() };
        (status, serde_json::from_str(&payload).unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed assertion must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

#[test]
fn database_urls_name_the_fresh_database() {
    assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
    assert_eq!(with_database("postgresql://u:p@h/db?sslmode=disable", "x"), "postgresql://u:p@h/x?sslmode=disable");
    assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
}

#[test]
fn the_binary_serves_and_persists_over_postgres_and_shuts_down_on_sigterm() {
    let Some(db) = Database::create() else { return };

    let migrate = command(&["migrate", "--store", &db.url]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    let server = Server::start(&db.url);
    assert_eq!(server.call("GET", "/readyz", None, None).0, 200, "the store is reachable");

    // The walkthrough: register, login, create and publish an agent, install, rate, list.
    let (status, registered) = server.call(
        "POST",
        "/v1/auth/register",
        None,
        Some(json!({ "email": "pg@example.com", "password": PASSWORD, "handle": "pg" })),
    );
    assert_eq!(status, 201, "{registered}");
    let (status, tokens) =
        server.call("POST", "/v1/auth/login", None, Some(json!({ "email": "pg@example.com", "password": PASSWORD })));
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let (status, wrong) = server.call(
        "POST",
        "/v1/auth/login",
        None,
        Some(json!({ "email": "pg@example.com", "password": "nope nope" })),
    );
    assert_eq!(status, 401, "{wrong}");

    let agent = json!({ "slug": "echo", "name": "Echo", "tagline": "Says it back", "system_prompt": "Repeat the user.",
        "input_modes": ["text/plain"], "output_modes": ["text/plain"] });
    let (status, created) = server.call("POST", "/v1/agents", Some(&access), Some(agent));
    assert_eq!(status, 201, "{created}");
    let (status, published) =
        server.call("POST", "/v1/agents/pg/echo/versions", Some(&access), Some(json!({ "version": "1.0.0" })));
    assert_eq!(status, 201, "{published}");

    let (status, fan) = server.call(
        "POST",
        "/v1/auth/register",
        None,
        Some(json!({ "email": "fan@example.com", "password": PASSWORD })),
    );
    assert_eq!(status, 201, "{fan}");
    let fan = fan["tokens"]["access_token"].as_str().unwrap().to_string();
    assert_eq!(server.call("PUT", "/v1/me/installs/pg/echo", Some(&fan), None).0, 201);
    let (status, rated) =
        server.call("PUT", "/v1/agents/pg/echo/rating", Some(&fan), Some(json!({ "stars": 4, "title": "Good" })));
    assert_eq!(status, 200, "{rated}");

    let (status, list) = server.call("GET", "/v1/agents?sort=popular", None, None);
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["slug"], "echo");
    assert_eq!(items[0]["install_count"], 1, "{list}");
    let (status, installs) = server.call("GET", "/v1/me/installs", Some(&fan), None);
    assert_eq!(status, 200, "{installs}");
    assert!(installs.to_string().contains("echo"), "{installs}");

    let logs = server.stop();
    assert!(logs.iter().any(|l| l.contains("agentmart stopped")), "a clean stop is logged: {logs:?}");
    assert!(logs.iter().all(|l| !l.contains(PASSWORD) && !l.contains(&access)), "no secret in the log");

    // Everything lives in PostgreSQL: a second run over the same database
    // still has the user, the agent, the install and the rating.
    let server = Server::start(&db.url);
    let (status, me) = server.call("GET", "/v1/me", Some(&access), None);
    assert_eq!(status, 200, "the first run's access token still verifies: {me}");
    assert_eq!(me["handle"], "pg", "{me}");
    let (status, agent) = server.call("GET", "/v1/agents/pg/echo", None, None);
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["install_count"], 1, "{agent}");
    assert!(agent.to_string().contains("1.0.0"), "{agent}");
    server.stop();
    drop(db);
}

/// Issue 10 item 6 over PostgreSQL (which refuses NUL in text): a NUL, another
/// control character or an oversized value in every kind of field, filter and
/// path segment is a 4xx problem, never a 500, and never stored.
#[test]
fn control_characters_and_oversized_values_are_4xx_never_500_over_postgres() {
    let Some(db) = Database::create() else { return };
    let migrate = command(&["migrate", "--store", &db.url]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let server = Server::start(&db.url);

    let register = |email: &str, handle: &str| {
        let (status, body) = server.call(
            "POST",
            "/v1/auth/register",
            None,
            Some(json!({ "email": email, "password": PASSWORD, "handle": handle })),
        );
        assert_eq!(status, 201, "{body}");
        body["tokens"]["access_token"].as_str().unwrap().to_string()
    };
    let owner = register("owner@example.com", "owner");
    let fan = register("fan@example.com", "fan");
    let agent = json!({ "slug": "echo", "name": "Echo", "tagline": "Says it back", "system_prompt": "Repeat.",
        "input_modes": ["text/plain"], "output_modes": ["text/plain"] });
    assert_eq!(server.call("POST", "/v1/agents", Some(&owner), Some(agent.clone())).0, 201);
    assert_eq!(
        server.call("POST", "/v1/agents/owner/echo/versions", Some(&owner), Some(json!({ "version": "1.0.0" }))).0,
        201
    );
    assert_eq!(server.call("PUT", "/v1/me/installs/owner/echo", Some(&fan), None).0, 201);

    let big = "a".repeat(40_000);
    let mut refused = 0;
    for (raw, encoded) in [("\u{0}", "%00".to_string()), ("x\u{1b}y", "x%1By".to_string()), (big.as_str(), big.clone())]
    {
        let mut check = |method: &str, path: String, token: Option<&str>, body: Option<Value>| {
            let (status, answer) = server.call(method, &path, token, body.clone());
            assert!((400..500).contains(&status), "{method} {path:.80} {body:.80?} → {status} {answer}");
            assert!(answer["code"].is_string(), "a problem with a stable code: {answer}");
            refused += 1;
        };
        // Filters and the search query.
        for filter in ["q", "category", "tag", "input_mode", "output_mode", "owner"] {
            check("GET", format!("/v1/agents?{filter}={encoded}"), None, None);
        }
        // Path segments.
        check("GET", format!("/v1/agents/{encoded}/echo"), None, None);
        check("GET", format!("/v1/agents/owner/{encoded}"), None, None);
        check("GET", format!("/v1/agents/owner/echo/versions/{encoded}"), Some(&owner), None);
        check("DELETE", format!("/v1/auth/sessions/{encoded}"), Some(&owner), None);
        // Identifiers.
        check(
            "POST",
            "/v1/auth/login".into(),
            None,
            Some(json!({ "email": format!("a{raw}@example.com"), "password": PASSWORD })),
        );
        check(
            "POST",
            "/v1/auth/register".into(),
            None,
            Some(json!({ "email": format!("n{raw}@example.com"), "password": PASSWORD })),
        );
        check(
            "POST",
            "/v1/auth/register".into(),
            None,
            Some(json!({ "email": "n1@example.com", "password": PASSWORD, "handle": format!("h{raw}") })),
        );
        check("POST", "/v1/agents".into(), Some(&owner), Some(json!({ "slug": format!("s{raw}"), "name": "S" })));
        check(
            "POST",
            "/v1/agents/owner/echo/versions".into(),
            Some(&owner),
            Some(json!({ "version": format!("1.0.1-{raw}") })),
        );
        check(
            "PUT",
            "/v1/me/installs/owner/echo".into(),
            Some(&fan),
            Some(json!({ "version": format!("1.0.0-{raw}") })),
        );
        check("POST", "/v1/agents/owner/echo/usage".into(), Some(&fan), Some(json!({ "event": format!("e{raw}") })));
        // Free text, single- and multi-line.
        for field in ["display_name", "bio", "avatar_url"] {
            check("PATCH", "/v1/me".into(), Some(&owner), Some(json!({ field: format!("x{raw}") })));
        }
        for field in ["name", "tagline", "description", "system_prompt", "category"] {
            check(
                "PATCH",
                "/v1/agents/owner/echo/draft".into(),
                Some(&owner),
                Some(json!({ field: format!("x{raw}") })),
            );
        }
        check(
            "PATCH",
            "/v1/agents/owner/echo/draft".into(),
            Some(&owner),
            Some(json!({ "tags": [format!("t{raw}")] })),
        );
        check(
            "POST",
            "/v1/agents/owner/echo/versions".into(),
            Some(&owner),
            Some(json!({ "version": "1.0.2", "changelog": format!("c{raw}") })),
        );
        check(
            "PATCH",
            "/v1/agents/owner/echo".into(),
            Some(&owner),
            Some(json!({ "status": "listed", "status_message": format!("m{raw}") })),
        );
        check(
            "PUT",
            "/v1/agents/owner/echo/rating".into(),
            Some(&fan),
            Some(json!({ "stars": 4, "title": format!("t{raw}") })),
        );
        check(
            "PUT",
            "/v1/agents/owner/echo/rating".into(),
            Some(&fan),
            Some(json!({ "stars": 4, "body": format!("b{raw}") })),
        );
    }
    assert_eq!(refused, 90, "every case ran");

    // Path segments are refused before any lookup: 422 naming the segment,
    // never a 404 (and never a query PostgreSQL refuses).
    let long = "a".repeat(200);
    for bad in ["%00", "x%1By", long.as_str()] {
        for (method, path, field) in [
            ("GET", format!("/v1/agents/{bad}/echo"), "owner"),
            ("GET", format!("/v1/agents/owner/{bad}"), "slug"),
            ("GET", format!("/v1/agents/owner/echo/versions/{bad}"), "version"),
            ("DELETE", format!("/v1/me/installs/owner/{bad}"), "slug"),
            ("DELETE", format!("/v1/auth/sessions/{bad}"), "id"),
            ("DELETE", format!("/v1/admin/users/{bad}/sessions"), "id"),
        ] {
            let (status, answer) = server.call(method, &path, Some(&fan), None);
            assert_eq!(status, 422, "{method} {path:.80} → {answer}");
            assert_eq!(answer["code"], "validation_failed", "{answer}");
            assert_eq!(answer["errors"][0]["field"], field, "{answer}");
        }
    }

    // Nothing of it was stored: the agent still has one version and no review.
    let (status, detail) = server.call("GET", "/v1/agents/owner/echo", None, None);
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["latest_version"], "1.0.0", "{detail}");
    assert_eq!(detail["rating"]["count"], 0, "{detail}");
    let logs = server.stop();
    assert!(logs.iter().all(|l| !l.contains("\"status\":500")), "no 500 was logged");
    drop(db);
}
