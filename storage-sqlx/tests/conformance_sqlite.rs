//! The shared storage conformance suite and model test on SQLite (a fresh
//! private in-memory database per store).
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};

async fn new_store() -> Arc<dyn Store> {
    Arc::new(SqlxStore::connect("sqlite::memory:", SqlxOptions::default()).await.expect("open sqlite::memory:"))
}

agentmart_core::conformance_tests!(new_store);
