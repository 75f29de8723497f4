//! The server under test: it starts tasks on request and reports every
//! message it receives, in order, on a channel.

use gen_server::prelude::*;
use gen_server::task::{
    PartitionedTaskSupervisor, Shutdown, SpawnError, TaskOutcome, TaskRef, TaskSupervisor,
};
use tokio::sync::{mpsc, oneshot};

use crate::within;

/// What a task does.
pub enum Job {
    /// Returns this value at once.
    Value(u64),
    /// Returns the value it is sent (0 if the sender is dropped).
    WaitFor(oneshot::Receiver<u64>),
    /// Panics with this message once signalled.
    PanicWhen(oneshot::Receiver<()>, &'static str),
    /// Never ends on its own.
    Forever,
    /// Reports that it runs, then returns the value it is sent.
    StartedThenWaitFor(oneshot::Sender<()>, oneshot::Receiver<u64>),
}

impl Job {
    pub async fn run(self) -> u64 {
        match self {
            Job::Value(v) => v,
            Job::WaitFor(rx) => rx.await.unwrap_or(0),
            Job::PanicWhen(rx, msg) => {
                let _ = rx.await;
                panic!("{msg}")
            }
            Job::Forever => std::future::pending().await,
            Job::StartedThenWaitFor(started, rx) => {
                let _ = started.send(());
                rx.await.unwrap_or(0)
            }
        }
    }
}

/// A job that panics when the returned sender fires.
pub fn panic_when(msg: &'static str) -> (oneshot::Sender<()>, Job) {
    let (tx, rx) = oneshot::channel();
    (tx, Job::PanicWhen(rx, msg))
}

/// What the worker received.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Outcome(TaskOutcome<u64>),
    Exit(Exit),
}

/// A slow request's outcome, with the reply handle it must answer.
pub struct SlowDone {
    reply: ReplyTo<u64>,
    outcome: TaskOutcome<u64>,
}

pub struct Worker {
    seen: mpsc::UnboundedSender<Seen>,
    last: Option<TaskRef>,
    tasks: TaskSupervisor,
}

#[gen_server]
impl Worker {
    fn init(
        seen: mpsc::UnboundedSender<Seen>,
        trap: bool,
        tasks: TaskSupervisor,
        ctx: &mut Context<Self>,
    ) -> Self {
        ctx.trap_exit(trap);
        Worker {
            seen,
            last: None,
            tasks,
        }
    }

    /// Starts a linked task (`Task.async`); returns its process.
    #[call]
    fn linked(&mut self, job: Job, ctx: &mut Context<Self>) -> Pid {
        let task = ctx.async_task(job.run());
        let pid = task.pid().clone();
        self.last = Some(task);
        pid
    }

    /// Starts a task under `tasks` (`Task.Supervisor.async_nolink`).
    #[call]
    fn nolink(
        &mut self,
        tasks: TaskSupervisor,
        job: Job,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, SpawnError> {
        let task = ctx.async_nolink(&tasks, job.run())?;
        let pid = task.pid().clone();
        self.last = Some(task);
        Ok(pid)
    }

    /// Starts a task under `tasks` with a deadline.
    #[call]
    fn nolink_timeout(
        &mut self,
        tasks: TaskSupervisor,
        timeout: std::time::Duration,
        job: Job,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, SpawnError> {
        let task = ctx.async_nolink_timeout(&tasks, timeout, job.run())?;
        Ok(task.pid().clone())
    }

    /// Starts a task under a partitioned supervisor, which picks the
    /// partition by this worker's id.
    #[call]
    fn partitioned(
        &mut self,
        tasks: PartitionedTaskSupervisor,
        job: Job,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, SpawnError> {
        let task = ctx.async_nolink(&tasks, job.run())?;
        Ok(task.pid().clone())
    }

    /// Shuts the last task down; returns its exit reason.
    #[call]
    async fn shutdown_last(&mut self, how: Shutdown) -> ExitReason {
        match &self.last {
            Some(task) => task.shutdown(how).await,
            None => ExitReason::NoProc,
        }
    }

    /// Answers after a task under the worker's own supervisor has finished
    /// `job`: the post's deferred reply, leaving the worker free meanwhile.
    #[call]
    fn slow(&mut self, job: Job, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        let started = ctx.async_nolink_with(&self.tasks, job.run(), |outcome| SlowDone {
            reply,
            outcome,
        });
        assert!(started.is_ok(), "the worker's supervisor refused a task");
    }

    #[info]
    fn slow_done(&mut self, done: SlowDone) {
        match done.outcome.result {
            Ok(value) => done.reply.send(value),
            // Dropping the reply handle tells the caller `NoReply`.
            Err(_) => drop(done.reply),
        }
    }

    #[info]
    fn on_outcome(&mut self, outcome: TaskOutcome<u64>) {
        let _ = self.seen.send(Seen::Outcome(outcome));
    }

    #[info]
    fn on_exit(&mut self, exit: Exit) {
        let _ = self.seen.send(Seen::Exit(exit));
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

/// Starts a worker (trapping exits if `trap`) and returns it with its report.
pub async fn start(trap: bool) -> (WorkerRef, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let worker = Worker::start(tx, trap, TaskSupervisor::start())
        .await
        .unwrap();
    (worker, rx)
}

/// The next thing the worker received; `None` once the worker is gone.
pub async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Option<Seen> {
    within(seen.recv()).await
}

/// The outcome `task` reports.
pub fn outcome(task: &Pid, result: Result<u64, gen_server::task::TaskError>) -> Seen {
    Seen::Outcome(TaskOutcome {
        task: task.id(),
        result,
    })
}
