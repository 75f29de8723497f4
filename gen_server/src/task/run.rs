//! A task's process: runs its future, then reports the outcome exactly once,
//! however the future ends (value, panic, shutdown, kill, runtime shutdown).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::TaskOutcome;
use super::supervisor::Supervision;
use crate::cell::{Cell, Envelope};
use crate::current::{Body, Scoped, poll_catching};
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
        !self.core.has_exited()
    }
    /// A trapped exit signal waits for [`next_exit`](crate::next_exit); a
    /// plain process has no other messages.
    fn push_system(&self, msg: System) -> bool {
        match msg {
            System::Exit(exit) => self.core.push_exit(exit),
            System::Down(_) => false,
        }
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
            .push_unchecked(Envelope::Notice(msg.__into_msg()));
    }
}

pin_project_lite::pin_project! {
    /// The work of a task's process: its future, then its outcome, reported
    /// once, when the future ends or, if it is dropped before it finished
    /// (kill, runtime shutdown), then.
    struct TaskBody<T, F, D> {
        deliver: Option<D>,
        // The supervisor that counts this task, if any.
        supervisor: Option<Arc<Supervision>>,
        // The task has waited, and so entered the supervisor's waiting set.
        waited: bool,
        // When the task is killed and reported as timed out, if it has a
        // deadline.
        deadline: Option<Deadline>,
        #[pin]
        future: Option<F>,
        _value: std::marker::PhantomData<fn(T)>,
    }
}

/// The timer of a task's deadline (boxed: most tasks have none and stay
/// small). Made before the task is counted in by its supervisor: making it
/// panics outside a runtime with timers, which must not leave the count up.
pub(crate) type Deadline = Pin<Box<tokio::time::Sleep>>;

/// How a task's future ended.
pub(crate) enum Ended<T> {
    Value(T),
    Panic(Box<dyn Any + Send>),
    /// Its deadline passed first.
    TimedOut,
}

impl<T, F, D> Body for TaskBody<T, F, D>
where
    F: Future<Output = T>,
    D: Deliver<T>,
{
    type Done = Ended<T>;

    fn start(self: Pin<&mut Self>, process: &Arc<dyn Process>) {
        // A stop that began after this task was counted in, but before it
        // ever ran, did not see it: it signals itself.
        if let Some(supervisor) = &self.supervisor {
            supervisor.signal_if_stopping(&**process);
        }
    }

    fn first_wait(self: Pin<&mut Self>, process: &Arc<dyn Process>) {
        let this = self.project();
        if let Some(supervisor) = this.supervisor {
            *this.waited = true;
            supervisor.add_waiting(process);
        }
    }

    fn poll_work(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended<T>> {
        let this = self.project();
        let mut future = this.future;
        let Some(running) = future.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let ended = match poll_catching(running, cx) {
            Poll::Ready(Ok(value)) => Ended::Value(value),
            Poll::Ready(Err(panic)) => Ended::Panic(panic),
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if !expired {
                    return Poll::Pending;
                }
                Ended::TimedOut
            }
        };
        // A panic in the drop of what the future held must not lose the
        // outcome either.
        let _ = catch_unwind(AssertUnwindSafe(|| future.set(None)));
        Poll::Ready(ended)
    }

    fn drop_work(self: Pin<&mut Self>) {
        let mut future = self.project().future;
        let _ = catch_unwind(AssertUnwindSafe(|| future.set(None)));
    }

    fn finish(self: Pin<&mut Self>, process: &Arc<dyn Process>, done: Option<Ended<T>>) {
        let this = self.project();
        let Some(deliver) = this.deliver.take() else {
            return;
        };
        let (value, reason, failure): (_, _, fn(ExitReason) -> TaskError) = match done {
            Some(Ended::Value(value)) => (Some(value), ExitReason::Normal, TaskError::Exited),
            Some(Ended::Panic(panic)) => (None, ExitReason::from_panic(&*panic), TaskError::Exited),
            // Killed for its deadline: links see `Killed`, the owner a timeout.
            Some(Ended::TimedOut) => (None, ExitReason::Killed, |_| TaskError::Timeout),
            None => (None, ExitReason::Killed, TaskError::Exited),
        };
        let core = process.core();
        let id = core.id;
        // One lock: the reason (a kill or shutdown recorded before this one
        // wins), and the process is ended for new links and monitors.
        let ended = core.end(reason);
        // Counted out first, so whoever learns of the end below finds the
        // supervisor's count already down.
        if let Some(supervisor) = this.supervisor.take() {
            supervisor.remove(id, *this.waited);
        }
        match value {
            // OTP's order: the reply is sent before the task exits, so an
            // owner that traps exits sees the value, then `Exit(Normal)`.
            Some(value) => {
                deliver_catching(deliver, id, Ok(value));
                ended.notify();
            }
            // And a crash reaches links first (`Exit`, or death), then the
            // owner's monitor (the failed outcome stands for OTP's `DOWN`).
            None => {
                let reason = ended.reason.clone();
                ended.notify();
                deliver_catching(deliver, id, Err(failure(reason)));
            }
        }
    }
}

/// Delivers a task's outcome; a panic there (in the server's function that
/// makes the outcome its message) loses the outcome, which is logged, but
/// not the notices of the task's end to its links and monitors.
fn deliver_catching<T, D: Deliver<T>>(deliver: D, id: ActorId, result: Result<T, TaskError>) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| deliver.deliver(id, result))) {
        tracing::error!(
            task = %id,
            panic = %ExitReason::from_panic(&*panic),
            "making a task's outcome into its server's message panicked; the outcome is lost"
        );
    }
}

/// Starts `future` as the task process `process`, linked to `link` if given
/// and counted by `supervisor` if given (which has already admitted it). A
/// task still running after `deadline`, if given, is killed and reported as
/// timed out.
pub(crate) fn spawn_task<T, F, D>(
    process: Arc<dyn Process>,
    future: F,
    deliver: D,
    link: Option<&Arc<dyn Process>>,
    supervisor: Option<Arc<Supervision>>,
    deadline: Option<Deadline>,
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
    // The body exists before the first poll: a task killed before it ever
    // ran still reports its outcome and tells its links and monitors.
    let body = TaskBody {
        deliver: Some(deliver),
        supervisor,
        waited: false,
        deadline,
        future: Some(future),
        _value: std::marker::PhantomData,
    };
    drop(tokio::spawn(Scoped::new(Arc::clone(&process), body)));
    Pid { process }
}
