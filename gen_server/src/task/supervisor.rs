//! The task supervisor: a process that owns tasks (OTP's `Task.Supervisor`).
//!
//! It has no task of its own and no mailbox: starting a task only counts it
//! in (one atomic operation, which also checks `max_children` and whether a
//! stop has begun) and spawns it, with no message round trip to the
//! supervisor; a task counts itself out when it ends. Only a task that waits
//! (returns `Pending`) also enters the supervisor's set of waiting tasks, the
//! ones a stop must signal: a task that finishes in its first poll, the
//! common case for short jobs, never takes a lock. One that has not waited
//! yet looks at the supervisor's state itself, before its first poll and when
//! it first waits, so a stop reaches every task.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{Notify, oneshot};

use super::run::{Deliver, Plain, spawn_task};
use super::{SupervisesTasks, Task};
use crate::error::{SpawnError, StartError, StopError};
use crate::process::{self, Core, Exit, IdMap, Pid, Process, System};
use crate::shutdown::{Shutdown, shut_down};
use crate::{ActorId, ExitReason, ToPid, current, monitor, registry};

/// A process that owns background tasks (OTP's `Task.Supervisor`): tasks
/// started under it are monitored, not linked, by whoever starts them, so a
/// crashing task never takes its starter down.
///
/// Cheap to clone: all clones are the same supervisor. Starting one needs no
/// runtime; starting tasks under it must happen inside a tokio runtime.
///
/// * From a server's handler, [`Context::async_nolink`](crate::Context::async_nolink)
///   starts a task whose outcome comes back as a message.
/// * From plain async code, [`async_nolink`](Self::async_nolink) returns a
///   [`Task`] to await.
/// * [`start_child`](Self::start_child) starts a task whose value nobody
///   wants (OTP's `Task.Supervisor.start_child`).
///
/// Stopping the supervisor ([`stop`](Self::stop), or the end of the process
/// that [`start_link`](TaskSupervisorBuilder::start_link)ed it) shuts every
/// task down with its [`Shutdown`] rule (5 s by default, then kill); killing
/// it kills them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::task::{TaskError, TaskSupervisor};
/// use gen_server::ExitReason;
///
/// let tasks = TaskSupervisor::builder().max_children(100).start().unwrap();
/// let ok = tasks.async_nolink(async { "done" }).unwrap();
/// let crash = tasks.async_nolink(async { panic!("boom") }).unwrap();
/// assert_eq!(ok.join().await, Ok("done"));
/// assert_eq!(
///     crash.join().await,
///     Err::<(), _>(TaskError::Exited(ExitReason::Panic("boom".into())))
/// );
/// tasks.stop(ExitReason::Normal).await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct TaskSupervisor {
    pub(crate) inner: Arc<Supervision>,
}

/// The supervisor's process.
pub(crate) struct Supervision {
    core: Core,
    /// Itself, for the shutdown it starts when its parent exits.
    me: Weak<Supervision>,
    name: Option<Box<str>>,
    max_children: Option<usize>,
    shutdown: Shutdown,
    /// The number of partitions of the partitioned supervisor this one is a
    /// registered partition of, if it is one.
    pub(crate) partition_of: Option<usize>,
    /// The number of tasks counted in and not yet out, and the stop flags
    /// [`CLOSING`] and [`KILLING`] in its top bits.
    state: AtomicUsize,
    /// The tasks that have waited at least once, by id.
    waiting: Mutex<IdMap<Arc<dyn Process>>>,
    /// Told, during a stop, when a task enters `waiting` or the last one
    /// counts itself out.
    changed: Notify,
}

/// A stop has begun: no task is counted in any more.
const CLOSING: usize = 1 << (usize::BITS - 1);
/// The stop kills the tasks rather than shutting them down.
const KILLING: usize = 1 << (usize::BITS - 2);
/// The bits of [`Supervision::state`] that count tasks.
const COUNT: usize = KILLING - 1;

impl Supervision {
    fn waiting(&self) -> MutexGuard<'_, IdMap<Arc<dyn Process>>> {
        // No user code runs under this lock; a poisoned one holds consistent data.
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of tasks counted in.
    fn live(&self) -> usize {
        self.state.load(Ordering::Acquire) & COUNT
    }

