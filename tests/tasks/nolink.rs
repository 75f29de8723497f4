//! `async_nolink` from a server: the outcome, value or failure, arrives as
//! one message; the server never gets an exit signal and survives.

use gen_server::prelude::*;
use gen_server::task::{SpawnError, TaskError, TaskSupervisor};
use tokio::sync::oneshot;

use crate::within;
use crate::worker::{self, Job, next, outcome, panic_when};

#[tokio::test]
async fn a_task_delivers_its_value() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let task = worker
        .nolink(tasks.clone(), Job::Value(42))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next(&mut seen).await, Some(outcome(&task, Ok(42))));
}

#[tokio::test]
async fn a_crashing_task_arrives_only_as_its_failure_and_the_server_survives() {
    // Trapping exits, to show that no `Exit` comes: the task is not linked.
    let (worker, mut seen) = worker::start(true).await;
    let tasks = TaskSupervisor::start();
    let (fire, job) = panic_when("bad input");
    let task = worker.nolink(tasks.clone(), job).await.unwrap().unwrap();
    fire.send(()).unwrap();
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(
            &task,
            Err(TaskError::Exited(ExitReason::Panic("bad input".into())))
        ))
    );
    // Handled after everything queued before it: no `Exit` came.
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "more than the failure arrived");
    assert!(tasks.is_alive());
    assert_eq!(tasks.count(), 0);
}

#[tokio::test]
async fn a_crashing_task_does_not_kill_a_server_that_does_not_trap_exits() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let (fire, job) = panic_when("bad input");
    let task = worker.nolink(tasks.clone(), job).await.unwrap().unwrap();
    fire.send(()).unwrap();
    let crash = ExitReason::Panic("bad input".into());
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(crash))))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "more than the failure arrived");
}

#[tokio::test]
async fn a_killed_task_reports_killed() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let task = worker
        .nolink(tasks.clone(), Job::Forever)
        .await
        .unwrap()
        .unwrap();
    task.kill();
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(ExitReason::Killed))))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_server_that_dies_leaves_its_nolink_tasks_running() {
    let (worker, _seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let (tx, rx) = oneshot::channel();
    let task = worker
        .nolink(tasks.clone(), Job::WaitFor(rx))
        .await
        .unwrap()
        .unwrap();
    let worker_down = gen_server::monitor(&worker);
    worker.kill();
    within(worker_down).await;
    assert!(task.is_alive());
    let task_down = gen_server::monitor(&task);
    tx.send(5).unwrap();
    // Its outcome has nowhere to go; it ends normally all the same.
    assert_eq!(within(task_down).await, ExitReason::Normal);
}

#[tokio::test]
async fn a_deferred_reply_leaves_the_server_free_for_other_calls() {
    let (worker, _seen) = worker::start(false).await;
    let (release, rx) = oneshot::channel();
    let (started_tx, started) = oneshot::channel();
    let slow = tokio::spawn({
        let worker = worker.clone();
        async move { worker.slow(Job::StartedThenWaitFor(started_tx, rx)).await }
    });
    // Once the first call's task is working, the server answers a second one.
    within(started).await.unwrap();
    assert_eq!(within(worker.ping().into_future()).await, Ok("pong"));
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(!slow.is_finished(), "the slow call must still be waiting");
    release.send(9).unwrap();
    assert_eq!(within(slow).await.unwrap(), Ok(9));
}

#[tokio::test]
async fn max_children_refuses_a_task_over_the_limit() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::builder().max_children(1).start().unwrap();
    assert_eq!(tasks.max_children(), Some(1));
    let (tx, rx) = oneshot::channel();
    let first = worker
        .nolink(tasks.clone(), Job::WaitFor(rx))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        worker.nolink(tasks.clone(), Job::Value(1)).await,
        Ok(Err(SpawnError::MaxChildren(1)))
    );
    tx.send(2).unwrap();
    assert_eq!(next(&mut seen).await, Some(outcome(&first, Ok(2))));
    // A slot is free again once the first task has ended.
    let third = worker
        .nolink(tasks.clone(), Job::Value(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next(&mut seen).await, Some(outcome(&third, Ok(3))));
}

