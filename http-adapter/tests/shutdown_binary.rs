//! Graceful shutdown of the real `agentmart serve` (issue 11 item 7): the first
//! SIGTERM stops accepting and drains in-flight requests, bounded by
//! `--shutdown-timeout`, then flushes and exits 0; a second signal exits at once.
//!
//! A request is held "in flight" deterministically by sending its headers and
//! only half of its body: the handler is then waiting for the rest.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

struct Server {
    child: Child,
    addr: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let store = format!("sled:{}", dir.join("data").display());
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--store", &store];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentmart"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AGENTMART_LOG_FORMAT", "json")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (addr, logs) = common::serving_address(&mut child);
        Server { child, addr, logs }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -{name}");
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the exit; `None` if it has not come within `limit`.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50)); // the last log lines
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// Sends a JSON POST's headers and the first half of its body; the rest is
    /// sent by [`InFlight::finish`].
    fn start_post(&self, path: &str, body: &str) -> InFlight {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let (first, rest) = body.split_at(body.len() / 2);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(first.as_bytes()).unwrap();
        stream.flush().unwrap();
        // Let the server read the head and enter the handler.
        std::thread::sleep(Duration::from_millis(300));
        InFlight { stream, rest: rest.to_string() }
    }

    fn post(&self, path: &str, body: &str) -> (u16, String) {
        let mut request = self.start_post(path, body);
        request.finish()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct InFlight {
    stream: TcpStream,
    rest: String,
}

impl InFlight {
    /// Sends the rest of the body and reads the answer: status and raw text.
    fn finish(&mut self) -> (u16, String) {
        self.stream.write_all(self.rest.as_bytes()).unwrap();
        let mut raw = Vec::new();
        // The answer comes with `Connection: close` while shutting down, and
        // ends the connection; a keep-alive answer is cut at its length.
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(err) => panic!("reading the answer: {err} (got {:?})", String::from_utf8_lossy(&raw)),
            }
            if complete(&raw) {
                break;
            }
        }
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, text)
    }
}

/// Whether `raw` holds a whole answer with a `Content-Length`.
fn complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    head.lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|len| body.len() >= len)
}

fn register_body(email: &str) -> String {
    serde_json::json!({ "email": email, "password": PASSWORD, "handle": email.split('@').next().unwrap() }).to_string()
}

#[test]
fn sigterm_drains_an_in_flight_request_flushes_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let mut request = server.start_post("/v1/auth/register", &register_body("drain@example.com"));

    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.running(), "the server waits for the in-flight request\n{}", server.logs());
    assert!(TcpStream::connect(&server.addr).is_err(), "no new connections once shutting down");

    let (status, answer) = request.finish();
    assert_eq!(status, 201, "the in-flight request is answered: {answer}");
    let exit = server.wait(Duration::from_secs(20)).expect("the server exits once drained");
    let logs = server.logs();
    assert!(exit.success(), "exit 0 after a drained shutdown: {exit:?}\n{logs}");
    assert!(logs.contains("draining in-flight requests") && logs.contains("agentmart stopped"), "{logs}");

    // The write answered during the drain was flushed: it survives a restart.
    let server = Server::start(dir.path(), &[]);
    let login = serde_json::json!({ "email": "drain@example.com", "password": PASSWORD }).to_string();
    let (status, answer) = server.post("/v1/auth/login", &login);
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn the_drain_is_bounded_by_the_shutdown_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--shutdown-timeout", "1"]);
    let _stalled = server.start_post("/v1/auth/register", &register_body("stalled@example.com"));

    let sent = Instant::now();
    server.signal("TERM");
    let exit = server.wait(Duration::from_secs(15)).expect("the drain timeout ends the wait");
    let waited = sent.elapsed();
    let logs = server.logs();
    assert!(exit.success(), "a timed-out drain still flushes and exits 0: {exit:?}\n{logs}");
    assert!(waited >= Duration::from_millis(900), "the drain waited for its timeout: {waited:?}");
    assert!(logs.contains("shutdown timeout") && logs.contains("agentmart stopped"), "{logs}");
}

#[test]
fn a_second_signal_during_a_long_drain_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--shutdown-timeout", "120"]);
    let _stalled = server.start_post("/v1/auth/register", &register_body("impatient@example.com"));

    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.running(), "still draining\n{}", server.logs());
    let sent = Instant::now();
    server.signal("INT");
    let exit = server.wait(Duration::from_secs(5)).expect("a second signal exits at once");
    let logs = server.logs();
    assert!(sent.elapsed() < Duration::from_secs(5));
    assert_eq!(exit.code(), Some(130), "128 + SIGINT: {exit:?}\n{logs}");
    assert!(logs.contains("second signal during shutdown"), "{logs}");
    assert!(!logs.contains("agentmart stopped"), "no drain, no flush: {logs}");
}