    /// Counts a new task in, unless the supervisor is stopping or full.
    fn admit(&self) -> Result<(), SpawnError> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSING != 0 {
                return Err(SpawnError::NoProc);
            }
            if let Some(max) = self.max_children
                && state & COUNT >= max
            {
                return Err(SpawnError::MaxChildren(max));
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => state = now,
            }
        }
    }

    /// What a task that has not waited yet must do: end with `Shutdown`
    /// (a graceful stop is under way), `Killed` (a brutal one), or carry
    /// on (`None`).
    pub(crate) fn stopping(&self) -> Option<ExitReason> {
        let state = self.state.load(Ordering::Acquire);
        if state & KILLING != 0 {
            Some(ExitReason::Killed)
        } else if state & CLOSING != 0 {
            Some(ExitReason::Shutdown)
        } else {
            None
        }
    }

    /// Signals a task that has not waited yet, if a stop is under way, as
    /// the stop would have: an exit signal `Shutdown` from the supervisor,
    /// or a kill.
    pub(crate) fn signal_if_stopping(&self, task: &dyn Process) {
        match self.stopping() {
            Some(ExitReason::Killed) => {
                process::terminate_now(task, ExitReason::Killed);
            }
            Some(reason) => process::exit_signal(task, self.core.id, reason),
            None => {}
        }
    }

    /// Enters a task that waits for the first time into the set a stop
    /// signals.
    pub(crate) fn add_waiting(&self, task: &Arc<dyn Process>) {
        self.waiting().insert(task.core().id, Arc::clone(task));
        // A stop that began during this task's first poll did not see it
        // (the insert and the stop's look at the set both hold the lock, so
        // either the stop saw it, or this sees the stop).
        match self.stopping() {
            // A brutal stop does not wait: the task kills itself.
            Some(ExitReason::Killed) => {
                process::terminate_now(&**task, ExitReason::Killed);
            }
            // A graceful stop signals it at once, beside the others.
            Some(_) => self.changed.notify_one(),
            None => {}
        }
    }

    /// Counts an ended task out (and takes it out of the waiting set if it
    /// had entered it).
    pub(crate) fn remove(&self, id: ActorId, waited: bool) {
        if waited {
            let removed = self.waiting().remove(&id);
            drop(removed);
        }
        let before = self.state.fetch_sub(1, Ordering::AcqRel);
        if before & CLOSING != 0 && before & COUNT == 1 {
            self.changed.notify_one();
        }
    }

    /// Starts `future` as a task under this supervisor.
    pub(crate) fn spawn<T, F, D>(
        self: &Arc<Self>,
        future: F,
        deliver: D,
        link: Option<&Arc<dyn Process>>,
    ) -> Result<Pid, SpawnError>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
        D: Deliver<T>,
    {
        self.spawn_until(future, deliver, link, None)
    }

    /// Like [`spawn`](Self::spawn); a task still running after `deadline`
    /// is killed and reported as timed out.
    pub(crate) fn spawn_until<T, F, D>(
        self: &Arc<Self>,
        future: F,
        deliver: D,
        link: Option<&Arc<dyn Process>>,
        deadline: Option<std::time::Duration>,
    ) -> Result<Pid, SpawnError>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
        D: Deliver<T>,
    {
        let deadline = deadline.map(|d| Box::pin(tokio::time::sleep(d)));
        self.admit()?;
        Ok(spawn_task(
            Plain::new_process(),
            future,
            deliver,
            link,
            Some(Arc::clone(self)),
            deadline,
        ))
    }

    /// Shuts every task down by the supervisor's rule, all at once, then ends
    /// with `reason`. Returns false if a stop had already begun.
    async fn stop_gracefully(&self, reason: ExitReason) -> bool {
        if self.state.fetch_or(CLOSING, Ordering::AcqRel) & CLOSING != 0 {
            return false;
        }
        let from = self.core.id;
        let mut signalled = IdMap::default();
        let mut stopping = FuturesUnordered::new();
        // A task that had not waited yet either ends or enters the waiting
        // set, and is then signalled at once, with its own grace period
        // running beside the others'; the stop is over when the count is
        // zero.
        loop {
            let changed = self.changed.notified();
            for (id, task) in self.waiting().iter() {
                if signalled.insert(*id, ()).is_none() {
                    let task = Arc::clone(task);
                    let how = self.shutdown;
                    stopping.push(async move { shut_down(&task, how, from).await });
                }
            }
            if self.live() == 0 {
                break;
            }
            tokio::select! {
                () = changed => {}
                Some(_) = stopping.next(), if !stopping.is_empty() => {}
            }
        }
        self.end(reason);
        true
    }

    /// Kills every task at once (those that have not waited yet kill
    /// themselves when they next run), then ends with the reason already
    /// recorded.
    fn stop_brutally(&self) {
        self.state.fetch_or(CLOSING | KILLING, Ordering::AcqRel);
        let tasks: Vec<Arc<dyn Process>> = self.waiting().values().cloned().collect();
        for task in tasks {
            process::terminate_now(&*task, ExitReason::Killed);
        }
        self.end(ExitReason::Killed);
    }

    fn end(&self, reason: ExitReason) {
        self.core.set_exit(reason);
        if let Some(name) = &self.name {
            registry::unregister(name, self.core.id);
        }
        self.core.finish();
    }
}

