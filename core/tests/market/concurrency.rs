//! Concurrent installs, uninstalls and ratings keep the counters exact.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_installs_uninstalls_and_ratings_keep_counts_exact() {
    let w = world();
    let owner = w.user("owner").await;
    let users = make_users(&w, "u", 32).await;
    let (_, path) = w.agent(&owner, "hot", def("Hot")).await;
    let market = w.mart.market();

    let mut tasks = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let market = market.clone();
        let path = path.clone();
        let user = user.clone();
        tasks.push(tokio::spawn(async move {
            // Each task flips its install a different number of times, then rates when installed.
            for round in 0..(5 + i % 4) {
                if round % 2 == 0 {
                    market.install(&user, &path, InstallRequest::default()).await.unwrap();
                } else {
                    market.uninstall(&user, &path).await.unwrap();
                }
                tokio::task::yield_now().await;
            }
            if market.detail(Some(&user), &path).await.unwrap().installed == Some(true) {
                let stars = (1 + i % 5) as u8;
                market.rate(&user, &path, RateRequest { stars, ..Default::default() }).await.unwrap();
                market.rate(&user, &path, RateRequest { stars, ..Default::default() }).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut installed = 0;
    let mut histogram = [0u64; 5];
    for (i, user) in users.iter().enumerate() {
        let detail = market.detail(Some(user), &path).await.unwrap();
        if detail.installed == Some(true) {
            installed += 1;
            histogram[i % 5] += 1;
            assert_eq!(detail.my_rating.unwrap().stars as usize, 1 + i % 5);
        }
    }
    // 5 or 7 rounds end installed (odd count of flips), 6 or 8 end uninstalled.
    assert_eq!(installed, 16);
    let detail = market.detail(None, &path).await.unwrap();
    assert_eq!(detail.install_count, installed);
    assert_eq!(detail.rating.count, installed);
    assert_eq!(detail.rating.histogram, histogram);
}
