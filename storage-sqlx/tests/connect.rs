//! Opening stores: URLs, failures, migrations, schemas.

mod common;

#[allow(unused_imports)]
use agentmart_core::storage::{StorageError, StoreAdmin, UserStore};
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};

#[cfg(feature = "postgres")]
#[tokio::test]
async fn unreachable_postgres_is_unavailable_not_a_panic() {
    let options = SqlxOptions { acquire_timeout: std::time::Duration::from_secs(3), ..SqlxOptions::default() };
    // Port 1 on localhost: nothing listens there.
    let err = SqlxStore::connect("postgres://nobody:secret@127.0.0.1:1/none", options).await.unwrap_err();
    match err {
        StorageError::Unavailable(message) => {
            assert!(message.contains("127.0.0.1:1"), "{message}");
            assert!(!message.contains("secret"), "the password never appears: {message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn unsupported_url_is_rejected() {
    let err = SqlxStore::connect("mysql://localhost/x", SqlxOptions::default()).await.unwrap_err();
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
    assert!(format!("{:?}", err).contains("unsupported"), "{err:?}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_in_a_missing_directory_is_unavailable() {
    let err =
        SqlxStore::connect("sqlite:/nonexistent-dir-agentmart/x/db.sqlite", SqlxOptions::default()).await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_file_survives_reopen_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    let u = common::user("keep@example.com", "keep");
    {
        let store = SqlxStore::connect(&url, SqlxOptions::default()).await.unwrap();
        store.create_user(&u, &common::audit("x")).await.unwrap();
        store.flush().await.unwrap();
        store.close().await;
    }
    let store = SqlxStore::connect_without_migrating(&url, SqlxOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.get_user(u.id).await.unwrap(), Some(u));
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.sqlite_pool().unwrap()).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.sqlite_pool().unwrap()).await.unwrap();
    assert_eq!(fk, 1);
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn closed_store_is_unavailable() {
    let store = SqlxStore::connect("sqlite::memory:", SqlxOptions::default()).await.unwrap();
    store.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_schema_is_private_and_dropped() {
    let Some(url) = common::postgres_url().await else { return };
    let schema;
    {
        let store = common::postgres_store_at(&url).await;
        schema = store.options().postgres_schema.clone().unwrap();
        let u = common::user("schema@example.com", "schema");
        store.create_user(&u, &common::audit("x")).await.unwrap();
        // A second store (another "server") in the same schema sees the data.
        let options = SqlxOptions { postgres_schema: Some(schema.clone()), ..SqlxOptions::default() };
        let other = SqlxStore::connect(&url, options).await.unwrap();
        assert_eq!(other.get_user(u.id).await.unwrap(), Some(u));
        other.close().await;
    }
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let left: Option<String> =
        sqlx::query_scalar("SELECT schema_name::text FROM information_schema.schemata WHERE schema_name = $1")
            .bind(&schema)
            .fetch_optional(&pool)
            .await
            .unwrap();
    assert_eq!(left, None, "the test schema is dropped with its store");
}