impl Process for Supervision {
    fn core(&self) -> &Core {
        &self.core
    }

    fn is_alive(&self) -> bool {
        !self.core.has_exited()
    }

    /// The supervisor traps exits: tasks are not linked to it, so a signal
    /// comes from its parent (it then stops, as OTP supervisors do) or from
    /// another linked process or [`Pid::exit`] (ignored, as OTP's
    /// `DynamicSupervisor` ignores an `EXIT` from a process it does not know).
    fn push_system(&self, msg: System) -> bool {
        let System::Exit(Exit { from, reason }) = msg else {
            return true;
        };
        if Some(from) != self.core.parent() {
            return true;
        }
        match (self.me.upgrade(), tokio::runtime::Handle::try_current()) {
            (Some(me), Ok(runtime)) => {
                runtime.spawn(async move { me.stop_gracefully(reason).await });
            }
            // No runtime left to wait in (it is shutting down): no grace.
            _ => {
                self.core.set_exit(reason);
                self.stop_brutally();
            }
        }
        true
    }

    /// Reached by a kill (an untrappable signal): the tasks are killed too,
    /// as OTP's linked children of a killed supervisor are.
    fn close(&self) {
        self.stop_brutally();
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

impl TaskSupervisor {
    /// Starts an unnamed supervisor with the defaults: no limit on tasks,
    /// each shut down with [`Shutdown::default()`] (5 s, then kill).
    pub fn start() -> TaskSupervisor {
        TaskSupervisor::builder().start_unnamed(None)
    }

    /// Options: registered name, `max_children`, shutdown rule, link.
    pub fn builder() -> TaskSupervisorBuilder {
        TaskSupervisorBuilder {
            name: None,
            max_children: None,
            shutdown: Shutdown::default(),
            partition_of: None,
        }
    }

    /// The live supervisor registered under `name`.
    pub fn whereis(name: &str) -> Option<TaskSupervisor> {
        registry::lookup_as::<Supervision>(name).map(|inner| TaskSupervisor { inner })
    }

    /// The supervisor's id.
    pub fn id(&self) -> ActorId {
        self.inner.core.id
    }

    /// Its registered name, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// A type-erased handle, to link, monitor or signal it.
    pub fn pid(&self) -> Pid {
        Pid {
            process: Arc::clone(&self.inner) as Arc<dyn Process>,
        }
    }

    /// Whether it is still running (a supervisor that is stopping still is).
    pub fn is_alive(&self) -> bool {
        self.inner.is_alive()
    }

    /// How many of its tasks are running (OTP's `count_children`): the
    /// ones started and whose outcome is not reported yet, which is what
    /// `max_children` limits. A task that was just killed or shut down is
    /// counted until its future has been dropped, at its next poll.
    pub fn count(&self) -> usize {
        self.inner.live()
    }

    /// Its limit on running tasks, if any.
    pub fn max_children(&self) -> Option<usize> {
        self.inner.max_children
    }

    /// Starts `future` as a task under this supervisor and returns a handle
    /// to await it (OTP's `Task.Supervisor.async_nolink/2` called from plain
    /// code). The caller is not linked: a panic in the task only makes
    /// [`Task::join`] return the reason.
    ///
    /// In a server's handler, prefer
    /// [`Context::async_nolink`](crate::Context::async_nolink): awaiting a
    /// task there would hold the server.
    ///
    /// # Errors
    /// [`SpawnError::MaxChildren`] at the limit; [`SpawnError::NoProc`] if the
    /// supervisor is stopping or stopped.
    ///
    /// # Panics
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn async_nolink<F>(&self, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let pid = self.inner.spawn(future, tx, None)?;
        Ok(Task::new(pid, rx))
    }

    /// Starts `future` as a task under this supervisor; its value is
    /// discarded (OTP's `Task.Supervisor.start_child/2`). Watch it with
    /// [`monitor`](crate::monitor) if its end matters.
    ///
    /// # Errors
    /// As [`async_nolink`](Self::async_nolink).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn start_child<F>(&self, future: F) -> Result<Pid, SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.inner.spawn(future, super::run::Discard, None)
    }

    /// Stops the supervisor: no task is admitted any more, every running task
    /// is shut down with the supervisor's [`Shutdown`] rule (all at once),
    /// then the supervisor ends with `reason` and its links and monitors are
    /// told. Each task's starter gets the task's outcome (`Exited(Shutdown)`
    /// for the ones stopped here): every task has ended when this returns,
    /// and none runs any more code, but the last outcomes and `Down`s may
    /// still be on their way to their servers.
    ///
    /// # Errors
    /// [`StopError::NoProc`] if it was not running. If another stop is under
    /// way, waits for that one and returns `Ok`.
    ///
    /// # Cancellation
    /// Dropping the future after its first poll leaves the supervisor
    /// closed to new tasks with its tasks signalled; it then ends only when
    /// killed. Await it to completion.
    pub async fn stop(&self, reason: ExitReason) -> Result<(), StopError> {
        if !self.inner.is_alive() {
            return Err(StopError::NoProc);
        }
        if !self.inner.stop_gracefully(reason).await {
            monitor(self).await;
        }
        Ok(())
    }

    /// Kills the supervisor and every task it runs, at once (OTP's
    /// `Process.exit(sup, :kill)`). Returns false if it had already ended.
    pub fn kill(&self) -> bool {
        process::terminate_now(&*self.inner, ExitReason::Killed)
    }
}

impl SupervisesTasks for TaskSupervisor {
    fn route(&self, _caller: u64) -> &TaskSupervisor {
        self
    }
}

impl ToPid for TaskSupervisor {
    fn to_pid(&self) -> Pid {
        self.pid()
    }
}

impl fmt::Debug for TaskSupervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskSupervisor")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("alive", &self.is_alive())
            .field("tasks", &self.count())
            .finish()
    }
}

