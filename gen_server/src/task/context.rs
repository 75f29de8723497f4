//! Starting tasks from a server's handler: the outcome comes back as a message.

use std::convert::identity;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::run::{Plain, ToServer, spawn_task};
use super::{SupervisesTasks, TaskOutcome, TaskRef};
use crate::error::SpawnError;
use crate::process::Process;
use crate::{Context, GenServer, InfoFor};

impl<A: GenServer> Context<A> {
    /// Runs `future` as a task **linked** to this server (OTP's `Task.async`);
    /// its outcome comes to the server's `#[info]` handler for
    /// [`TaskOutcome<T>`](TaskOutcome).
    ///
    /// If the task panics (or is killed), the server dies with the same
    /// reason and its own links learn it; its `terminate` does not run, as
    /// for any untrapped exit signal. A server that
    /// [traps exits](Context::trap_exit) gets instead an [`Exit`](crate::Exit)
    /// from the task, then the failed outcome, and lives on. If the server
    /// ends first, abnormally, the task is killed through the link, unless
    /// the task [traps exits](crate::trap_exit) itself: it then gets the
    /// server's exit from [`next_exit`](crate::next_exit).
    ///
    /// A server that must survive its tasks' failures should use
    /// [`async_nolink`](Self::async_nolink).
    ///
    /// # Panics
    /// Outside a tokio runtime (never, in a handler).
    pub fn async_task<F>(&self, future: F) -> TaskRef
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        TaskOutcome<F::Output>: InfoFor<A>,
    {
        self.async_task_with(future, identity)
    }

    /// Like [`async_task`](Self::async_task), delivering `wrap(outcome)`:
    /// any message type the server has an `#[info]` handler for, so that
    /// different tasks can go to different handlers.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn async_task_with<F, W, M>(&self, future: F, wrap: W) -> TaskRef
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        W: FnOnce(TaskOutcome<F::Output>) -> M + Send + 'static,
        M: InfoFor<A>,
    {
        let server = &self.actor_ref().cell;
        let owner = Arc::clone(server) as Arc<dyn Process>;
        let deliver = ToServer {
            server: Arc::clone(server),
            wrap,
        };
        let pid = spawn_task(
            Plain::new_process(),
            future,
            deliver,
            Some(&owner),
            None,
            None,
        );
        TaskRef::new(pid, Some(self.id()))
    }

    /// Runs `future` as a task under `supervisor`, monitored but not linked
    /// (OTP's `Task.Supervisor.async_nolink`); its outcome, value or failure,
    /// comes to the server's `#[info]` handler for
    /// [`TaskOutcome<T>`](TaskOutcome), and the server survives any failure of
    /// the task. Under a
    /// [`PartitionedTaskSupervisor`](super::PartitionedTaskSupervisor) the
    /// task goes to this server's partition (keyed by its id).
    ///
    /// # Errors
    /// [`SpawnError::MaxChildren`] if the supervisor runs its maximum of
    /// tasks; [`SpawnError::NoProc`] if it is stopping or stopped. No outcome
    /// message follows an error.
    pub fn async_nolink<S, F>(&self, supervisor: &S, future: F) -> Result<TaskRef, SpawnError>
    where
        S: SupervisesTasks,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        TaskOutcome<F::Output>: InfoFor<A>,
    {
        self.async_nolink_with(supervisor, future, identity)
    }

    /// Like [`async_nolink`](Self::async_nolink), delivering `wrap(outcome)`,
    /// a message of any type the server has an `#[info]` handler for.
    ///
    /// # Errors
    /// As [`async_nolink`](Self::async_nolink).
    pub fn async_nolink_with<S, F, W, M>(
        &self,
        supervisor: &S,
        future: F,
        wrap: W,
    ) -> Result<TaskRef, SpawnError>
    where
        S: SupervisesTasks,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        W: FnOnce(TaskOutcome<F::Output>) -> M + Send + 'static,
        M: InfoFor<A>,
    {
        self.start_nolink(supervisor, future, wrap, None)
    }

    /// Like [`async_nolink`](Self::async_nolink), with a deadline: a task
    /// still running `timeout` after it started is killed (its links and
    /// monitors see [`Killed`](crate::ExitReason::Killed)) and its outcome is
    /// `Err(TaskError::Timeout)`. This is what an OTP server does with a
    /// timer and `Task.shutdown(task, :brutal_kill)`.
    ///
    /// # Errors
    /// As [`async_nolink`](Self::async_nolink).
    pub fn async_nolink_timeout<S, F>(
        &self,
        supervisor: &S,
        timeout: Duration,
        future: F,
    ) -> Result<TaskRef, SpawnError>
    where
        S: SupervisesTasks,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        TaskOutcome<F::Output>: InfoFor<A>,
    {
        self.start_nolink(supervisor, future, identity, Some(timeout))
    }

    /// Like [`async_nolink_timeout`](Self::async_nolink_timeout),
    /// delivering `wrap(outcome)`, a message of any type the server has an
    /// `#[info]` handler for.
    ///
    /// # Errors
    /// As [`async_nolink`](Self::async_nolink).
    pub fn async_nolink_timeout_with<S, F, W, M>(
        &self,
        supervisor: &S,
        timeout: Duration,
        future: F,
        wrap: W,
    ) -> Result<TaskRef, SpawnError>
    where
        S: SupervisesTasks,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        W: FnOnce(TaskOutcome<F::Output>) -> M + Send + 'static,
        M: InfoFor<A>,
    {
        self.start_nolink(supervisor, future, wrap, Some(timeout))
    }

    fn start_nolink<S, F, W, M>(
        &self,
        supervisor: &S,
        future: F,
        wrap: W,
        deadline: Option<Duration>,
    ) -> Result<TaskRef, SpawnError>
    where
        S: SupervisesTasks,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        W: FnOnce(TaskOutcome<F::Output>) -> M + Send + 'static,
        M: InfoFor<A>,
    {
        let deliver = ToServer {
            server: Arc::clone(&self.actor_ref().cell),
            wrap,
        };
        let supervisor = supervisor.route(self.id().as_u64());
        let pid = supervisor
            .inner
            .spawn_until(future, deliver, None, deadline)?;
        Ok(TaskRef::new(pid, None))
    }
}
