//! How a process is asked to stop by whoever owns it (OTP's `shutdown`).

use std::sync::Arc;
use std::time::Duration;

use crate::process::{self, Process};
use crate::{ActorId, ExitReason, monitor};

/// How an owner (a task supervisor, a [`Task`](crate::task::Task) handle)
/// stops a process it owns: OTP's child-spec `shutdown` and the argument of
/// `Task.shutdown`.
///
/// | OTP | `Shutdown` |
/// |---|---|
/// | an integer (ms), default 5000 | [`Timeout(d)`](Shutdown::Timeout), [`Shutdown::default()`] = 5 s |
/// | `:brutal_kill` | [`BrutalKill`](Shutdown::BrutalKill) |
/// | `:infinity` | [`Infinity`](Shutdown::Infinity) |
///
/// The graceful forms send the exit signal [`ExitReason::Shutdown`]. A
/// process that does not trap exits ends at its next `.await`; a gen_server
/// that traps exits and was started by the owner runs `terminate` first; a
/// task or [`spawn`](crate::spawn)ed process that [traps exits](crate::trap_exit)
/// gets the signal from [`next_exit`](crate::next_exit) and may clean up. A
/// process that has not ended when the time is up is killed.
///
/// Neither a shutdown nor a kill can interrupt a future that is busy without
/// awaiting (tokio cannot preempt it): it ends at its next `.await`, and the
/// owner waits for that, logging a warning once the grace period has passed
/// twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Send `Shutdown`, wait this long for the process to end, then kill it.
    Timeout(Duration),
    /// Kill at once: the process ends with [`ExitReason::Killed`] and runs no
    /// cleanup of its own.
    BrutalKill,
    /// Send `Shutdown` and wait as long as the process takes.
    Infinity,
}

impl Default for Shutdown {
    /// `Timeout(5 s)`, OTP's default for workers and tasks.
    fn default() -> Self {
        Shutdown::Timeout(Duration::from_secs(5))
    }
}

/// Stops `target` as `how` says, the signal coming `from` its owner, and
/// waits until it has ended. Returns its exit reason (`NoProc` if it had
/// already ended before this was called).
pub(crate) async fn shut_down(
    target: &Arc<dyn Process>,
    how: Shutdown,
    from: ActorId,
) -> ExitReason {
    // Watch first, so the end is seen however fast it comes.
    let mut down = monitor(&crate::Pid {
        process: Arc::clone(target),
    });
    match how {
        Shutdown::BrutalKill => {
            process::terminate_now(&**target, ExitReason::Killed);
            down.await
        }
        Shutdown::Infinity => {
            process::exit_signal(&**target, from, ExitReason::Shutdown);
            down.await
        }
        Shutdown::Timeout(grace) => {
            process::exit_signal(&**target, from, ExitReason::Shutdown);
            if let Ok(reason) = tokio::time::timeout(grace, &mut down).await {
                return reason;
            }
            process::terminate_now(&**target, ExitReason::Killed);
            if let Ok(reason) = tokio::time::timeout(grace, &mut down).await {
                return reason;
            }
            tracing::warn!(
                process = %target.core().id,
                ?grace,
                "process did not end when killed: its future is busy without awaiting; still waiting"
            );
            down.await
        }
    }
}
