//! Helpers shared by the tests that run the real `agentmart` binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Collects a spawned server's log lines from its stderr (in the background)
/// and waits for the `agentmart serving http://ADDR` line: returns `ADDR`
/// and the shared list of every line logged so far.
pub fn serving_address(child: &mut Child) -> (String, Arc<Mutex<Vec<String>>>) {
    let stderr: ChildStderr = child.stderr.take().expect("the server's stderr is piped");
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
    let addr = rx.recv_timeout(Duration::from_secs(20)).expect("the server logs the URL it serves");
    (addr, logs)
}
