//! Supervisors: OTP's `Supervisor` and `DynamicSupervisor`, typed.
//!
//! A supervisor is a gen_server that starts its children (servers, task
//! supervisors, other supervisors) linked to itself, traps their exits, and
//! restarts them by its [`Strategy`] when they end, within its restart
//! intensity. It stops them in reverse start order.
//!
//! ```
//! use gen_server::prelude::*;
//! use gen_server::supervisor::{ChildSpec, Strategy, SupervisorSpec};
//!
//! struct Counter { total: u64 }
//!
//! #[gen_server]
//! impl Counter {
//!     fn init(start: u64) -> Self { Counter { total: start } }
//!     #[call]
//!     fn add(&mut self, n: u64) -> u64 { self.total += n; self.total }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let tree = SupervisorSpec::new(Strategy::OneForOne)
//!     .child(Counter::child_spec(0).name("counter"))
//!     .child(ChildSpec::task_supervisor("tasks"))
//!     .start()
//!     .await
//!     .unwrap();
//!
//! // Hold restartable servers by name: the lookup reaches the current instance.
//! let counter = CounterRef::whereis("counter").unwrap();
//! assert_eq!(counter.add(1).await, Ok(1));
//!
//! counter.kill();
//! gen_server::monitor(&counter).await;
//! // The supervisor handles the child's exit before this call: it has
//! // restarted the counter by the time it answers.
//! tree.count_children().await.unwrap();
//! // ...after the restart, the old handle is dead and the name has a new counter.
//! assert_eq!(counter.add(1).await, Err(CallError::NoProc));
//! let counter = CounterRef::whereis("counter").unwrap();
//! assert_eq!(counter.add(1).await, Ok(1));
//!
//! tree.stop(ExitReason::Shutdown).await.unwrap();
//! # }
//! ```
//!
//! # The rules (OTP's)
//!
//! | | |
//! |---|---|
//! | strategies | [`OneForOne`](Strategy::OneForOne): restart the child that ended; [`OneForAll`](Strategy::OneForAll): stop all others (reverse order), restart all (in order); [`RestForOne`](Strategy::RestForOne): the same for the child and those started after it. A stopped child in the set is started too |
//! | restart | [`Restart::Permanent`] always; [`Restart::Transient`] unless it ended `Normal`, `Shutdown` or `ShutdownWith`; [`Restart::Temporary`] never (and a temporary child stopped for a sibling is not restarted either, but forgotten) |
//! | intensity | at most `max_restarts` (3) restarts in any `max_seconds` (5 s); one more and the supervisor stops every child in reverse order and exits with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown) |
//! | failed restart | a child whose `init` fails on a restart is [`ChildState::Restarting`] and tried again after the requests already queued (OTP's `try_again`); each try counts against the intensity, so a child that keeps failing makes the supervisor give up. [`terminate_child`](SupervisorRef::terminate_child) in between cancels the retry; [`restart_child`](SupervisorRef::restart_child) is refused with [`ChildError::Restarting`] |
//! | start | children start in list order, one at a time, each linked to the supervisor; one that fails makes `start` fail with [`ChildError::Start`] (its [`ChildStartError`] keeps the `init` error) after the started ones are stopped in reverse order |
//! | ignore | a child whose `init` returns [`Init::Ignore`](crate::Init::Ignore) is kept by a static supervisor with no process ([`ChildState::Stopped`]) and the start goes on; [`start_child`](SupervisorRef::start_child) replies `Ok(None)` (a dynamic supervisor keeps nothing); on a restart it leaves the child stopped, not retried and not a failure |
//! | stop | in reverse order, each by its [`Shutdown`](crate::Shutdown): the exit signal `Shutdown`, then a kill after the time limit; workers get 5 s, supervisors `Infinity` |
//! | parent | a supervisor stops (children in reverse order) when the process that start-linked it exits, as any trapping gen_server does |
//!
//! # `terminate` and trapping exits
//!
//! As in OTP, **a child that does not trap exits is ended by its
//! supervisor's shutdown without running `terminate`**: the `Shutdown` exit
//! signal kills it at its next `.await`, exactly as a linked process is
//! killed by any exit signal it does not trap. Only a child that traps exits
//! gets the signal as a message from its parent, runs `terminate` and then
//! exits (within its shutdown time). So a child whose cleanup matters
//! (flushing a buffer, closing a connection cleanly) should call
//! `ctx.trap_exit(true)` in `init`:
//!
//! ```
//! use gen_server::prelude::*;
//!
//! struct Journal { pending: Vec<String> }
//!
//! #[gen_server]
//! impl Journal {
//!     fn init(ctx: &mut Context<Self>) -> Self {
//!         ctx.trap_exit(true); // the supervisor's shutdown now runs `terminate`
//!         Journal { pending: Vec::new() }
//!     }
//!
//!     async fn terminate(&mut self, _reason: &ExitReason) {
//!         // write `self.pending` out ...
//!     }
//! }
//! ```
//!
//! `terminate` also runs after a panic in a handler or a stop requested by
//! the child itself, trapping or not; never after a kill (a
//! [`Shutdown::BrutalKill`](crate::Shutdown::BrutalKill) child, or one that
//! outlived its shutdown time).
//!
//! # The application entry
//!
//! [`SupervisorSpec::run`] is OTP's application start for `main`: it
//! installs the Ctrl-C/SIGTERM handlers ([`ShutdownSignal`]) first, starts
//! the tree, and on a signal stops it in reverse order, each child by its
//! shutdown rule, then returns its exit reason. A signal that comes while
//! the tree starts is kept and acted on once the start is over; a second
//! signal while the tree stops forces it (the supervisor is killed and
//! `run` returns [`ExitReason::Killed`](crate::ExitReason::Killed) at once).
//! [`run_until_shutdown`] does the same for a tree already started, and
//! [`run_until`] stops on any future instead of a signal (a oneshot in
//! tests, an admin request).
//!
//! # Holding a restartable server
//!
//! A handle names one instance: after a restart, the old handle's calls
//! fail with [`CallError::NoProc`](crate::CallError::NoProc) and the new
//! instance has a new handle. Give children that others call a registered
//! name ([`ChildSpec::name`]) and look them up by name when you need them
//! (`CounterRef::whereis("counter")`, [`TaskSupervisor::whereis`](crate::task::TaskSupervisor::whereis)),
//! as Elixir code calls `GenServer.call(MyServer, ...)` by name. A lookup
//! is one short lock on the name table; keeping a handle between calls and
//! looking it up again after a `NoProc` costs nothing more. We chose names
//! over a handle that silently follows restarts: a call that spans a
//! restart cannot be made to mean anything sensible, and a typed `NoProc`
//! tells the caller exactly what happened.

