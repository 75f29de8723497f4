//! What a handler can do besides changing its state.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::process::{self, MonitorRef, Pid, Process, Watcher};
use crate::timer::{self, Timer};
use crate::{ActorId, ActorRef, ExitReason, GenServer, InfoFor, ToPid};

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
    /// Boxed: rare, and the context lives in every actor's task.
    stop: Option<Box<ExitReason>>,
    next: Option<A::Continue>,
    /// This actor's live monitors, with the process each one watches. A `Down`
    /// whose monitor is not here (removed by `demonitor`) is dropped.
    /// Boxed and created on first use: an empty `HashMap` is 48 bytes in
    /// every actor's task, and most actors never monitor anything.
    #[allow(clippy::box_collection)]
    monitors: Option<Box<HashMap<MonitorRef, Arc<dyn Process>>>>,
}

impl<A: GenServer> Context<A> {
    pub(crate) fn new(this: ActorRef<A>) -> Self {
        Context {
            this,
            stop: None,
            next: None,
            monitors: None,
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
        self.stop = Some(Box::new(reason));
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
    pub fn send_after<M>(&self, msg: M, delay: Duration) -> Timer
    where
        M: InfoFor<A> + Send + 'static,
    {
        timer::send_after(&self.this, msg, delay)
    }

    /// Delivers a clone of `msg` to this actor's `#[info]` handler every
    /// `period`, first after one `period`, until the timer is cancelled or the
    /// actor ends (OTP's `:timer.send_interval`).
    pub fn send_interval<M>(&self, msg: M, period: Duration) -> Timer
    where
        M: InfoFor<A> + Clone + Send + 'static,
    {
        timer::send_interval(&self.this, msg, period)
    }

    /// A type-erased handle to this actor, for others to link or monitor.
    pub fn pid(&self) -> Pid {
        self.this.pid()
    }

    /// Monitors `target` (OTP's `Process.monitor`): when it ends, this actor
    /// gets a [`Down`](crate::Down) carrying the returned reference and the exit
    /// reason, through its `#[info]` handler for `Down`. If `target` has already
    /// ended, the `Down` (with [`ExitReason::NoProc`]) is queued at once.
    /// Monitoring the same process twice makes two independent monitors.
    pub fn monitor<P: ToPid + ?Sized>(&mut self, target: &P) -> MonitorRef {
        let target = target.to_pid().process;
        let monitor = MonitorRef::next();
        let me = Arc::clone(&self.this.cell) as Arc<dyn Process>;
        self.monitors
            .get_or_insert_with(Box::default)
            .insert(monitor, Arc::clone(&target));
        target.watch(monitor, Watcher::Process(me));
        monitor
    }

    /// Removes a monitor (OTP's `Process.demonitor(ref, [:flush])`): no `Down`
    /// for it is handled after this, not even one already queued. Returns
    /// false if the monitor was not active (already fired, or removed).
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        match self.monitors.as_mut().and_then(|m| m.remove(&monitor)) {
            Some(target) => {
                target.unwatch(monitor);
                true
            }
            None => false,
        }
    }

    /// Links this actor with `target` (OTP's `Process.link`): when either ends
    /// with an abnormal reason, the other gets an exit signal. If `target` has
    /// already ended, this actor gets an exit signal with reason `NoProc` (it
    /// dies of it unless it traps exits), as in OTP.
    pub fn link<P: ToPid + ?Sized>(&mut self, target: &P) {
        let me = Arc::clone(&self.this.cell) as Arc<dyn Process>;
        process::link(&me, &target.to_pid().process);
    }

    /// Removes the link with `target`, both ways (OTP's `Process.unlink`).
    pub fn unlink<P: ToPid + ?Sized>(&mut self, target: &P) {
        process::unlink(&*self.this.cell, target.to_pid().id());
    }

    /// Turns exit signals into [`Exit`](crate::Exit) messages (`true`) or back
    /// into death (`false`), like OTP's `Process.flag(:trap_exit, …)`. Returns
    /// the previous setting. A trapping actor still runs `terminate` and stops
    /// when the signal comes from the process that `start_link`ed it; `kill`
    /// can never be trapped.
    pub fn trap_exit(&mut self, trap: bool) -> bool {
        self.this.cell.core.set_trap_exit(trap)
    }

    /// Takes the monitor of a `Down` that arrived; false if it was removed.
    pub(crate) fn take_monitor(&mut self, monitor: MonitorRef) -> bool {
        self.monitors
            .as_mut()
            .is_some_and(|m| m.remove(&monitor).is_some())
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take().map(|reason| *reason)
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
            .field("monitors", &self.monitors.as_ref().map_or(0, |m| m.len()))
            .finish()
    }
}

impl<A: GenServer> Drop for Context<A> {
    /// An actor's monitors end with it: the processes it watched stop holding
    /// a reference to it.
    fn drop(&mut self) {
        for (monitor, target) in self.monitors.take().into_iter().flat_map(|m| *m) {
            target.unwatch(monitor);
        }
    }
}
