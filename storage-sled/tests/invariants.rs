//! Invariant 6 of ARCHITECTURE.md (no password or token stored in clear), on
//! sled: it reads the database's files, so it is a backend test. The other
//! invariants run through the services on every backend as the `service_*`
//! cases of the conformance suite (`agentmart_core::testing::conformance::services`,
//! expanded by `tests/conformance.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentmart_core::auth::{LoginRequest, RegisterRequest};
use agentmart_core::storage::Store;
use agentmart_core::{Agentmart, ClientInfo, Config, MemoryNotifier, MessageKind};
use agentmart_storage_sled::SledStore;

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The files (relative to `dir`) whose bytes contain `needle`.
fn files_containing(dir: &Path, contents: &[(PathBuf, Vec<u8>)], needle: &str) -> Vec<String> {
    contents
        .iter()
        .filter(|(_, bytes)| contains(bytes, needle.as_bytes()))
        .map(|(path, _)| path.strip_prefix(dir).unwrap_or(path).display().to_string())
        .collect()
}

/// The random part of an opaque token `amr_…`/`amp_…`/`amv_…`.
fn secret_part(token: &str) -> &str {
    token.split_once('_').map_or(token, |(_, secret)| secret)
}

// 6. Passwords and tokens are never stored in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_password_or_token_is_stored_in_clear() {
    const EMAIL: &str = "keeper-of-secrets@example.com";
    const PASSWORD: &str = "Quokka-Zebra-Passphrase-7781!";
    let dir = tempfile::tempdir().unwrap();
    let notifier = MemoryNotifier::new();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).unwrap());
    let mart = Agentmart::builder(store, Config::for_tests()).notifier(Arc::new(notifier.clone())).build().unwrap();
    let auth = mart.auth();
    let client = ClientInfo::from_ip("203.0.113.99");

    let registered = auth
        .register(
            RegisterRequest {
                email: EMAIL.into(),
                password: PASSWORD.into(),
                handle: Some("secret-keeper".parse().unwrap()),
                display_name: None,
            },
            &client,
        )
        .await
        .unwrap();
    let login = auth.login(LoginRequest { email: EMAIL.into(), password: PASSWORD.into() }, &client).await.unwrap();
    let refreshed = auth.refresh(&login.refresh_token, &client).await.unwrap();
    auth.authenticate(&refreshed.access_token).await.unwrap();
    auth.request_password_reset(EMAIL, &client).await.unwrap();
    let reset = notifier.last(EMAIL, MessageKind::PasswordReset).expect("a reset message").token;
    let verify = notifier.last(EMAIL, MessageKind::EmailVerification).expect("a verification message").token;
    mart.flush().await.unwrap();

    let contents: Vec<(PathBuf, Vec<u8>)> =
        files_under(dir.path()).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
    // The scan sees the data: the account's email and handle are on disk.
    assert!(
        !files_containing(dir.path(), &contents, EMAIL).is_empty(),
        "the email is not on disk: nothing was scanned"
    );
    assert!(!files_containing(dir.path(), &contents, "secret-keeper").is_empty());

    let mut secrets: Vec<(String, String)> = vec![("password".into(), PASSWORD.into())];
    for (name, pair) in [("registration", &registered.tokens), ("login", &login), ("refresh", &refreshed)] {
        let signature = pair.access_token.rsplit('.').next().unwrap().to_string();
        assert!(signature.len() >= 32, "a JWT signature");
        secrets.push((format!("{name} access token"), pair.access_token.clone()));
        secrets.push((format!("{name} access token signature"), signature));
        secrets.push((format!("{name} refresh token"), pair.refresh_token.clone()));
        secrets.push((format!("{name} refresh token secret"), secret_part(&pair.refresh_token).to_string()));
    }
    for (name, token) in [("reset", &reset), ("verification", &verify)] {
        secrets.push((format!("{name} token"), token.clone()));
        secrets.push((format!("{name} token secret"), secret_part(token).to_string()));
    }
    for (name, secret) in &secrets {
        let found = files_containing(dir.path(), &contents, secret);
        assert!(found.is_empty(), "the {name} is stored in clear in {found:?}");
    }
}