#[tokio::test(start_paused = true)]
async fn a_task_past_its_deadline_is_killed_and_reported_as_timed_out() {
    let (worker, mut seen) = worker::start(true).await;
    let tasks = TaskSupervisor::start();
    let deadline = std::time::Duration::from_secs(2);
    let t0 = tokio::time::Instant::now();
    let task = worker
        .nolink_timeout(tasks.clone(), deadline, Job::Forever)
        .await
        .unwrap()
        .unwrap();
    let down = gen_server::monitor(&task);
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Timeout)))
    );
    assert_eq!(t0.elapsed(), deadline);
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "more than the timeout arrived");
    // A task that ends in time is not affected by its deadline.
    let quick = worker
        .nolink_timeout(tasks.clone(), deadline, Job::Value(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next(&mut seen).await, Some(outcome(&quick, Ok(5))));
}

/// A message no task outcome is ever made into (its function panics).
struct Bogus;

/// A server with a bounded mailbox that starts tasks and can be held busy.
struct Bounded {
    tasks: TaskSupervisor,
    seen: u32,
}

#[gen_server]
impl Bounded {
    fn init(tasks: TaskSupervisor) -> Self {
        Bounded { tasks, seen: 0 }
    }

    /// Starts `n` tasks that end at once.
    #[call]
    fn start_tasks(&mut self, n: u32, ctx: &mut Context<Self>) {
        for _ in 0..n {
            ctx.async_nolink(&self.tasks, async { 1u64 }).unwrap();
        }
    }

    /// Starts a task that waits for `rx`, whose outcome goes through a
    /// function that panics.
    #[call]
    fn start_badly_wrapped(&mut self, rx: oneshot::Receiver<u64>, ctx: &mut Context<Self>) -> Pid {
        let task = ctx
            .async_nolink_with(
                &self.tasks,
                async move { rx.await.unwrap_or(0) },
                |_| -> Bogus { panic!("wrap failed") },
            )
            .unwrap();
        task.pid().clone()
    }

    #[info]
    fn bogus(&mut self, _bogus: Bogus) {}

    #[info]
    fn done(&mut self, _outcome: gen_server::task::TaskOutcome<u64>) {
        self.seen += 1;
    }

    #[call]
    fn seen(&self) -> u32 {
        self.seen
    }

    /// Says it is busy, then stays busy until `gate` fires.
    #[call]
    async fn hold(&mut self, busy: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = busy.send(());
        let _ = gate.await;
    }

    #[cast]
    fn poke(&mut self) {}
}

#[tokio::test]
async fn task_outcomes_take_no_slot_of_a_bounded_mailbox() {
    let server = Bounded::builder()
        .bounded_mailbox(2)
        .start(TaskSupervisor::start())
        .await
        .unwrap();
    server.start_tasks(10).await.unwrap();
    within(async {
        while server.seen().await != Ok(10) {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let (busy_tx, busy) = oneshot::channel();
    let (open, gate) = oneshot::channel();
    let held = tokio::spawn({
        let server = server.clone();
        async move { server.hold(busy_tx, gate).await }
    });
    within(busy).await.unwrap();
    // Ten outcomes came and went: the mailbox still has exactly its two slots.
    let mut accepted = 0;
    while server.poke().try_send().is_ok() {
        accepted += 1;
        assert!(
            accepted <= 2,
            "a bounded mailbox of 2 took {accepted} casts"
        );
    }
    assert_eq!(accepted, 2);
    open.send(()).unwrap();
    within(held).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_panic_making_the_outcome_a_message_still_ends_the_task_for_its_monitors() {
    let server = Bounded::start(TaskSupervisor::start()).await.unwrap();
    let (tx, rx) = oneshot::channel();
    let task = server.start_badly_wrapped(rx).await.unwrap();
    let down = gen_server::monitor(&task);
    tx.send(1).unwrap();
    // The outcome is lost (and logged), but the task's end is not.
    assert_eq!(within(down).await, ExitReason::Normal);
    assert_eq!(server.seen().await, Ok(0));
}
