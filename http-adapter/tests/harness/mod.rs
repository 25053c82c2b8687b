//! A harness for tests that run the real `agentmart` binary against each
//! store and check, from outside, that nothing acknowledged is lost
//! (issue 11 items 2, 3 and 5): stores (sled, SQLite, PostgreSQL), servers,
//! a blocking HTTP client that tells "not sent" from "outcome unknown", the
//! write workload with its ledger of acknowledged writes, and the checker.

#![allow(dead_code)]

pub mod workload;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The password of every user the harness registers.
pub const PASSWORD: &str = "correct horse battery staple";
/// The signing secret shared by every server of a run (tokens outlive restarts).
pub const SECRET: &str = "a harness signing secret of more than 32 bytes";

/// Whether CI asks for every backend (a missing PostgreSQL is then a failure).
pub fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The PostgreSQL server the tests may use.
pub fn pg_base_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{database}{query}")
}

/// `url` with its host and port replaced by `addr` (for a proxy in between).
pub fn with_authority(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, tail) = rest.split_once('/').map(|(a, t)| (a, format!("/{t}"))).unwrap_or((rest, String::new()));
    let user = authority.rsplit_once('@').map(|(u, _)| format!("{u}@")).unwrap_or_default();
    format!("{scheme}://{user}{addr}{tail}")
}

/// The `host:port` of a PostgreSQL URL.
pub fn pg_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host = if host.contains(':') { host.to_string() } else { format!("{host}:5432") };
    let host = host.replacen("localhost", "127.0.0.1", 1);
    host.parse().expect("a numeric PostgreSQL address")
}

fn psql(url: &str, sql: &str) -> std::io::Result<Output> {
    Command::new("psql").args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]).stdin(Stdio::null()).output()
}

/// The three kinds of store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sled:DIR`, default settings (durable acknowledgements).
    Sled,
    /// `sqlite:FILE` (WAL).
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// A store owned by one test: a temporary directory or a fresh database,
/// removed on drop.
pub struct Store {
    /// The `--store` URL.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    dir: Option<tempfile::TempDir>,
    database: Option<(String, String)>,
}

impl Store {
    /// A fresh store, or `None` after a loud SKIP when PostgreSQL is not
    /// reachable (a failure when `CI=true`).
    pub fn create(backend: Backend) -> Option<Store> {
        match backend {
            Backend::Sled | Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                Some(Store::in_dir(backend, dir.path().to_path_buf(), Some(dir)))
            }
            Backend::Postgres => {
                let admin = pg_base_url();
                let name = format!("am_h_{}", uuid::Uuid::now_v7().simple());
                let why = match psql(&admin, &format!("CREATE DATABASE {name}")) {
                    Ok(out) if out.status.success() => {
                        let url = with_database(&admin, &name);
                        return Some(Store { url, backend, dir: None, database: Some((admin, name)) });
                    }
                    Ok(out) => format!("psql at {admin} failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
                    Err(e) => format!("cannot run psql: {e}"),
                };
                assert!(!ci(), "CI=true but PostgreSQL is not usable: {why}");
                eprintln!(
                    "\n!!!!! SKIP: {why}; the PostgreSQL part did NOT run (CI=true makes this a failure) !!!!!\n"
                );
                None
            }
        }
    }

    /// A sled or SQLite store under `dir` (kept by the caller when `owned` is `None`).
    pub fn in_dir(backend: Backend, dir: PathBuf, owned: Option<tempfile::TempDir>) -> Store {
        let url = match backend {
            Backend::Sled => format!("sled:{}", dir.join("data").display()),
            Backend::Sqlite => format!("sqlite:{}", dir.join("agentmart.db").display()),
            Backend::Postgres => unreachable!("PostgreSQL has no directory"),
        };
        Store { url, backend, dir: owned, database: None }
    }

    /// Creates the schema (`agentmart migrate`); PostgreSQL needs it before `serve`.
    pub fn migrate(&self) {
        let out = command(&["migrate", "--store", &self.url]).output().unwrap();
        assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.database {
            let _ = psql(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The binary, with a clean environment and the shared signing secret.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentmart"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AGENTMART_JWT_SECRET", SECRET)
        .env("AGENTMART_LOG_FORMAT", "json")
        .args(args);
    cmd
}

/// A running `agentmart serve`; killed (SIGKILL) on drop.
pub struct Server {
    child: Child,
    /// `host:port` it serves.
    pub addr: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `agentmart serve --no-limits` on a loopback port over `url`.
    pub fn start(url: &str, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--no-limits", "--listen", "127.0.0.1:0", "--store", url];
        args.extend_from_slice(extra);
        let mut child = command(&args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("agentmart serving http://").nth(1) {
                    let addr: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => Server { child, addr, logs },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!("the server did not start; its log:\n{}", logs.lock().unwrap().join("\n"));
            }
        }
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every line logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// A call that must be answered.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        match call(&self.addr, method, path, token, body.as_ref()) {
            Outcome::Answered(status, value, _) => (status, value),
            other => panic!("{method} {path}: no answer ({other:?}); log:\n{}", self.logs()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// What became of a request.
#[derive(Debug)]
pub enum Outcome {
    /// An answer: status, JSON body (`Null` when none), raw head.
    Answered(u16, Value, String),
    /// The connection was refused: the server never saw the request.
    NotSent,
    /// Sent, but no whole answer: it may or may not have been applied.
    Unknown(String),
}

impl Outcome {
    /// The status, if answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Answered(status, ..) => Some(*status),
            _ => None,
        }
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn call(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Outcome {
    let mut stream = match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(_) => return Outcome::NotSent,
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return Outcome::Unknown(format!("write: {e}"));
    }
    let mut raw = Vec::new();
    if let Err(e) = stream.read_to_end(&mut raw) {
        return Outcome::Unknown(format!("read: {e}"));
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else { return Outcome::Unknown(format!("cut: {text:?}")) };
    let Some(status) = head.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()) else {
        return Outcome::Unknown(format!("bad head: {head:?}"));
    };
    let lower = head.to_ascii_lowercase();
    let payload = if lower.contains("transfer-encoding: chunked") {
        match dechunk(rest) {
            Some(p) => p,
            None => return Outcome::Unknown("cut chunked body".into()),
        }
    } else {
        let len = lower
            .lines()
            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().to_string()))
            .and_then(|v| v.parse::<usize>().ok());
        if len.is_some_and(|len| rest.len() < len) {
            return Outcome::Unknown("cut body".into());
        }
        rest.to_string()
    };
    Outcome::Answered(status, serde_json::from_str(&payload).unwrap_or(Value::Null), head.to_string())
}

fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, tail) = rest.split_once("\r\n")?;
        let n = usize::from_str_radix(size.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        out.push_str(tail.get(..n)?);
        rest = tail.get(n + 2..)?;
    }
}

/// A small xorshift generator (seeded per run and printed, to replay).
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from `AGENTMART_SEED` or the clock.
    pub fn from_env() -> Rng {
        let seed = env_number(
            "AGENTMART_SEED",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
        );
        eprintln!("harness seed: AGENTMART_SEED={seed}");
        Rng::new(seed)
    }

    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Waits until `f` holds, up to `limit`.
pub fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
