//! Catalogue listing: sorts, paging, cursors, search, filters, visibility.

use super::*;

#[tokio::test]
async fn every_sort_pages_without_duplicates_or_gaps_and_puts_deprecated_last() {
    let c = catalog().await;
    let w = &c.world;
    for sort in
        [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name]
    {
        let whole = w.mart.market().list(None, list(Some(sort), 100)).await.unwrap();
        assert!(whole.next_cursor.is_none());
        assert_eq!(whole.items.len(), c.listed.len(), "{sort:?}");
        for limit in [1, 4, 7] {
            let paged = w.all_pages(list(Some(sort), limit)).await;
            assert_eq!(ids(&paged), ids(&whole.items), "{sort:?} limit {limit}");
        }
        let got: HashSet<AgentId> = whole.items.iter().map(|i| i.id).collect();
        assert_eq!(got, c.listed, "{sort:?}");
        assert!(!got.contains(&c.unlisted));
        // Deprecated agents come after all others, with their message.
        let tail: HashSet<AgentId> = whole.items[whole.items.len() - 2..].iter().map(|i| i.id).collect();
        assert_eq!(tail, c.deprecated, "{sort:?}");
        for item in &whole.items[whole.items.len() - 2..] {
            assert_eq!(item.status, AgentStatus::Deprecated);
            assert_eq!(item.status_message.as_deref(), Some("use something else"));
        }
        let live = &whole.items[..whole.items.len() - 2];
        match sort {
            CatalogSort::Popular => assert!(live.windows(2).all(|p| p[0].install_count >= p[1].install_count)),
            CatalogSort::Name => assert!(live.windows(2).all(|p| p[0].name.to_lowercase() <= p[1].name.to_lowercase())),
            CatalogSort::Newest => {
                // Created one minute apart: newest first means descending creation.
                let created: Vec<_> = created_times(w, live).await;
                assert!(created.windows(2).all(|p| p[0] >= p[1]));
            }
            _ => {}
        }
    }
    // Default sort without a query is popular.
    let default = w.mart.market().list(None, list(None, 100)).await.unwrap();
    let popular = w.mart.market().list(None, list(Some(CatalogSort::Popular), 100)).await.unwrap();
    assert_eq!(ids(&default.items), ids(&popular.items));
}

async fn created_times(w: &World, items: &[AgentListItem]) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for item in items {
        out.push(w.store.get_agent(item.id).await.unwrap().unwrap().created_at);
    }
    out
}

#[tokio::test]
async fn rating_and_trending_sorts_follow_the_numbers() {
    let w = world();
    let owner = w.user("owner").await;
    let fans = make_users(&w, "fan", 5).await;
    let (_, one_five) = w.agent(&owner, "one-five", def("One five")).await;
    let (_, many_four) = w.agent(&owner, "many-four", def("Many four")).await;
    let (_, busy) = w.agent(&owner, "busy", def("Busy")).await;
    w.install(&fans[0], &one_five).await;
    w.rate(&fans[0], &one_five, 5).await;
    for fan in &fans {
        w.install(fan, &many_four).await;
        w.rate(fan, &many_four, 5).await;
        w.install(fan, &busy).await;
    }
    // Damped mean: five 5-star ratings beat one.
    let rating = w.mart.market().list(None, list(Some(CatalogSort::Rating), 10)).await.unwrap();
    assert_eq!(rating.items[0].slug, "many-four");
    assert_eq!(rating.items[1].slug, "one-five");

    // Old usage counts less than recent usage.
    let market = w.mart.market();
    for _ in 0..3 {
        let old = UsageRequest { occurred_at: Some(w.clock.now() - Duration::days(20)), ..Default::default() };
        market.record_usage(&fans[0], &many_four, old).await.unwrap();
    }
    market.record_usage(&fans[1], &busy, UsageRequest::default()).await.unwrap();
    let trending = market.list(None, list(Some(CatalogSort::Trending), 10)).await.unwrap();
    let slugs: Vec<_> = trending.items.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(slugs, ["busy", "many-four", "one-five"]);
}

