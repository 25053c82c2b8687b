//! The storage conformance suite and the model test run against
//! `testing::MemoryStore`, through `conformance_tests!` exactly as a backend
//! crate uses it (this file is a separate crate, so macro hygiene is checked too).
#![cfg(feature = "testing")]

use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_core::testing::MemoryStore;

async fn new_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

agentmart_core::conformance_tests!(new_store);
