//! Property tests: paging any catalogue equals the one-page list.

use proptest::prelude::*;

use super::*;

fn sorts() -> impl Strategy<Value = CatalogSort> {
    prop::sample::select(vec![
        CatalogSort::Popular,
        CatalogSort::Rating,
        CatalogSort::Newest,
        CatalogSort::Trending,
        CatalogSort::Name,
        CatalogSort::Relevance,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Paging through any catalogue with any page size and sort yields the
    /// one-page list exactly: no duplicates, no gaps, same order. A page's
    /// cursor is refused by every other sort.
    #[test]
    fn paging_equals_the_whole_list(
        installs in prop::collection::vec(0usize..4, 0..18),
        deprecated in prop::collection::vec(any::<bool>(), 18),
        limit in 1u32..6,
        sort in sorts(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let w = world();
            let owner = w.user("owner").await;
            let fans = make_users(&w, "fan", 3).await;
            for (i, n) in installs.iter().enumerate() {
                let (id, path) = w.agent(&owner, &format!("a-{i:02}"), def(&format!("Agent {}", i % 4))).await;
                for fan in fans.iter().take(*n) {
                    w.install(fan, &path).await;
                }
                if *n > 0 && i % 2 == 0 {
                    w.rate(&fans[0], &path, (1 + i % 5) as u8).await;
                    w.mart.market().record_usage(&fans[0], &path, UsageRequest::default()).await.unwrap();
                }
                if deprecated[i] {
                    w.set_status(id, AgentStatus::Deprecated, Some("old")).await;
                }
                w.clock.advance(Duration::seconds(30));
            }
            let q = (sort == CatalogSort::Relevance).then(|| "agent".to_string());
            let request = |limit: u32| ListAgents { q: q.clone(), sort: Some(sort), limit: Some(limit), ..Default::default() };
            let whole = w.mart.market().list(None, request(100)).await.unwrap();
            prop_assert_eq!(whole.items.len(), installs.len());
            let paged = w.all_pages(request(limit)).await;
            prop_assert_eq!(ids(&paged), ids(&whole.items));
            let deprecated_flags: Vec<bool> = whole.items.iter().map(|i| i.status == AgentStatus::Deprecated).collect();
            prop_assert!(deprecated_flags.windows(2).all(|p| p[0] <= p[1]), "deprecated last");

            let first = w.mart.market().list(None, request(limit)).await.unwrap();
            if let Some(cursor) = first.next_cursor {
                for other in [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name] {
                    if other == sort {
                        continue;
                    }
                    let foreign = ListAgents { q: q.clone(), sort: Some(other), limit: Some(limit), cursor: Some(cursor.clone()), ..Default::default() };
                    prop_assert_eq!(code(w.mart.market().list(None, foreign).await), ErrorCode::MalformedRequest);
                }
            }
            Ok(())
        })?;
    }
}
