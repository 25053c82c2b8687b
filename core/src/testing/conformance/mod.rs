//! The storage conformance suite.
//!
//! Each case is a `pub async fn(Arc<dyn Store>)` that drives one part of the
//! storage contract (the doc comments of [`crate::storage`]) and panics with a
//! message naming the broken rule. Cases assert error *kinds*
//! (`StorageError::Conflict(ConflictKind::Email)`, `StorageError::NotFound`...),
//! never messages. Every case expects a **fresh, empty store** and a
//! multi-threaded tokio runtime (the `concurrent_*` cases spawn tasks with
//! [`tokio::spawn`]).
//!
//! Run them all with [`conformance_tests!`](crate::conformance_tests), which
//! also runs the [model test](crate::testing::model). The cases, by module:
//!
//! - [`users`] — `user_create_and_get`, `user_create_conflicts`,
//!   `user_find_by_email_handle_external_id`, `user_update_profile`,
//!   `user_update_profile_conflicts`, `user_mutations_not_found`,
//!   `user_set_password_hash_ends_chosen_sessions`, `user_set_role`,
//!   `user_set_disabled_ends_sessions`, `user_delete_cascades`,
//!   `user_one_time_token_replaces_earlier`, `user_reset_password_with_token`,
//!   `user_verify_email_with_token`, `concurrent_create_user_same_email`,
//!   `concurrent_create_user_same_handle`;
//! - [`sessions`] — `session_create_get_and_auth`,
//!   `session_redeem_rotates_then_detects_reuse`, `session_redeem_ended_and_unknown`,
//!   `session_list_active`, `session_revoke_one`, `session_revoke_all_except`,
//!   `concurrent_redeem_refresh_token`;
//! - [`throttle`] — `counter_hits_and_windows`, `counter_clear`, `concurrent_counter_hits`;
//! - [`agents`] — `agent_create_and_find`, `agent_slug_conflicts`, `agent_update_draft`,
//!   `agent_publish_versions`, `agent_publish_conflicts`, `agent_versions_newest_first`,
//!   `agent_set_status`, `agent_list_owner_agents`, `concurrent_publish_same_expected_latest`;
//! - [`catalog`] — `catalog_visibility`, `catalog_entry_uses_latest_version`,
//!   `catalog_sort_popular`, `catalog_sort_rating`, `catalog_sort_newest`,
//!   `catalog_sort_trending`, `catalog_sort_name`, `catalog_sort_relevance`,
//!   `catalog_deprecated_last`, `catalog_filters`, `catalog_pagination`,
//!   `catalog_search_fields`, `catalog_search_and_of_terms`,
//!   `catalog_search_excludes_unlisted_drafts_deleted`;
//! - [`installs`] — `install_create_pin_and_uninstall`, `install_list_user_installs`,
//!   `concurrent_install_uninstall`;
//! - [`ratings`] — `rating_upsert_and_aggregate`, `rating_delete_rating_and_review`,
//!   `rating_list_reviews`, `concurrent_rating_upserts`;
//! - [`usage`] — `usage_day_buckets`, `usage_trending`, `concurrent_usage_events`;
//! - [`audit`] — `audit_append_and_filters`, `audit_pagination`;
//! - [`admin`] — `admin_ping_flush_and_name`;
//! - [`hardening`] — `session_capped_create_evicts_oldest`,
//!   `session_capped_create_no_eviction_no_record`, `session_list_page`,
//!   `concurrent_session_capped_creates`, `user_one_time_token_find_and_delete`,
//!   `agent_versions_page`.

pub mod admin;
pub mod agents;
pub mod audit;
pub mod catalog;
pub mod hardening;
pub mod installs;
pub mod ratings;
pub mod sessions;
pub(crate) mod support;
pub mod throttle;
pub mod usage;
pub mod users;