/// Options for a [`TaskSupervisor`], from [`TaskSupervisor::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` or `start_link`"]
pub struct TaskSupervisorBuilder {
    name: Option<String>,
    max_children: Option<usize>,
    shutdown: Shutdown,
    partition_of: Option<usize>,
}

impl TaskSupervisorBuilder {
    /// Registers the supervisor under `name` ([`TaskSupervisor::whereis`]);
    /// the name is freed when it ends.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// At most `max` tasks at a time; starting one more fails with
    /// [`SpawnError::MaxChildren`]. Default: no limit (OTP's `:infinity`).
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// How each task is shut down when the supervisor stops (default
    /// [`Shutdown::default()`]: 5 s, then kill).
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Marks the supervisor as one of the `n` registered partitions of a
    /// partitioned supervisor, for [`PartitionedTaskSupervisor::whereis`](super::PartitionedTaskSupervisor::whereis).
    pub(crate) fn partition_of(mut self, n: usize) -> Self {
        self.partition_of = Some(n);
        self
    }

    /// Starts the supervisor.
    ///
    /// # Errors
    /// [`StartError::AlreadyStarted`] if the name is held by a live process.
    pub fn start(self) -> Result<TaskSupervisor, StartError<Infallible>> {
        self.start_with(None)
    }

    /// Starts the supervisor linked to the current process, as its child:
    /// when that process ends, for any reason, the supervisor shuts its
    /// tasks down and ends with the same reason (OTP's `start_link` under a
    /// parent). Outside a process this is [`start`](Self::start).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_link(self) -> Result<TaskSupervisor, StartError<Infallible>> {
        self.start_with(current::current_process())
    }

    fn start_with(
        mut self,
        parent: Option<Arc<dyn Process>>,
    ) -> Result<TaskSupervisor, StartError<Infallible>> {
        let name = self.name.take();
        let supervisor = self.create(name);
        let inner = &supervisor.inner;
        if let Some(name) = &inner.name
            && let Err(holder) =
                registry::register_process(name, &(Arc::clone(inner) as Arc<dyn Process>))
        {
            return Err(StartError::AlreadyStarted {
                name: name.to_string(),
                holder,
            });
        }
        if let Some(parent) = parent {
            supervisor.link_to_parent(&parent);
        }
        Ok(supervisor)
    }

    /// Starts a supervisor without a name (which cannot fail), linked to
    /// `parent` if given.
    pub(crate) fn start_unnamed(self, parent: Option<&Arc<dyn Process>>) -> TaskSupervisor {
        let supervisor = self.create(None);
        if let Some(parent) = parent {
            supervisor.link_to_parent(parent);
        }
        supervisor
    }

    fn create(self, name: Option<String>) -> TaskSupervisor {
        let inner = Arc::new_cyclic(|me| Supervision {
            core: Core::new(),
            me: me.clone(),
            name: name.map(String::into_boxed_str),
            max_children: self.max_children,
            shutdown: self.shutdown,
            partition_of: self.partition_of,
            state: AtomicUsize::new(0),
            waiting: Mutex::default(),
            changed: Notify::new(),
        });
        inner.core.set_trap_exit(true);
        TaskSupervisor { inner }
    }
}

impl TaskSupervisor {
    fn link_to_parent(&self, parent: &Arc<dyn Process>) {
        self.inner.core.set_parent(parent.core().id);
        process::link(parent, &(Arc::clone(&self.inner) as Arc<dyn Process>));
    }
}
