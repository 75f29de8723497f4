//! The actor's task: `init`, then one message at a time, then `terminate`.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::cell::{Cell, Envelope};
use crate::current::CatchUnwind;
use crate::process::{Process, System};
use crate::{ActorRef, Context, ExitReason, GenServer, Init};

/// How `init` failed, as reported to `start`.
pub(crate) enum StartFailure<E> {
    Init(E),
    Ignored,
    Panicked(String),
}

pub(crate) type Started<E> = oneshot::Sender<Result<(), StartFailure<E>>>;

/// Cleans up after the actor however its task ends: returning, or being
/// dropped because it was killed or its runtime shut down.
struct ExitGuard<A: GenServer> {
    cell: Arc<Cell<A>>,
    /// The stop request to acknowledge once the actor is gone (the first
    /// one ends the actor; any later one is dropped with the mailbox, and
    /// its caller finds the exit reason).
    stop_ack: Option<oneshot::Sender<()>>,
}

impl<A: GenServer> Drop for ExitGuard<A> {
    fn drop(&mut self) {
        // Only a task dropped before it chose a reason gets here without one.
        self.cell.core.set_exit(ExitReason::Killed);
        self.cell.close();
        // Links and monitors learn of the end only now that it is real.
        self.cell.core.finish();
        if let Some(ack) = self.stop_ack.take() {
            let _ = ack.send(());
        }
    }
}

/// The actor's task. The exit guard is built before the task's first poll: an
/// actor killed before it ever ran still tells its links and monitors.
pub(crate) fn run<A: GenServer>(
    cell: Arc<Cell<A>>,
    args: A::Args,
    started: Started<A::InitError>,
) -> impl Future<Output = ()> + Send {
    let guard = ExitGuard {
        cell,
        stop_ack: None,
    };
    run_guarded(guard, args, started)
}

async fn run_guarded<A: GenServer>(
    mut guard: ExitGuard<A>,
    args: A::Args,
    started: Started<A::InitError>,
) {
    let cell = &guard.cell;
    let mut ctx = Context::new(ActorRef {
        cell: Arc::clone(cell),
    });

    let init = CatchUnwind::new(A::__init(args, &mut ctx)).await;
    let mut state = match init {
        Ok(Ok(Init::Ready(state))) => state,
        Ok(Ok(Init::Ignore)) => {
            cell.core.set_exit(ExitReason::Normal);
            let _ = started.send(Err(StartFailure::Ignored));
            return;
        }
        Ok(Err(error)) => {
            cell.core.set_exit(ExitReason::InitFailed);
            let _ = started.send(Err(StartFailure::Init(error)));
            return;
        }
        Err(panic) => {
            let reason = cell.core.set_exit(ExitReason::from_panic(&*panic));
            let ExitReason::Panic(message) = reason else {
                unreachable!("a panic exits with a panic reason")
            };
            let _ = started.send(Err(StartFailure::Panicked(message)));
            return;
        }
    };
    let _ = started.send(Ok(()));

    let mut local = VecDeque::new();
    let reason = loop {
        if cell.core.is_killed() {
            // Killed while handling a batch it had already taken: not one
            // more message. The kill woke this task; its next poll drops it.
            std::future::pending::<()>().await;
        }
        if let Some(reason) = ctx.take_stop() {
            break reason;
        }
        if let Some(arg) = ctx.take_continue() {
            if let Err(panic) = CatchUnwind::new(state.__continue(arg, &mut ctx)).await {
                break ExitReason::from_panic(&*panic);
            }
            continue;
        }
        let msg = match poll_fn(|cx| cell.mailbox.poll_recv(cx, &mut local)).await {
            Envelope::Msg(msg) => {
                cell.mailbox.release_slot();
                msg
            }
            Envelope::Notice(msg) => msg,
            Envelope::Stop(stop) => {
                let (reason, ack) = *stop;
                guard.stop_ack = Some(ack);
                break reason;
            }
            Envelope::System(system) => match *system {
                System::Down(down) => {
                    if !ctx.take_monitor(down.monitor) {
                        continue; // demonitored: OTP's `[:flush]`
                    }
                    match A::__down(down) {
                        Some(msg) => msg,
                        None => continue,
                    }
                }
                System::Exit(exit) => {
                    // OTP: a trapping gen_server still stops when its parent exits.
                    if cell.core.parent() == Some(exit.from) {
                        break exit.reason;
                    }
                    let (from, reason) = (exit.from, exit.reason.clone());
                    match A::__exit(exit) {
                        Some(msg) => msg,
                        None => {
                            tracing::warn!(
                                actor = %cell.core.id, %from, %reason,
                                "gen_server traps exits but has no `#[info]` handler for `Exit`; dropped"
                            );
                            continue;
                        }
                    }
                }
            },
        };
        if let Err(panic) = CatchUnwind::new(state.__handle(msg, &mut ctx)).await {
            break ExitReason::from_panic(&*panic);
        }
    };
    // Recorded before anything else can await: reply handles dropped while a
    // handler unwound are released at the end of this poll, and their callers
    // must find the reason here.
    let reason = cell.core.set_exit(reason);
    if !reason.is_normal() {
        tracing::error!(actor = %cell.core.id, %reason, "gen_server terminating");
    }
    if let Err(panic) = CatchUnwind::new(state.__terminate(&reason, &mut ctx)).await {
        tracing::error!(
            actor = %cell.core.id,
            panic = %ExitReason::from_panic(&*panic),
            "gen_server terminate panicked"
        );
    }
    // The state may hold deferred replies; their callers see the exit reason.
    drop(state);
    drop(local);
}
