//! Storage testing kit (feature `testing`).
//!
//! - [`MemoryStore`]: a complete in-memory [`Store`](crate::storage::Store),
//!   the reference model, also handy in hosts' own tests;
//! - [`FaultyStore`]: wraps any store and fails chosen calls (`Unavailable` or
//!   `Backend`) or slows them down, switchable at run time, for adapters' tests
//!   of their error paths;
//! - [`conformance`]: the conformance suite, one `async fn` per case (storage
//!   contracts, and service-level invariants under concurrency);
//! - [`model`]: a property test comparing a backend with [`MemoryStore`] over
//!   random operation sequences;
//! - [`conformance_tests!`](crate::conformance_tests): expands all of the above
//!   into `#[test]`s for a backend.

pub mod conformance;
mod faulty;
mod memory;
pub mod model;

pub use faulty::{Fault, FaultyStore};
pub use memory::MemoryStore;

/// Runs the whole storage conformance suite and the model test against a backend.
///
/// The caller has, in scope, `async fn new_store() -> std::sync::Arc<dyn agentmart_core::storage::Store>`
/// returning a **fresh, empty** store on each call (the name is the macro's
/// argument; a path such as `crate::support::new_store` works too). The macro
/// expands to a module `storage_conformance` with one
/// `#[tokio::test(flavor = "multi_thread", worker_threads = 4)]` per case of
/// [`testing::conformance`](crate::testing::conformance), each named after its
/// case (e.g. `storage_conformance::concurrent_redeem_refresh_token`), plus the
/// `#[test] model_matches_memory_store` running [`testing::model`](crate::testing::model):
/// 86 cases and the model test, 87 tests per backend (the storage cases, the
/// service-level cases of [`conformance::services`](crate::testing::conformance::services),
/// and `transfer_round_trip`, which gets two fresh stores).
///
/// The calling crate needs, as dev-dependencies, `agentmart-core` with the
/// `testing` feature and `tokio` with the `macros` and `rt-multi-thread`
/// features. (`proptest` is not needed: the model test runs through
/// `agentmart-core`'s own dependency.)
///
/// ```ignore
/// // tests/conformance.rs of a backend crate
/// use std::sync::Arc;
/// use agentmart_core::storage::Store;
///
/// async fn new_store() -> Arc<dyn Store> {
///     Arc::new(my_backend::open_temporary().await.unwrap())
/// }
///
/// agentmart_core::conformance_tests!(new_store);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($new_store:path) => {
        $crate::__conformance_tests_inner! { $new_store;
            users::user_create_and_get,
            users::user_create_conflicts,
            users::user_find_by_email_handle_external_id,
            users::user_email_lookup_ignores_case,
            users::user_update_profile,
            users::user_update_profile_conflicts,
            users::user_mutations_not_found,
            users::user_set_password_hash_ends_chosen_sessions,
            users::user_set_role,
            users::user_set_disabled_ends_sessions,
            users::user_delete_cascades,
            users::user_one_time_token_replaces_earlier,
            users::user_reset_password_with_token,
            users::user_verify_email_with_token,
            users::user_change_email_with_token,
            users::concurrent_create_user_same_email,
            users::concurrent_create_user_same_handle,
            users::concurrent_reset_password_with_token,
            sessions::session_create_get_and_auth,
            sessions::session_redeem_rotates_then_detects_reuse,
            sessions::session_redeem_ended_and_unknown,
            sessions::session_list_active,
            sessions::session_revoke_one,
            sessions::session_revoke_all_except,
            sessions::concurrent_redeem_refresh_token,
            throttle::counter_hits_and_windows,
            throttle::counter_clear,
            throttle::counter_release,
            throttle::concurrent_counter_hits,
            sweep::sweep_sessions_purges_ended_with_refresh_hashes,
            sweep::sweep_counters_purges_stale,
            sweep::sweep_one_time_tokens_purges_expired,
            sweep::sweep_usage_users_keeps_buckets,
            agents::agent_create_and_find,
            agents::agent_slug_conflicts,
            agents::agent_update_draft,
            agents::agent_publish_versions,
            agents::agent_publish_conflicts,
            agents::agent_versions_newest_first,
            agents::agent_set_status,
            agents::agent_moderation_lock,
            agents::agent_list_owner_agents,
            agents::concurrent_publish_same_expected_latest,
            catalog::catalog_visibility,
            catalog::catalog_entry_uses_latest_version,
            catalog::catalog_sort_popular,
            catalog::catalog_sort_rating,
            catalog::catalog_sort_newest,
            catalog::catalog_sort_trending,
            catalog::catalog_sort_name,
            catalog::catalog_sort_relevance,
            catalog::catalog_deprecated_last,
            catalog::catalog_filters,
            catalog::catalog_pagination,
            catalog::catalog_pagination_sub_microsecond_times,
            catalog::catalog_search_fields,
            catalog::catalog_search_and_of_terms,
            catalog::catalog_search_excludes_unlisted_drafts_deleted,
            installs::install_create_pin_and_uninstall,
            installs::install_list_user_installs,
            installs::concurrent_install_uninstall,
            installs::concurrent_delete_user_during_installs,
            ratings::rating_upsert_and_aggregate,
            ratings::rating_delete_rating_and_review,
            ratings::rating_list_reviews,
            ratings::concurrent_rating_upserts,
            usage::usage_day_buckets,
            usage::usage_trending,
            usage::concurrent_usage_events,
            audit::audit_append_and_filters,
            audit::audit_pagination,
            admin::admin_ping_flush_and_name,
            services::service_install_count_equals_installing_users,
            services::service_rating_aggregate_equals_reviews,
            services::service_refresh_has_one_winner_and_revokes_the_session,
            services::service_publishes_rise_and_versions_never_change,
            services::service_registrations_keep_emails_handles_and_slugs_unique,
            services::service_state_changes_have_exactly_one_audit_record,
            services::service_usage_totals_equal_the_events_sent,
            hardening::session_capped_create_evicts_oldest,
            hardening::session_capped_create_no_eviction_no_record,
            hardening::session_list_page,
            hardening::concurrent_session_capped_creates,
            hardening::user_one_time_token_find_and_delete,
            hardening::agent_versions_page,
            handles::user_delete_retires_handle,
            handles::user_delete_purges_user_keyed_data,
            handles::concurrent_delete_user_and_create_same_handle,
        }
    };
}

/// Implementation detail of [`conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests_inner {
    ($new_store:path; $($module:ident :: $case:ident),* $(,)?) => {
        /// The storage conformance suite and the model test (see `agentmart_core::conformance_tests!`).
        mod storage_conformance {
            #[allow(unused_imports)]
            use super::*;

            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store = $new_store().await;
                    $crate::testing::conformance::$module::$case(store).await;
                }
            )*

            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn transfer_round_trip() {
                let (source, target) = ($new_store().await, $new_store().await);
                $crate::testing::conformance::transfer::transfer_round_trip(source, target).await;
            }

            #[test]
            fn model_matches_memory_store() {
                $crate::testing::model::check_against_model(|| $new_store());
            }
        }
    };
}
