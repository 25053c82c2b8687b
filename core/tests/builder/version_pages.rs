//! The versions list is paginated with the cursor convention (issue 10 item 8).

use agentmart_core::PageRequest;

use super::*;

#[tokio::test]
async fn versions_pages_follow_cursors_in_semver_order_and_refuse_foreign_cursors() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let published = ["0.9.0", "1.0.0-alpha", "1.0.0", "1.2.0", "1.10.0"];
    for v in published {
        w.tick();
        agents.publish(&alice, &r, publish_req(v)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest { limit: Some(2), cursor: None };
    let mut pages = 0;
    loop {
        let got = agents.versions_page(None, &r, page.clone()).await.unwrap();
        assert!(got.items.len() <= 2);
        pages += 1;
        seen.extend(got.items.into_iter().map(|v| v.version.to_string()));
        match got.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3, "five versions in pages of two");
    assert_eq!(seen, ["1.10.0", "1.2.0", "1.0.0", "1.0.0-alpha", "0.9.0"], "semver order, newest first");

    // The default page keeps the old answer for short lists; the old call still lists everything.
    let default = agents.versions_page(None, &r, PageRequest::default()).await.unwrap();
    assert_eq!(default.items.len(), 5);
    assert_eq!(default.next_cursor, None);
    assert_eq!(agents.versions(None, &r).await.unwrap().len(), 5);

    // A cursor of another agent's list, a tampered one and a bad limit are refused.
    create(&w, &alice, "other", full_definition()).await;
    let other = AgentRef::new("alice", "other");
    agents.publish(&alice, &other, publish_req("1.0.0")).await.unwrap();
    agents.publish(&alice, &other, publish_req("2.0.0")).await.unwrap();
    let foreign = agents
        .versions_page(None, &other, PageRequest { limit: Some(1), cursor: None })
        .await
        .unwrap()
        .next_cursor
        .expect("a second page");
    let err = agents.versions_page(None, &r, PageRequest { limit: None, cursor: Some(foreign) }).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);
    let err =
        agents.versions_page(None, &r, PageRequest { limit: None, cursor: Some("AAAA".into()) }).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);
    let err = agents.versions_page(None, &r, PageRequest { limit: Some(0), cursor: None }).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    // Visibility is that of the versions list: a stranger gets nothing of a draft.
    create(&w, &alice, "draft", full_definition()).await;
    let err = agents.versions_page(None, &AgentRef::new("alice", "draft"), PageRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
