//! Process-model benchmarks: monitors (`Down` delivery) and links (exit-signal
//! cascades), each against the closest hand-written tokio equivalent.
//!
//! Run with `cargo bench --bench process` (about 45 s once built; criterion
//! warns that it cannot complete 10 samples in 1 s for the `spawn_link` and
//! `linked_children_end` rows of `link_fanout_10k`, which take 80-300 ms per
//! iteration: see BENCHMARKS.md). Groups, each on a current-thread runtime
//! and on a 2-worker multi-thread runtime:
//!
//! * `down_10k/*`: one `#[gen_server]` watcher monitors [`PROCESSES`] plain
//!   processes (`gen_server::spawn`), each waiting on a shared
//!   `tokio::sync::watch` channel. Timed: from telling them to end until the
//!   watcher has handled all their `Down`s (its `#[info]` handler counts them
//!   and fires a oneshot at the last). Two ways to end them: `*_stop` flips
//!   the watch channel (every process returns, reason `Normal`), `*_kill`
//!   calls `kill` on every pid (reason `Killed`). The hand-written analogue:
//!   the same number of tokio tasks waiting on the same watch channel, each
//!   holding a guard with a clone of an unbounded mpsc sender that sends
//!   `(id, reason)` when the task's future is dropped (on return, panic or
//!   abort: what a process's exit guard does), and one receiver task counting
//!   them; `*_kill` aborts the tasks (`*_stop` keeps an abort handle for
//!   every task until the round ends: see `common::down::Spawning`).
//!   Spawning, monitoring and arming the counter are not timed (the watcher
//!   and the hand-written tasks are in `common/down.rs`, shared with
//!   peer_bench).
//! * `link_chain_10k/*`: a chain of [`PROCESSES`] linked processes, built
//!   outside the timed section: each `spawn_link`s the next
//!   (`gen_server_spawn_link`), or each gen_server's `init` starts the next
//!   with `Builder::start_link` (`gen_server_start_link`). Timed: from killing
//!   the head until a monitor on the tail (from plain code, set before the
//!   clock starts) resolves with `Killed`. The hand-written analogue: each
//!   task holds a guard that aborts its child's task when dropped, the head is
//!   aborted and the tail's `JoinHandle` awaited. Per hop = total / (N - 1).
//! * `link_fanout_10k/*`: one process `spawn_link`s [`PROCESSES`] children
//!   (timed: the spawn loop, against the same loop with `spawn`), then the
//!   children end `Normal`ly (timed: from telling them until a monitor on
//!   every child, set from plain code before the clock starts, has resolved;
//!   a child's `Down` is sent after it has dropped its link to the parent, so
//!   by then the parent has no link left; against unlinked children with the
//!   same monitors). These show what links cost a process with many of them
//!   (a supervisor, an acceptor pool).
//!
//! Every benchmark checks that each process ended, with the expected reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use gen_server::{ExitReason, Pid};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Processes per measured iteration (watched, chained or linked).
const PROCESSES: usize = 10_000;

mod gs {
    use gen_server::prelude::*;
    use tokio::sync::mpsc;

    /// One link of a chain: its `init` starts the next one, linked.
    pub struct Node;

    /// Where each node reports its child: (the child's remaining depth, its pid).
    pub type Chain = mpsc::UnboundedSender<(usize, Pid)>;

    #[gen_server]
    impl Node {
        async fn init(remaining: usize, chain: Chain) -> Self {
            if remaining > 0 {
                let child = Node::builder()
                    .start_link((remaining - 1, chain.clone()))
                    .await
                    .expect("a chain node starts");
                let _ = chain.send((remaining - 1, child.pid()));
            }
            Node
        }
    }
}

mod common;

use common::down::{self, Ending, Spawning, Watcher};
use common::{all_polled, run_task, runtimes};

