//! Linked tasks (OTP's `Task.async`): the value arrives as a message; a
//! crash kills the server and its links, unless it traps exits.

use gen_server::prelude::*;
use gen_server::task::{Shutdown, TaskError};
use tokio::sync::oneshot;

use crate::within;
use crate::worker::{self, Job, Seen, Worker, next, outcome, panic_when};

#[tokio::test]
async fn a_linked_task_delivers_its_value_as_a_message() {
    let (worker, mut seen) = worker::start(false).await;
    let task = worker.linked(Job::Value(7)).await.unwrap();
    assert_eq!(next(&mut seen).await, Some(outcome(&task, Ok(7))));
    within(gen_server::monitor(&task)).await;
    assert_eq!(task.exit_reason(), Some(ExitReason::Normal));
    assert_eq!(worker.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_crashing_linked_task_kills_the_server_and_its_parent() {
    let (worker_tx, worker_rx) = oneshot::channel();
    // The parent start-links the worker, as a supervisor or caller would.
    let parent = gen_server::spawn(async move {
        let (seen_tx, seen) = tokio::sync::mpsc::unbounded_channel();
        let worker = Worker::builder()
            .start_link((seen_tx, false, gen_server::task::TaskSupervisor::start()))
            .await
            .unwrap();
        let _ = worker_tx.send((worker, seen));
        std::future::pending::<()>().await;
    });
    let (worker, mut seen) = within(worker_rx).await.unwrap();
    let (fire, job) = panic_when("task crashed");
    let task = worker.linked(job).await.unwrap();
    let (worker_down, parent_down) = (gen_server::monitor(&worker), gen_server::monitor(&parent));
    fire.send(()).unwrap();

    let crash = ExitReason::Panic("task crashed".into());
    assert_eq!(within(gen_server::monitor(&task)).await, crash);
    assert_eq!(within(worker_down).await, crash);
    assert_eq!(within(parent_down).await, crash);
    // The server died of the signal: it handled neither an `Exit` nor the outcome.
    assert_eq!(next(&mut seen).await, None);
}

#[tokio::test]
async fn a_trapping_server_gets_exit_then_the_failed_outcome_and_survives() {
    let (worker, mut seen) = worker::start(true).await;
    let (fire, job) = panic_when("oops");
    let task = worker.linked(job).await.unwrap();
    fire.send(()).unwrap();

    let crash = ExitReason::Panic("oops".into());
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Exit(Exit {
            from: task.id(),
            reason: crash.clone()
        }))
    );
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(crash))))
    );
    // Handled after everything queued before it: nothing else came.
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "a third message arrived");
}

#[tokio::test]
async fn a_trapping_server_gets_the_value_then_a_normal_exit() {
    let (worker, mut seen) = worker::start(true).await;
    let task = worker.linked(Job::Value(3)).await.unwrap();
    // OTP's order: the reply is sent before the task exits.
    assert_eq!(next(&mut seen).await, Some(outcome(&task, Ok(3))));
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Exit(Exit {
            from: task.id(),
            reason: ExitReason::Normal
        }))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "a third message arrived");
}

#[tokio::test]
async fn a_server_that_dies_takes_its_linked_task_with_it() {
    let (worker, _seen) = worker::start(false).await;
    let task = worker.linked(Job::Forever).await.unwrap();
    let task_down = gen_server::monitor(&task);
    worker.kill();
    assert_eq!(within(task_down).await, ExitReason::Killed);
}

#[tokio::test]
async fn a_server_that_stops_normally_leaves_its_linked_task_running() {
    let (worker, _seen) = worker::start(false).await;
    let (tx, rx) = oneshot::channel();
    let task = worker.linked(Job::WaitFor(rx)).await.unwrap();
    worker.stop(ExitReason::Normal).await.unwrap();
    // `Normal` does not travel along links.
    assert!(task.is_alive());
    let task_down = gen_server::monitor(&task);
    tx.send(1).unwrap();
    assert_eq!(within(task_down).await, ExitReason::Normal);
}

#[tokio::test]
async fn shutting_a_linked_task_down_unlinks_it_first() {
    let (worker, mut seen) = worker::start(false).await;
    let task = worker.linked(Job::Forever).await.unwrap();
    assert_eq!(
        worker.shutdown_last(Shutdown::default()).await,
        Ok(ExitReason::Shutdown)
    );
    // The `Shutdown` exit did not reach the (non-trapping) server.
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(ExitReason::Shutdown))))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_brutal_shutdown_kills_the_task() {
    let (worker, mut seen) = worker::start(false).await;
    let task = worker.linked(Job::Forever).await.unwrap();
    assert_eq!(
        worker.shutdown_last(Shutdown::BrutalKill).await,
        Ok(ExitReason::Killed)
    );
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(ExitReason::Killed))))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
}
