//! The shared storage conformance suite and model test on PostgreSQL at
//! `DATABASE_URL`; every store lives in its own fresh schema, dropped with it.
//!
//! Without a reachable PostgreSQL: a failure when `CI=true`; otherwise a loud
//! SKIP, and the test process ends successfully without running the suite.
#![cfg(feature = "postgres")]

mod common;

use std::sync::Arc;

use agentmart_core::storage::Store;

async fn new_store() -> Arc<dyn Store> {
    match common::postgres_url().await {
        Some(url) => Arc::new(common::postgres_store_at(&url).await),
        // `postgres_url` already printed the SKIP (it panics in CI).
        None => std::process::exit(0),
    }
}

agentmart_core::conformance_tests!(new_store);
