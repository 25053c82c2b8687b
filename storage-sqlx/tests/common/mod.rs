//! Helpers shared by the test binaries: store constructors for both
//! databases, and a user fixture.
#![allow(dead_code)]

use std::sync::Arc;

use agentmart_core::ids::UserId;
use agentmart_core::model::{AuditRecord, Role, UserRecord};
use agentmart_core::storage::Store;
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};

/// A fresh private in-memory SQLite store.
#[cfg(feature = "sqlite")]
pub async fn sqlite_store() -> Arc<dyn Store> {
    Arc::new(SqlxStore::connect("sqlite::memory:", SqlxOptions::default()).await.expect("open sqlite::memory:"))
}

/// A fresh SQLite file store in a temporary directory (kept alive by the returned guard).
#[cfg(feature = "sqlite")]
pub async fn sqlite_file_store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("agentmart.db").display());
    let store = SqlxStore::connect(&url, SqlxOptions::default()).await.expect("open sqlite file");
    (dir, Arc::new(store))
}

/// Prints straight to the process's stderr, past the test harness's output capture.
#[cfg(feature = "postgres")]
fn loud_skip(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIP: {why}; the PostgreSQL tests did NOT run (set DATABASE_URL; CI=true makes this a failure) !!!!!\n"
    );
}

#[cfg(feature = "postgres")]
/// `DATABASE_URL`, or `None` after a loud SKIP (outside CI) when PostgreSQL is
/// not configured or not reachable. In CI (`CI=true`) that is a failure.
pub async fn postgres_url() -> Option<String> {
    let ci = std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false);
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(!ci, "CI=true but DATABASE_URL is not set: the PostgreSQL suite is required in CI");
            loud_skip("DATABASE_URL is not set");
            return None;
        }
    };
    use sqlx::Connection as _;
    match sqlx::PgConnection::connect(&url).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Some(url)
        }
        Err(e) => {
            assert!(!ci, "CI=true but PostgreSQL at DATABASE_URL is unreachable: {e}");
            eprintln!(
                "\n!!!!! SKIP: PostgreSQL at DATABASE_URL is unreachable ({e}); PostgreSQL tests did not run !!!!!\n"
            );
            None
        }
    }
}

#[cfg(feature = "postgres")]
/// A store in a fresh schema `am_test_<random>`, dropped with the store.
pub async fn postgres_store_at(url: &str) -> SqlxStore {
    let schema = format!("am_test_{}", uuid::Uuid::now_v7().simple());
    let options = SqlxOptions {
        postgres_schema: Some(schema),
        drop_schema_on_drop: true,
        max_connections: 8,
        ..SqlxOptions::default()
    };
    SqlxStore::connect(url, options).await.expect("connect to PostgreSQL")
}

#[cfg(feature = "postgres")]
/// A fresh PostgreSQL store, or `None` when skipped (see [`postgres_url`]).
pub async fn postgres_store() -> Option<Arc<dyn Store>> {
    let url = postgres_url().await?;
    Some(Arc::new(postgres_store_at(&url).await))
}

/// An audit record of `action` at a fixed time.
pub fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(chrono::DateTime::UNIX_EPOCH, action)
}

/// A user record with this email and handle (not stored).
pub fn user(email: &str, handle: &str) -> UserRecord {
    let now = chrono::Utc::now();
    UserRecord {
        id: UserId::new(),
        email: Some(email.parse().expect("a valid email")),
        email_verified: false,
        handle: handle.parse().expect("a valid handle"),
        display_name: None,
        bio: None,
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: None,
        external_id: None,
        created_at: now,
        updated_at: now,
    }
}
