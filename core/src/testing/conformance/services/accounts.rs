//! Service cases of accounts: refresh races, unique registrations, one audit record per change.

use std::sync::Arc;

use crate::agents::{CreateAgent, DraftPatch};
use crate::auth::{LoginRequest, RegisterRequest};
use crate::market::{InstallRequest, RateRequest};
use crate::storage::Store;
use crate::{ErrorCode, actions};

use super::*;

/// Invariant 3: 16 concurrent refreshes of one token: one wins, 15 get `token_reused`, and the
/// replays revoke that session (the winner's new tokens too) but not the user's other session.
pub async fn service_refresh_has_one_winner_and_revokes_the_session(store: Arc<dyn Store>) {
    let w = world(store);
    let auth = w.mart.auth();
    let registered = auth
        .register(
            RegisterRequest {
                email: "racer@example.com".into(),
                password: "a long enough passphrase 42".into(),
                handle: None,
                display_name: None,
            },
            &client(),
        )
        .await
        .unwrap();
    // A second session of the same user, which must survive.
    let other = auth
        .login(
            LoginRequest { email: "racer@example.com".into(), password: "a long enough passphrase 42".into() },
            &client(),
        )
        .await
        .unwrap();

    let token = registered.tokens.refresh_token.clone();
    let tasks = (0..16)
        .map(|_| {
            let (auth, token) = (auth.clone(), token.clone());
            async move { auth.refresh(&token, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    let winners: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one refresh wins");
    let losers: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(losers, vec![ErrorCode::TokenReused; 15]);

    let winner = winners[0];
    assert_ne!(winner.refresh_token, token);
    // The replays revoked the whole session: the winner's new tokens are dead too.
    assert_eq!(code(auth.authenticate(&winner.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.authenticate(&registered.tokens.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&winner.refresh_token, &client()).await), ErrorCode::TokenInvalid);
    // Only that session: the other one still works and rotates.
    let principal = auth.authenticate(&other.access_token).await.unwrap();
    assert_eq!(principal.user_id, registered.user.id);
    let rotated = auth.refresh(&other.refresh_token, &client()).await.unwrap();
    auth.authenticate(&rotated.access_token).await.unwrap();
}

/// Invariant 5: 16 concurrent registrations of one email (four spellings) or one handle (two
/// cases), and 16 creations of one owner/slug: exactly one of each succeeds, the others get
/// `email_taken`, `handle_taken`, `slug_taken`; the winner's password logs in.
pub async fn service_registrations_keep_emails_handles_and_slugs_unique(store: Arc<dyn Store>) {
    let w = world(store);
    let auth = w.mart.auth();
    let spellings = ["Same@Example.com", "same@example.com", "SAME@EXAMPLE.COM", "  sAmE@example.COM "];
    let tasks = (0..16)
        .map(|i| {
            let auth = auth.clone();
            let request = RegisterRequest {
                email: spellings[i % spellings.len()].into(),
                password: format!("password number {i} is long"),
                handle: Some(format!("same-{i}")),
                display_name: None,
            };
            async move { auth.register(request, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one registration per email");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::EmailTaken; 15]);
    let winner = answers.iter().position(|a| a.is_ok()).unwrap();
    let account = answers[winner].as_ref().unwrap();
    assert_eq!(account.user.email.as_deref(), Some("same@example.com"));
    assert_eq!(account.user.handle, format!("same-{winner}"));
    // The stored account is the winner's: its password logs in.
    let login =
        LoginRequest { email: "SAME@example.com".into(), password: format!("password number {winner} is long") };
    auth.login(login, &client()).await.unwrap();

    let tasks = (0..16)
        .map(|i| {
            let auth = auth.clone();
            let request = RegisterRequest {
                email: format!("person{i}@example.com"),
                password: format!("password number {i} is long"),
                handle: Some(if i % 2 == 0 { "Popular".into() } else { "popular".into() }),
                display_name: None,
            };
            async move { auth.register(request, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one registration per handle");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::HandleTaken; 15]);

    // owner/slug: one owner creating the same slug 16 times at once.
    let owner = w.user("slugger").await;
    let tasks = (0..16)
        .map(|i| {
            let (agents, owner) = (w.mart.agents(), owner.clone());
            let definition = definition(&format!("Twin {i}"));
            async move { agents.create(&owner, CreateAgent { slug: "twin".into(), definition }).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one agent per owner/slug");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::SlugTaken; 15]);
    assert_eq!(w.mart.agents().my_agents(&owner).await.unwrap().len(), 1);
}

/// Invariant 7: installs, ratings, registrations, refreshes and draft edits run at once; every
/// state change has exactly one audit record and no-ops have none.
pub async fn service_state_changes_have_exactly_one_audit_record(store: Arc<dyn Store>) {
    let w = world(store);
    let admin = w.admin().await;
    let owner = w.user("owner").await;
    let (_, path) = w.published(&owner, "audited").await;
    let (builder_id, builder_path) = w.draft(&owner, "in-progress").await;
    let users = w.users("member", 4).await;

    // Per-user sequences whose effect is known (each user acts from one task),
    // all users at once, beside registrations, refreshes and draft edits.
    let market_tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (market, user, path) = (w.mart.market(), u.clone(), path.clone());
            async move {
                let fresh = InstallRequest::default();
                assert!(market.install(&user, &path, fresh.clone()).await.unwrap().created);
                assert!(!market.install(&user, &path, fresh.clone()).await.unwrap().created, "no-op: no record");
                market.rate(&user, &path, RateRequest { stars: 4, title: None, body: None }).await.unwrap();
                market.rate(&user, &path, RateRequest { stars: 2, title: None, body: None }).await.unwrap();
                market.delete_rating(&user, &path).await.unwrap();
                market.delete_rating(&user, &path).await.unwrap(); // no-op: no record
                market.uninstall(&user, &path).await.unwrap();
                market.uninstall(&user, &path).await.unwrap(); // no-op: no record
                assert!(market.install(&user, &path, fresh).await.unwrap().created);
            }
        })
        .collect();
    let auth_tasks: Vec<_> = (0..3)
        .map(|i| {
            let auth = w.mart.auth();
            async move {
                let request = RegisterRequest {
                    email: format!("joiner{i}@example.com"),
                    password: format!("joiner password {i} long"),
                    handle: None,
                    display_name: None,
                };
                let registered = auth.register(request, &client()).await.unwrap();
                let rotated = auth.refresh(&registered.tokens.refresh_token, &client()).await.unwrap();
                auth.refresh(&rotated.refresh_token, &client()).await.unwrap();
                registered.user.id
            }
        })
        .collect();
    let builder_tasks: Vec<_> = (0..3)
        .map(|i| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), builder_path.clone());
            async move {
                let patch = DraftPatch { description: Some(format!("Edit number {i}.")), ..DraftPatch::default() };
                agents.update_draft(&owner, &path, patch).await.unwrap();
            }
        })
        .collect();
    let (_, joiners, _) = tokio::join!(run_all(market_tasks), run_all(auth_tasks), run_all(builder_tasks));

    for user in &users {
        let count = |a: &str| w.audit_count(&admin, action_about(a, user.user_id));
        assert_eq!(count(actions::AGENT_INSTALLED).await, 2, "installs of {}", user.user_id);
        assert_eq!(count(actions::AGENT_UNINSTALLED).await, 1);
        assert_eq!(count(actions::RATING_UPSERTED).await, 2);
        assert_eq!(count(actions::RATING_DELETED).await, 1);
    }
    for joiner in &joiners {
        let count = |a: &str| w.audit_count(&admin, action_about(a, *joiner));
        assert_eq!(count(actions::USER_REGISTERED).await, 1);
        assert_eq!(count(actions::SESSION_CREATED).await, 1);
        assert_eq!(count(actions::SESSION_REFRESHED).await, 2);
    }
    let draft_edits = AuditFilter {
        action: Some(actions::AGENT_DRAFT_UPDATED.into()),
        target: Some(format!("agent:{builder_id}")),
        ..AuditFilter::default()
    };
    assert_eq!(w.audit_count(&admin, draft_edits).await, 3);
    // Totals: nothing recorded twice, nothing recorded for no-ops.
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_INSTALLED)).await, 8);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_UNINSTALLED)).await, 4);
    assert_eq!(w.audit_count(&admin, action(actions::RATING_UPSERTED)).await, 8);
    assert_eq!(w.audit_count(&admin, action(actions::RATING_DELETED)).await, 4);
    assert_eq!(w.audit_count(&admin, action(actions::USER_REGISTERED)).await, 3);
    assert_eq!(w.audit_count(&admin, action(actions::SESSION_REFRESHED)).await, 6);
    // 4 members, the owner and the admin came in by their host's identity.
    assert_eq!(w.audit_count(&admin, action(actions::USER_LINKED)).await, 6);
    assert_eq!(w.audit_count(&admin, action(actions::ROLE_CHANGED)).await, 1);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_CREATED)).await, 2);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_PUBLISHED)).await, 1);
    // And the state those records describe.
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!((detail.install_count, detail.rating.count), (4, 0));
}
