//! The sweeper as a background task of the service ([`spawn_sweeper`]).
//!
//! Every [`SweepSchedule::interval`] it calls [`Agentmart::sweep`] with
//! [`SweepSchedule::batch`], again while a call fills its batch (at most
//! [`SweepSchedule::max_batches_per_tick`] calls per tick, so one tick stays
//! short), and logs what it purged. A failing call (store down) is logged and
//! retried at the next tick. [`SweeperHandle::stop`] lets the call in progress
//! finish, then ends the task: `agentmart serve` stops it on graceful shutdown
//! before flushing the store.

use std::time::Duration;

use agentmart_core::Agentmart;
use agentmart_core::sweep::SweepReport;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// When and how much the background sweeper purges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepSchedule {
    /// Time between ticks (default 60 s; the first tick runs one interval after start).
    pub interval: Duration,
    /// Records of each kind deleted per call (default 1,000); 0 disables the sweeper.
    pub batch: u32,
    /// Calls per tick at most, while calls fill their batch (default 10).
    pub max_batches_per_tick: u32,
}

impl Default for SweepSchedule {
    fn default() -> Self {
        Self { interval: Duration::from_secs(60), batch: 1000, max_batches_per_tick: 10 }
    }
}

/// The running background sweeper.
#[derive(Debug)]
pub struct SweeperHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<SweepReport>,
}

impl SweeperHandle {
    /// Stops the sweeper: the call in progress (one bounded batch) finishes,
    /// no further call starts. Returns what it purged since it started.
    pub async fn stop(self) -> SweepReport {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

/// One tick: calls `sweep(batch)` until a call does not fill its batch, the
/// call limit is reached or a stop is requested.
async fn tick(mart: &Agentmart, schedule: &SweepSchedule, stopping: &watch::Receiver<bool>) -> SweepReport {
    let mut total = SweepReport::default();
    for _ in 0..schedule.max_batches_per_tick.max(1) {
        match mart.sweep(schedule.batch).await {
            Ok(report) => {
                total.add(&report);
                if !report.more_pending(schedule.batch) || *stopping.borrow() {
                    break;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "sweeper: the store refused a sweep; retrying at the next tick");
                break;
            }
        }
    }
    if total.total() > 0 {
        tracing::info!(
            sessions = total.sessions,
            counters = total.counters,
            one_time_tokens = total.one_time_tokens,
            usage_users = total.usage_users,
            "sweeper purged ended records"
        );
    }
    total
}

/// Starts the background sweeper on the current tokio runtime. With a batch
/// of 0 the task only waits for its stop.
pub fn spawn_sweeper(mart: Agentmart, schedule: SweepSchedule) -> SweeperHandle {
    let (stop, mut stopping) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut total = SweepReport::default();
        let interval = schedule.interval.max(Duration::from_millis(1));
        loop {
            tokio::select! {
                _ = stopping.wait_for(|s| *s) => break,
                () = tokio::time::sleep(interval) => {}
            }
            if schedule.batch > 0 {
                total.add(&tick(&mart, &schedule, &stopping).await);
            }
            if *stopping.borrow() {
                break;
            }
        }
        total
    });
    SweeperHandle { stop, task }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use agentmart_core::auth::RegisterRequest;
    use agentmart_core::storage::SessionStore as _;
    use agentmart_core::testing::MemoryStore;
    use agentmart_core::{ClientInfo, Config, ManualClock};

    use super::*;

    #[tokio::test]
    async fn the_background_sweeper_purges_ended_sessions_and_stops_on_request() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let clock = ManualClock::new(start);
        let store = Arc::new(MemoryStore::new());
        let mart =
            Agentmart::builder(store.clone(), Config::for_tests()).clock(Arc::new(clock.clone())).build().unwrap();
        let req = RegisterRequest {
            email: "a@example.com".into(),
            password: "correct horse battery staple".into(),
            handle: None,
            display_name: None,
        };
        let tokens = mart.auth().register(req, &ClientInfo::default()).await.unwrap().tokens;
        let principal = mart.auth().authenticate(&tokens.access_token).await.unwrap();
        mart.auth().logout(&principal).await.unwrap();
        clock.advance(chrono::Duration::days(8));
        let schedule = SweepSchedule { interval: Duration::from_millis(10), batch: 1, max_batches_per_tick: 2 };
        let handle = spawn_sweeper(mart.clone(), schedule);
        let mut gone = false;
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if store.get_session(principal.session_id.unwrap()).await.unwrap().is_none() {
                gone = true;
                break;
            }
        }
        assert!(gone, "the logged-out session is purged by the background task");
        let report = handle.stop().await;
        assert!(report.sessions >= 1, "the stop returns what was purged: {report:?}");
    }
}
