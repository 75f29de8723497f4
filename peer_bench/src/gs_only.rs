//! The gen_server-only workloads, each beside its hand-written tokio
//! equivalent (the fair analogues of `benches/tasks.rs`, `benches/process.rs`
//! and `benches/supervisor.rs`, cut down to one variant each):
//!
//! * task round trip: a server starts a task, the task's value comes back to
//!   the server as a message, the server starts the next one (one in flight).
//!   gen_server: `ctx.async_nolink(&task_supervisor, job())` and an
//!   `#[info] fn(TaskOutcome<u64>)`. Hand-written (`hand_mailbox`, the
//!   reference): a tokio actor `tokio::spawn`s the job wrapped in
//!   `catch_unwind`, the task sends the result into the actor's mailbox.
//!   Also measured (`hand_await`, a lower bound): the actor spawns the job and
//!   awaits its `JoinHandle` inside its handler. The starters are those of
//!   `benches/tasks.rs` (`benches/common/tasks.rs`) with a window of 1.
//! * Down delivery: a watcher has monitored N processes, each waiting on one
//!   `watch` channel; timed from flipping the channel until the watcher has
//!   handled the N-th `Down`. Hand-written: N tokio tasks, each owning a guard
//!   that sends `(id, reason)` into one unbounded mpsc when dropped, one task
//!   counting them, each task detached as it is spawned. Both are the
//!   `*_stop` rounds of `benches/process.rs` (`benches/common/down.rs`), but
//!   for that (`Spawning::Detach`; process.rs keeps the tasks' abort handles).
//! * restart latency: from a cast that makes the supervised child panic until
//!   the replacement (looked up by name) answers a call. Hand-written: a
//!   supervising task that respawns the child actor when its `JoinHandle`
//!   reports a panic and publishes the new handle in a shared slot. The
//!   gen_server side is `restart_latency/panic_to_reply` of
//!   `benches/supervisor.rs` (`benches/common/restart.rs`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gen_server::ExitReason;
use gen_server::task::TaskSupervisor;
use tokio::sync::mpsc;

use crate::common::down::{self, Ending, Spawning};
use crate::common::restart;
use crate::common::tasks;

/// The window of the shared task starters: one task in flight at a time.
const ONE_AT_A_TIME: usize = 1;

/// Task round trip, gen_server: ns per task.
pub async fn tasks_gen_server(total: usize) -> f64 {
    let sup = TaskSupervisor::start();
    let starter = tasks::gs::Starter::start(tasks::gs::Tasks::One(sup.clone()))
        .await
        .expect("starter");
    let t0 = Instant::now();
    let sum = starter
        .run(total, ONE_AT_A_TIME)
        .no_timeout()
        .await
        .expect("run");
    let elapsed = t0.elapsed();
    assert_eq!(sum, total as u64, "every task delivered its value");
    starter.stop(ExitReason::Normal).await.expect("stop");
    assert_eq!(sup.count(), 0, "every task removed itself");
    sup.stop(ExitReason::Normal).await.expect("stop");
    per(elapsed, total as u64)
}

/// Task round trip, hand-written (`Mailbox`, or `Await` for the lower
/// bound): ns per task.
pub async fn tasks_hand(total: usize, style: tasks::hand::Style) -> f64 {
    let (starter, actor) = tasks::hand::Starter::spawn(style);
    let t0 = Instant::now();
    let sum = starter.run(total, ONE_AT_A_TIME).await;
    let elapsed = t0.elapsed();
    assert_eq!(sum, total as u64, "every task delivered its value");
    drop(starter);
    actor.await.expect("the actor ends");
    per(elapsed, total as u64)
}

/// Down delivery, gen_server: ns per `Down`.
pub async fn down_gen_server(processes: usize) -> f64 {
    let watcher = down::Watcher::start().await.expect("watcher");
    let elapsed = down::time_gen_server(&watcher, processes, Ending::Stop).await;
    watcher.stop(ExitReason::Normal).await.expect("stop");
    per(elapsed, processes as u64)
}

/// Down delivery, hand-written: ns per note.
pub async fn down_hand(processes: usize) -> f64 {
    let elapsed = down::time_hand_written(processes, Ending::Stop, Spawning::Detach).await;
    per(elapsed, processes as u64)
}

/// Restart latency, gen_server: ns per restart (panic to the replacement's
/// reply).
pub async fn restart_gen_server(restarts: u64) -> f64 {
    per(restart::panic_to_reply(restarts).await, restarts)
}

/// The hand-written supervised child.
mod hand_child {
    use tokio::sync::{mpsc, oneshot};

    pub enum Msg {
        Crash,
        Add(u64, oneshot::Sender<u64>),
    }

    #[derive(Clone)]
    pub struct Child(pub mpsc::UnboundedSender<Msg>);

    impl Child {
        pub fn crash(&self) {
            let _ = self.0.send(Msg::Crash);
        }

        pub async fn add(&self, n: u64) -> Option<u64> {
            let (tx, rx) = oneshot::channel();
            self.0.send(Msg::Add(n, tx)).ok()?;
            rx.await.ok()
        }
    }

    /// The child's task: reports its start, then serves until its mailbox
    /// closes; panics on `Crash`.
    pub async fn run(mut rx: mpsc::UnboundedReceiver<Msg>, started: mpsc::UnboundedSender<()>) {
        let _ = started.send(());
        let mut total = 0;
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Crash => panic!("benchmark crash"),
                Msg::Add(n, reply) => {
                    total += n;
                    let _ = reply.send(total);
                }
            }
        }
    }
}

/// Restart latency, hand-written: a task respawning the child whenever its
/// `JoinHandle` reports a panic; ns per restart.
pub async fn restart_hand(restarts: u64) -> f64 {
    let (started_tx, mut started) = mpsc::unbounded_channel();
    // The "registry": the current child's handle.
    let slot: Arc<Mutex<Option<hand_child::Child>>> = Arc::new(Mutex::new(None));
    let supervisor = {
        let slot = Arc::clone(&slot);
        tokio::spawn(async move {
            loop {
                let (tx, rx) = mpsc::unbounded_channel();
                *slot.lock().expect("slot") = Some(hand_child::Child(tx));
                let child = tokio::spawn(hand_child::run(rx, started_tx.clone()));
                match child.await {
                    Err(e) if e.is_panic() => continue,
                    _ => break,
                }
            }
        })
    };
    let current = || slot.lock().expect("slot").clone().expect("a child");
    started.recv().await.expect("first start");
    let mut total = Duration::ZERO;
    for _ in 0..restarts {
        let old = current();
        let t0 = Instant::now();
        old.crash();
        started.recv().await.expect("restarted");
        let new = current();
        assert_eq!(new.add(1).await, Some(1));
        total += t0.elapsed();
        assert!(!new.0.same_channel(&old.0));
    }
    // Closing the last child's mailbox ends it normally, and the loop.
    slot.lock().expect("slot").take();
    supervisor.await.expect("the supervisor ends");
    per(total, restarts)
}

fn per(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}
