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
        None,
    )
}

/// Makes the current process trap exit signals (`true`) or die of them
/// again (`false`), like OTP's `Process.flag(:trap_exit, …)`; returns the
/// previous setting.
///
/// In a [`spawn`]ed process or a background task, a trapped signal waits for
/// [`next_exit`]; in a gen_server it arrives at the `#[info]` handler for
/// [`Exit`](crate::Exit), as with [`Context::trap_exit`](crate::Context::trap_exit).
/// A task that traps exits can use its supervisor's shutdown grace period to
/// clean up: the supervisor's `Shutdown` arrives as an `Exit`, and the task
/// is killed only if it has not ended when the grace period is over. A kill
/// can never be trapped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::task::{Shutdown, TaskSupervisor};
/// use gen_server::ExitReason;
/// use std::time::Duration;
///
/// let tasks = TaskSupervisor::builder()
///     .shutdown(Shutdown::Timeout(Duration::from_secs(1)))
///     .start()
///     .unwrap();
/// let (flushed_tx, flushed) = tokio::sync::oneshot::channel();
/// tasks
///     .start_child(async move {
///         gen_server::trap_exit(true);
///         let exit = gen_server::next_exit().await;
///         // Clean up within the grace period, then end.
///         let _ = flushed_tx.send(exit.reason);
///     })
///     .unwrap();
/// # tokio::task::yield_now().await;
/// tasks.stop(ExitReason::Normal).await.unwrap();
/// assert_eq!(flushed.await, Ok(ExitReason::Shutdown));
/// # }
/// ```
///
/// # Panics
/// Outside a process (plain async code that is not a [`spawn`]ed process,
/// a task or a gen_server).
pub fn trap_exit(trap: bool) -> bool {
    current::current_process()
        .expect("`gen_server::trap_exit` is called from outside any process")
        .core()
        .set_trap_exit(trap)
}

/// The next exit signal the current process trapped (see [`trap_exit`]):
/// from a linked process that ended, from [`Pid::exit`], or the shutdown of
/// a supervisor. For [`spawn`]ed processes and background tasks; signals
/// that arrived before the call wait in order.
///
/// # Panics
/// Outside a [`spawn`]ed process or a background task: a gen_server gets its
/// trapped signals as [`Exit`](crate::Exit) messages instead.
///
/// # Cancellation
/// Dropping the future loses nothing: a signal stays queued until a later
/// `next_exit` takes it.
pub fn next_exit() -> NextExit {
    let process = current::current_process()
        .filter(|p| Arc::clone(p).as_any().is::<Plain>())
        .expect(
            "`gen_server::next_exit` is for spawned processes and tasks; \
             a gen_server gets `Exit` in an `#[info]` handler",
        );
    NextExit { process }
}

/// The future of [`next_exit`]: resolves with the next trapped exit signal.
#[must_use = "futures do nothing unless awaited"]
pub struct NextExit {
    process: Arc<dyn Process>,
}

impl Future for NextExit {
    type Output = crate::Exit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<crate::Exit> {
        self.process.core().poll_exit(cx)
    }
}

impl std::fmt::Debug for NextExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextExit")
            .field("process", &self.process.core().id)
            .finish()
    }
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
