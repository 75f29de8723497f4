//! Background tasks: OTP's `Task`, `Task.Supervisor` and a
//! `PartitionSupervisor` of task supervisors.
//!
//! A task is a future run as a process: it has an id, can be linked,
//! monitored and shut down, and reports its outcome exactly once, whether it
//! returned, panicked, was shut down or killed. There are two ways to start
//! one from a server's handler:
//!
//! * [`Context::async_task`](crate::Context::async_task) (OTP's `Task.async`):
//!   the task is **linked** to the server. Its panic kills the server with the
//!   same reason, and the server's links learn it, unless the server
//!   [traps exits](crate::Context::trap_exit): it then gets an
//!   [`Exit`](crate::Exit) for the task, then the task's failed outcome, and
//!   lives on.
//! * [`Context::async_nolink`](crate::Context::async_nolink) (OTP's
//!   `Task.Supervisor.async_nolink`): the task runs under a
//!   [`TaskSupervisor`] (or a [`PartitionedTaskSupervisor`]) and is only
//!   **monitored**: whatever happens to it, the server gets its outcome as a
//!   message and lives on.
//!
//! In both cases the outcome arrives as a [`TaskOutcome<T>`] through the
//! server's `#[info]` handler for it, or, with the `_with` variants, as a
//! message of the server's own type made by a function you pass, so that
//! tasks of the same value type can go to different handlers.
//!
//! | OTP, in the server | gen_server |
//! |---|---|
//! | `{ref, result}`, then `{:DOWN, ref, :process, pid, :normal}` | one `TaskOutcome { task, result: Ok(value) }` |
//! | `{:DOWN, ref, :process, pid, reason}` (crash, kill, shutdown) | one `TaskOutcome { task, result: Err(TaskError::Exited(reason)) }` |
//! | `{:EXIT, pid, reason}` (linked task, server traps exits) | [`Exit`](crate::Exit) `{ from: task, reason }`, before the outcome |
//! | `Process.demonitor(ref, [:flush])` after the result | nothing to do: there is no second message |
//! | `Task.await(task, 5000)` / `Task.yield` / `Task.shutdown` | [`Task::join`] / [`Task::yield_for`] / [`Task::shutdown`] (plain code) |
//!
//! ```
//! use gen_server::prelude::*;
//! use gen_server::task::{TaskOutcome, TaskSupervisor};
//!
//! struct Fetcher { tasks: TaskSupervisor, pages: Vec<String>, failures: u32 }
//!
//! #[gen_server]
//! impl Fetcher {
//!     fn init(tasks: TaskSupervisor) -> Self {
//!         Fetcher { tasks, pages: Vec::new(), failures: 0 }
//!     }
//!
//!     /// Starts a download in the background and returns at once.
//!     #[cast]
//!     fn fetch(&mut self, url: String, ctx: &mut Context<Self>) {
//!         let started = ctx.async_nolink(&self.tasks, async move {
//!             if url.is_empty() { panic!("no url") }
//!             format!("<html>{url}</html>")
//!         });
//!         if started.is_err() { self.failures += 1 }
//!     }
//!
//!     /// The task's value, or why it failed: the server survives both.
//!     #[info]
//!     fn fetched(&mut self, done: TaskOutcome<String>) {
//!         match done.result {
//!             Ok(page) => self.pages.push(page),
//!             Err(_) => self.failures += 1,
//!         }
//!     }
//!
//!     #[call]
//!     fn report(&self) -> (usize, u32) { (self.pages.len(), self.failures) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let fetcher = Fetcher::start(TaskSupervisor::start()).await.unwrap();
//! fetcher.fetch("a".into()).await.unwrap();
//! fetcher.fetch(String::new()).await.unwrap();
//! # let mut report = (0, 0);
//! # while report != (1, 1) {
//! #     tokio::task::yield_now().await;
//! #     report = fetcher.report().await.unwrap();
//! # }
//! // ...once both tasks have ended:
//! assert_eq!(fetcher.report().await, Ok((1, 1)));
//! # }
//! ```
//!
//! # Shutdown
//! Stopping a supervisor shuts all its tasks down at once, each by the
//! supervisor's [`Shutdown`] rule (5 s by default), as OTP's does:
//!
//! * A task that does not trap exits (the default) ends at its next `.await`
//!   with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), as an OTP
//!   task ends at once; its starter gets an `Exited(Shutdown)` outcome.
//! * A task that called [`trap_exit(true)`](crate::trap_exit) gets the
//!   supervisor's `Shutdown` from [`next_exit`](crate::next_exit) and has the
//!   grace period to finish (its value, if it returns one, is its outcome);
//!   if it is still running when the period is over, it is killed, and its
//!   starter gets `Exited(Killed)`.
//!
//! Neither can interrupt a future that is busy without awaiting: tokio
//! cannot preempt it, so it ends at its next `.await` (a task that returns
//! its value in the very poll during which it was shut down delivers that
//! value). Keep blocking work in `tokio::task::spawn_blocking`.

mod context;
mod handle;
mod partition;
pub(crate) mod run;
mod stream;
mod supervisor;

pub use crate::error::{SpawnError, TaskError};
pub use crate::shutdown::Shutdown;
pub use handle::{Task, TaskRef};
pub use partition::{
    Hashed, PartitionKey, PartitionedTaskSupervisor, PartitionedTaskSupervisorBuilder,
};
pub use stream::{OnTimeout, StreamOptions, TaskStream};
pub use supervisor::{TaskSupervisor, TaskSupervisorBuilder};

use crate::ActorId;

/// The outcome of a task started from a server's handler, delivered to that
/// server once, through its `#[info]` handler for `TaskOutcome<T>`: OTP's
/// `{ref, result}` and `DOWN` in one typed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutcome<T> {
    /// The task: the [`TaskRef::id`] returned when it was started.
    pub task: ActorId,
    /// Its value, or why it has none.
    pub result: Result<T, TaskError>,
}

/// Where [`Context::async_nolink`](crate::Context::async_nolink) may start a
/// task: a [`TaskSupervisor`], or a [`PartitionedTaskSupervisor`], which
/// picks the partition of the starting server.
pub trait SupervisesTasks: sealed::Sealed {
    /// The supervisor for a task started by the process with this key.
    #[doc(hidden)]
    fn route(&self, caller: u64) -> &TaskSupervisor;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::TaskSupervisor {}
    impl Sealed for super::PartitionedTaskSupervisor {}
}
