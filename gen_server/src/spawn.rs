//! Plain processes: any future, run as a process that can be linked,
//! monitored and killed like a gen_server.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::current::{self, CatchUnwind, Scoped};
use crate::process::{self, Core, Down, MonitorRef, Pid, Process, System, Watcher};
use crate::{ExitReason, ToPid};

/// A process that is only a future: no mailbox, no name.
struct Plain {
    core: Core,
}

impl Process for Plain {
    fn core(&self) -> &Core {
        &self.core
    }
    fn is_alive(&self) -> bool {
        self.core.exit_reason().is_none()
    }
    fn push_system(&self, _msg: System) -> bool {
        false
    }
    fn close(&self) {}
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// Runs `future` as a process (OTP's `spawn`): it gets an id, can be linked,
/// monitored and killed, and ends with `Normal` when the future completes or
/// `Panic` if it panics (the panic is caught; nothing else is affected).
///
/// Must be called inside a tokio runtime. A WebSocket connection or a chat
/// "channel" is typically such a process.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::ExitReason;
///
/// let pid = gen_server::spawn(async { panic!("lost the connection") });
/// let reason = gen_server::monitor(&pid).await;
/// assert_eq!(reason, ExitReason::Panic("lost the connection".into()));
/// # }
/// ```
pub fn spawn<F>(future: F) -> Pid
where
    F: Future<Output = ()> + Send + 'static,
{
    spawn_process(future, None)
}

/// Like [`spawn`], linked to the current process (OTP's `spawn_link`): if
/// either ends abnormally, the other gets the exit signal. Outside a process
/// (plain async code) it is the same as `spawn`.
pub fn spawn_link<F>(future: F) -> Pid
where
    F: Future<Output = ()> + Send + 'static,
{
    spawn_process(future, current::current_process())
}

fn spawn_process<F>(future: F, link_to: Option<Arc<dyn Process>>) -> Pid
where
    F: Future<Output = ()> + Send + 'static,
{
    let process: Arc<dyn Process> = Arc::new(Plain { core: Core::new() });
    if let Some(parent) = &link_to {
        // Linked before it runs, so not even an immediate crash goes unseen.
        process::link(parent, &process);
    }
    let task = tokio::spawn(Scoped::new(
        Arc::clone(&process),
        // The guard exists before the first poll: a process killed before it
        // ever ran still tells its links and monitors.
        run_plain(PlainGuard(Arc::clone(&process)), future),
    ));
    process.core().set_abort(task.abort_handle());
    Pid { process }
}

/// Tells the plain process's links and monitors however its task ends.
struct PlainGuard(Arc<dyn Process>);

impl Drop for PlainGuard {
    fn drop(&mut self) {
        // Only an aborted task gets here without a reason.
        self.0.core().set_exit(ExitReason::Killed);
        self.0.core().finish();
    }
}

async fn run_plain<F: Future<Output = ()>>(guard: PlainGuard, future: F) {
    let reason = match CatchUnwind::new(future).await {
        Ok(()) => ExitReason::Normal,
        Err(panic) => ExitReason::from_panic(&*panic),
    };
    guard.0.core().set_exit(reason);
}

/// Watches a process from plain async code: resolves with its exit reason
/// when it ends, or at once with [`ExitReason::NoProc`] if it already has
/// (OTP's `Process.monitor` followed by a `receive` of the `DOWN`).
///
/// Inside a gen_server use [`Context::monitor`](crate::Context::monitor)
/// instead: the notification then arrives as a [`Down`] message, in order with
/// the server's other messages.
///
/// # Cancellation
/// Dropping the future removes the monitor.
pub fn monitor<P: ToPid + ?Sized>(target: &P) -> Monitor {
    let target = target.to_pid().process;
    let monitor = MonitorRef::next();
    let (tx, rx) = oneshot::channel();
    target.core().add_watcher(monitor, Watcher::Future(tx));
    Monitor {
        target,
        monitor,
        down: rx,
        done: false,
    }
}

/// The future of [`monitor`]: resolves with the watched process's exit reason.
#[must_use = "a monitor does nothing unless awaited"]
pub struct Monitor {
    target: Arc<dyn Process>,
    monitor: MonitorRef,
    down: oneshot::Receiver<Down>,
    done: bool,
}

impl Monitor {
    /// This monitor's reference.
    pub fn monitor_ref(&self) -> MonitorRef {
        self.monitor
    }
}

impl Future for Monitor {
    type Output = ExitReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        let down = std::task::ready!(Pin::new(&mut self.down).poll(cx));
        self.done = true;
        // The sender is only dropped unsent if the process's relations were
        // torn down without notification, which means it is gone.
        Poll::Ready(down.map_or(ExitReason::NoProc, |d| d.reason))
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        if !self.done {
            self.target.core().remove_watcher(self.monitor);
        }
    }
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("target", &self.target.core().id)
            .field("monitor", &self.monitor)
            .finish()
    }
}
