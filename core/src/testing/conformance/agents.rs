//! Cases for [`AgentStore`](crate::storage::AgentStore).

use std::sync::Arc;

use super::support::*;
use crate::ids::AgentId;
use crate::model::{AgentStats, AgentStatus, Draft, ModerationLock, actions};
use crate::storage::{ConflictKind, StorageError, Store};

/// `create_agent`, `get_agent`, `find_agent`, `get_draft`, and the empty defaults of a new agent.
pub async fn agent_create_and_find(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = agent_record(alice.id, "helper", at(5));
    let mut def = definition("Helper");
    def.skills.push(crate::model::Skill { id: "sum".into(), name: "Summarise".into(), ..Default::default() });
    def.input_schema = Some(serde_json::json!({ "type": "object" }));
    let draft = Draft { agent_id: agent.id, definition: def, updated_at: at(5) };
    let r = audit(actions::AGENT_CREATED);
    ok(s.create_agent(&agent, &draft, &r).await, "create_agent");
    assert_audited(s, &r, "create_agent").await;
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(agent.clone()), "get_agent round trip");
    assert_eq!(ok(s.find_agent(alice.id, &slug("helper")).await, "find_agent"), Some(agent.clone()), "find_agent");
    assert_eq!(ok(s.find_agent(alice.id, &slug("other")).await, "find_agent"), None, "unknown slug");
    assert_eq!(ok(s.get_agent(AgentId::new()).await, "get_agent"), None, "unknown id");
    assert_eq!(ok(s.get_draft(agent.id).await, "get_draft"), draft, "get_draft round trip");
    expect_not_found(s.get_draft(AgentId::new()).await, "get_draft of an unknown agent");
    assert!(ok(s.list_versions(agent.id).await, "list_versions").is_empty(), "no versions yet");
    assert_eq!(ok(s.get_stats(agent.id).await, "get_stats"), AgentStats::default(), "zero stats");
    assert_eq!(ok(s.get_catalog_entry(agent.id).await, "get_catalog_entry"), None, "a draft is not in the catalogue");
}

/// `owner/slug` is unique per owner (deleted agents keep their slug); other owners may reuse it.
pub async fn agent_slug_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let first = add_agent(s, alice.id, "helper", &definition("One")).await;
    let dup = agent_record(alice.id, "helper", at(1));
    let r = audit("test.slug_conflict");
    let draft = Draft { agent_id: dup.id, definition: definition("Two"), updated_at: at(1) };
    expect_conflict(s.create_agent(&dup, &draft, &r).await, ConflictKind::Slug, "same owner and slug");
    assert_not_audited(s, &r, "failed create_agent").await;
    assert_eq!(ok(s.get_agent(dup.id).await, "get_agent"), None, "nothing written on a conflict");
    add_agent(s, bob.id, "helper", &definition("Bob's")).await;

    set_status(s, first.id, AgentStatus::Deleted).await;
    let again = agent_record(alice.id, "helper", at(2));
    let draft = Draft { agent_id: again.id, definition: definition("Three"), updated_at: at(2) };
    expect_conflict(s.create_agent(&again, &draft, &audit("t")).await, ConflictKind::Slug, "deleted keep the slug");
    let found = ok(s.find_agent(alice.id, &slug("helper")).await, "find_agent").expect("deleted agents are found");
    assert_eq!((found.id, found.status), (first.id, AgentStatus::Deleted), "find_agent includes deleted agents");
}

/// `update_draft` replaces the definition and stamps draft and agent; refused for deleted agents.
pub async fn agent_update_draft(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_agent(s, alice.id, "helper", &definition("Before")).await;
    let r = audit(actions::AGENT_DRAFT_UPDATED);
    let mut def = definition("After");
    def.tags = vec!["new".into()];
    let draft = ok(s.update_draft(agent.id, &def, at(50), &r).await, "update_draft");
    let expected = Draft { agent_id: agent.id, definition: def.clone(), updated_at: at(50) };
    assert_eq!(draft, expected, "update_draft result");
    assert_eq!(ok(s.get_draft(agent.id).await, "get_draft"), expected, "draft persisted");
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent").map(|a| a.updated_at), Some(at(50)), "agent stamped");
    assert_audited(s, &r, "update_draft").await;

    expect_not_found(s.update_draft(AgentId::new(), &def, at(51), &audit("t")).await, "unknown agent");
    set_status(s, agent.id, AgentStatus::Deleted).await;
    let r = audit("test.update_deleted");
    expect_conflict(
        s.update_draft(agent.id, &definition("Never"), at(52), &r).await,
        ConflictKind::AgentDeleted,
        "update_draft of a deleted agent",
    );
    assert_not_audited(s, &r, "refused update_draft").await;
    assert_eq!(ok(s.get_draft(agent.id).await, "get_draft").definition, def, "draft unchanged");
}

