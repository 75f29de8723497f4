//! Integration tests of background tasks: linked tasks (`Task.async`), task
//! supervisors (`async_nolink`, `max_children`, shutdown), task handles,
//! partitioned supervisors and `async_stream_nolink`, row by row from OTP's
//! semantics (`shared/OTP_SEMANTICS.md`, "Tasks").
//!
//! Every wait is on an event (the worker's report channel, a monitor, a
//! task handle) under a generous bound, never a bare sleep.

mod grace;
mod handles;
mod linked;
mod nolink;
mod partitioned;
mod stream;
mod supervisor;
mod worker;

use std::future::Future;
use std::time::Duration;

/// The most any awaited event may take before a test fails instead of hanging.
pub const BOUND: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test if it takes longer than [`BOUND`].
pub async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(BOUND, fut)
        .await
        .expect("the awaited event did not happen in time")
}

/// Waits until `tasks` counts no task. A killed task is counted until its
/// future has been dropped, at its next poll: this yields to let it run.
pub async fn drained(tasks: &gen_server::task::TaskSupervisor) {
    within(async {
        while tasks.count() > 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
}
