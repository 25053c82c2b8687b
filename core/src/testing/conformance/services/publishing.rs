//! Service case of publishing: versions rise and never change under concurrent publishes and edits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;

use crate::ErrorCode;
use crate::agents::{DraftPatch, PublishRequest, VersionView};
use crate::storage::Store;

use super::*;

/// Invariant 4: 6 tasks edit and publish rising versions, then 6 tasks publish a storm of
/// versions while a reader watches: the latest version never goes down and ends the highest,
/// the listed versions are exactly the accepted publishes, unchanged by later draft edits.
pub async fn service_publishes_rise_and_versions_never_change(store: Arc<dyn Store>) {
    let w = world(store);
    let owner = w.user("maker").await;
    let (_, path) = w.draft(&owner, "evolving").await;
    let next = Arc::new(AtomicU64::new(0));

    // 6 tasks, each three times: edit the draft, then publish 1.<n>.0 with
    // n from a shared counter, so versions are attempted in rising order
    // while racing each other and the edits.
    let tasks = (0..6)
        .map(|_| {
            let (agents, owner, path, next) = (w.mart.agents(), owner.clone(), path.clone(), next.clone());
            async move {
                let mut published: Vec<VersionView> = Vec::new();
                for _ in 0..3 {
                    let n = next.fetch_add(1, Ordering::SeqCst) + 1;
                    let patch = DraftPatch {
                        name: Some(format!("Evolving {n}")),
                        system_prompt: Some(format!("Prompt of edit {n}.")),
                        ..DraftPatch::default()
                    };
                    agents.update_draft(&owner, &path, patch).await.unwrap();
                    let request = PublishRequest { version: format!("1.{n}.0"), changelog: Some(format!("n={n}")) };
                    match agents.publish(&owner, &path, request).await {
                        Ok(view) => published.push(view),
                        Err(e) => assert!(
                            matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict),
                            "a lost race is not_increasing or conflict, got {e:?}"
                        ),
                    }
                }
                published
            }
        })
        .collect();
    let mut published: Vec<VersionView> = run_all(tasks).await.into_iter().flatten().collect();
    assert!(!published.is_empty(), "some publish wins");

    // A storm: 6 tasks publish rising versions 2.<n>.0 back to back while a
    // reader watches the latest version. A publish must never land below one
    // that committed before it: the latest version never goes down, and
    // ends as the highest one published.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (market, path, done) = (w.mart.market(), path.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let latest = market.detail(None, &path).await.unwrap().latest_version;
                seen.push(latest);
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let tasks = (0..6u64)
        .map(|t| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), path.clone());
            async move {
                let mut won = Vec::new();
                for k in 0..6u64 {
                    // Rising over time, shuffled across tasks: a task may
                    // publish above one that read the same latest version.
                    let version = format!("2.{}.0", k * 10 + (t * 7 + k * 3) % 6);
                    match agents.publish(&owner, &path, PublishRequest { version, changelog: None }).await {
                        Ok(view) => won.push(view),
                        Err(e) => {
                            assert!(matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict), "{e:?}")
                        }
                    }
                }
                won
            }
        })
        .collect();
    published.extend(run_all(tasks).await.into_iter().flatten());
    done.store(true, Ordering::SeqCst);
    let seen = watcher.await.unwrap();
    for pair in seen.windows(2) {
        assert!(pair[0] <= pair[1], "the latest version went down from {:?} to {:?}", pair[0], pair[1]);
    }
    let highest = published.iter().map(|v| v.version.clone()).max();
    let latest = w.mart.market().detail(None, &path).await.unwrap().latest_version;
    assert_eq!(latest, highest, "the latest version is the highest published");
    let at_publish: BTreeMap<semver::Version, VersionView> =
        published.into_iter().map(|v| (v.version.clone(), v)).collect();

    let check = |versions: Vec<VersionView>| {
        for pair in versions.windows(2) {
            assert!(
                pair[0].version > pair[1].version,
                "{} then {}: not strictly decreasing",
                pair[0].version,
                pair[1].version
            );
        }
        let listed: BTreeSet<_> = versions.iter().map(|v| v.version.clone()).collect();
        let accepted: BTreeSet<_> = at_publish.keys().cloned().collect();
        assert_eq!(listed, accepted, "the versions listed are exactly the publishes that succeeded");
        for v in &versions {
            let original = &at_publish[&v.version];
            assert_eq!(v.definition, original.definition, "version {} changed since its publish", v.version);
            assert_eq!(v.changelog, original.changelog);
            assert_eq!(v.published_at, original.published_at);
        }
    };
    check(w.mart.agents().versions(Some(&owner), &path).await.unwrap());

    // Later draft edits (concurrent ones too) leave every version as published.
    w.clock.advance(Duration::minutes(5));
    let tasks = (0..4)
        .map(|i| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), path.clone());
            async move {
                let patch = DraftPatch {
                    name: Some(format!("Rewritten {i}")),
                    description: Some(format!("Rewritten description {i}.")),
                    system_prompt: Some(format!("Rewritten prompt {i}.")),
                    ..DraftPatch::default()
                };
                agents.update_draft(&owner, &path, patch).await.unwrap();
            }
        })
        .collect();
    run_all(tasks).await;
    check(w.mart.agents().versions(Some(&owner), &path).await.unwrap());
    let highest = at_publish.keys().next_back().cloned();
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!(detail.latest_version, highest);
    assert!(detail.name.starts_with("Evolving "), "the detail shows the latest version, not the draft");
}
