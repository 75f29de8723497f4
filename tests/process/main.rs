//! Integration tests of the process model: monitors, links, exit signals,
//! trap_exit and plain spawned processes, row by row from OTP's semantics
//! (`shared/OTP_SEMANTICS.md`, "Links, monitors, exits").
//!
//! Every wait is on an event (a notification channel, a monitor) under a
//! generous bound, never a bare sleep.

mod exit_watcher;
mod links;
mod monitors;
mod spawned;
mod watcher;

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
