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
//! also runs the [model test](crate::testing::model): **86 cases + the model
//! test = 87 tests per backend** (memory, sled, SQLite in memory and on a WAL
//! file, PostgreSQL). 69 cases drive the storage calls directly; the 7 of
//! [`services`] build the public services ([`Agentmart`](crate::Agentmart)) over
//! the store and check the invariants users see, under concurrency; [`transfer`]
//! exports a filled store and imports it into a second fresh one. The cases,
//! by module:
//!
//! - [`users`] — `user_create_and_get`, `user_create_conflicts`,
//!   `user_find_by_email_handle_external_id`, `user_email_lookup_ignores_case`, `user_update_profile`,
//!   `user_update_profile_conflicts`, `user_mutations_not_found`,
//!   `user_set_password_hash_ends_chosen_sessions`, `user_set_role`,
//!   `user_set_disabled_ends_sessions`, `user_delete_cascades`,
//!   `user_one_time_token_replaces_earlier`, `user_reset_password_with_token`,
//!   `user_verify_email_with_token`, `user_change_email_with_token`,
//!   `concurrent_create_user_same_email`,
//!   `concurrent_create_user_same_handle`, `concurrent_reset_password_with_token`;
//! - [`sessions`] — `session_create_get_and_auth`,
//!   `session_redeem_rotates_then_detects_reuse`, `session_redeem_ended_and_unknown`,
//!   `session_list_active`, `session_revoke_one`, `session_revoke_all_except`,
//!   `concurrent_redeem_refresh_token`;
//! - [`throttle`] — `counter_hits_and_windows`, `counter_clear`, `counter_release`, `concurrent_counter_hits`;
//! - [`agents`] — `agent_create_and_find`, `agent_slug_conflicts`, `agent_update_draft`,
//!   `agent_publish_versions`, `agent_publish_conflicts`, `agent_versions_newest_first`,
//!   `agent_set_status`, `agent_moderation_lock`, `agent_list_owner_agents`,
//!   `concurrent_publish_same_expected_latest`;
//! - [`catalog`] — `catalog_visibility`, `catalog_entry_uses_latest_version`,
//!   `catalog_sort_popular`, `catalog_sort_rating`, `catalog_sort_newest`,
//!   `catalog_sort_trending`, `catalog_sort_name`, `catalog_sort_relevance`,
//!   `catalog_deprecated_last`, `catalog_filters`, `catalog_pagination`, `catalog_pagination_sub_microsecond_times`,
//!   `catalog_search_fields`, `catalog_search_and_of_terms`,
//!   `catalog_search_excludes_unlisted_drafts_deleted`;
//! - [`installs`] — `install_create_pin_and_uninstall`, `install_list_user_installs`,
//!   `concurrent_install_uninstall`, `concurrent_delete_user_during_installs`;
//! - [`ratings`] — `rating_upsert_and_aggregate`, `rating_delete_rating_and_review`,
//!   `rating_list_reviews`, `concurrent_rating_upserts`;
//! - [`usage`] — `usage_day_buckets`, `usage_trending`, `concurrent_usage_events`;
//! - [`audit`] — `audit_append_and_filters`, `audit_pagination`;
//! - [`admin`] — `admin_ping_flush_and_name`;
//! - [`services`] (through the services, all concurrent) —
//!   `service_install_count_equals_installing_users`, `service_rating_aggregate_equals_reviews`,
//!   `service_refresh_has_one_winner_and_revokes_the_session`,
//!   `service_publishes_rise_and_versions_never_change`,
//!   `service_registrations_keep_emails_handles_and_slugs_unique`,
//!   `service_state_changes_have_exactly_one_audit_record`,
//!   `service_usage_totals_equal_the_events_sent`.
//! - [`hardening`] — `session_capped_create_evicts_oldest`,
//!   `session_capped_create_no_eviction_no_record`, `session_list_page`,
//!   `concurrent_session_capped_creates`, `user_one_time_token_find_and_delete`,
//!   `agent_versions_page`.
//!
//! - [`handles`] — `user_delete_retires_handle`, `user_delete_purges_user_keyed_data`,
//!   `concurrent_delete_user_and_create_same_handle`;
//!
//! - [`sweep`] — `sweep_sessions_purges_ended_with_refresh_hashes`, `sweep_counters_purges_stale`,
//!   `sweep_one_time_tokens_purges_expired`, `sweep_usage_users_keeps_buckets`;
//!
//! - [`transfer`] — `transfer_round_trip` (takes two fresh stores; run by the
//!   macro as its own test).
//!
//! A new case is a `pub async fn` in the module of its domain, listed here and
//! in the `conformance_tests!` macro (which expands it for every backend).

pub mod admin;
pub mod agents;
pub mod audit;
pub mod catalog;
pub mod handles;
pub mod hardening;
pub mod installs;
pub mod ratings;
pub mod services;
pub mod sessions;
pub(crate) mod support;
pub mod sweep;
pub mod throttle;
pub mod transfer;
pub mod usage;
pub mod users;
