//! What a supervisor is told about each child: how to start it, when to
//! restart it, how to stop it (OTP's child spec).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{Strategy, SupervisorSpec};
use crate::task::{PartitionedTaskSupervisor, TaskSupervisor};
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

/// Why a child did not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("child `{id}` did not start: {reason}")]
pub struct ChildStartError {
    /// The child's id.
    pub id: String,
    /// What its start returned, rendered as text (children have different
    /// error types).
    pub reason: String,
}

type StartFuture = Pin<Box<dyn Future<Output = Result<Pid, String>> + Send>>;
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
    /// returns it, or why it did not start. It is given the child's
    /// registered name, if [`name`](Self::name) set one.
    pub fn new<F, Fut, E>(id: impl Into<String>, start: F) -> Self
    where
        F: Fn(Option<&str>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Pid, E>> + Send + 'static,
        E: fmt::Display,
    {
        let start: StartFn = Arc::new(move |name| {
            let started = start(name);
            Box::pin(async move { started.await.map_err(|e| e.to_string()) })
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
        A::InitError: fmt::Debug,
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
            async move {
                match builder.start_link(args).await {
                    Ok(server) => Ok(server.to_pid()),
                    Err(error) => Err(StartFailure(format!("{error:?}"))),
                }
            }
        })
    }

    /// A [`TaskSupervisor`] with default options, started linked to the
    /// supervisor and registered under `name`, so that servers find the
    /// current instance with [`TaskSupervisor::whereis`] after a restart.
    pub fn task_supervisor(name: impl Into<String>) -> Self {
        let name = name.into();
        ChildSpec::new(name.clone(), |name| {
            let builder = TaskSupervisor::builder();
            let builder = match name {
                Some(name) => builder.name(name),
                None => builder,
            };
            let started = builder.start_link().map(|s| s.pid());
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
                ChildSpec::task_supervisor(PartitionedTaskSupervisor::partition_name(&name, i))
            }));
            async move { spec.start_link().await.map(|s| s.pid()) }
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

    pub(crate) async fn start(&self) -> Result<Pid, ChildStartError> {
        (self.start)(self.name.as_deref())
            .await
            .map_err(|reason| ChildStartError {
                id: self.id.clone(),
                reason,
            })
    }
}

/// A start failure rendered with `Debug` (init errors need not be `Display`).
struct StartFailure(String);

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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

    fn spec() -> ChildSpec {
        ChildSpec::new("worker", |_| async { Err::<Pid, _>("never started") })
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
