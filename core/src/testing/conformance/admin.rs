//! Cases for [`StoreAdmin`](crate::storage::StoreAdmin).

use std::sync::Arc;

use super::support::*;
use crate::storage::Store;

/// `backend_name` is a non-empty name; `ping` and `flush` succeed on a healthy store.
pub async fn admin_ping_flush_and_name(store: Arc<dyn Store>) {
    assert!(!store.backend_name().is_empty(), "backend_name must not be empty");
    ok(store.ping().await, "ping");
    add_user(&*store, "alice").await;
    ok(store.flush().await, "flush");
    assert!(ok(store.find_user_by_handle(&handle("alice")).await, "after flush").is_some(), "data survives a flush");
}
