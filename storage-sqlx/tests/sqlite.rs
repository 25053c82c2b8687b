//! The shared storage conformance suite and model test on a SQLite WAL file
//! with a connection pool (several connections racing, unlike the private
//! in-memory database of `conformance_sqlite.rs`).
#![cfg(feature = "sqlite")]

mod common;

use std::sync::Arc;

use agentmart_core::storage::Store;

/// A fresh file store; its temporary directory lives as long as the test process.
async fn file_store() -> Arc<dyn Store> {
    let (dir, store) = common::sqlite_file_store().await;
    std::mem::forget(dir);
    store
}

agentmart_core::conformance_tests!(file_store);
