//! PostgreSQL-only tests at `DATABASE_URL`, each in a fresh schema (the shared
//! conformance suite runs in `conformance_postgres.rs`).
#![cfg(feature = "postgres")]

mod common;

use agentmart_core::ids::{AgentId, SessionId, UserId};
use agentmart_core::model::{Agent, AgentDefinition, AgentStatus, AgentVersion, AuditRecord, Draft, Session, actions};
use agentmart_core::storage::{PublishVersion, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(t0(), action)
}

async fn add_user(store: &dyn Store, handle: &str) -> UserId {
    let user = common::user(&format!("{handle}@example.com"), handle);
    store.create_user(&user, &audit(actions::USER_REGISTERED)).await.unwrap();
    user.id
}

/// A listed agent of `owner` with version 1.0.0.
async fn published(store: &dyn Store, owner: UserId, slug: &str) -> Agent {
    let agent = Agent {
        id: AgentId::new(),
        owner_id: owner,
        slug: slug.to_string(),
        status: AgentStatus::Draft,
        status_message: None,
        latest_version: None,
        created_at: t0(),
        updated_at: t0(),
        published_at: None,
        moderation: None,
    };
    let definition = AgentDefinition {
        name: slug.to_string(),
        system_prompt: "be helpful".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        ..Default::default()
    };
    let draft = Draft { agent_id: agent.id, definition: definition.clone(), updated_at: t0() };
    store.create_agent(&agent, &draft, &audit(actions::AGENT_CREATED)).await.unwrap();
    let version = AgentVersion {
        agent_id: agent.id,
        version: semver::Version::new(1, 0, 0),
        definition,
        changelog: None,
        published_at: t0(),
        published_by: owner,
    };
    let request = PublishVersion { version, expected_latest: None, audit: audit(actions::AGENT_PUBLISHED) };
    store.publish_version(&request).await.unwrap()
}

fn new_session(user: UserId) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: t0(),
        last_used_at: t0(),
        expires_at: t0() + Duration::days(30),
        user_agent: None,
        ip: None,
        revoked_at: None,
    }
}

/// Two stores with separate pools (as two servers would have) over one
/// schema: installs/uninstalls of one agent and redemptions of one refresh
/// token from both sides keep the invariants.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_pools_over_one_database_keep_invariants() {
    use std::sync::Arc;

    use agentmart_core::model::TokenHash;
    use agentmart_core::storage::{RedeemOutcome, RedeemRefresh};
    use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};

    let Some(url) = common::postgres_url().await else { return };
    let a = common::postgres_store_at(&url).await;
    let options = SqlxOptions { postgres_schema: a.options().postgres_schema.clone(), ..SqlxOptions::default() };
    let b: Arc<dyn Store> = Arc::new(SqlxStore::connect(&url, options).await.unwrap());
    let a: Arc<dyn Store> = Arc::new(a);
    let stores = [a.clone(), b.clone()];

    let owner = add_user(&*a, "two-owner").await;
    let agent = published(&*a, owner, "shared").await;
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(add_user(&*b, &format!("two{i}")).await);
    }
    let mut tasks = Vec::new();
    for task in 0..24usize {
        let store = stores[task % 2].clone();
        let user = users[task % users.len()];
        tasks.push(tokio::spawn(async move {
            for round in 0..5usize {
                if (task + round) % 3 != 0 {
                    store.install(user, agent.id, None, t0(), &audit(actions::AGENT_INSTALLED)).await.unwrap();
                } else {
                    store.uninstall(user, agent.id, &audit(actions::AGENT_UNINSTALLED)).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut installed = 0;
    for u in &users {
        installed += u64::from(b.get_install(*u, agent.id).await.unwrap().is_some());
    }
    assert_eq!(a.get_stats(agent.id).await.unwrap().install_count, installed);

    let session = new_session(users[0]);
    a.create_session(&session, &TokenHash([1; 32]), &audit(actions::SESSION_CREATED)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..12u8 {
        let store = stores[usize::from(i % 2)].clone();
        tasks.push(tokio::spawn(async move {
            let request = RedeemRefresh {
                presented: TokenHash([1; 32]),
                replacement: TokenHash([100 + i; 32]),
                now: t0(),
                rotated_audit: audit(actions::SESSION_REFRESHED),
                reuse_audit: audit(actions::SESSION_REUSE_DETECTED),
            };
            store.redeem_refresh_token(&request).await.unwrap()
        }));
    }
    let mut rotated = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), RedeemOutcome::Rotated(_)) {
            rotated += 1;
        }
    }
    assert_eq!(rotated, 1);
    drop(b);
}
