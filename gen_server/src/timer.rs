//! Messages delivered later: `send_after` and `send_interval`.

use std::time::Duration;

use tokio::task::AbortHandle;

use crate::{ActorRef, GenServer, InfoFor};

/// A pending delayed or periodic message (OTP's timer reference).
///
/// Dropping a `Timer` does not cancel it, as in OTP; call
/// [`cancel`](Self::cancel). A timer also ends by itself when its target actor
/// has ended.
#[derive(Debug)]
pub struct Timer {
    task: AbortHandle,
}

impl Timer {
    /// Cancels the timer: no message is sent after this returns, unless it was
    /// already delivered. Returns false if the timer had already finished
    /// (delivered its one message, or found its target gone).
    pub fn cancel(&self) -> bool {
        let pending = !self.task.is_finished();
        self.task.abort();
        pending
    }

    /// Whether the timer has finished: fired for the last time, cancelled, or
    /// found its target gone.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Delivers `msg` to `to`'s `#[info]` handler after `delay` (OTP's
/// `Process.send_after`). Must be called inside a tokio runtime with its time
/// driver enabled.
pub fn send_after<A, M>(to: &ActorRef<A>, msg: M, delay: Duration) -> Timer
where
    A: GenServer,
    M: InfoFor<A> + Send + 'static,
{
    let to = to.clone();
    let task = tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = to.send_info(msg).await;
    });
    Timer {
        task: task.abort_handle(),
    }
}

/// Delivers a clone of `msg` to `to`'s `#[info]` handler every `period`,
/// starting one `period` from now, until cancelled or until `to` has ended.
/// Ticks that fall due while the actor is busy are not bunched up: a late tick
/// is delivered, and the next one is a whole `period` after it.
pub fn send_interval<A, M>(to: &ActorRef<A>, msg: M, period: Duration) -> Timer
where
    A: GenServer,
    M: InfoFor<A> + Clone + Send + 'static,
{
    let to = to.clone();
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if to.send_info(msg.clone()).await.is_err() {
                break;
            }
        }
    });
    Timer {
        task: task.abort_handle(),
    }
}