/// The first publish lists a draft agent and sets `published_at`; later ones keep it.
pub async fn agent_publish_versions(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_agent(s, alice.id, "helper", &definition("Draft")).await;
    let v1 = definition("Version One");
    let req = publish_request(agent.id, alice.id, "1.0.0", None, &v1, at(100));
    let published = ok(s.publish_version(&req).await, "publish 1.0.0");
    assert_eq!(published.status, AgentStatus::Listed, "the first publish moves a draft to listed");
    assert_eq!(published.latest_version, Some(v("1.0.0")));
    assert_eq!(published.published_at, Some(at(100)), "first publish sets published_at");
    assert_eq!(published.updated_at, at(100));
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(published.clone()), "publish persisted");
    assert_audited(s, &req.audit, "publish_version").await;
    assert_eq!(ok(s.get_version(agent.id, &v("1.0.0")).await, "get_version"), Some(req.version.clone()));
    assert_eq!(ok(s.get_draft(agent.id).await, "get_draft").definition.name, "Draft", "draft untouched by publish");

    let v2 = definition("Version Two");
    let second = ok(publish(s, &agent, "1.1.0", Some("1.0.0"), &v2, at(200)).await, "publish 1.1.0");
    assert_eq!(second.latest_version, Some(v("1.1.0")));
    assert_eq!(second.published_at, Some(at(100)), "published_at is the first publish");
    assert_eq!(second.updated_at, at(200));
    assert_eq!(
        ok(s.get_version(agent.id, &v("1.0.0")).await, "get_version"),
        Some(req.version),
        "a published version never changes"
    );

    // Publishing an unlisted agent keeps it unlisted.
    set_status(s, agent.id, AgentStatus::Unlisted).await;
    let third = ok(publish(s, &agent, "2.0.0", Some("1.1.0"), &v2, at(300)).await, "publish 2.0.0");
    assert_eq!(third.status, AgentStatus::Unlisted, "only draft agents become listed on publish");
}

/// `publish_version` conflicts: `Version`, `StaleVersion`, `NotFound`, `AgentDeleted`; nothing written.
pub async fn agent_publish_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_published(s, alice.id, "helper", &definition("One"), at(0)).await;

    let dup = publish_request(agent.id, alice.id, "1.0.0", Some("1.0.0"), &definition("Dup"), at(10));
    expect_conflict(s.publish_version(&dup).await, ConflictKind::Version, "an existing version");
    assert_not_audited(s, &dup.audit, "failed publish").await;
    assert_eq!(
        ok(s.get_version(agent.id, &v("1.0.0")).await, "get_version").map(|x| x.definition.name),
        Some("One".to_string()),
        "the existing version is untouched"
    );

    let stale = publish_request(agent.id, alice.id, "2.0.0", None, &definition("Stale"), at(10));
    expect_conflict(s.publish_version(&stale).await, ConflictKind::StaleVersion, "expected_latest None is stale");
    let stale = publish_request(agent.id, alice.id, "2.0.0", Some("0.9.0"), &definition("Stale"), at(10));
    expect_conflict(s.publish_version(&stale).await, ConflictKind::StaleVersion, "expected_latest mismatch");
    assert_not_audited(s, &stale.audit, "failed publish").await;
    assert_eq!(ok(s.get_version(agent.id, &v("2.0.0")).await, "get_version"), None, "nothing stored");
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(agent.clone()), "agent unchanged");

    let unknown = publish_request(AgentId::new(), alice.id, "1.0.0", None, &definition("X"), at(10));
    expect_not_found(s.publish_version(&unknown).await, "publish for an unknown agent");

    set_status(s, agent.id, AgentStatus::Deleted).await;
    let deleted = publish_request(agent.id, alice.id, "2.0.0", Some("1.0.0"), &definition("Gone"), at(10));
    expect_conflict(s.publish_version(&deleted).await, ConflictKind::AgentDeleted, "publish of a deleted agent");
}

