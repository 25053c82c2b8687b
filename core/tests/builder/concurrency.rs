//! Concurrent publishes and the store compare-and-set.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_keep_versions_strictly_rising() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let mut tasks = Vec::new();
    for minor in 0..16u64 {
        let agents = w.mart.agents();
        let (alice, r) = (alice.clone(), r.clone());
        tasks.push(tokio::spawn(async move {
            (minor, agents.publish(&alice, &r, publish_req(&format!("1.{minor}.0"))).await)
        }));
    }
    let mut won = BTreeSet::new();
    for t in tasks {
        let (minor, result) = t.await.unwrap();
        match result {
            Ok(v) => {
                assert_eq!(v.version, semver::Version::new(1, minor, 0));
                won.insert(minor);
            }
            Err(e) => assert!(
                matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict | ErrorCode::VersionExists),
                "{e}"
            ),
        }
    }
    assert!(!won.is_empty());
    let stored: Vec<u64> = w.mart.agents().versions(None, &r).await.unwrap().iter().map(|v| v.version.minor).collect();
    assert_eq!(stored, won.iter().rev().copied().collect::<Vec<_>>());
    // Publish order (audit records, oldest first) equals semver order: every
    // accepted version was above the one before it.
    let agent_id = w.mart.agents().my_agents(&alice).await.unwrap()[0].id;
    let audit = w
        .store
        .list_audit(
            &AuditFilter {
                target: Some(format!("agent:{agent_id}")),
                action: Some(actions::AGENT_PUBLISHED.into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let order: Vec<String> = audit.iter().rev().map(|a| a.details["version"].as_str().unwrap().to_string()).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|v| semver::Version::parse(v).unwrap());
    assert_eq!(order, sorted);
    assert_eq!(order.len(), won.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_publish_is_compare_and_set_one_winner_per_expected_latest() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let created = create(&w, &alice, "summarizer", full_definition()).await;
    let mut expected: Option<semver::Version> = None;
    for round in 0..3u64 {
        let mut tasks = Vec::new();
        for patch in 0..8u64 {
            let store = w.store.clone();
            let version = semver::Version::new(round + 1, 0, patch);
            let request = PublishVersion {
                version: AgentVersion {
                    agent_id: created.id,
                    version: version.clone(),
                    definition: full_definition(),
                    changelog: None,
                    published_at: Utc::now(),
                    published_by: alice.user_id,
                },
                expected_latest: expected.clone(),
                audit: AuditRecord::new(Utc::now(), actions::AGENT_PUBLISHED),
            };
            tasks.push(tokio::spawn(async move {
                agentmart_core::storage::AgentStore::publish_version(&*store, &request).await.map(|_| version)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(v) => winners.push(v),
                Err(e) => assert!(
                    matches!(
                        e,
                        agentmart_core::storage::StorageError::Conflict(
                            agentmart_core::storage::ConflictKind::StaleVersion
                        )
                    ),
                    "{e:?}"
                ),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        expected = winners.pop();
    }
}
