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
//! handled); `W = 64` keeps a batch in flight. The task is [`job`] (returns
//! `1u64` at once) and every run checks the sum of the values.
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

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use gen_server::ExitReason;
use gen_server::task::{PartitionedTaskSupervisor, TaskSupervisor};
use tokio::runtime::Runtime;

mod common;

use common::{run_task, runtimes};

/// Tasks in flight per starter in the "batch" variants and in `throughput`.
const WINDOW: usize = 64;

/// The future every task runs.
async fn job() -> u64 {
    1
}

mod gs {
    use gen_server::prelude::*;
    use gen_server::task::{PartitionedTaskSupervisor, TaskOutcome, TaskSupervisor};

    /// Where the starter's tasks go.
    pub enum Tasks {
        One(TaskSupervisor),
        Partitioned(PartitionedTaskSupervisor),
    }

    /// Starts tasks with `async_nolink`, a window at a time.
    pub struct Starter {
        tasks: Tasks,
        /// Tasks still to start.
        to_start: usize,
        /// Outcomes still to come.
        pending: usize,
        sum: u64,
        reply: Option<ReplyTo<u64>>,
    }

    impl Starter {
        fn start_one(&mut self, ctx: &mut Context<Self>) {
            self.to_start -= 1;
            let started = match &self.tasks {
                Tasks::One(tasks) => ctx.async_nolink(tasks, super::job()),
                Tasks::Partitioned(tasks) => ctx.async_nolink(tasks, super::job()),
            };
            started.expect("the supervisor admits the task");
        }
    }

    #[gen_server]
    impl Starter {
        fn init(tasks: Tasks) -> Self {
            Starter {
                tasks,
                to_start: 0,
                pending: 0,
                sum: 0,
                reply: None,
            }
        }

        /// Runs `total` tasks, `window` at a time; answers with the sum of
        /// their values once the last outcome has arrived.
        #[call]
        fn run(
            &mut self,
            total: usize,
            window: usize,
            reply: ReplyTo<u64>,
            ctx: &mut Context<Self>,
        ) {
            if total == 0 {
                reply.send(0);
                return;
            }
            self.to_start = total;
            self.pending = total;
            self.sum = 0;
            self.reply = Some(reply);
            for _ in 0..window.min(total) {
                self.start_one(ctx);
            }
        }

        #[info]
        fn done(&mut self, outcome: TaskOutcome<u64>, ctx: &mut Context<Self>) {
            self.sum += outcome.result.expect("the task returns its value");
            self.pending -= 1;
            if self.to_start > 0 {
                self.start_one(ctx);
            } else if self.pending == 0
                && let Some(reply) = self.reply.take()
            {
                reply.send(self.sum);
            }
        }
    }
}

/// Resolves to `Err(payload)` if polling the inner future panics, as
/// gen_server's task wrapper does.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// Hand-written tokio actors that start the same tasks, three ways.
mod hand {
    use std::any::Any;
    use std::collections::VecDeque;

    use tokio::sync::{mpsc, oneshot};
    use tokio::task::{JoinHandle, JoinSet};

    use super::CatchUnwind;

    /// How the actor gets its tasks' results.
    #[derive(Clone, Copy)]
    pub enum Style {
        /// Each task sends its (panic-caught) result into the actor's mailbox.
        Mailbox,
        /// The actor `select!`s between its mailbox and a `JoinSet`.
        JoinSet,
        /// The actor awaits the `JoinHandle`s inside its handler.
        Await,
    }

    pub enum Msg {
        Run {
            total: usize,
            window: usize,
            reply: oneshot::Sender<u64>,
        },
        Done(Result<u64, Box<dyn Any + Send>>),
    }

    /// The client handle.
    #[derive(Clone)]
    pub struct Starter {
        tx: mpsc::UnboundedSender<Msg>,
    }

