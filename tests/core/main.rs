//! Integration tests of the core: `#[gen_server]` servers as a user writes
//! them, driven through their generated handles.
//!
//! Tests that wait for an event wait on the event itself (a reply, a channel,
//! the actor's end) under a generous bound ([`BOUND`]), never on a bare sleep.
//! Timeout behaviour is checked on tokio's paused clock, so it is exact and
//! costs no real time.

mod calls;
mod casts_and_info;
mod deferred;
mod faults;
mod lifecycle;
mod mailbox;
mod names;
mod probe;
mod timers;

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
