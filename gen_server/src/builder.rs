//! Starting an actor with options.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::cell::Cell;
use crate::current::{self, Scoped, Work};
use crate::process::{self, Process};
use crate::run::{self, StartFailure};
use crate::{ActorRef, ExitReason, GenServer, StartError, registry};

/// Options for starting an actor: `Counter::builder()` returns one.
///
/// ```
/// use gen_server::prelude::*;
/// use std::time::Duration;
///
/// struct Counter { total: u64 }
///
/// #[gen_server]
/// impl Counter {
///     fn init(total: u64) -> Self { Counter { total } }
///     #[call]
///     fn get(&self) -> u64 { self.total }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let counter = Counter::builder()
///     .name("builder-doc-counter")
///     .bounded_mailbox(64)
///     .init_timeout(Duration::from_secs(1))
///     .start(7)
///     .await
///     .unwrap();
/// let found = CounterRef::whereis("builder-doc-counter").unwrap();
/// assert_eq!(found.get().await, Ok(7));
/// # let _ = counter;
/// # }
/// ```
pub struct Builder<A: GenServer> {
    name: Option<Box<str>>,
    capacity: Option<usize>,
    init_timeout: Option<Duration>,
    _server: PhantomData<fn() -> A>,
}

impl<A: GenServer> Default for Builder<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: GenServer> Builder<A> {
    /// Default options: no name, an unbounded mailbox, no limit on `init`.
    pub fn new() -> Self {
        Builder {
            name: None,
            capacity: None,
            init_timeout: None,
            _server: PhantomData,
        }
    }

    /// Registers the actor under `name` (OTP's `name:` option). Names are
    /// unique among live actors and freed when the actor ends; look one up
    /// with the generated `whereis`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Gives the actor a mailbox that holds at most `capacity` messages not yet
    /// taken by the actor. When it is full, calls and casts wait for room
    /// (backpressure) unless sent with `fail_when_full` / `try_send`.
    /// Stop requests do not count against the capacity.
    ///
    /// # Panics
    /// If `capacity` is 0 or larger than tokio's semaphore allows
    /// (`usize::MAX >> 3`).
    pub fn bounded_mailbox(mut self, capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "a bounded mailbox needs room for at least one message"
        );
        assert!(
            capacity <= tokio::sync::Semaphore::MAX_PERMITS,
            "mailbox capacity is too large"
        );
        self.capacity = Some(capacity);
        self
    }

    /// Fails the start with [`StartError::Timeout`] and kills the half-started
    /// actor if `init` has not finished within `timeout`. By default `start`
    /// waits as long as `init` takes (OTP's `:infinity`).
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = Some(timeout);
        self
    }

    /// Spawns the actor on the current tokio runtime, runs its `init` inside
    /// it, and returns its handle once `init` has finished.
    ///
    /// # Errors
    /// See [`StartError`]: a taken name (before `init` runs), an `init` error,
    /// panic or `Init::Ignore`, or the init timeout.
    ///
    /// # Cancellation
    /// If this future is dropped before it resolves, the half-started actor is
    /// killed and its name freed.
    ///
    /// # Panics
    /// If called outside a tokio runtime.
    pub async fn start(self, args: A::Args) -> Result<A::Ref, StartError<A::InitError>> {
        self.spawn(args, None).await
    }

    /// Like [`start`](Self::start), and links the new actor to the current
    /// process (OTP's `start_link`): if either ends abnormally, the other gets
    /// the exit signal. The current process is the actor (or
    /// [`spawn`](crate::spawn)ed process) whose code calls this; outside any
    /// process it is the same as `start`.
    ///
    /// The link is made once `init` has succeeded: a failed start is reported
    /// only through the returned error, and does not kill the caller (OTP
    /// would also send the caller an exit signal). The caller becomes the new
    /// actor's parent: if the new actor traps exits, an exit signal from its
    /// parent still makes it run `terminate` and stop.
    pub async fn start_link(self, args: A::Args) -> Result<A::Ref, StartError<A::InitError>> {
        self.spawn(args, current::current_process()).await
    }

    async fn spawn(
        self,
        args: A::Args,
        parent: Option<Arc<dyn Process>>,
    ) -> Result<A::Ref, StartError<A::InitError>> {
        let cell = Arc::new(Cell::<A>::new(self.name, self.capacity));
        if let Some(name) = &cell.name
            && let Err(holder) = registry::register(name, &cell)
        {
            return Err(StartError::AlreadyStarted {
                name: name.to_string(),
                holder,
            });
        }
        if let Some(parent) = &parent {
            cell.core.set_parent(parent.core().id);
        }
        let (started_tx, started_rx) = oneshot::channel();
        let process = Arc::clone(&cell) as Arc<dyn Process>;
        drop(tokio::spawn(Scoped::new(
            Arc::clone(&process),
            Work::new(run::run(Arc::clone(&cell), args, started_tx)),
        )));

        let actor = ActorRef { cell };
        let kill_on_drop = KillOnDrop(Some(&actor));
        let started = match self.init_timeout {
            Some(limit) => match tokio::time::timeout(limit, started_rx).await {
                Ok(started) => started,
                Err(_elapsed) => return Err(StartError::Timeout),
            },
            None => started_rx.await,
        };
        kill_on_drop.defuse();
        match started {
            Ok(Ok(())) => {
                if let Some(parent) = &parent {
                    process::link(parent, &process);
                }
                Ok(A::Ref::from(actor))
            }
            Ok(Err(StartFailure::Init(e))) => Err(StartError::Init(e)),
            Ok(Err(StartFailure::Ignored)) => Err(StartError::Ignored),
            Ok(Err(StartFailure::Panicked(message))) => Err(StartError::Panicked(message)),
            // The task ended without reporting: it was killed, or its runtime
            // shut down, during `init`.
            Err(_) => Err(StartError::Exited(
                actor.exit_reason().unwrap_or(ExitReason::Killed),
            )),
        }
    }
}

/// Kills a half-started actor if `start` is cancelled or times out.
struct KillOnDrop<'a, A: GenServer>(Option<&'a ActorRef<A>>);

impl<A: GenServer> KillOnDrop<'_, A> {
    fn defuse(mut self) {
        self.0 = None;
    }
}

impl<A: GenServer> Drop for KillOnDrop<'_, A> {
    fn drop(&mut self) {
        if let Some(actor) = self.0 {
            actor.kill();
        }
    }
}

impl<A: GenServer> fmt::Debug for Builder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("type", &std::any::type_name::<A>())
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("init_timeout", &self.init_timeout)
            .finish()
    }
}