fn down(c: &mut Criterion) {
    let mut group = c.benchmark_group("down_10k");
    group.sampling_mode(SamplingMode::Flat);
    for (flavor, rt) in runtimes() {
        let watcher = rt.block_on(Watcher::start()).expect("watcher");
        for (name, ending) in [("stop", Ending::Stop), ("kill", Ending::Kill)] {
            let id = BenchmarkId::new(format!("gen_server_{name}"), flavor);
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let watcher = watcher.clone();
                    run_task(&rt, async move {
                        let mut elapsed = Duration::ZERO;
                        for _ in 0..iters {
                            elapsed += down::time_gen_server(&watcher, PROCESSES, ending).await;
                        }
                        elapsed
                    })
                });
            });
            let id = BenchmarkId::new(format!("hand_written_{name}"), flavor);
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    run_task(&rt, async move {
                        let mut elapsed = Duration::ZERO;
                        for _ in 0..iters {
                            elapsed +=
                                down::time_hand_written(PROCESSES, ending, Spawning::KeepHandles)
                                    .await;
                        }
                        elapsed
                    })
                });
            });
        }
        rt.block_on(watcher.stop(ExitReason::Normal)).expect("stop");
    }
    group.finish();
}

/// Where each link of a chain reports its child: (the child's remaining
/// depth, the child).
type ChainTx<T> = mpsc::UnboundedSender<(usize, T)>;

/// Collects every child a chain reported, until all its senders are gone, and
/// returns the tail (remaining depth 0) and the others.
async fn collect_chain<T>(mut rx: mpsc::UnboundedReceiver<(usize, T)>) -> (T, Vec<T>) {
    let mut all = Vec::with_capacity(PROCESSES);
    while let Some(reported) = rx.recv().await {
        all.push(reported);
    }
    assert_eq!(all.len(), PROCESSES - 1, "the whole chain was built");
    let tail = all.iter().position(|(remaining, _)| *remaining == 0);
    let (_, tail) = all.swap_remove(tail.expect("the chain has a tail"));
    (tail, all.into_iter().map(|(_, child)| child).collect())
}

/// A plain process that `spawn_link`s the rest of the chain, then waits forever.
fn spawn_link_chain(remaining: usize, chain: ChainTx<Pid>) -> Pid {
    gen_server::spawn_link(async move {
        if remaining > 0 {
            let child = spawn_link_chain(remaining - 1, chain.clone());
            let _ = chain.send((remaining - 1, child));
        }
        drop(chain);
        std::future::pending::<()>().await;
    })
}

/// Kills `head` and times until the monitor on `tail` resolves.
async fn cascade(head: &Pid, tail: &Pid, rest: &[Pid]) -> Duration {
    let tail_down = gen_server::monitor(tail);
    let start = Instant::now();
    assert!(head.kill());
    let reason = tail_down.await;
    let elapsed = start.elapsed();
    assert_eq!(reason, ExitReason::Killed);
    assert!(rest.iter().all(|pid| !pid.is_alive()));
    elapsed
}

/// One iteration of `link_chain_10k` with plain processes.
async fn chain_spawn_link() -> Duration {
    let (tx, rx) = mpsc::unbounded_channel();
    // Called from a plain task: the head is not linked to anything.
    let head = spawn_link_chain(PROCESSES - 1, tx);
    let (tail, rest) = collect_chain(rx).await;
    cascade(&head, &tail, &rest).await
}

/// One iteration of `link_chain_10k` with gen_servers.
async fn chain_start_link() -> Duration {
    let (tx, rx) = mpsc::unbounded_channel();
    let head = gs::Node::start(PROCESSES - 1, tx).await.expect("head");
    let (tail, rest) = collect_chain(rx).await;
    cascade(&head.pid(), &tail, &rest).await
}

/// Aborts a task when dropped: a one-way hand-written "link".
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A task that spawns the rest of the chain and aborts it when it is dropped.
fn hand_chain(remaining: usize, chain: ChainTx<JoinHandle<()>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _child = (remaining > 0).then(|| {
            let child = hand_chain(remaining - 1, chain.clone());
            let guard = AbortOnDrop(child.abort_handle());
            let _ = chain.send((remaining - 1, child));
            guard
        });
        drop(chain);
        std::future::pending::<()>().await;
    })
}

