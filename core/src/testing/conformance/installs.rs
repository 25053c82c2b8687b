//! Cases for [`InstallStore`](crate::storage::InstallStore).

use std::collections::HashSet;
use std::sync::Arc;

use super::support::*;
use crate::ids::{AgentId, UserId};
use crate::model::{AuditFilter, Install, actions};
use crate::storage::{CatalogQuery, CatalogSort, SortValue, Store};

/// Install, re-install, pin, uninstall: outcomes, counts and audit records.
pub async fn install_create_pin_and_uninstall(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let count = || async { ok(s.get_stats(agent.id).await, "get_stats").install_count };

    let r = audit(actions::AGENT_INSTALLED);
    let first = ok(s.install(bob.id, agent.id, None, at(10), &r).await, "install");
    let expected =
        Install { user_id: bob.id, agent_id: agent.id, pinned_version: None, installed_at: at(10), updated_at: at(10) };
    assert!(first.created, "a new install is created");
    assert_eq!(first.install, expected, "install result");
    assert_eq!(count().await, 1, "the count grows with a new install");
    assert_audited(s, &r, "install").await;
    assert_eq!(ok(s.get_install(bob.id, agent.id).await, "get_install"), Some(expected.clone()));

    let r = audit("test.reinstall_same");
    let same = ok(s.install(bob.id, agent.id, None, at(20), &r).await, "re-install");
    assert!(!same.created, "re-installing is not a new install");
    assert_eq!(same.install, expected, "nothing changes when the pin is the same");
    assert_eq!(count().await, 1, "the count does not grow on re-install");
    assert_not_audited(s, &r, "unchanged re-install").await;

    let r = audit(actions::AGENT_INSTALLED);
    let pinned = ok(s.install(bob.id, agent.id, Some(&v("1.0.0")), at(30), &r).await, "pin");
    let expected_pinned = Install { pinned_version: Some(v("1.0.0")), updated_at: at(30), ..expected.clone() };
    assert!(!pinned.created);
    assert_eq!(pinned.install, expected_pinned, "pinning updates the pin and updated_at, keeps installed_at");
    assert_eq!(count().await, 1);
    assert_audited(s, &r, "pin change").await;
    assert_eq!(ok(s.get_install(bob.id, agent.id).await, "get_install"), Some(expected_pinned));

    let unpinned = ok(s.install(bob.id, agent.id, None, at(40), &audit("t")).await, "unpin");
    assert_eq!(unpinned.install.pinned_version, None, "None follows the latest again");

    ok(s.install(alice.id, agent.id, None, at(50), &audit("t")).await, "install by alice");
    assert_eq!(count().await, 2);

    let r = audit(actions::AGENT_UNINSTALLED);
    assert!(ok(s.uninstall(bob.id, agent.id, &r).await, "uninstall"), "uninstall of an install");
    assert_audited(s, &r, "uninstall").await;
    assert_eq!(count().await, 1, "the count drops with an uninstall");
    assert_eq!(ok(s.get_install(bob.id, agent.id).await, "get_install"), None);
    let r = audit("test.uninstall_again");
    assert!(!ok(s.uninstall(bob.id, agent.id, &r).await, "uninstall again"), "nothing to uninstall");
    assert_not_audited(s, &r, "uninstall without install").await;
    assert_eq!(count().await, 1, "a failed uninstall changes nothing");
    assert!(!ok(s.uninstall(bob.id, AgentId::new(), &audit("t")).await, "unknown agent"));
}

/// `list_user_installs`: most recent first, then agent id; keyset pages of `limit + 1`; other users excluded.
pub async fn install_list_user_installs(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let mut expected = Vec::new();
    for i in 0..13_i64 {
        let agent = add_published(s, alice.id, &format!("agent-{i}"), &definition("A"), at(0)).await;
        // Several installs share a time so the id tie-break matters.
        let when = at(100 + (i % 5) * 10);
        expected.push(ok(s.install(bob.id, agent.id, None, when, &audit("t")).await, "install").install);
        if i % 2 == 0 {
            ok(s.install(alice.id, agent.id, None, when, &audit("t")).await, "install by alice");
        }
    }
    expected.sort_by(|a, b| b.installed_at.cmp(&a.installed_at).then(a.agent_id.cmp(&b.agent_id)));

    let all = ok(s.list_user_installs(bob.id, None, 100).await, "list_user_installs");
    assert_eq!(all, expected, "installed_at descending, then agent id ascending");

    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = ok(s.list_user_installs(bob.id, after, 5).await, "list_user_installs page");
        pages += 1;
        assert!(pages <= 4, "pagination must end");
        assert!(page.len() <= 6, "at most limit + 1 items");
        let more = page.len() > 5;
        seen.extend(page.into_iter().take(5));
        if !more {
            break;
        }
        after = seen.last().map(|i: &Install| (i.installed_at, i.agent_id));
    }
    assert_eq!(pages, 3, "13 installs in pages of 5");
    assert_eq!(seen, expected, "pages visit every install once, in order");
    assert!(ok(s.list_user_installs(UserId::new(), None, 5).await, "list").is_empty(), "no installs");
}

