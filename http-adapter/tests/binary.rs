//! End-to-end: the real `agentmart` binary on a loopback port over sled.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

struct Server {
    child: Child,
    addr: String,
    logs: Arc<Mutex<Vec<String>>>,
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentmart"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let store = format!("sled:{}", dir.join("data").display());
        let outbox = dir.join("outbox").display().to_string();
        let mut all = vec![("AGENTMART_LOG_FORMAT", "json")];
        all.extend_from_slice(env);
        let mut child = command(&["serve", "--listen", "127.0.0.1:0", "--store", &store, "--outbox", &outbox], &all)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (addr, logs) = common::serving_address(&mut child);
        Server { child, addr, logs }
    }

    fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "clean exit after SIGTERM: {status:?}");
                break;
            }
            assert!(Instant::now() < deadline, "the server stops within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.logs()
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, String, Value) {
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
        let json = serde_json::from_str(&payload).unwrap_or(Value::Null);
        (status, head.to_string(), json)
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
fn the_binary_serves_persists_and_shuts_down_gracefully_over_sled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);

    let (status, head, _) = server.call("GET", "/healthz", None, None);
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("x-request-id"));
    assert_eq!(server.call("GET", "/readyz", None, None).0, 200);

    // The walkthrough: register, login, create and publish an agent, install, rate.
    let (status, _, registered) = server.call(
        "POST",
        "/v1/auth/register",
        None,
        Some(json!({ "email": "e2e@example.com", "password": PASSWORD, "handle": "e2e" })),
    );
    assert_eq!(status, 201, "{registered}");
    let (status, _, tokens) =
        server.call("POST", "/v1/auth/login", None, Some(json!({ "email": "e2e@example.com", "password": PASSWORD })));
    assert_eq!(status, 200);
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let agent = json!({ "slug": "echo", "name": "Echo", "system_prompt": "Repeat the user.",
        "input_modes": ["text/plain"], "output_modes": ["text/plain"] });
    assert_eq!(server.call("POST", "/v1/agents", Some(&access), Some(agent)).0, 201);
    let (status, _, _) =
        server.call("POST", "/v1/agents/e2e/echo/versions", Some(&access), Some(json!({ "version": "1.0.0" })));
    assert_eq!(status, 201);
    let (status, _, fan) = server.call(
        "POST",
        "/v1/auth/register",
        None,
        Some(json!({ "email": "fan@example.com", "password": PASSWORD })),
    );
    assert_eq!(status, 201);
    let fan = fan["tokens"]["access_token"].as_str().unwrap().to_string();
    assert_eq!(server.call("PUT", "/v1/me/installs/e2e/echo", Some(&fan), None).0, 201);
    assert_eq!(server.call("PUT", "/v1/agents/e2e/echo/rating", Some(&fan), Some(json!({ "stars": 5 }))).0, 200);
    let (status, _, list) = server.call("GET", "/v1/agents?sort=popular", None, None);
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["install_count"], 1);

    // The outbox gets one JSON file per message.
    let (status, _, _) =
        server.call("POST", "/v1/auth/password/forgot", None, Some(json!({ "email": "e2e@example.com" })));
    assert_eq!(status, 202);
    let mut found = false;
    for entry in std::fs::read_dir(dir.path().join("outbox")).unwrap() {
        let message: Value = serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        if message["kind"] == "password_reset" {
            assert_eq!(message["to"], "e2e@example.com");
            assert!(message["token"].is_string() && message["link"].is_string() && message["created_at"].is_string());
            found = true;
        }
    }
    assert!(found, "a password-reset file in the outbox");

    // Another process cannot take the store while the server holds it.
    let store = format!("sled:{}", dir.path().join("data").display());
    let grant = command(&["admin", "grant", "--email", "e2e@example.com", "--store", &store], &[]).output().unwrap();
    assert!(!grant.status.success());

    let logs = server.stop();
    let startup = logs.iter().find(|l| l.contains("agentmart serving")).unwrap();
    let startup: Value = serde_json::from_str(startup).unwrap();
    assert!(startup["startup_ms"].as_u64().unwrap() < 1000, "starts in under a second: {startup}");
    assert!(logs.iter().any(|l| l.contains("agentmart stopped")));
    let answered: Vec<Value> =
        logs.iter().filter(|l| l.contains("answered")).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(answered.len() >= 10, "one log line per request");
    for line in &answered {
        assert!(line["span"]["request_id"].is_string(), "request lines carry the request id: {line}");
        assert!(line["status"].is_number(), "{line}");
    }
    for line in &logs {
        serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("every log line is JSON: {line}"));
        assert!(!line.contains(PASSWORD), "a password in the log: {line}");
        assert!(!line.contains(&access) && !line.contains(&refresh), "a token in the log: {line}");
    }

    // Operator commands work on the stopped store. The email was never
    // verified: the grant is refused unless forced.
    let grant = command(&["admin", "grant", "--email", "e2e@example.com", "--store", &store], &[]).output().unwrap();
    assert!(!grant.status.success(), "an unverified email is not made an admin");
    let stderr = String::from_utf8_lossy(&grant.stderr);
    assert!(stderr.contains("not verified") && stderr.contains("--force"), "{stderr}");
    let forced = ["admin", "grant", "--email", "e2e@example.com", "--force", "--store", &store];
    let grant = command(&forced, &[]).output().unwrap();
    assert!(grant.status.success(), "{}", String::from_utf8_lossy(&grant.stderr));
    assert!(String::from_utf8_lossy(&grant.stdout).contains("is now an admin"));
    let migrate = command(&["migrate", "--store", &store], &[]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    // Restart: data and the generated signing key persist.
    let server = Server::start(dir.path(), &[]);
    let (status, _, me) = server.call("GET", "/v1/me", Some(&access), None);
    assert_eq!(status, 200, "an access token of the first run still verifies: {me}");
    assert_eq!(me["role"], "admin");
    let (status, _, audit) = server.call("GET", "/v1/admin/audit?limit=5", Some(&access), None);
    assert_eq!(status, 200, "{audit}");
    server.stop();
}

