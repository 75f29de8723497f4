//! The task starters: a `#[gen_server]` that starts [`job`]s with
//! `Context::async_nolink` and handles their outcomes, and the hand-written
//! tokio actors that start the same job three ways. Each keeps a window of
//! tasks in flight: it starts `window`, then one more each time an outcome
//! arrives, until it has started `total`; the last outcome answers the
//! request that set it going with the sum of the values. `window = 1` is the
//! sequential case: each task starts when the previous outcome has been
//! handled.
//!
//! Used by `benches/tasks.rs` (windows of 1 and 64, several starters at once)
//! and by peer_bench's task round trip (one starter, window 1).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// The future every task runs.
pub async fn job() -> u64 {
    1
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

/// The `#[gen_server]` starter.
pub mod gs {
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

/// Hand-written tokio actors that start the same tasks, three ways.
pub mod hand {
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

    enum Msg {
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