/// 32 tasks install and uninstall one agent: install_count equals the installs left;
/// 16 concurrent installs by one user create exactly one install.
pub async fn concurrent_install_uninstall(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let agent = add_published(&*store, alice.id, "helper", &definition("Helper"), at(0)).await;
    let mut users = Vec::new();
    for i in 0..32 {
        users.push(add_user(&*store, &format!("user{i}")).await.id);
    }
    let mut tasks = Vec::new();
    for (i, user) in users.iter().copied().enumerate() {
        let store = store.clone();
        let agent = agent.id;
        tasks.push(tokio::spawn(async move {
            for round in 0..3 {
                store.install(user, agent, None, at(round), &audit(actions::AGENT_INSTALLED)).await?;
                if i % 2 == 1 || round < 2 {
                    store.uninstall(user, agent, &audit(actions::AGENT_UNINSTALLED)).await?;
                }
            }
            Ok::<(), crate::storage::StorageError>(())
        }));
    }
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent install/uninstall");
    }
    let mut installed = 0;
    for user in &users {
        if ok(store.get_install(*user, agent.id).await, "get_install").is_some() {
            installed += 1;
        }
    }
    assert_eq!(installed, 16, "even users end installed");
    let stats = ok(store.get_stats(agent.id).await, "get_stats");
    assert_eq!(stats.install_count, installed, "install_count equals the number of installs");
    let count = |action: &str| {
        let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
        let store = store.clone();
        async move { ok(store.list_audit(&filter, None, 1000).await, "list_audit").len() as u64 }
    };
    let (ins, outs) = (count(actions::AGENT_INSTALLED).await, count(actions::AGENT_UNINSTALLED).await);
    assert_eq!((ins, outs), (96, 80), "one audit record per real change (32 users x 3 installs, 80 uninstalls)");
    let popular = CatalogQuery { sort: CatalogSort::Popular, limit: 10, ..Default::default() };
    let page = ok(store.list_catalog(&popular).await, "list_catalog");
    assert_eq!(
        page.entries.first().map(|e| e.1.value.clone()),
        Some(SortValue::Installs(installed)),
        "the popular sort key moved with the count"
    );

    // Same user, same agent, 16 at once: one install.
    let solo = users[0];
    ok(store.uninstall(solo, agent.id, &audit("t")).await, "uninstall");
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let agent = agent.id;
        tasks.push(tokio::spawn(async move {
            store.install(solo, agent, None, at(100 + i), &audit(actions::AGENT_INSTALLED)).await
        }));
    }
    let mut created = HashSet::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if ok(task.await.expect("task panicked"), "concurrent install").created {
            created.insert(i);
        }
    }
    assert_eq!(created.len(), 1, "exactly one concurrent install of the same user creates it");
    let stats = ok(store.get_stats(agent.id).await, "get_stats");
    assert_eq!(stats.install_count, 16, "install_count still equals the number of installs");
}

/// `delete_user` while 8 tasks install and uninstall four agents for the deleted user and three
/// others: afterwards every install count equals the installs left (the deleted user has none).
pub async fn concurrent_delete_user_during_installs(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "owner").await;
    let victim = add_user(&*store, "victim").await;
    let mut agents = Vec::new();
    for i in 0..4 {
        agents.push(add_published(&*store, owner.id, &format!("agent-{i}"), &definition("Bot"), at(0)).await.id);
    }
    let mut others = Vec::new();
    for i in 0..3 {
        others.push(add_user(&*store, &format!("other{i}")).await.id);
    }
    let mut tasks = Vec::new();
    for t in 0..8_usize {
        let (store, agents, others) = (store.clone(), agents.clone(), others.clone());
        let victim = victim.id;
        tasks.push(tokio::spawn(async move {
            for r in 0..12_usize {
                let who = if (t + r) % 2 == 0 { victim } else { others[(t + r) % others.len()] };
                let agent = agents[(t * 7 + r) % agents.len()];
                let result = if r % 4 == 3 {
                    store.uninstall(who, agent, &audit(actions::AGENT_UNINSTALLED)).await.map(|_| ())
                } else {
                    store.install(who, agent, None, at(1), &audit(actions::AGENT_INSTALLED)).await.map(|_| ())
                };
                match result {
                    // Once the user is gone, a backend may refuse their installs as NotFound.
                    Ok(()) | Err(crate::storage::StorageError::NotFound) if who == victim => {}
                    other => ok(other, "install/uninstall racing delete_user"),
                }
            }
        }));
    }
    tokio::task::yield_now().await;
    ok(store.delete_user(victim.id, at(2), &audit(actions::USER_DELETED)).await, "delete_user");
    for task in tasks {
        task.await.expect("task panicked");
    }
    for agent in &agents {
        let mut left = 0;
        for user in &others {
            left += u64::from(ok(store.get_install(*user, *agent).await, "get_install").is_some());
        }
        let stats = ok(store.get_stats(*agent).await, "get_stats");
        assert_eq!(
            stats.install_count,
            left + u64::from(ok(store.get_install(victim.id, *agent).await, "get_install").is_some()),
            "install_count equals the installs left after delete_user raced installs"
        );
    }
}
