//! What the signal test binaries share: the supervised member, a bound on
//! waits, and sending a signal to this process.

use std::future::Future;
use std::time::Duration;

#[allow(dead_code)]
#[path = "../member.rs"]
pub mod member;

/// The most any awaited event may take before a test fails instead of hanging.
pub const BOUND: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test if it takes longer than [`BOUND`].
pub async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(BOUND, fut)
        .await
        .expect("the awaited event did not happen in time")
}

/// Sends `signal` (`"-INT"`, `"-TERM"`) to this test process, as Ctrl-C
/// or `kill` would. Only once the handlers are installed: before, the
/// signal's default action ends the process.
pub fn raise(signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} failed");
}
