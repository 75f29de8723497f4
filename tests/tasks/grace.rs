//! The shutdown grace period of a task supervisor, on tokio's paused clock:
//! a task that does not trap exits ends at once; one that traps gets the
//! `Shutdown` from `next_exit` and the grace period (5 s by default) to
//! finish, and is killed after it.

use std::time::Duration;

use gen_server::prelude::*;
use gen_server::task::{Shutdown, TaskError, TaskSupervisor};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::within;

/// Starts a task that traps exits, reports the first exit signal on the
/// returned channel, then waits `cleanup` before returning 7; returns once
/// the task traps exits.
async fn trapping_task(
    tasks: &TaskSupervisor,
    cleanup: Duration,
) -> (gen_server::task::Task<u64>, oneshot::Receiver<Exit>) {
    let (exit_tx, exit_rx) = oneshot::channel();
    let (trapping_tx, trapping) = oneshot::channel();
    let task = tasks
        .async_nolink(async move {
            gen_server::trap_exit(true);
            let _ = trapping_tx.send(());
            let exit = gen_server::next_exit().await;
            let _ = exit_tx.send(exit);
            tokio::time::sleep(cleanup).await;
            7
        })
        .unwrap();
    within(trapping).await.expect("the task started");
    (task, exit_rx)
}

#[tokio::test(start_paused = true)]
async fn a_task_that_does_not_trap_exits_ends_at_once_with_shutdown() {
    let tasks = TaskSupervisor::start();
    let (started_tx, started) = oneshot::channel();
    let task = tasks
        .async_nolink(async move {
            let _ = started_tx.send(());
            std::future::pending::<u64>().await
        })
        .unwrap();
    within(started).await.unwrap();
    let t0 = Instant::now();
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO, "no grace period was waited");
    assert_eq!(
        within(task.join()).await,
        Err(TaskError::Exited(ExitReason::Shutdown))
    );
}

#[tokio::test(start_paused = true)]
async fn a_trapping_task_gets_the_shutdown_and_finishes_within_the_grace_period() {
    let tasks = TaskSupervisor::start();
    let (task, exit) = trapping_task(&tasks, Duration::from_secs(2)).await;
    let t0 = Instant::now();
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(2),
        "stop waited for the cleanup"
    );
    let exit = within(exit).await.unwrap();
    assert_eq!(exit.from, tasks.id());
    assert_eq!(exit.reason, ExitReason::Shutdown);
    assert_eq!(within(task.join()).await, Ok(7), "its value is its outcome");
}

#[tokio::test(start_paused = true)]
async fn a_trapping_task_still_running_after_the_default_grace_period_is_killed() {
    let tasks = TaskSupervisor::start();
    let (task, exit) = trapping_task(&tasks, Duration::from_secs(3600)).await;
    let down = gen_server::monitor(&task);
    let t0 = Instant::now();
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(5), "OTP's default: 5 s");
    assert_eq!(within(exit).await.unwrap().reason, ExitReason::Shutdown);
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(
        within(task.join()).await,
        Err(TaskError::Exited(ExitReason::Killed))
    );
}

#[tokio::test(start_paused = true)]
async fn the_grace_period_is_the_supervisors_shutdown_rule() {
    let tasks = TaskSupervisor::builder()
        .shutdown(Shutdown::Timeout(Duration::from_millis(300)))
        .start()
        .unwrap();
    let (task, _exit) = trapping_task(&tasks, Duration::from_secs(3600)).await;
    let t0 = Instant::now();
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_millis(300));
    assert_eq!(
        within(task.join()).await,
        Err(TaskError::Exited(ExitReason::Killed))
    );
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_does_not_wait_for_a_trapping_task() {
    let tasks = TaskSupervisor::builder()
        .shutdown(Shutdown::BrutalKill)
        .start()
        .unwrap();
    let (task, mut exit) = trapping_task(&tasks, Duration::from_secs(3600)).await;
    let t0 = Instant::now();
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(
        within(task.join()).await,
        Err(TaskError::Exited(ExitReason::Killed))
    );
    assert!(exit.try_recv().is_err(), "a kill is never trapped");
}

#[tokio::test(start_paused = true)]
async fn shutting_a_trapping_task_down_lets_it_return_its_value() {
    let tasks = TaskSupervisor::start();
    let (task, exit) = trapping_task(&tasks, Duration::from_secs(1)).await;
    let t0 = Instant::now();
    // OTP's `Task.shutdown/2` of a task that traps exits: it gets the
    // signal, finishes within the grace period, and its value is returned.
    assert_eq!(
        within(task.shutdown(Shutdown::Timeout(Duration::from_secs(5)))).await,
        Some(Ok(7))
    );
    assert_eq!(t0.elapsed(), Duration::from_secs(1));
    assert_eq!(within(exit).await.unwrap().reason, ExitReason::Shutdown);
}
