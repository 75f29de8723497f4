//! The application entry: run a supervision tree from `main` until Ctrl-C
//! or SIGTERM (or any future), then stop it in order.

use std::fmt;
use std::future::Future;
use std::io;

use super::{ChildError, SupervisorRef, SupervisorSpec};
use crate::error::StartError;
use crate::{ExitReason, monitor};

/// The signals that ask the process to stop, listened to from the moment
/// [`install`](Self::install) returns: Ctrl-C (SIGINT) and, on Unix,
/// SIGTERM (what `kill` and service managers send).
///
/// A signal that arrives after `install` and before [`recv`](Self::recv)
/// is kept, not lost; several arriving before one `recv` count as one.
/// Once installed, these signals no longer end the process by themselves
/// (tokio's handlers stay in place for the life of the process).
pub struct ShutdownSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl ShutdownSignal {
    /// Installs the handlers.
    ///
    /// # Errors
    /// If the operating system refuses a handler.
    ///
    /// # Panics
    /// Outside a tokio runtime with its I/O driver enabled (`#[tokio::main]`
    /// enables it).
    pub fn install() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignal {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(windows)]
        {
            Ok(ShutdownSignal {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
        #[cfg(not(any(unix, windows)))]
        {
            Ok(ShutdownSignal {})
        }
    }

    /// Resolves at the next signal (at once if one came since the last
    /// `recv`, or since `install`).
    ///
    /// # Cancellation
    /// Cancel-safe: dropping the future loses no signal.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        {
            self.ctrl_c.recv().await;
        }
        #[cfg(not(any(unix, windows)))]
        std::future::pending::<()>().await;
    }
}

impl fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownSignal").finish_non_exhaustive()
    }
}

/// Runs the tree under `supervisor` until `stop` resolves or the
/// supervisor ends by itself (it gave up after too many restarts, or was
/// stopped); when `stop` resolves first, stops the tree with
/// [`ExitReason::Shutdown`] and waits until it has stopped: children stop in
/// reverse order, each by its shutdown rule, `terminate` running where OTP
/// runs it. Returns the supervisor's exit reason.
///
/// [`run_until_shutdown`] is this with Ctrl-C/SIGTERM as `stop`; pass your
/// own future (a oneshot, an admin request) to stop on something else.
///
/// ```
/// use gen_server::prelude::*;
/// use gen_server::supervisor::{ChildSpec, Strategy, SupervisorSpec, run_until};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tree = SupervisorSpec::new(Strategy::OneForOne)
///     .child(ChildSpec::task_supervisor("tasks"))
///     .start()
///     .await
///     .unwrap();
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn({
///     let tree = tree.clone();
///     async move { run_until(&tree, stopped).await }
/// });
/// stop.send(()).unwrap();
/// assert_eq!(running.await.unwrap(), ExitReason::Shutdown);
/// assert!(!tree.is_alive());
/// # }
/// ```
///
/// # Cancellation
/// Dropping the future before `stop` resolves leaves the tree running;
/// after, the stop request is already queued and the tree still stops.
pub async fn run_until<F: Future>(supervisor: &SupervisorRef, stop: F) -> ExitReason {
    let ended = monitor(supervisor);
    tokio::select! {
        reason = ended => reason,
        _ = stop => stop_tree(supervisor).await,
    }
}

/// Runs the tree under `supervisor` until Ctrl-C or SIGTERM, as
/// [`run_until`] does with a [`ShutdownSignal`] installed when this is
/// called (not when the future is first polled), so that a signal sent
/// right after is not lost. Returns the supervisor's exit reason.
///
/// **A second signal** while the tree is stopping (a child slow in
/// `terminate`, a long shutdown time) forces the stop: the supervisor is
/// killed without waiting for its children (those that do not trap exits
/// die with it; those that trap them get its exit signal and run
/// `terminate`, unwaited) and this returns [`ExitReason::Killed`] at once,
/// so that `main` can return; returning from `#[tokio::main]` drops the
/// runtime and every task still on it. This is the common practice of
/// command-line programs: the first Ctrl-C asks, the second insists.
///
/// To have signals handled while the tree starts, too, use
/// [`SupervisorSpec::run`].
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
/// # Panics
/// If the signal handlers cannot be installed ([`ShutdownSignal::install`]).
///
/// # Cancellation
/// As [`run_until`]'s.
pub fn run_until_shutdown(
    supervisor: &SupervisorRef,
) -> impl Future<Output = ExitReason> + Send + 'static {
    let signals = ShutdownSignal::install().expect("install the shutdown signal handlers");
    let supervisor = supervisor.clone();
    async move { run_until_signal(&supervisor, signals).await }
}

impl SupervisorSpec {
    /// The application entry (OTP's application start): installs the
    /// [`ShutdownSignal`] handlers when called, starts the tree, and runs
    /// it until Ctrl-C or SIGTERM as [`run_until_shutdown`] does (a second
    /// signal forces the stop). Returns the supervisor's exit reason.
    ///
    /// A signal that arrives while the tree is starting is kept: the tree
    /// finishes starting (a start is not cut short, so that every child
    /// that started is stopped in order, with its `terminate`), then stops
    /// at once.
    ///
    /// ```no_run
    /// use gen_server::supervisor::{ChildSpec, Strategy, SupervisorSpec};
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let reason = SupervisorSpec::new(Strategy::OneForOne)
    ///         .child(ChildSpec::task_supervisor("tasks"))
    ///         .run()
    ///         .await?;
    ///     println!("stopped: {reason}");
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    /// As [`start`](Self::start).
    ///
    /// # Panics
    /// If the signal handlers cannot be installed ([`ShutdownSignal::install`]).
    ///
    /// # Cancellation
    /// Dropping the future while the tree starts stops nothing already
    /// started; after, as [`run_until`]'s.
    pub fn run(
        self,
    ) -> impl Future<Output = Result<ExitReason, StartError<ChildError>>> + Send + 'static {
        let signals = ShutdownSignal::install().expect("install the shutdown signal handlers");
        async move {
            let tree = self.start().await?;
            Ok(run_until_signal(&tree, signals).await)
        }
    }
}

/// [`run_until`] on the first signal, and a kill on the second.
async fn run_until_signal(supervisor: &SupervisorRef, mut signals: ShutdownSignal) -> ExitReason {
    let mut ended = monitor(supervisor);
    tokio::select! {
        reason = &mut ended => return reason,
        () = signals.recv() => {}
    }
    tracing::info!(supervisor = %supervisor.id(), "shutdown signal; stopping the tree (a second signal kills it)");
    tokio::select! {
        reason = stop_tree(supervisor) => reason,
        () = signals.recv() => {
            tracing::warn!(supervisor = %supervisor.id(), "second shutdown signal; killing the tree");
            if supervisor.kill() {
                ended.await;
                ExitReason::Killed
            } else {
                ended.await // it finished stopping just now
            }
        }
    }
}

/// Stops the tree and waits until it has stopped; its exit reason.
async fn stop_tree(supervisor: &SupervisorRef) -> ExitReason {
    let _ = supervisor.stop(ExitReason::Shutdown).await;
    supervisor.exit_reason().unwrap_or(ExitReason::Shutdown)
}
