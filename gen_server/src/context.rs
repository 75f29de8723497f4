//! What a handler can do besides changing its state.

use std::fmt;
use std::time::Duration;

use crate::timer::{self, Timer};
use crate::{ActorId, ActorRef, ExitReason, GenServer, Info};

/// The handler's view of its own actor: its handle, and requests that take
/// effect when the handler returns.
///
/// Any handler, `init`, `handle_continue` and `terminate` may take a
/// `ctx: &mut Context<Self>` (or `&Context<Self>`) parameter, in any position.
///
/// ```
/// use gen_server::prelude::*;
///
/// struct Job { done: bool }
///
/// #[gen_server]
/// impl Job {
///     fn init(ctx: &mut Context<Self>) -> Self {
///         // Do the slow part after `start` has returned, before any message.
///         ctx.continue_with(());
///         Job { done: false }
///     }
///
///     async fn handle_continue(&mut self, _: ()) {
///         self.done = true;
///     }
///
///     #[call]
///     fn finish(&mut self, ctx: &mut Context<Self>) -> bool {
///         // Reply first, then stop with this reason.
///         ctx.stop(ExitReason::Normal);
///         self.done
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let job = Job::start().await.unwrap();
/// assert_eq!(job.finish().await, Ok(true));
/// # }
/// ```
pub struct Context<A: GenServer> {
    this: ActorRef<A>,
    stop: Option<ExitReason>,
    next: Option<A::Continue>,
}

impl<A: GenServer> Context<A> {
    pub(crate) fn new(this: ActorRef<A>) -> Self {
        Context {
            this,
            stop: None,
            next: None,
        }
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.this.id()
    }

    /// A typed handle to this actor, to give to others (do not call yourself
    /// through it: that fails with [`CallError::CallingSelf`](crate::CallError::CallingSelf)).
    pub fn handle(&self) -> A::Ref {
        A::Ref::from(self.this.clone())
    }

    /// This actor's untyped-by-handler handle.
    pub fn actor_ref(&self) -> &ActorRef<A> {
        &self.this
    }

    /// Stops the actor with `reason` once the current handler returns: a
    /// call's reply is sent first, then `terminate(reason)` runs (OTP's
    /// `{:stop, reason, reply, state}`). Takes precedence over a requested
    /// continue; the last reason given wins.
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(reason);
    }

    /// Runs `handle_continue(arg)` right after the current handler (or `init`)
    /// returns, before any other message (OTP's `{:continue, arg}`).
    ///
    /// Only servers with a `handle_continue` have a `Continue` type with
    /// values; the argument's type is that of its parameter.
    pub fn continue_with(&mut self, arg: A::Continue) {
        self.next = Some(arg);
    }

    /// Delivers `msg` to this actor's `#[info]` handler after `delay`
    /// (OTP's `Process.send_after`).
    pub fn send_after<M: Send + 'static>(&self, msg: M, delay: Duration) -> Timer
    where
        A: Info<M>,
    {
        timer::send_after(&self.this, msg, delay)
    }

    /// Delivers a clone of `msg` to this actor's `#[info]` handler every
    /// `period`, first after one `period`, until the timer is cancelled or the
    /// actor ends (OTP's `:timer.send_interval`).
    pub fn send_interval<M: Clone + Send + 'static>(&self, msg: M, period: Duration) -> Timer
    where
        A: Info<M>,
    {
        timer::send_interval(&self.this, msg, period)
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take()
    }

    pub(crate) fn take_continue(&mut self) -> Option<A::Continue> {
        self.next.take()
    }
}

impl<A: GenServer> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("actor", &self.this)
            .field("stop", &self.stop)
            .field("continue_requested", &self.next.is_some())
            .finish()
    }
}