    impl Starter {
        /// Spawns the actor; it ends when every handle is dropped.
        pub fn spawn(style: Style) -> (Self, JoinHandle<()>) {
            let (tx, rx) = mpsc::unbounded_channel();
            let me = tx.downgrade();
            let task = tokio::spawn(async move {
                match style {
                    Style::Mailbox => run_mailbox(rx, me).await,
                    Style::JoinSet => run_joinset(rx).await,
                    Style::Await => run_await(rx).await,
                }
            });
            (Starter { tx }, task)
        }

        /// Runs `total` tasks, `window` at a time; the sum of their values.
        pub async fn run(&self, total: usize, window: usize) -> u64 {
            let (reply, rx) = oneshot::channel();
            let _ = self.tx.send(Msg::Run {
                total,
                window,
                reply,
            });
            rx.await.expect("the actor answers")
        }
    }

    /// The state of one `run`.
    #[derive(Default)]
    struct Batch {
        to_start: usize,
        pending: usize,
        sum: u64,
        reply: Option<oneshot::Sender<u64>>,
    }

    impl Batch {
        /// Begins a run; returns how many tasks to start now.
        fn begin(&mut self, total: usize, window: usize, reply: oneshot::Sender<u64>) -> usize {
            if total == 0 {
                let _ = reply.send(0);
                return 0;
            }
            *self = Batch {
                to_start: total,
                pending: total,
                sum: 0,
                reply: Some(reply),
            };
            window.min(total)
        }

        /// Counts one outcome; returns whether to start another task.
        fn done(&mut self, value: u64) -> bool {
            self.sum += value;
            self.pending -= 1;
            if self.to_start > 0 {
                return true;
            }
            if self.pending == 0
                && let Some(reply) = self.reply.take()
            {
                let _ = reply.send(self.sum);
            }
            false
        }

        fn take_one(&mut self) {
            self.to_start -= 1;
        }
    }

    fn start_into_mailbox(me: &mpsc::WeakUnboundedSender<Msg>, batch: &mut Batch) {
        batch.take_one();
        let tx = me.upgrade().expect("the actor is running");
        tokio::spawn(async move {
            let job = std::pin::pin!(super::job());
            let result = CatchUnwind(job).await;
            let _ = tx.send(Msg::Done(result));
        });
    }

    async fn run_mailbox(mut rx: mpsc::UnboundedReceiver<Msg>, me: mpsc::WeakUnboundedSender<Msg>) {
        let mut batch = Batch::default();
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Run {
                    total,
                    window,
                    reply,
                } => {
                    for _ in 0..batch.begin(total, window, reply) {
                        start_into_mailbox(&me, &mut batch);
                    }
                }
                Msg::Done(result) => {
                    if batch.done(result.expect("the task returns its value")) {
                        start_into_mailbox(&me, &mut batch);
                    }
                }
            }
        }
    }

    async fn run_joinset(mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut batch = Batch::default();
        let mut set = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                Some(result) = set.join_next(), if !set.is_empty() => {
                    if batch.done(result.expect("the task returns its value")) {
                        batch.take_one();
                        set.spawn(super::job());
                    }
                }
                msg = rx.recv() => match msg {
                    Some(Msg::Run { total, window, reply }) => {
                        for _ in 0..batch.begin(total, window, reply) {
                            batch.take_one();
                            set.spawn(super::job());
                        }
                    }
                    Some(Msg::Done(_)) => unreachable!("tasks are joined, not sent"),
                    None => break,
                },
            }
        }
    }

    async fn run_await(mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut batch = Batch::default();
        let mut running = VecDeque::new();
        while let Some(msg) = rx.recv().await {
            let Msg::Run {
                total,
                window,
                reply,
            } = msg
            else {
                unreachable!("tasks are awaited, not sent");
            };
            for _ in 0..batch.begin(total, window, reply) {
                batch.take_one();
                running.push_back(tokio::spawn(super::job()));
            }
            while let Some(task) = running.pop_front() {
                if batch.done(task.await.expect("the task returns its value")) {
                    batch.take_one();
                    running.push_back(tokio::spawn(super::job()));
                }
            }
        }
    }
}

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