/// `list_versions` is ordered by semver, newest first; `get_version` of a missing version is `None`.
pub async fn agent_versions_newest_first(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_agent(s, alice.id, "helper", &definition("One")).await;
    let mut expected = None;
    for (i, version) in ["0.9.0", "1.2.0", "1.10.0", "2.0.0-beta.1", "2.0.0"].iter().enumerate() {
        ok(publish(s, &agent, version, expected, &definition(version), at(i as i64)).await, "publish");
        expected = Some(version);
    }
    let listed: Vec<String> =
        ok(s.list_versions(agent.id).await, "list_versions").iter().map(|x| x.version.to_string()).collect();
    assert_eq!(listed, ["2.0.0", "2.0.0-beta.1", "1.10.0", "1.2.0", "0.9.0"], "semver order, newest first");
    assert_eq!(ok(s.get_version(agent.id, &v("1.1.0")).await, "get_version"), None, "missing version");
    assert!(ok(s.list_versions(AgentId::new()).await, "list_versions").is_empty(), "unknown agent: empty");
}

/// `set_agent_status` sets status and message, stamps `updated_at`; deleted agents refuse changes.
pub async fn agent_set_status(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_published(s, alice.id, "helper", &definition("One"), at(0)).await;
    let r = audit(actions::AGENT_STATUS_CHANGED);
    let updated =
        ok(s.set_agent_status(agent.id, AgentStatus::Deprecated, Some("use v2"), at(40), &r).await, "set_agent_status");
    assert_eq!(updated.status, AgentStatus::Deprecated);
    assert_eq!(updated.status_message.as_deref(), Some("use v2"));
    assert_eq!(updated.updated_at, at(40));
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(updated), "status persisted");
    assert_audited(s, &r, "set_agent_status").await;

    let listed = ok(s.set_agent_status(agent.id, AgentStatus::Listed, None, at(41), &audit("t")).await, "relist");
    assert_eq!((listed.status, listed.status_message), (AgentStatus::Listed, None), "message cleared");

    let r = audit(actions::AGENT_DELETED);
    let deleted = ok(s.set_agent_status(agent.id, AgentStatus::Deleted, None, at(42), &r).await, "delete");
    assert_eq!(deleted.status, AgentStatus::Deleted);
    assert_audited(s, &r, "soft delete").await;
    let r = audit("test.status_deleted");
    expect_conflict(
        s.set_agent_status(agent.id, AgentStatus::Listed, None, at(43), &r).await,
        ConflictKind::AgentDeleted,
        "a deleted agent cannot change",
    );
    expect_conflict(
        s.set_agent_status(agent.id, AgentStatus::Deleted, None, at(43), &r).await,
        ConflictKind::AgentDeleted,
        "deleting twice",
    );
    assert_not_audited(s, &r, "refused status change").await;
    expect_not_found(
        s.set_agent_status(AgentId::new(), AgentStatus::Listed, None, at(44), &audit("t")).await,
        "unknown agent",
    );
}

