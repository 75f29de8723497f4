//! A task's process: runs its future, then reports the outcome exactly once,
//! however the future ends (value, panic, shutdown, kill, runtime shutdown).

use std::future::Future;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::TaskOutcome;
use super::supervisor::Supervision;
use crate::cell::{Cell, Envelope};
use crate::current::{CatchUnwind, Scoped};
use crate::error::TaskError;
use crate::process::{self, Core, Pid, Process, System};
use crate::{ActorId, ExitReason, GenServer, InfoFor};

/// A process that is only a future: no mailbox, no name. Background tasks and
/// [`spawn`](crate::spawn)ed processes are these.
pub(crate) struct Plain {
    core: Core,
}

impl Plain {
    pub(crate) fn new_process() -> Arc<dyn Process> {
        Arc::new(Plain { core: Core::new() })
    }
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
    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

/// Where a task's outcome goes.
pub(crate) trait Deliver<T>: Send + 'static {
    fn deliver(self, task: ActorId, result: Result<T, TaskError>);
}

/// For processes whose value nobody wants ([`spawn`](crate::spawn)).
pub(crate) struct Discard;

impl Deliver<()> for Discard {
    fn deliver(self, _: ActorId, _: Result<(), TaskError>) {}
}

/// For a [`Task`](super::Task) handle awaited by plain async code.
impl<T: Send + 'static> Deliver<T> for oneshot::Sender<Result<T, TaskError>> {
    fn deliver(self, _: ActorId, result: Result<T, TaskError>) {
        let _ = self.send(result);
    }
}

/// For a gen_server that started the task from a handler: the outcome, made
/// into the server's message by `wrap`, goes to its mailbox.
pub(crate) struct ToServer<A: GenServer, W> {
    pub(crate) server: Arc<Cell<A>>,
    pub(crate) wrap: W,
}

impl<A, W, T, M> Deliver<T> for ToServer<A, W>
where
    A: GenServer,
    W: FnOnce(TaskOutcome<T>) -> M + Send + 'static,
    M: InfoFor<A>,
{
    fn deliver(self, task: ActorId, result: Result<T, TaskError>) {
        let msg = (self.wrap)(TaskOutcome { task, result });
        // Like a `Down`, an outcome is never refused for space: a bounded
        // mailbox limits senders, not the runtime's notices. A closed mailbox
        // (the server is gone) drops it.
        let _ = self
            .server
            .mailbox
            .push_unchecked(Envelope::Msg(msg.__into_msg()));
    }
}

/// Ends the task's process once, on the normal path or, if the future was
/// dropped before it finished (abort, runtime shutdown), from `Drop`.
struct TaskGuard<T, D: Deliver<T>> {
    process: Arc<dyn Process>,
    deliver: Option<D>,
    supervisor: Option<Arc<Supervision>>,
    _value: std::marker::PhantomData<fn(T)>,
}

impl<T, D: Deliver<T>> TaskGuard<T, D> {
    fn end(&mut self, value: Option<T>, reason: ExitReason) {
        let Some(deliver) = self.deliver.take() else {
            return;
        };
        let core = self.process.core();
        let id = core.id;
        // The first reason recorded wins: a shutdown or kill recorded before
        // the task's future was dropped is the one everybody sees.
        let reason = core.set_exit(reason).clone();
        // Counted out first, so whoever learns of the end below finds the
        // supervisor's count already down.
        if let Some(supervisor) = self.supervisor.take() {
            supervisor.remove(id);
        }
        match value {
            // OTP's order: the reply is sent before the task exits, so an
            // owner that traps exits sees the value, then `Exit(Normal)`.
            Some(value) => {
                deliver.deliver(id, Ok(value));
                core.finish();
            }
            // And a crash reaches links first (`Exit`, or death), then the
            // owner's monitor (the failed outcome stands for OTP's `DOWN`).
            None => {
                core.finish();
                deliver.deliver(id, Err(TaskError::Exited(reason)));
            }
        }
    }
}

impl<T, D: Deliver<T>> Drop for TaskGuard<T, D> {
    fn drop(&mut self) {
        // Only a future dropped before it finished gets here with a deliverer.
        self.end(None, ExitReason::Killed);
    }
}

/// Starts `future` as the task process `process`, linked to `link` if given
/// and counted by `supervisor` if given (which has already admitted it).
pub(crate) fn spawn_task<T, F, D>(
    process: Arc<dyn Process>,
    future: F,
    deliver: D,
    link: Option<&Arc<dyn Process>>,
    supervisor: Option<Arc<Supervision>>,
) -> Pid
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    D: Deliver<T>,
{
    if let Some(owner) = link {
        // Linked before it runs, so not even an immediate crash goes unseen.
        process::link(owner, &process);
    }
    // The guard exists before the first poll: a task killed before it ever
    // ran still reports its outcome and tells its links and monitors.
    let guard = TaskGuard {
        process: Arc::clone(&process),
        deliver: Some(deliver),
        supervisor,
        _value: std::marker::PhantomData,
    };
    let task = tokio::spawn(Scoped::new(Arc::clone(&process), run(guard, future)));
    process.core().set_abort(task.abort_handle());
    Pid { process }
}

async fn run<T, F, D>(mut guard: TaskGuard<T, D>, future: F)
where
    F: Future<Output = T>,
    D: Deliver<T>,
{
    match CatchUnwind::new(future).await {
        Ok(value) => guard.end(Some(value), ExitReason::Normal),
        Err(panic) => guard.end(None, ExitReason::from_panic(&*panic)),
    }
}