#[tokio::test]
async fn cursors_are_bound_to_sort_and_filters_and_tamper_evident() {
    let c = catalog().await;
    let market = c.world.mart.market();
    let first = market.list(None, list(Some(CatalogSort::Popular), 5)).await.unwrap();
    let cursor = first.next_cursor.clone().unwrap();

    // The same list with another limit accepts it.
    let next = ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Popular), 3) };
    assert_eq!(market.list(None, next).await.unwrap().items.len(), 3);

    let foreign = [
        ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Newest), 5) },
        ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Name), 5) },
        ListAgents {
            cursor: Some(cursor.clone()),
            category: Some("coding".into()),
            ..list(Some(CatalogSort::Popular), 5)
        },
        ListAgents { cursor: Some(cursor.clone()), tag: Some("x".into()), ..list(Some(CatalogSort::Popular), 5) },
        ListAgents { cursor: Some(cursor.clone()), owner: Some("alice".into()), ..list(Some(CatalogSort::Popular), 5) },
        ListAgents {
            cursor: Some(cursor.clone()),
            q: Some("agent".into()),
            sort: Some(CatalogSort::Popular),
            limit: Some(5),
            ..Default::default()
        },
    ];
    for request in foreign {
        assert_eq!(code(market.list(None, request.clone()).await), ErrorCode::MalformedRequest, "{request:?}");
    }

    // Any single changed character is refused.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (i, ch) in cursor.char_indices() {
        let replacement = alphabet.chars().find(|&a| a != ch).unwrap();
        let mut tampered = cursor.clone();
        tampered.replace_range(i..i + 1, &replacement.to_string());
        let request = ListAgents { cursor: Some(tampered), ..list(Some(CatalogSort::Popular), 5) };
        assert_eq!(code(market.list(None, request).await), ErrorCode::MalformedRequest, "position {i}");
    }
    for garbage in ["", "not a cursor", "%%%", &cursor[..cursor.len() - 4]] {
        let request = ListAgents { cursor: Some(garbage.into()), ..list(Some(CatalogSort::Popular), 5) };
        assert_eq!(code(market.list(None, request).await), ErrorCode::MalformedRequest, "{garbage:?}");
    }

    // Another instance with another secret refuses it; one with the same configuration accepts it.
    let mut other_config = Config::for_tests();
    other_config.cursor_secret = Some(b"a different cursor secret".to_vec());
    let other = Agentmart::new(c.world.store.clone(), other_config).unwrap();
    let request = ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Popular), 5) };
    assert_eq!(code(other.market().list(None, request.clone()).await), ErrorCode::MalformedRequest);
    let same = Agentmart::new(c.world.store.clone(), Config::for_tests()).unwrap();
    assert!(same.market().list(None, request).await.is_ok());
}

