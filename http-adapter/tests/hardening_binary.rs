//! Security hardening seen from outside (issue 10): the real `agentmart`
//! binary's output and startup behaviour.

use std::process::Command;

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentmart"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn migrate_never_prints_the_store_password() {
    let secret = "pw-that-must-not-show";
    // Unreachable: the error names the store, without its credentials.
    let url = format!("postgres://app:{secret}@127.0.0.1:1/db?password={secret}");
    let output = command(&["migrate", "--store", &url], &[]).output().unwrap();
    assert!(!output.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains(secret), "{all}");
    assert!(all.contains("postgres://app:***@127.0.0.1:1/db?password=***"), "{all}");
    // Reachable (trust auth ignores the password): the success line is redacted too.
    if let Ok(base) = std::env::var("DATABASE_URL") {
        let with_password = base.replacen("postgres://postgres@", &format!("postgres://postgres:{secret}@"), 1);
        let output = command(&["migrate", "--store", &with_password], &[]).output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{all}");
        assert!(!all.contains(secret) && all.contains("is ready"), "{all}");
    }
}

#[test]
fn dev_mode_warns_at_startup() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sled:{}", dir.path().join("data").display());
    let mut child = command(&["serve", "--dev", "--listen", "127.0.0.1:0", "--store", &store], &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines().map_while(Result::ok) {
        let serving = line.contains("agentmart serving");
        seen.push(line);
        if serving {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.iter().any(|l| l.contains("WARN") && l.contains("--dev")), "{seen:#?}");
}
