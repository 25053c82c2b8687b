//! Backend scenarios on SQLite: in memory, and on a WAL file with a connection pool.
#![cfg(feature = "sqlite")]

mod common;

use std::sync::Arc;

use agentmart_core::storage::Store;

async fn memory() -> Option<Arc<dyn Store>> {
    Some(common::sqlite_store().await)
}

mod in_memory {
    use super::*;
    store_scenarios!(memory);
}

mod on_file {
    use super::*;

    /// The temporary directories live as long as the test process.
    async fn file() -> Option<Arc<dyn Store>> {
        let (dir, store) = common::sqlite_file_store().await;
        std::mem::forget(dir);
        Some(store)
    }
    store_scenarios!(file);
}
