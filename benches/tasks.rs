//! Task benchmarks: `Context::async_nolink` from a `#[gen_server]`, start to
//! outcome delivered, against hand-written tokio actors that spawn the same
//! future; and task throughput through one `TaskSupervisor` against a
//! `PartitionedTaskSupervisor`, with several starting servers at once.
//!
//! Run with `cargo bench --bench tasks` (about 55 s once built). One criterion
//! iteration is **one task**: started by an actor, run, and its outcome handled
//! by that actor. Each actor keeps a window of `W` tasks in flight: it starts
//! `W`, then one more each time an outcome arrives, until it has started its
//! share; the last outcome answers the call that set it going. `W = 1` is the
//! sequential case (each task starts when the previous outcome has been
//! handled); `W = 64` keeps a batch in flight. The task is `common::tasks::job`
//! (returns `1u64` at once) and every run checks the sum of the values. The
//! starters are in `common/tasks.rs`, shared with peer_bench's task round trip.
//!
//! * `async_nolink/*` (current-thread runtime and 2-worker multi-thread
//!   runtime), one actor:
//!   * `gen_server_w{W}`: a `#[gen_server]` starts each task with
//!     `ctx.async_nolink(&supervisor, job())`, and its
//!     `#[info] fn(TaskOutcome<u64>)` receives the outcome.
//!   * `hand_mailbox_w{W}`: the structural equivalent by hand. A tokio actor
//!     (task + unbounded mpsc + oneshot reply, like `common::hand`)
//!     `tokio::spawn`s the future wrapped in `catch_unwind`; the spawned task
//!     sends the result into the actor's own mailbox, where the actor handles
//!     it as a message. Like gen_server, the actor stays free for other
//!     messages while tasks run, a panic comes back as a value, and each
//!     outcome is one mailbox message. It has no supervisor: nothing tracks
//!     the tasks, so nothing can shut them down.
//!   * `hand_joinset_w{W}`: the idiomatic tokio version: the actor owns a
//!     `JoinSet` and `select!`s between its mailbox and `join_next`. The set
//!     tracks the tasks (and aborts them when dropped), the closest tokio
//!     has to a supervisor.
//!   * `hand_await_w{W}`: the lower bound: the actor `tokio::spawn`s the
//!     future and awaits its `JoinHandle`s (oldest first) inside its message
//!     handler, so it is blocked while tasks run.
//! * `throughput/*` (2-worker multi-thread runtime; `c1` and `c8` also on
//!   the current-thread runtime): `C` = 1, 2 or 8 `#[gen_server]` starters, each
//!   with a window of 64 tasks, share the iterations and run at once, all
//!   through one `TaskSupervisor` (`one`), or a `PartitionedTaskSupervisor`
//!   with the default partitions (`available_parallelism`, `part_default`) or
//!   8 (`part8`); the starters are routed by their id, which the benchmark
//!   checks spreads them evenly. `hand_mailbox` is the same load with the
//!   hand-written mailbox actors: no supervisor at all.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use gen_server::ExitReason;
use gen_server::task::{PartitionedTaskSupervisor, TaskSupervisor};
use tokio::runtime::Runtime;

mod common;

use common::tasks::{gs, hand};
use common::{run_task, runtimes};

/// Tasks in flight per starter in the "batch" variants and in `throughput`.
const WINDOW: usize = 64;

/// One kind of starter, for the benchmark loops.
enum Starters {
    GenServer(Vec<gs::StarterRef>),
    Hand(Vec<hand::Starter>, Vec<tokio::task::JoinHandle<()>>),
}

impl Starters {
    /// Runs `total` tasks split over the starters, `window` in flight in each,
    /// all at once; returns the time taken.
    async fn run(&self, total: usize, window: usize) -> Duration {
        let n = self.len();
        let share = |i: usize| total / n + usize::from(i < total % n);
        let start = Instant::now();
        let sums: Vec<u64> = match self {
            Starters::GenServer(starters) => {
                futures_util::future::join_all(starters.iter().enumerate().map(|(i, s)| {
                    let call = s.run(share(i), window).no_timeout();
                    async move { call.await.expect("run") }
                }))
                .await
            }
            Starters::Hand(starters, _) => {
                futures_util::future::join_all(
                    starters
                        .iter()
                        .enumerate()
                        .map(|(i, s)| s.run(share(i), window)),
                )
                .await
            }
        };
        let elapsed = start.elapsed();
        for (i, sum) in sums.into_iter().enumerate() {
            assert_eq!(sum, share(i) as u64, "every task of starter {i} delivered");
        }
        elapsed
    }

    fn len(&self) -> usize {
        match self {
            Starters::GenServer(s) => s.len(),
            Starters::Hand(s, _) => s.len(),
        }
    }

    async fn stop(self) {
        match self {
            Starters::GenServer(starters) => {
                for s in starters {
                    s.stop(ExitReason::Normal).await.expect("stop");
                }
            }
            Starters::Hand(starters, tasks) => {
                drop(starters);
                for task in tasks {
                    task.await.expect("the hand-written actor ends");
                }
            }
        }
    }
}

