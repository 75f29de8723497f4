//! Integration tests of supervisors, row by row from OTP's semantics
//! (`shared/OTP_SEMANTICS.md`, "Supervisor"): strategies, restart types,
//! intensity, start and stop order, shutdown rules, dynamic children,
//! names across restarts, nesting, the application entry; and property
//! tests of the intensity window and the strategies.
//!
//! Every wait is on an event (a monitor, the children's event log, a call
//! queued behind the supervisor's own notices) under a generous bound.

mod app;
mod children;
mod dynamic;
mod member;
mod properties;
mod restarts;
mod retries;
mod shutdown;

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
