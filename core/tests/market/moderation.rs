//! Moderation and account state: admins, demoted admins, disabled accounts.

use super::*;

#[tokio::test]
async fn moderation_needs_an_admin_and_is_audited() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let fan = w.user("fan").await;
    let (id, path) = w.agent(&owner, "risky", def("Risky")).await;
    let (_, fine) = w.agent(&owner, "fine", def("Fine")).await;
    w.install(&fan, &path).await;
    w.install(&fan, &fine).await;
    w.rate(&fan, &path, 1).await;
    let market = w.mart.market();
    let admin_service = w.mart.admin();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };

    // Not an admin: forbidden, even for the owner.
    assert_eq!(code(admin_service.moderate_agent(&owner, &path, unlist.clone()).await), ErrorCode::Forbidden);
    let review = market.reviews(&path, ListReviews::default()).await.unwrap().items[0].id;
    assert_eq!(code(admin_service.delete_review(&fan, review).await), ErrorCode::Forbidden);

    let agent = admin_service.moderate_agent(&admin, &path, unlist).await.unwrap();
    assert_eq!(agent.status, AgentStatus::Unlisted);
    assert_eq!(market.list(None, ListAgents::default()).await.unwrap().items.len(), 1);

    let deprecate = Moderation { status: AgentStatus::Deprecated, status_message: Some("Replaced by fine".into()) };
    admin_service.moderate_agent(&admin, &path, deprecate).await.unwrap();
    let page = market.list(None, ListAgents::default()).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[1].slug, "risky", "deprecated last");
    assert_eq!(page.items[1].status_message.as_deref(), Some("Replaced by fine"));

    let draft = Moderation { status: AgentStatus::Draft, status_message: None };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, draft).await), ["status"]);
    let long = Moderation { status: AgentStatus::Listed, status_message: Some("x".repeat(501)) };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, long).await), ["status_message"]);

    admin_service.delete_review(&admin, review).await.unwrap();
    assert_eq!(market.detail(None, &path).await.unwrap().rating.count, 0);
    assert_eq!(code(admin_service.delete_review(&admin, review).await), ErrorCode::NotFound);

    let delete = Moderation { status: AgentStatus::Deleted, status_message: None };
    admin_service.moderate_agent(&admin, &path, delete.clone()).await.unwrap();
    assert_eq!(code(market.detail(None, &path).await), ErrorCode::NotFound);
    assert_eq!(market.detail(Some(&fan), &path).await.unwrap().status, AgentStatus::Deleted);
    assert_eq!(code(admin_service.moderate_agent(&admin, &path, delete).await), ErrorCode::Conflict);

    // Audit records: acted by the admin, about the owner (agent) or the author (review).
    let status = w.audit(actions::AGENT_STATUS_CHANGED).await;
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|r| r.actor == Some(admin.user_id) && r.subject == Some(owner.user_id)));
    let deleted = w.audit(actions::AGENT_DELETED).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].target.as_deref(), Some(format!("agent:{id}").as_str()));
    let removed = w.audit(actions::REVIEW_REMOVED).await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].subject, Some(fan.user_id));
    assert_eq!(removed[0].target.as_deref(), Some(format!("review:{review}").as_str()));
}

#[tokio::test]
async fn a_disabled_account_cannot_act() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_disabled(fan.user_id, true, now, &AuditRecord::new(now, actions::USER_DISABLED)).await.unwrap();
    let market = w.mart.market();
    assert_eq!(code(market.install(&fan, &path, InstallRequest::default()).await), ErrorCode::Forbidden);
    assert_eq!(market.detail(None, &path).await.unwrap().install_count, 0);
}

#[tokio::test]
async fn a_demoted_admin_cannot_moderate() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_role(admin.user_id, Role::User, now, &AuditRecord::new(now, actions::ROLE_CHANGED)).await.unwrap();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };
    // The principal still says admin, the account no longer is one.
    assert_eq!(code(w.mart.admin().moderate_agent(&admin, &path, unlist).await), ErrorCode::Forbidden);
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().status, AgentStatus::Listed);
}