/// Where the gen_server starters' tasks go.
#[derive(Clone)]
enum Sup {
    One(TaskSupervisor),
    Partitioned(PartitionedTaskSupervisor),
}

impl Sup {
    fn tasks(&self) -> gs::Tasks {
        match self {
            Sup::One(s) => gs::Tasks::One(s.clone()),
            Sup::Partitioned(s) => gs::Tasks::Partitioned(s.clone()),
        }
    }

    async fn stop(self) {
        match self {
            Sup::One(s) => {
                assert_eq!(s.count(), 0, "every task removed itself");
                s.stop(ExitReason::Normal).await.expect("stop");
            }
            Sup::Partitioned(s) => {
                assert_eq!(s.count(), 0, "every task removed itself");
                s.stop(ExitReason::Normal).await.expect("stop");
            }
        }
    }
}

/// What runs the tasks of one benchmark.
#[derive(Clone)]
enum Kind {
    GenServer(Sup),
    Hand(hand::Style),
}

/// Starts `n` starters of `kind` (gen_servers one after the other, so their ids
/// are consecutive and a partitioned supervisor spreads them evenly).
async fn starters(kind: &Kind, n: usize) -> Starters {
    match kind {
        Kind::GenServer(sup) => {
            let mut all = Vec::with_capacity(n);
            for _ in 0..n {
                all.push(gs::Starter::start(sup.tasks()).await.expect("starter"));
            }
            if let Sup::Partitioned(tasks) = sup {
                let parts = tasks.partitions().len();
                let mut per_part = vec![0usize; parts];
                for s in &all {
                    let chosen = tasks.partition(s.id()).id();
                    let i = tasks.partitions().iter().position(|p| p.id() == chosen);
                    per_part[i.expect("a partition")] += 1;
                }
                let (lo, hi) = (n / parts, n.div_ceil(parts));
                assert!(
                    per_part.iter().all(|&k| k == lo || k == hi),
                    "starters spread unevenly over partitions: {per_part:?}"
                );
            }
            Starters::GenServer(all)
        }
        Kind::Hand(style) => {
            let (all, tasks) = (0..n).map(|_| hand::Starter::spawn(*style)).unzip();
            Starters::Hand(all, tasks)
        }
    }
}

/// Benchmarks `kind` with `callers` starters and `window` tasks in flight in
/// each; one criterion iteration is one task.
fn bench(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
    id: BenchmarkId,
    kind: Kind,
    callers: usize,
    window: usize,
) {
    let set = rt.block_on(starters(&kind, callers));
    let set = std::sync::Arc::new(set);
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let set = std::sync::Arc::clone(&set);
            let total = usize::try_from(iters).expect("iterations fit usize");
            run_task(rt, async move { set.run(total, window).await })
        });
    });
    let set = std::sync::Arc::into_inner(set).expect("the only handle left");
    rt.block_on(set.stop());
    if let Kind::GenServer(sup) = kind {
        rt.block_on(sup.stop());
    }
}

fn async_nolink(c: &mut Criterion) {
    let mut group = c.benchmark_group("async_nolink");
    group.sampling_mode(SamplingMode::Flat);
    for (flavor, rt) in runtimes() {
        for window in [1, WINDOW] {
            let sup = rt.block_on(async { TaskSupervisor::start() });
            let kinds = [
                ("gen_server", Kind::GenServer(Sup::One(sup))),
                ("hand_mailbox", Kind::Hand(hand::Style::Mailbox)),
                ("hand_joinset", Kind::Hand(hand::Style::JoinSet)),
                ("hand_await", Kind::Hand(hand::Style::Await)),
            ];
            for (name, kind) in kinds {
                let id = BenchmarkId::new(format!("{name}_w{window}"), flavor);
                bench(&mut group, &rt, id, kind, 1, window);
            }
        }
    }
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("throughput");
    group.sampling_mode(SamplingMode::Flat);
    for (flavor, rt) in runtimes() {
        let callers: &[usize] = if flavor == "current_thread" {
            &[1, 8]
        } else {
            &[1, 2, 8]
        };
        for &n in callers {
            let kinds = [
                ("one", Kind::GenServer(Sup::One(TaskSupervisor::start()))),
                (
                    "part_default",
                    Kind::GenServer(Sup::Partitioned(PartitionedTaskSupervisor::start())),
                ),
                (
                    "part8",
                    Kind::GenServer(Sup::Partitioned(
                        PartitionedTaskSupervisor::builder().partitions(8).start(),
                    )),
                ),
                ("hand_mailbox", Kind::Hand(hand::Style::Mailbox)),
            ];
            for (name, kind) in kinds {
                let id = BenchmarkId::new(format!("{name}_c{n}"), flavor);
                bench(&mut group, &rt, id, kind, n, WINDOW);
            }
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = async_nolink, throughput
}
criterion_main!(benches);
