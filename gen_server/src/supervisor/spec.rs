//! What a supervisor is told about each child: how to start it, when to
//! restart it, how to stop it (OTP's child spec).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::error::{ChildError, ChildStartError};
use super::{Strategy, SupervisorSpec};
use crate::error::StartError;
use crate::task::{PartitionedTaskSupervisor, TaskSupervisor, TaskSupervisorBuilder};
use crate::{Builder, ExitReason, GenServer, Pid, Shutdown, ToPid};

/// When a child that ended is started again (OTP's `:restart`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Restart {
    /// Always (the default).
    #[default]
    Permanent,
    /// Only after an abnormal exit: not after `Normal`, `Shutdown` or
    /// `ShutdownWith`.
    Transient,
    /// Never; the child is forgotten when it ends.
    Temporary,
}

impl Restart {
    /// Whether a child that ended with `reason` is restarted.
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_normal(),
            Restart::Temporary => false,
        }
    }
}

/// Whether a child is a worker or itself a supervisor (OTP's `:type`): it
/// sets the default shutdown (5 s for workers, `Infinity` for supervisors,
/// so a subtree gets all the time it needs to stop in order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChildType {
    /// A server or task that does work (the default).
    #[default]
    Worker,
    /// A supervisor of other processes.
    Supervisor,
}

/// What a child's start function ([`ChildSpec::new`]) may return: the
/// result of a `start_link` (`Result<R, StartError<E>>`, where
/// [`StartError::Ignored`] means "started, no process"), or a result
/// already in the supervisor's terms: `Result<Pid, ChildStartError>` or,
/// with `Ok(None)` for an ignored child, `Result<Option<Pid>, ChildStartError>`.
pub trait ChildStartOutput: Send + 'static {
    /// The child's process, `None` if it asked to be ignored, or why it
    /// did not start.
    fn into_started(self) -> Result<Option<Pid>, ChildStartError>;
}

impl<R, E> ChildStartOutput for Result<R, StartError<E>>
where
    R: ToPid + Send + 'static,
    E: fmt::Debug + Send + Sync + 'static,
{
    fn into_started(self) -> Result<Option<Pid>, ChildStartError> {
        match self {
            Ok(started) => Ok(Some(started.to_pid())),
            Err(error) => match ChildStartError::from_start_error(error) {
                Some(error) => Err(error),
                None => Ok(None),
            },
        }
    }
}

impl ChildStartOutput for Result<Pid, ChildStartError> {
    fn into_started(self) -> Result<Option<Pid>, ChildStartError> {
        self.map(Some)
    }
}

impl ChildStartOutput for Result<Option<Pid>, ChildStartError> {
    fn into_started(self) -> Result<Option<Pid>, ChildStartError> {
        self
    }
}

type StartFuture = Pin<Box<dyn Future<Output = Result<Option<Pid>, ChildStartError>> + Send>>;
type StartFn = Arc<dyn Fn(Option<&str>) -> StartFuture + Send + Sync>;

/// How a supervisor starts, restarts and stops one child (OTP's child spec).
///
/// Every `#[gen_server]` has one from its start arguments,
/// [`GenServer::child_spec`] (`Counter::child_spec(0)`); the arguments are
/// cloned for each restart. Task supervisors have constructors here
/// ([`ChildSpec::task_supervisor`], [`ChildSpec::partitioned_task_supervisor`]),
/// and supervisors [`SupervisorSpec::child_spec`](super::SupervisorSpec::child_spec).
///
/// Defaults are OTP's: id = the server's type name, [`Restart::Permanent`],
/// [`ChildType::Worker`] with [`Shutdown::Timeout`] of 5 s.
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    pub(crate) kind: ChildType,
    pub(crate) start: StartFn,
}

impl ChildSpec {
    /// A child started by `start`, an async function that starts the child
    /// process **linked to the current process** (the supervisor) and
    /// returns it, or why it did not start (see [`ChildStartOutput`]). It is
    /// given the child's registered name, if [`name`](Self::name) set one.
    ///
    /// ```
    /// use gen_server::prelude::*;
    /// use gen_server::supervisor::ChildSpec;
    ///
    /// struct Cache;
    ///
    /// #[gen_server]
    /// impl Cache {
    ///     fn init(size: usize) -> Result<Init<Self>, String> {
    ///         // OTP's `:ignore`: the supervisor keeps the child, not running.
    ///         if size == 0 { Ok(Init::Ignore) } else { Ok(Init::Ready(Cache)) }
    ///     }
    /// }
    ///
    /// let spec = ChildSpec::new("cache", |name| {
    ///     let builder = Cache::builder();
    ///     let builder = match name {
    ///         Some(name) => builder.name(name),
    ///         None => builder,
    ///     };
    ///     builder.start_link(64)
    /// });
    /// ```
    pub fn new<F, Fut>(id: impl Into<String>, start: F) -> Self
    where
        F: Fn(Option<&str>) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: ChildStartOutput,
    {
        let start: StartFn = Arc::new(move |name| {
            let started = start(name);
            Box::pin(async move { started.await.into_started() })
        });
        ChildSpec {
            id: id.into(),
            name: None,
            restart: Restart::default(),
            shutdown: Shutdown::default(),
            kind: ChildType::Worker,
            start,
        }
    }

