//! `Down` delivery: a `#[gen_server]` watcher has monitored N processes
//! (`gen_server::spawn`), each waiting on one `tokio::sync::watch` channel;
//! timed from ending them until the watcher has handled the N-th `Down`. The
//! hand-written analogue: N tokio tasks waiting on the same channel, each
//! holding a guard that sends `(id, reason)` into one unbounded mpsc when the
//! task's future is dropped (on return, panic or abort: what a process's exit
//! guard does), and one task counting them. Spawning, monitoring and arming
//! the counter are not timed; both sides check every reason.
//!
//! Used by `benches/process.rs` (`down_10k`, both [`Ending`]s) and by
//! peer_bench's `Down` delivery ([`Ending::Stop`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use gen_server::prelude::*;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use super::all_polled;

/// Monitors processes and counts their `Down`s.
pub struct Watcher {
    reason: ExitReason,
    expected: usize,
    seen: usize,
    wrong: usize,
    done: Option<oneshot::Sender<usize>>,
}

#[gen_server]
impl Watcher {
    fn init() -> Self {
        Watcher {
            reason: ExitReason::Normal,
            expected: 0,
            seen: 0,
            wrong: 0,
            done: None,
        }
    }

    /// Monitors every process of `pids`; `done` gets the number of `Down`s
    /// with a reason other than `reason` once all of them have arrived.
    #[call]
    fn watch_all(
        &mut self,
        pids: Vec<Pid>,
        reason: ExitReason,
        done: oneshot::Sender<usize>,
        ctx: &mut Context<Self>,
    ) {
        for pid in &pids {
            ctx.monitor(pid);
        }
        self.reason = reason;
        self.expected = pids.len();
        self.seen = 0;
        self.wrong = 0;
        self.done = Some(done);
    }

    #[info]
    fn on_down(&mut self, down: Down) {
        self.seen += 1;
        if down.reason != self.reason {
            self.wrong += 1;
        }
        if self.seen == self.expected
            && let Some(done) = self.done.take()
        {
            let _ = done.send(self.wrong);
        }
    }
}

/// How the processes are ended.
#[derive(Clone, Copy)]
pub enum Ending {
    /// The shared watch channel says stop; each returns (`Normal`).
    Stop,
    /// Each is killed / aborted, one by one (`Killed`).
    Kill,
}

impl Ending {
    fn reason(self) -> ExitReason {
        match self {
            Ending::Stop => ExitReason::Normal,
            Ending::Kill => ExitReason::Killed,
        }
    }

    /// Ends the processes: flips `stop` (which they all wait on), or calls
    /// `kill` on each of `all`, one by one.
    fn end<T>(self, stop: &watch::Sender<bool>, all: &[T], kill: impl FnMut(&T)) {
        match self {
            Ending::Stop => {
                stop.send_replace(true);
            }
            Ending::Kill => all.iter().for_each(kill),
        }
    }
}

/// One round for gen_server: `processes` processes monitored by `watcher`,
/// ended as `ending` says; returns the timed part.
pub async fn time_gen_server(watcher: &WatcherRef, processes: usize, ending: Ending) -> Duration {
    let (stop_tx, stop_rx) = watch::channel(false);
    let polled = Arc::new(AtomicUsize::new(0));
    let pids: Vec<Pid> = (0..processes)
        .map(|_| {
            let mut stop = stop_rx.clone();
            let polled = Arc::clone(&polled);
            gen_server::spawn(async move {
                polled.fetch_add(1, Relaxed);
                let _ = stop.wait_for(|stop| *stop).await;
            })
        })
        .collect();
    drop(stop_rx);
    let (done_tx, done_rx) = oneshot::channel();
    watcher
        .watch_all(pids.clone(), ending.reason(), done_tx)
        .await
        .expect("watch_all");
    all_polled(&polled, processes).await;

    let start = Instant::now();
    ending.end(&stop_tx, &pids, |pid| {
        pid.kill();
    });
    let wrong = done_rx.await.expect("the watcher counted");
    let elapsed = start.elapsed();

    assert_eq!(wrong, 0, "Downs with an unexpected reason");
    assert!(pids.iter().all(|pid| !pid.is_alive()));
    elapsed
}

/// Sends `(id, reason)` to the counting task when dropped: however the task
/// that owns it ends, like a process's exit guard.
struct ExitNote {
    id: usize,
    reason: Option<ExitReason>,
    tx: mpsc::UnboundedSender<(usize, ExitReason)>,
}

impl Drop for ExitNote {
    fn drop(&mut self) {
        let reason = self.reason.take().unwrap_or(ExitReason::Killed);
        let _ = self.tx.send((self.id, reason));
    }
}

/// What the hand-written side holds of its tasks with [`Ending::Stop`]. (With
/// [`Ending::Kill`] it keeps an abort handle for every task, to abort it, and
/// lets go of each once used, as a process's core does.)
#[derive(Clone, Copy)]
pub enum Spawning {
    /// An abort handle for every task, kept until the round ends: no task is
    /// freed inside the timed part. What `benches/process.rs` has measured
    /// (its `hand_written_stop` rows in BENCHMARKS.md); the timed part takes
    /// about 20% less than with `Detach` (10k tasks, 2 cores).
    KeepHandles,
    /// Nothing: each task is detached as it is spawned, as a process's task
    /// is, and freed as it ends, inside the timed part as on the gen_server
    /// side (peer_bench).
    Detach,
}

/// One round for hand-written tasks: `processes` tasks, ended as `ending`
/// says, held as `spawning` says; returns the timed part.
pub async fn time_hand_written(processes: usize, ending: Ending, spawning: Spawning) -> Duration {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (note_tx, mut note_rx) = mpsc::unbounded_channel::<(usize, ExitReason)>();
    let polled = Arc::new(AtomicUsize::new(0));
    let spawn = |id| {
        let mut stop = stop_rx.clone();
        let polled = Arc::clone(&polled);
        let note = ExitNote {
            id,
            reason: None,
            tx: note_tx.clone(),
        };
        tokio::spawn(async move {
            // Dropped, and so sent, however the task ends.
            let mut note = note;
            polled.fetch_add(1, Relaxed);
            let _ = stop.wait_for(|stop| *stop).await;
            note.reason = Some(ExitReason::Normal);
            drop(note);
        })
    };
    let spawned: Vec<AbortHandle> = match (ending, spawning) {
        (Ending::Stop, Spawning::Detach) => {
            for id in 0..processes {
                spawn(id);
            }
            Vec::new()
        }
        _ => (0..processes).map(|id| spawn(id).abort_handle()).collect(),
    };
    // With `Stop`, `spawned` lives until the round ends (see `Spawning`).
    let aborts = match ending {
        Ending::Stop => Vec::new(),
        Ending::Kill => spawned,
    };
    drop((stop_rx, note_tx));
    let (done_tx, done_rx) = oneshot::channel();
    let expected = ending.reason();
    let counter = tokio::spawn(async move {
        let (mut seen, mut wrong) = (0, 0);
        while let Some((_id, reason)) = note_rx.recv().await {
            seen += 1;
            if reason != expected {
                wrong += 1;
            }
            if seen == processes {
                let _ = done_tx.send(wrong);
                break;
            }
        }
    });
    all_polled(&polled, processes).await;

    let start = Instant::now();
    ending.end(&stop_tx, &aborts, AbortHandle::abort);
    drop(aborts);
    let wrong = done_rx.await.expect("the counter counted");
    let elapsed = start.elapsed();

    assert_eq!(wrong, 0, "notes with an unexpected reason");
    counter.await.expect("counter task");
    elapsed
}
