//! The application entry: run a supervision tree from `main` until Ctrl-C
//! or SIGTERM, then stop it in order.

use super::SupervisorRef;
use crate::{ExitReason, monitor};

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT) or, on
/// Unix, SIGTERM (what `kill` and service managers send).
///
/// # Panics
/// If the signal handlers cannot be installed (outside a tokio runtime).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).expect("install the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the tree under `supervisor` until a [`shutdown_signal`] arrives or
/// the supervisor ends by itself (it gave up after too many restarts, or
/// was stopped); on a signal, stops it with [`ExitReason::Shutdown`]:
/// children stop in reverse order and `terminate` runs where OTP runs it.
/// Returns the supervisor's exit reason. The analogue of an OTP
/// application's top supervisor, for `main`:
///
/// ```no_run
/// use gen_server::supervisor::{ChildSpec, Strategy, SupervisorSpec, run_until_shutdown};
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let tree = SupervisorSpec::new(Strategy::OneForOne)
///         .child(ChildSpec::task_supervisor("tasks"))
///         .start()
///         .await?;
///     let reason = run_until_shutdown(&tree).await;
///     println!("stopped: {reason}");
///     Ok(())
/// }
/// ```
///
/// # Cancellation
/// Dropping the future before a signal leaves the tree running; after a
/// signal, the stop request is already queued and the tree still stops.
pub async fn run_until_shutdown(supervisor: &SupervisorRef) -> ExitReason {
    let ended = monitor(supervisor);
    tokio::select! {
        reason = ended => reason,
        () = shutdown_signal() => {
            let _ = supervisor.stop(ExitReason::Shutdown).await;
            supervisor.exit_reason().unwrap_or(ExitReason::Shutdown)
        }
    }
}
