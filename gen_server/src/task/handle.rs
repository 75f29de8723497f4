//! Handles to running tasks: [`Task`] for plain async code, which awaits the
//! value, and [`TaskRef`] for a server, which gets the outcome as a message.

use std::fmt;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::call::DEFAULT_CALL_TIMEOUT;
use crate::error::TaskError;
use crate::process::{self, Pid};
use crate::shutdown::{Shutdown, shut_down};
use crate::{ActorId, ExitReason, ToPid, current};

/// Who a shutdown signal comes from: the current process, or the outside.
fn signaller() -> ActorId {
    current::current_actor().unwrap_or(ActorId::OUTSIDE)
}

/// A task started by [`TaskSupervisor::async_nolink`](super::TaskSupervisor::async_nolink)
/// from plain async code: OTP's `%Task{}` for `Task.await`, `Task.yield` and
/// `Task.shutdown`.
///
/// Dropping the handle detaches the task: it keeps running under its
/// supervisor and its value is dropped (like tokio's `JoinHandle`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::task::TaskSupervisor;
///
/// let tasks = TaskSupervisor::start();
/// let task = tasks.async_nolink(async { 6 * 7 }).unwrap();
/// assert_eq!(task.join().await, Ok(42));
/// # }
/// ```
#[must_use = "dropping a `Task` detaches it; its value is lost"]
pub struct Task<T> {
    pid: Pid,
    /// `None` once the outcome has been taken.
    outcome: Option<oneshot::Receiver<Result<T, TaskError>>>,
}

impl<T> Task<T> {
    pub(crate) fn new(pid: Pid, outcome: oneshot::Receiver<Result<T, TaskError>>) -> Self {
        Task {
            pid,
            outcome: Some(outcome),
        }
    }

    /// The task process's id.
    pub fn id(&self) -> ActorId {
        self.pid.id()
    }

    /// A handle to the task process, to link, monitor or signal it.
    pub fn pid(&self) -> &Pid {
        &self.pid
    }

    /// Waits up to 5 s for the task's value (OTP's `Task.await/1`).
    ///
    /// # Errors
    /// [`TaskError::Exited`] with the reason if the task panicked, was shut
    /// down or killed; [`TaskError::Timeout`] if it gave no value in time, in
    /// which case the task is killed (nobody could receive its value any
    /// more; OTP's caller exits instead, taking a linked task with it).
    ///
    /// # Cancellation
    /// Dropping the future detaches the task, as dropping the handle does.
    pub async fn join(self) -> Result<T, TaskError> {
        self.join_within(Some(DEFAULT_CALL_TIMEOUT)).await
    }

    /// Like [`join`](Self::join), waiting up to `timeout` instead of 5 s
    /// (OTP's `Task.await/2`).
    ///
    /// # Errors
    /// As [`join`](Self::join).
    ///
    /// # Cancellation
    /// Dropping the future detaches the task.
    pub async fn join_timeout(self, timeout: Duration) -> Result<T, TaskError> {
        self.join_within(Some(timeout)).await
    }

    /// Waits for the task's value as long as it takes (OTP's
    /// `Task.await(task, :infinity)`).
    ///
    /// # Errors
    /// [`TaskError::Exited`] if the task ended without a value.
    ///
    /// # Cancellation
    /// Dropping the future detaches the task.
    pub async fn join_no_timeout(self) -> Result<T, TaskError> {
        self.join_within(None).await
    }

    pub(crate) async fn join_within(mut self, timeout: Option<Duration>) -> Result<T, TaskError> {
        let Some(outcome) = self.outcome.as_mut() else {
            return Err(TaskError::Exited(ExitReason::NoProc));
        };
        let received = match timeout {
            None => outcome.await,
            Some(timeout) => match tokio::time::timeout(timeout, outcome).await {
                Ok(received) => received,
                Err(_) => {
                    self.pid.kill();
                    return Err(TaskError::Timeout);
                }
            },
        };
        self.outcome = None;
        flatten(received)
    }

    /// Waits up to `timeout` for the task's outcome and leaves the task
    /// running if there is none yet (OTP's `Task.yield/2`): `None` means "not
    /// yet", and the handle can be asked again. Once the outcome has been
    /// returned, later calls return `None` at once.
    ///
    /// # Cancellation
    /// Dropping the future loses nothing: the outcome stays in the handle.
    pub async fn yield_for(&mut self, timeout: Duration) -> Option<Result<T, TaskError>> {
        let outcome = self.outcome.as_mut()?;
        let received = tokio::time::timeout(timeout, outcome).await.ok()?;
        self.outcome = None;
        Some(flatten(received))
    }

