//! The shared storage conformance suite and model test, run on sled.

use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_storage_sled::SledStore;

async fn new_store() -> Arc<dyn Store> {
    Arc::new(SledStore::temporary().expect("temporary sled store"))
}

agentmart_core::conformance_tests!(new_store);
