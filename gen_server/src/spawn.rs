//! Plain processes: any future, run as a process that can be linked,
//! monitored and killed like a gen_server.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::current;
use crate::process::{Down, MonitorRef, Pid, Process, Watcher};
use crate::task::run::{Discard, Plain, spawn_task};
use crate::{ExitReason, ToPid};

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
    spawn_task(
        Plain::new_process(),
        future,
        Discard,
        link_to.as_ref(),
        None,
    )
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
    target.watch(monitor, Watcher::Future(tx));
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
            self.target.unwatch(self.monitor);
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