/// `moderate_agent_status` sets and lifts the moderation lock with the
/// status; `set_agent_status` refuses every change but `Deleted` while the
/// lock is set (`Conflict(ModerationLocked)`, nothing written) and keeps it;
/// publishing keeps it.
pub async fn agent_moderation_lock(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_published(s, alice.id, "helper", &definition("One"), at(0)).await;
    assert_eq!(agent.moderation, None, "a new agent carries no lock");
    let lock = ModerationLock::new(at(10), Some("spam".into()));
    let r = audit(actions::AGENT_STATUS_CHANGED);
    let moderated = ok(
        s.moderate_agent_status(agent.id, AgentStatus::Unlisted, Some("spam"), Some(&lock), at(10), &r).await,
        "moderate_agent_status",
    );
    assert_eq!((moderated.status, moderated.moderation.as_ref()), (AgentStatus::Unlisted, Some(&lock)));
    assert_eq!(moderated.updated_at, at(10));
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(moderated.clone()), "lock persisted");
    assert_audited(s, &r, "moderate_agent_status").await;

    let r = audit("test.locked");
    for status in [AgentStatus::Listed, AgentStatus::Unlisted, AgentStatus::Deprecated] {
        expect_conflict(
            s.set_agent_status(agent.id, status, None, at(11), &r).await,
            ConflictKind::ModerationLocked,
            "a locked agent's status cannot change",
        );
    }
    assert_not_audited(s, &r, "refused status change").await;
    assert_eq!(ok(s.get_agent(agent.id).await, "get_agent"), Some(moderated), "nothing written");
    let search =
        crate::storage::CatalogQuery { sort: crate::storage::CatalogSort::Newest, limit: 10, ..Default::default() };
    assert!(ok(s.list_catalog(&search).await, "list_catalog").entries.is_empty(), "moderated agent not listed");

    let published = ok(publish(s, &agent, "1.1.0", Some("1.0.0"), &definition("Two"), at(12)).await, "publish");
    assert_eq!((published.status, published.moderation.as_ref()), (AgentStatus::Unlisted, Some(&lock)));

    // Listing again without a lock lifts it; the owner's changes work again.
    let lifted =
        ok(s.moderate_agent_status(agent.id, AgentStatus::Listed, None, None, at(13), &audit("t")).await, "lift");
    assert_eq!((lifted.status, lifted.moderation), (AgentStatus::Listed, None));
    assert_eq!(ok(s.list_catalog(&search).await, "list_catalog").entries.len(), 1, "listed again");
    ok(s.set_agent_status(agent.id, AgentStatus::Deprecated, None, at(14), &audit("t")).await, "owner change");

    // A locked agent may still be deleted; the lock stays.
    let lock = ModerationLock::new(at(15), None);
    ok(s.moderate_agent_status(agent.id, AgentStatus::Unlisted, None, Some(&lock), at(15), &audit("t")).await, "lock");
    let deleted = ok(s.set_agent_status(agent.id, AgentStatus::Deleted, None, at(16), &audit("t")).await, "delete");
    assert_eq!((deleted.status, deleted.moderation.as_ref()), (AgentStatus::Deleted, Some(&lock)));
    expect_conflict(
        s.moderate_agent_status(agent.id, AgentStatus::Listed, None, None, at(17), &audit("t")).await,
        ConflictKind::AgentDeleted,
        "a deleted agent cannot be moderated",
    );
    expect_not_found(
        s.moderate_agent_status(AgentId::new(), AgentStatus::Listed, None, None, at(18), &audit("t")).await,
        "unknown agent",
    );
}

/// `list_owner_agents`: every agent of the owner (drafts, deleted), newest first.
pub async fn agent_list_owner_agents(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let a1 = add_agent_at(s, alice.id, "first", &definition("First"), at(0)).await;
    let a2 = add_published(s, alice.id, "second", &definition("Second"), at(10)).await;
    let a3 = add_agent_at(s, alice.id, "third", &definition("Third"), at(20)).await;
    add_agent_at(s, bob.id, "bobs", &definition("Bob's"), at(30)).await;
    set_status(s, a1.id, AgentStatus::Deleted).await;
    let listed = ok(s.list_owner_agents(alice.id).await, "list_owner_agents");
    let ids: Vec<_> = listed.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![a3.id, a2.id, a1.id], "newest first, drafts and deleted included");
    assert_eq!(listed[1], a2, "full agents");
    assert!(ok(s.list_owner_agents(crate::ids::UserId::new()).await, "list").is_empty());
}

/// 16 concurrent publishes with the same `expected_latest`: exactly one wins, others `StaleVersion`.
pub async fn concurrent_publish_same_expected_latest(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let agent = add_published(&*store, alice.id, "helper", &definition("One"), at(0)).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let agent = agent.clone();
        tasks.push(tokio::spawn(async move {
            let version = format!("1.1.{i}");
            let result = publish(&*store, &agent, &version, Some("1.0.0"), &definition(&version), at(10)).await;
            result.map(|_| version)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(version) => winners.push(version),
            Err(StorageError::Conflict(ConflictKind::StaleVersion)) => {}
            Err(other) => panic!("concurrent publish: expected Conflict(StaleVersion), got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent publish with the same expected_latest wins");
    let versions = ok(store.list_versions(agent.id).await, "list_versions");
    assert_eq!(versions.len(), 2, "1.0.0 and the winner");
    let latest = ok(store.get_agent(agent.id).await, "get_agent").and_then(|a| a.latest_version);
    assert_eq!(latest.map(|x| x.to_string()), Some(winners[0].clone()), "the winner is the latest version");
}