mod app;
mod error;
mod intensity;
mod server;
mod spec;

use std::fmt;
use std::time::Duration;

pub use app::{ShutdownSignal, run_until, run_until_shutdown};
pub use error::{ChildError, ChildInitError, ChildStartError};
pub use server::{Supervisor, SupervisorRef};
pub use spec::{ChildSpec, ChildStartOutput, ChildType, Restart};

use crate::error::StartError;
use crate::{ActorId, Builder, Pid, ToPid};

/// Which children a supervisor restarts when one ends (OTP's `:strategy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Only the child that ended (the default).
    #[default]
    OneForOne,
    /// Every child: the others are stopped in reverse order, then all start
    /// again in order.
    OneForAll,
    /// The child that ended and those started after it.
    RestForOne,
}

/// How to start a [`Supervisor`]: strategy, intensity, children, name.
///
/// ```
/// use gen_server::supervisor::{Strategy, SupervisorSpec};
///
/// let spec = SupervisorSpec::new(Strategy::RestForOne)
///     .max_restarts(10)
///     .max_seconds(60)
///     .name("app");
/// ```
#[derive(Clone, Debug)]
#[must_use = "a spec does nothing until started"]
pub struct SupervisorSpec {
    pub(crate) strategy: Strategy,
    pub(crate) max_restarts: usize,
    pub(crate) max_seconds: Duration,
    pub(crate) max_children: Option<usize>,
    pub(crate) dynamic: bool,
    pub(crate) name: Option<String>,
    pub(crate) children: Vec<ChildSpec>,
}

impl SupervisorSpec {
    /// A supervisor with this strategy, OTP's intensity (3 restarts in 5 s)
    /// and no children yet.
    pub fn new(strategy: Strategy) -> Self {
        SupervisorSpec {
            strategy,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            max_children: None,
            dynamic: false,
            name: None,
            children: Vec::new(),
        }
    }

    /// A dynamic supervisor (OTP's `DynamicSupervisor`): one-for-one, starts
    /// empty, children added with [`SupervisorRef::start_child`] (ids may
    /// repeat) and forgotten when they end without a restart.
    pub fn dynamic() -> Self {
        SupervisorSpec {
            dynamic: true,
            ..SupervisorSpec::new(Strategy::OneForOne)
        }
    }

    /// At most `n` restarts within [`max_seconds`](Self::max_seconds) (default 3).
    pub fn max_restarts(mut self, n: usize) -> Self {
        self.max_restarts = n;
        self
    }

    /// The intensity window, in seconds (default 5).
    pub fn max_seconds(mut self, seconds: u64) -> Self {
        self.max_seconds = Duration::from_secs(seconds);
        self
    }