#[tokio::test]
async fn search_matches_a_word_in_each_searchable_field_only() {
    let w = world();
    let owner = w.user("owner").await;
    let cases: [(&str, SetField); 7] = [
        ("name", |d, word| d.name = format!("Helper {word}")),
        ("tagline", |d, word| d.tagline = format!("Tagline with {word} inside")),
        ("description", |d, word| d.description = format!("Long text, {word}.")),
        ("tag", |d, word| d.tags = vec![word.to_lowercase()]),
        ("skill-name", |d, word| d.skills = vec![Skill { id: "s".into(), name: word.into(), ..Default::default() }]),
        ("skill-description", |d, word| {
            d.skills = vec![Skill {
                id: "s".into(),
                name: "skill".into(),
                description: format!("does {word}"),
                ..Default::default()
            }]
        }),
        ("skill-tag", |d, word| {
            d.skills =
                vec![Skill { id: "s".into(), name: "skill".into(), tags: vec![word.into()], ..Default::default() }]
        }),
    ];
    let market = w.mart.market();
    let mut slugs = Vec::new();
    for (i, (field, set)) in cases.iter().enumerate() {
        let word = format!("Zebra{i}word");
        let mut d = def(&format!("Plain {i}"));
        set(&mut d, &word);
        let slug = format!("by-{field}");
        w.agent(&owner, &slug, d).await;
        slugs.push((slug, word));
    }
    // A word only in the system prompt is never searchable.
    let mut hidden = def("Hidden");
    hidden.system_prompt = "quagga secret".into();
    w.agent(&owner, "hidden", hidden).await;

    for (slug, word) in &slugs {
        for q in [word.clone(), word.to_uppercase(), format!("  {}!!", word.to_lowercase())] {
            let page = market.list(None, ListAgents { q: Some(q.clone()), ..Default::default() }).await.unwrap();
            let got: Vec<_> = page.items.iter().map(|i| i.slug.as_str()).collect();
            assert_eq!(got, [slug.as_str()], "query {q:?}");
        }
    }
    let none = market.list(None, ListAgents { q: Some("quagga".into()), ..Default::default() }).await.unwrap();
    assert!(none.items.is_empty());

    // Every word must match; relevance puts a name match above a description match.
    let both = ListAgents { q: Some("plain zebra0word".into()), ..Default::default() };
    assert_eq!(market.list(None, both).await.unwrap().items.len(), 1);
    let plain = market.list(None, ListAgents { q: Some("plain".into()), ..Default::default() }).await.unwrap();
    assert_eq!(plain.items.len(), slugs.len());
    let mut ranked = def("Ranked Plain");
    ranked.name = "Omega".into();
    ranked.description = "omega".into();
    w.agent(&owner, "omega-in-name", ranked).await;
    let mut low = def("Other");
    low.description = "omega".into();
    w.agent(&owner, "omega-in-description", low).await;
    let page = market.list(None, ListAgents { q: Some("omega".into()), ..Default::default() }).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(got, ["omega-in-name", "omega-in-description"]);

    // Relevance needs a query; a blank query is no text filter.
    let err = market.list(None, ListAgents { sort: Some(CatalogSort::Relevance), ..Default::default() }).await;
    assert_eq!(fields(err), ["sort"]);
    let blank = market.list(None, ListAgents { q: Some("  ".into()), ..list(None, 100) }).await.unwrap();
    assert_eq!(blank.items.len(), slugs.len() + 3);
    // Limits are validated.
    for limit in [0, 101] {
        let err = market.list(None, list(None, limit)).await;
        assert_eq!(fields(err), ["limit"]);
    }
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let w = world();
    let alice = w.user("alice").await;
    let bob = w.user("bob").await;
    let mut a = def("Json tool");
    a.category = Some("data".into());
    a.tags = vec!["etl".into(), "json".into()];
    a.input_modes = vec!["application/json".into()];
    a.output_modes = vec!["text/plain".into()];
    w.agent(&alice, "json-tool", a).await;
    let mut b = def("Image tool");
    b.category = Some("media".into());
    b.tags = vec!["images".into()];
    b.output_modes = vec!["image/png".into()];
    w.agent(&bob, "image-tool", b).await;
    w.agent(&bob, "plain", def("Plain")).await;

    let market = w.mart.market();
    let slugs = |page: Page<AgentListItem>| {
        let mut s: Vec<String> = page.items.into_iter().map(|i| i.slug).collect();
        s.sort();
        s
    };
    let cases: Vec<(ListAgents, Vec<&str>)> = vec![
        (ListAgents { category: Some("data".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { category: Some("DATA".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { tag: Some("images".into()), ..Default::default() }, vec!["image-tool"]),
        (ListAgents { input_mode: Some("application/json".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { input_mode: Some("text/plain".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { output_mode: Some("image/png".into()), ..Default::default() }, vec!["image-tool"]),
        (ListAgents { owner: Some("bob".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { owner: Some("BOB".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { owner: Some("nobody".into()), ..Default::default() }, vec![]),
        (ListAgents { owner: Some("bob".into()), tag: Some("etl".into()), ..Default::default() }, vec![]),
        (ListAgents { category: Some("unknown".into()), ..Default::default() }, vec![]),
    ];
    for (request, expected) in cases {
        let page = market.list(None, request.clone()).await.unwrap();
        assert!(page.next_cursor.is_none());
        assert_eq!(slugs(page), expected, "{request:?}");
    }
}

#[tokio::test]
async fn visibility_of_unlisted_drafts_and_deleted_agents() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let other = w.user("other").await;
    let (hidden_id, hidden) = w.agent(&owner, "hidden", def("Hidden gem")).await;
    w.set_status(hidden_id, AgentStatus::Unlisted, None).await;
    let (_, draft) = w.draft(&owner, "draft", def("Draft gem")).await;
    let (gone_id, gone) = w.agent(&owner, "gone", def("Gone gem")).await;
    w.install(&fan, &gone).await;
    w.set_status(gone_id, AgentStatus::Deleted, None).await;

    let market = w.mart.market();
    let all = market.list(None, ListAgents { q: Some("gem".into()), ..Default::default() }).await.unwrap();
    assert!(all.items.is_empty(), "unlisted, drafts and deleted agents stay out of lists and search");

    // Unlisted: reachable by path, installable.
    let detail = market.detail(None, &hidden).await.unwrap();
    assert_eq!(detail.status, AgentStatus::Unlisted);
    assert!(w.install(&fan, &hidden).await);

    // Drafts: not found, to the owner too.
    assert_eq!(code(market.detail(None, &draft).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(Some(&owner), &draft).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&fan, &draft, InstallRequest::default()).await), ErrorCode::NotFound);
    assert_eq!(code(market.reviews(&draft, ListReviews::default()).await), ErrorCode::NotFound);

    // Deleted: readable to a user who has it installed, not found to others.
    let kept = market.detail(Some(&fan), &gone).await.unwrap();
    assert_eq!(kept.status, AgentStatus::Deleted);
    assert_eq!(kept.installed, Some(true));
    assert_eq!(code(market.detail(None, &gone).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(Some(&other), &gone).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&other, &gone, InstallRequest::default()).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&fan, &gone, InstallRequest::default()).await), ErrorCode::Conflict);

    // Unknown paths.
    let nowhere = AgentRef::new("owner", "nowhere");
    assert_eq!(code(market.detail(None, &nowhere).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(None, &AgentRef::new("nobody", "hidden")).await), ErrorCode::NotFound);
}
