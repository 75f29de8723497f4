//! Task handles from plain async code: OTP's `Task.await`, `Task.yield` and
//! `Task.shutdown`.

use std::time::Duration;

use gen_server::prelude::*;
use gen_server::task::{Shutdown, TaskError, TaskSupervisor};
use tokio::sync::oneshot;

use crate::within;
use crate::worker::{Job, panic_when};

#[tokio::test]
async fn join_returns_the_value_or_the_failure() {
    let tasks = TaskSupervisor::start();
    let ok = tasks.async_nolink(async { "value" }).unwrap();
    assert_eq!(within(ok.join()).await, Ok("value"));
    let crash = tasks.async_nolink(async { panic!("no value") }).unwrap();
    assert_eq!(
        within(crash.join()).await,
        Err::<(), _>(TaskError::Exited(ExitReason::Panic("no value".into())))
    );
}

#[tokio::test(start_paused = true)]
async fn join_gives_up_after_five_seconds_and_kills_the_task() {
    let tasks = TaskSupervisor::start();
    let task = tasks.async_nolink(Job::Forever.run()).unwrap();
    let pid = task.pid().clone();
    let started = tokio::time::Instant::now();
    assert_eq!(task.join().await, Err(TaskError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    within(gen_server::monitor(&pid)).await;
    assert_eq!(pid.exit_reason(), Some(ExitReason::Killed));
}

#[tokio::test(start_paused = true)]
async fn join_timeout_waits_as_long_as_asked() {
    let tasks = TaskSupervisor::start();
    let task = tasks.async_nolink(Job::Forever.run()).unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(
        task.join_timeout(Duration::from_millis(250)).await,
        Err(TaskError::Timeout)
    );
    assert_eq!(started.elapsed(), Duration::from_millis(250));
}

#[tokio::test]
async fn yield_for_leaves_a_running_task_alone() {
    let tasks = TaskSupervisor::start();
    let (tx, rx) = oneshot::channel();
    let mut task = tasks.async_nolink(Job::WaitFor(rx).run()).unwrap();
    assert_eq!(task.yield_for(Duration::from_millis(10)).await, None);
    assert!(task.pid().is_alive());
    tx.send(8).unwrap();
    assert_eq!(task.yield_for(crate::BOUND).await, Some(Ok(8)));
    // The outcome is given once.
    assert_eq!(task.yield_for(Duration::from_millis(10)).await, None);
}

#[tokio::test]
async fn shutdown_ends_a_running_task_and_returns_nothing() {
    let tasks = TaskSupervisor::start();
    let task = tasks.async_nolink(Job::Forever.run()).unwrap();
    let pid = task.pid().clone();
    assert_eq!(within(task.shutdown(Shutdown::default())).await, None);
    assert_eq!(pid.exit_reason(), Some(ExitReason::Shutdown));
    assert_eq!(tasks.count(), 0);
}

#[tokio::test]
async fn a_brutal_shutdown_kills() {
    let tasks = TaskSupervisor::start();
    let task = tasks.async_nolink(Job::Forever.run()).unwrap();
    let pid = task.pid().clone();
    assert_eq!(within(task.shutdown(Shutdown::BrutalKill)).await, None);
    assert_eq!(pid.exit_reason(), Some(ExitReason::Killed));
}

#[tokio::test]
async fn shutdown_returns_an_outcome_that_came_first() {
    let tasks = TaskSupervisor::start();
    let done = tasks.async_nolink(async { 5 }).unwrap();
    within(gen_server::monitor(done.pid())).await;
    assert_eq!(done.shutdown(Shutdown::default()).await, Some(Ok(5)));

    let (fire, job) = panic_when("early");
    let failed = tasks.async_nolink(job.run()).unwrap();
    let failed_down = gen_server::monitor(failed.pid());
    fire.send(()).unwrap();
    within(failed_down).await;
    assert_eq!(
        failed.shutdown(Shutdown::default()).await,
        Some(Err(TaskError::Exited(ExitReason::Panic("early".into()))))
    );
}

#[tokio::test]
async fn dropping_a_handle_detaches_the_task() {
    let tasks = TaskSupervisor::start();
    let (tx, rx) = oneshot::channel();
    let task = tasks.async_nolink(Job::WaitFor(rx).run()).unwrap();
    let pid = task.pid().clone();
    drop(task);
    assert!(pid.is_alive());
    let down = gen_server::monitor(&pid);
    tx.send(1).unwrap();
    assert_eq!(within(down).await, ExitReason::Normal);
}