    /// The intensity window as a duration, for windows under a second.
    pub fn restart_window(mut self, window: Duration) -> Self {
        self.max_seconds = window;
        self
    }

    /// At most `n` children; [`SupervisorRef::start_child`] fails with
    /// [`ChildError::MaxChildren`] beyond it (default: no limit).
    pub fn max_children(mut self, n: usize) -> Self {
        self.max_children = Some(n);
        self
    }

    /// Registers the supervisor under `name` (`SupervisorRef::whereis`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a child, started after those added before it.
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Adds children, in order.
    pub fn children(mut self, children: impl IntoIterator<Item = ChildSpec>) -> Self {
        self.children.extend(children);
        self
    }

    /// Starts the supervisor and its children, in order; resolves once all
    /// have started.
    ///
    /// # Errors
    /// [`StartError::Init`] with [`ChildError::Start`] if a child did not
    /// start (the ones started before it are stopped, in reverse order), or
    /// [`ChildError::DuplicateId`]; [`StartError::AlreadyStarted`] if the
    /// name is taken.
    pub async fn start(self) -> Result<SupervisorRef, StartError<ChildError>> {
        self.builder().start(self).await
    }

    /// Like [`start`](Self::start), linked to the current process as its
    /// child (a supervisor nested in another one is started this way).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_link(self) -> Result<SupervisorRef, StartError<ChildError>> {
        self.builder().start_link(self).await
    }

    fn builder(&self) -> Builder<Supervisor> {
        match &self.name {
            Some(name) => Supervisor::builder().name(name.clone()),
            None => Supervisor::builder(),
        }
    }

    /// This supervisor as a child of another: type supervisor, shutdown
    /// `Infinity`, id = its name (or `"supervisor"`).
    pub fn child_spec(self) -> ChildSpec {
        let id = self.name.clone().unwrap_or_else(|| "supervisor".into());
        ChildSpec::new(id, move |_| self.clone().start_link_as_child()).kind(ChildType::Supervisor)
    }

    /// [`start_link`](Self::start_link), with a failed child's error shown
    /// by its `Display` form in the parent's [`ChildStartError::Init`].
    pub(crate) async fn start_link_as_child(self) -> Result<Option<Pid>, ChildStartError> {
        match self.start_link().await {
            Ok(supervisor) => Ok(Some(supervisor.to_pid())),
            Err(error) => match ChildStartError::convert(error, ChildInitError::from_error) {
                Some(error) => Err(error),
                None => Ok(None),
            },
        }
    }
}

/// Names a child of a supervisor: its id or its current process.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChildKey {
    /// The id of its [`ChildSpec`].
    Id(String),
    /// Its current process.
    Pid(ActorId),
}

impl fmt::Display for ChildKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildKey::Id(id) => write!(f, "with id `{id}`"),
            ChildKey::Pid(pid) => write!(f, "running as {pid}"),
        }
    }
}

impl From<&str> for ChildKey {
    fn from(id: &str) -> Self {
        ChildKey::Id(id.to_string())
    }
}

impl From<String> for ChildKey {
    fn from(id: String) -> Self {
        ChildKey::Id(id)
    }
}

impl From<ActorId> for ChildKey {
    fn from(pid: ActorId) -> Self {
        ChildKey::Pid(pid)
    }
}

impl From<&Pid> for ChildKey {
    fn from(pid: &Pid) -> Self {
        ChildKey::Pid(pid.id())
    }
}

/// Whether a child is running (OTP's `which_children` shows a pid,
/// `:restarting` or `:undefined`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildState {
    /// It runs as [`ChildInfo::pid`].
    Running,
    /// Its restart failed and will be tried again.
    Restarting,
    /// It is not running and will not be restarted on its own: it ended
    /// without a restart (a transient child that ended normally), asked to
    /// be ignored (`Init::Ignore`), or was stopped by
    /// [`SupervisorRef::terminate_child`]. A one-for-all or rest-for-one
    /// restart of a sibling starts it again, as OTP does.
    Stopped,
}

/// One child, as [`SupervisorRef::which_children`] reports it.
#[derive(Clone, Debug)]
pub struct ChildInfo {
    /// Its id.
    pub id: String,
    /// Its current process; `None` while it is not running.
    pub pid: Option<Pid>,
    /// Whether it is running, being restarted or stopped.
    pub state: ChildState,
    /// Worker or supervisor.
    pub kind: ChildType,
    /// Its restart type.
    pub restart: Restart,
}

/// What [`SupervisorRef::count_children`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// All children, running or not.
    pub specs: usize,
    /// The running ones.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers.
    pub workers: usize,
}