/// One iteration of `link_chain_10k` for hand-written tasks.
async fn chain_hand_written() -> Duration {
    let (tx, rx) = mpsc::unbounded_channel();
    let head = hand_chain(PROCESSES - 1, tx);
    let (tail, rest) = collect_chain(rx).await;
    // Detached, as processes are, so that each task is freed as it ends. The
    // tail ends only once every task before it has dropped its guard.
    drop(rest);
    let start = Instant::now();
    head.abort();
    let ended = tail.await;
    let elapsed = start.elapsed();
    assert!(ended.expect_err("the tail was aborted").is_cancelled());
    assert!(head.await.expect_err("aborted").is_cancelled());
    elapsed
}

fn link_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("link_chain_10k");
    group.sampling_mode(SamplingMode::Flat);
    for (flavor, rt) in runtimes() {
        group.bench_function(BenchmarkId::new("gen_server_spawn_link", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        elapsed += chain_spawn_link().await;
                    }
                    elapsed
                })
            });
        });
        group.bench_function(BenchmarkId::new("gen_server_start_link", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        elapsed += chain_start_link().await;
                    }
                    elapsed
                })
            });
        });
        group.bench_function(BenchmarkId::new("hand_written", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        elapsed += chain_hand_written().await;
                    }
                    elapsed
                })
            });
        });
    }
    group.finish();
}

/// What `link_fanout_10k` times.
#[derive(Clone, Copy)]
enum Fanout {
    /// The parent's loop spawning the children.
    Spawn,
    /// From telling the children to end until the parent has no link left.
    ChildrenEnd,
}

/// One iteration of `link_fanout_10k`: a parent process spawns [`PROCESSES`]
/// children (linked or not) waiting on a watch channel, then they end
/// `Normal`ly; returns the part `what` says.
async fn fanout(linked: bool, what: Fanout) -> Duration {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (report_tx, report_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let polled = Arc::new(AtomicUsize::new(0));
    let parent_polled = Arc::clone(&polled);
    let parent = gen_server::spawn(async move {
        let start = Instant::now();
        let children: Vec<Pid> = (0..PROCESSES)
            .map(|_| {
                let mut stop = stop_rx.clone();
                let polled = Arc::clone(&parent_polled);
                let child = async move {
                    polled.fetch_add(1, Relaxed);
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                if linked {
                    gen_server::spawn_link(child)
                } else {
                    gen_server::spawn(child)
                }
            })
            .collect();
        let spawned = start.elapsed();
        let _ = report_tx.send((spawned, children));
        let _ = release_rx.await;
    });
    let (spawned, children) = report_rx.await.expect("the parent spawned");
    // A child's `Down` is sent after it has dropped its link to the parent:
    // once every monitor has resolved, the parent has no link left. The
    // monitors cost the same with and without links.
    let downs: Vec<gen_server::Monitor> = children.iter().map(gen_server::monitor).collect();
    all_polled(&polled, PROCESSES).await;

    let start = Instant::now();
    stop_tx.send_replace(true);
    for down in downs {
        assert_eq!(down.await, ExitReason::Normal);
    }
    let ended = start.elapsed();

    assert!(children.iter().all(|pid| !pid.is_alive()));
    assert!(parent.is_alive(), "Normal exits do not kill the parent");
    let _ = release_tx.send(());
    assert_eq!(gen_server::monitor(&parent).await, ExitReason::Normal);
    match what {
        Fanout::Spawn => spawned,
        Fanout::ChildrenEnd => ended,
    }
}

fn link_fanout(c: &mut Criterion) {
    let mut group = c.benchmark_group("link_fanout_10k");
    group.sampling_mode(SamplingMode::Flat);
    for (flavor, rt) in runtimes() {
        for (name, linked, what) in [
            ("spawn_link", true, Fanout::Spawn),
            ("spawn", false, Fanout::Spawn),
            ("linked_children_end", true, Fanout::ChildrenEnd),
            ("unlinked_children_end", false, Fanout::ChildrenEnd),
        ] {
            group.bench_function(BenchmarkId::new(name, flavor), |b| {
                b.iter_custom(|iters| {
                    run_task(&rt, async move {
                        let mut elapsed = Duration::ZERO;
                        for _ in 0..iters {
                            elapsed += fanout(linked, what).await;
                        }
                        elapsed
                    })
                });
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Each iteration builds 10k processes outside the timed part, so the
    // wall-clock time is several times the measured one: keep both short.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = down, link_chain, link_fanout
}
criterion_main!(benches);
