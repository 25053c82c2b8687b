//! Who sees what: private drafts, hidden prompts, A2A cards, status changes.

use super::*;

#[tokio::test]
async fn drafts_are_private_and_system_prompts_hidden_from_others() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let eve = w.user("eve", Role::User).await;
    let admin = w.user("root", Role::Admin).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;

    // Unpublished: invisible to everyone but the owner and admins.
    assert_eq!(agents.draft(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(None, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(Some(&eve), &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.preview(&eve, &r, PreviewRequest::default()).await.unwrap_err().code(), ErrorCode::NotFound);
    assert!(agents.versions(Some(&alice), &r).await.unwrap().is_empty());
    assert_eq!(agents.draft(&admin, &r).await.unwrap().definition.system_prompt, full_definition().system_prompt);

    // Only the owner edits and publishes; an admin is told so, others see nothing.
    let patch = DraftPatch { name: Some("Hijacked".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&eve, &r, patch.clone()).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.update_draft(&admin, &r, patch).await.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(agents.publish(&eve, &r, publish_req("1.0.0")).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.publish(&admin, &r, publish_req("1.0.0")).await.unwrap_err().code(), ErrorCode::Forbidden);

    agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();
    let prompt = full_definition().system_prompt;
    for viewer in [None, Some(&eve)] {
        let versions = agents.versions(viewer, &r).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].definition.system_prompt, None);
        let json = serde_json::to_value(&versions[0]).unwrap();
        assert!(json.get("system_prompt").is_none());
        assert!(!json.to_string().contains(&prompt));
        let one = agents.version(viewer, &r, "1.0.0").await.unwrap();
        assert_eq!(one.definition.system_prompt, None);
        assert_eq!(one.definition.name, "Summarizer");
        // Drafts stay private after publishing too.
        assert_eq!(agents.draft(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    }
    for viewer in [&alice, &admin] {
        let v = agents.version(Some(viewer), &r, "1.0.0").await.unwrap();
        assert_eq!(v.definition.system_prompt.as_deref(), Some(prompt.as_str()));
        assert!(serde_json::to_value(&v).unwrap()["system_prompt"].is_string());
    }
}

#[tokio::test]
async fn card_follows_the_a2a_shape_and_never_has_the_prompt() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    w.mart.agents().publish(&alice, &r, publish_req("1.2.3")).await.unwrap();
    let card = w.mart.agents().card(None, &r, None).await.unwrap();
    assert_eq!(
        serde_json::to_value(&card).unwrap(),
        json!({
            "name": "Summarizer",
            "description": "Summarizes long documents into a few bullet points.",
            "url": "https://mart.example/base/v1/agents/alice/summarizer",
            "version": "1.2.3",
            "protocolVersion": "0.3.0",
            "provider": {"organization": "alice", "url": "https://mart.example/base/v1/agents?owner=alice"},
            "capabilities": {"streaming": false, "pushNotifications": false},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/markdown"],
            "skills": [{
                "id": "summarize",
                "name": "Summarize",
                "description": "Summarize a document",
                "tags": ["text"],
                "examples": ["Summarize this article"],
            }],
            "documentationUrl": "https://docs.example/summarizer",
            "iconUrl": "https://cdn.example/icon.png",
        })
    );
    // The provider's organization is the display name when there is one.
    w.store
        .update_profile(
            alice.user_id,
            &agentmart_core::ProfileChange { display_name: Some(Some("Alice Labs".into())), ..Default::default() },
            Utc::now(),
            &AuditRecord::new(Utc::now(), actions::PROFILE_UPDATED),
        )
        .await
        .unwrap();
    let card = w.mart.agents().card(None, &r, Some("1.2.3")).await.unwrap();
    assert_eq!(card.provider.organization, "Alice Labs");
    assert_eq!(w.mart.agents().card(None, &r, Some("9.9.9")).await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn status_changes_and_their_visibility() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let eve = w.user("eve", Role::User).await;
    let admin = w.user("root", Role::Admin).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let change = |status, msg: Option<&str>| StatusChange { status, status_message: msg.map(str::to_string) };

    // Not before the first publish.
    let err = agents.set_status(&alice, &r, change(AgentStatus::Unlisted, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();

    // Only listed/unlisted/deprecated through this call.
    for bad in [AgentStatus::Draft, AgentStatus::Deleted] {
        let err = agents.set_status(&alice, &r, change(bad, None)).await.unwrap_err();
        assert_eq!(fields(&err), set(&[("status", "invalid_choice")]));
    }
    let err = agents.set_status(&eve, &r, change(AgentStatus::Unlisted, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    let unlisted = agents.set_status(&alice, &r, change(AgentStatus::Unlisted, None)).await.unwrap();
    assert_eq!(unlisted.status, AgentStatus::Unlisted);
    // Unlisted agents stay reachable by path.
    assert_eq!(agents.versions(None, &r).await.unwrap().len(), 1);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap().version, "1.0.0");

    let deprecated =
        agents.set_status(&admin, &r, change(AgentStatus::Deprecated, Some("  Use v2 instead  "))).await.unwrap();
    assert_eq!(deprecated.status, AgentStatus::Deprecated);
    assert_eq!(deprecated.status_message.as_deref(), Some("Use v2 instead"));
    assert_eq!(agents.draft(&alice, &r).await.unwrap().status_message.as_deref(), Some("Use v2 instead"));
    let err = agents.set_status(&alice, &r, change(AgentStatus::Listed, Some(&"m".repeat(501)))).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("status_message", "too_long")]));
    let listed = agents.set_status(&alice, &r, change(AgentStatus::Listed, None)).await.unwrap();
    assert_eq!((listed.status, listed.status_message), (AgentStatus::Listed, None));

    // Soft delete: gone for the public, readable for the owner and admins, frozen.
    assert_eq!(agents.delete(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    agents.delete(&alice, &r).await.unwrap();
    agents.delete(&alice, &r).await.unwrap();
    assert_eq!(agents.versions(None, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(Some(&alice), &r).await.unwrap().len(), 1);
    assert_eq!(agents.versions(Some(&admin), &r).await.unwrap().len(), 1);
    assert_eq!(agents.draft(&alice, &r).await.unwrap().status, AgentStatus::Deleted);
    let mine = agents.my_agents(&alice).await.unwrap();
    assert_eq!(mine[0].status, AgentStatus::Deleted);
    let patch = DraftPatch { name: Some("x".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&alice, &r, patch).await.unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(agents.publish(&alice, &r, publish_req("2.0.0")).await.unwrap_err().code(), ErrorCode::Conflict);
    let err = agents.set_status(&alice, &r, change(AgentStatus::Listed, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);

    let agent_id = mine[0].id;
    let audit = w
        .store
        .list_audit(&AuditFilter { target: Some(format!("agent:{agent_id}")), ..Default::default() }, None, 100)
        .await
        .unwrap();
    let acts: Vec<_> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(
        acts,
        [
            actions::AGENT_CREATED,
            actions::AGENT_PUBLISHED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_DELETED,
        ],
        "one record per change; the repeated delete wrote none"
    );
    assert_eq!(audit[2].actor, Some(admin.user_id));
    assert_eq!(audit[2].subject, Some(alice.user_id));
}