    /// The `#[gen_server]` `A`, started with `A::builder().start_link(args)`
    /// (a clone of `args` each time). Same as `A::child_spec(args)`.
    pub fn server<A>(args: A::Args) -> Self
    where
        A: GenServer,
        A::Args: Clone + Sync,
        A::InitError: fmt::Debug + Sync,
    {
        let id = std::any::type_name::<A>()
            .rsplit("::")
            .next()
            .unwrap_or("server")
            .to_string();
        ChildSpec::new(id, move |name| {
            let args = args.clone();
            let builder = match name {
                Some(name) => Builder::<A>::new().name(name),
                None => Builder::<A>::new(),
            };
            async move { builder.start_link(args).await }
        })
    }

    /// A [`TaskSupervisor`] with default options, started linked to the
    /// supervisor and registered under `name`, so that servers find the
    /// current instance with [`TaskSupervisor::whereis`] after a restart.
    pub fn task_supervisor(name: impl Into<String>) -> Self {
        Self::task_supervisor_from(name.into(), TaskSupervisor::builder())
    }

    /// A task supervisor child started from `builder`, registered under `name`.
    fn task_supervisor_from(name: String, builder: TaskSupervisorBuilder) -> Self {
        ChildSpec::new(name.clone(), move |name| {
            let builder = builder.clone();
            let builder = match name {
                Some(name) => builder.name(name),
                None => builder,
            };
            let started = builder.start_link();
            async move { started }
        })
        .name(name)
        .kind(ChildType::Supervisor)
    }

    /// A [`PartitionedTaskSupervisor`] of `partitions` partitions (`None`:
    /// available parallelism), started as a one-for-one supervisor of its
    /// partitions, which are registered as `"{name}/0"`, `"{name}/1"`, …, so
    /// that a crashed partition is restarted on its own and
    /// [`PartitionedTaskSupervisor::whereis`] finds the current ones.
    pub fn partitioned_task_supervisor(name: impl Into<String>, partitions: Option<usize>) -> Self {
        let name = name.into();
        let id = name.clone();
        ChildSpec::new(id, move |_| {
            let n = partitions
                .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
                .unwrap_or(1)
                .max(1);
            let spec = SupervisorSpec::new(Strategy::OneForOne).children((0..n).map(|i| {
                ChildSpec::task_supervisor_from(
                    PartitionedTaskSupervisor::partition_name(&name, i),
                    TaskSupervisor::builder().partition_of(n),
                )
            }));
            spec.start_link_as_child()
        })
        .kind(ChildType::Supervisor)
    }

    /// Sets the id, which names the child in
    /// [`which_children`](super::SupervisorRef::which_children) and
    /// [`terminate_child`](super::SupervisorRef::terminate_child); unique
    /// within a supervisor's static children.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Registers the child under `name` each time it starts, so that a
    /// lookup by name (`CounterRef::whereis(name)`) reaches the instance
    /// running now.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// When the child is restarted (default [`Restart::Permanent`]).
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// How the child is stopped (default 5 s for a worker, `Infinity` for a
    /// supervisor).
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Worker or supervisor; `Supervisor` also makes the shutdown
    /// `Infinity` (set [`shutdown`](Self::shutdown) after this to override).
    pub fn kind(mut self, kind: ChildType) -> Self {
        self.kind = kind;
        if kind == ChildType::Supervisor {
            self.shutdown = Shutdown::Infinity;
        }
        self
    }

    /// The child's id.
    pub fn child_id(&self) -> &str {
        &self.id
    }

    /// Starts the child: its process, `None` if it asked to be ignored.
    pub(crate) async fn start(&self) -> Result<Option<Pid>, ChildError> {
        (self.start)(self.name.as_deref())
            .await
            .map_err(|error| ChildError::Start {
                id: self.id.clone(),
                error,
            })
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::supervisor::ChildInitError;

    fn spec() -> ChildSpec {
        ChildSpec::new("worker", |_| async {
            Err::<Pid, _>(ChildStartError::Init(ChildInitError::new("never started")))
        })
    }

    #[test]
    fn defaults_are_otps() {
        let worker = spec();
        assert_eq!(worker.restart, Restart::Permanent);
        assert_eq!(worker.kind, ChildType::Worker);
        assert_eq!(worker.shutdown, Shutdown::Timeout(Duration::from_secs(5)));
        let supervisor = spec().kind(ChildType::Supervisor);
        assert_eq!(supervisor.shutdown, Shutdown::Infinity);
        let custom = spec()
            .kind(ChildType::Supervisor)
            .shutdown(Shutdown::BrutalKill);
        assert_eq!(custom.shutdown, Shutdown::BrutalKill);
    }

    #[test]
    fn restart_types_follow_the_exit_reason() {
        let normal = [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::ShutdownWith("done".into()),
        ];
        let abnormal = [ExitReason::Killed, ExitReason::Panic("boom".into())];
        for reason in normal.iter().chain(&abnormal) {
            assert!(Restart::Permanent.restarts_after(reason));
            assert!(!Restart::Temporary.restarts_after(reason));
        }
        assert!(normal.iter().all(|r| !Restart::Transient.restarts_after(r)));
        assert!(
            abnormal
                .iter()
                .all(|r| Restart::Transient.restarts_after(r))
        );
    }
}