    /// Shuts the task down as `how` says and waits until it has ended (OTP's
    /// `Task.shutdown/2`).
    ///
    /// Returns `Some(Ok(value))` if the task finished before the shutdown
    /// reached it, `Some(Err(..))` if it had already failed on its own, and
    /// `None` if the shutdown ended it.
    ///
    /// # Cancellation
    /// Dropping the future after its first poll does not withdraw the
    /// shutdown signal; a [`Shutdown::Timeout`] then never escalates to a
    /// kill.
    pub async fn shutdown(mut self, how: Shutdown) -> Option<Result<T, TaskError>> {
        let mut outcome = self.outcome.take()?;
        if let Ok(received) = outcome.try_recv() {
            return Some(received);
        }
        shut_down(&self.pid.process, how, signaller()).await;
        match flatten(outcome.await) {
            Err(TaskError::Exited(ExitReason::Shutdown | ExitReason::Killed)) => None,
            other => Some(other),
        }
    }
}

/// The deliverer is dropped unsent only if the task's process was torn down
/// without running its guard, which means it is gone.
fn flatten<T>(
    received: Result<Result<T, TaskError>, oneshot::error::RecvError>,
) -> Result<T, TaskError> {
    received.unwrap_or(Err(TaskError::Exited(ExitReason::NoProc)))
}

impl<T> ToPid for Task<T> {
    fn to_pid(&self) -> Pid {
        self.pid.clone()
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("alive", &self.pid.is_alive())
            .finish()
    }
}

/// A task started from a server's handler with
/// [`Context::async_task`](crate::Context::async_task) or
/// [`Context::async_nolink`](crate::Context::async_nolink). Its outcome comes
/// to the server as a message, exactly once, whatever happens to the task:
/// compare [`TaskOutcome::task`](super::TaskOutcome::task) with
/// [`id`](Self::id) to tell tasks apart.
#[derive(Clone)]
pub struct TaskRef {
    pid: Pid,
    /// The owner, for a linked task: unlinked before a shutdown so that the
    /// shutdown does not reach it.
    linked_to: Option<ActorId>,
}

impl TaskRef {
    pub(crate) fn new(pid: Pid, linked_to: Option<ActorId>) -> Self {
        TaskRef { pid, linked_to }
    }

    /// The task process's id: the `task` of its [`TaskOutcome`](super::TaskOutcome).
    pub fn id(&self) -> ActorId {
        self.pid.id()
    }

    /// A handle to the task process, to link, monitor or signal it.
    pub fn pid(&self) -> &Pid {
        &self.pid
    }

    /// Whether the task is still running.
    pub fn is_alive(&self) -> bool {
        self.pid.is_alive()
    }

    /// Shuts the task down as `how` says and waits until it has ended;
    /// returns its exit reason (`NoProc` if it had already ended). A linked
    /// task is unlinked first, as OTP's `Task.shutdown` does, so its end does
    /// not reach the server as an exit signal.
    ///
    /// Unlike OTP's `Task.shutdown`, the outcome is not returned here: it
    /// still comes to the server as its message (the value if the task had
    /// finished, else `Exited(Shutdown)` or `Exited(Killed)`), so every task
    /// is reported exactly once. Awaiting this inside a handler holds the
    /// server until the task has ended: a future that is not busy ends at its
    /// next `.await`, at once.
    ///
    /// # Cancellation
    /// Dropping the future after its first poll does not withdraw the
    /// shutdown signal; a [`Shutdown::Timeout`] then never escalates to a
    /// kill.
    pub async fn shutdown(&self, how: Shutdown) -> ExitReason {
        if let Some(owner) = self.linked_to {
            process::unlink(&*self.pid.process, owner);
        }
        shut_down(&self.pid.process, how, signaller()).await
    }
}

impl ToPid for TaskRef {
    fn to_pid(&self) -> Pid {
        self.pid.clone()
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskRef")
            .field("id", &self.id())
            .field("alive", &self.pid.is_alive())
            .field("linked", &self.linked_to.is_some())
            .finish()
    }
}