#[test]
fn a_short_jwt_secret_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sled:{}", dir.path().join("data").display());
    let output =
        command(&["serve", "--listen", "127.0.0.1:0", "--store", &store], &[("AGENTMART_JWT_SECRET", "short")])
            .output()
            .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 32 bytes"));
    // (postgres:// and sqlite: are served now; tests/e2e_postgres.rs runs PostgreSQL.)
    let output = command(&["serve", "--store", "mysql://localhost/agentmart"], &[]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown store scheme"));
}

#[test]
fn version_and_help() {
    let version = command(&["--version"], &[]).output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("agentmart "));
    let help = command(&["--help"], &[]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for word in ["serve", "migrate", "admin", "Examples", "AGENTMART_JWT_SECRET"] {
        assert!(help.contains(word), "help mentions {word}");
    }
}

#[test]
fn settings_come_from_the_config_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agentmart.toml");
    std::fs::write(
        &config,
        "public_url = \"https://market.example.com\"\n[http]\nbody_limit_bytes = 64\ncors_origins = [\"https://app.example.com\"]\nhsts_max_age_secs = 600\n",
    )
    .unwrap();
    let secret = "s".repeat(40);
    let server = Server::start(
        dir.path(),
        &[("AGENTMART_CONFIG", config.to_str().unwrap()), ("AGENTMART_JWT_SECRET", secret.as_str())],
    );
    let big = json!({ "email": "big@example.com", "password": "x".repeat(100) });
    let (status, _, problem) = server.call("POST", "/v1/auth/register", None, Some(big));
    assert_eq!(status, 413);
    assert_eq!(problem["code"], "payload_too_large");
    let (status, head, _) = server.call("GET", "/healthz", None, None);
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("strict-transport-security: max-age=600"), "{head}");
    assert!(!dir.path().join("data").join("jwt-secret").exists(), "no generated key when a secret is given");
    server.stop();
}
