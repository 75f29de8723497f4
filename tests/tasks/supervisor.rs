//! The task supervisor's own life: names, stopping (tasks shut down),
//! killing (tasks killed), and the end of the process that start-linked it.

use gen_server::prelude::*;
use gen_server::task::{SpawnError, TaskError, TaskSupervisor};
use tokio::sync::oneshot;

use crate::within;
use crate::worker::{self, Job, next, outcome};

#[tokio::test]
async fn stopping_the_supervisor_shuts_its_tasks_down() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let task = worker
        .nolink(tasks.clone(), Job::Forever)
        .await
        .unwrap()
        .unwrap();
    let supervisor_down = gen_server::monitor(&tasks);
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    // `stop` returns once every task has ended and reported.
    assert!(!task.is_alive());
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(ExitReason::Shutdown))))
    );
    assert_eq!(within(supervisor_down).await, ExitReason::Normal);
    assert!(!tasks.is_alive());
    assert_eq!(
        worker.nolink(tasks.clone(), Job::Value(1)).await,
        Ok(Err(SpawnError::NoProc))
    );
    assert_eq!(tasks.stop(ExitReason::Normal).await, Err(StopError::NoProc));
}

#[tokio::test]
async fn killing_the_supervisor_kills_its_tasks() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = TaskSupervisor::start();
    let task = worker
        .nolink(tasks.clone(), Job::Forever)
        .await
        .unwrap()
        .unwrap();
    assert!(tasks.kill());
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(&task, Err(TaskError::Exited(ExitReason::Killed))))
    );
    assert_eq!(
        within(gen_server::monitor(&tasks)).await,
        ExitReason::NoProc
    );
    assert_eq!(tasks.pid().exit_reason(), Some(ExitReason::Killed));
    // The server that started the task is not linked to the supervisor.
    assert_eq!(worker.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_supervisor_ends_with_the_process_that_start_linked_it() {
    let (ready_tx, ready) = oneshot::channel();
    let (crash_tx, crash) = oneshot::channel::<()>();
    let parent = gen_server::spawn(async move {
        let tasks = TaskSupervisor::builder().start_link().unwrap();
        let task = tasks.start_child(std::future::pending()).unwrap();
        let _ = ready_tx.send((tasks, task));
        let _ = crash.await;
        panic!("parent crashed");
    });
    let (tasks, task) = within(ready).await.unwrap();
    let (tasks_down, task_down) = (gen_server::monitor(&tasks), gen_server::monitor(&task));
    crash_tx.send(()).unwrap();
    let reason = ExitReason::Panic("parent crashed".into());
    assert_eq!(within(gen_server::monitor(&parent)).await, reason);
    // The supervisor shuts its tasks down, then ends with its parent's reason.
    assert_eq!(within(task_down).await, ExitReason::Shutdown);
    assert_eq!(within(tasks_down).await, reason);
}

#[tokio::test]
async fn a_supervisor_ignores_exit_signals_from_others() {
    let tasks = TaskSupervisor::start();
    tasks.pid().exit(ExitReason::Shutdown);
    assert!(tasks.is_alive());
    let task = tasks.async_nolink(async { 1 }).unwrap();
    assert_eq!(within(task.join()).await, Ok(1));
}

#[tokio::test]
async fn a_named_supervisor_is_found_by_name_until_it_stops() {
    let tasks = TaskSupervisor::builder()
        .name("tasks::named")
        .start()
        .unwrap();
    assert_eq!(tasks.name(), Some("tasks::named"));
    let found = TaskSupervisor::whereis("tasks::named").expect("registered");
    assert_eq!(found.id(), tasks.id());
    assert_eq!(gen_server::whereis("tasks::named"), Some(tasks.id()));
    match TaskSupervisor::builder().name("tasks::named").start() {
        Err(StartError::AlreadyStarted { name, holder }) => {
            assert_eq!(name, "tasks::named");
            assert_eq!(holder, tasks.id());
        }
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }
    tasks.stop(ExitReason::Normal).await.unwrap();
    assert!(TaskSupervisor::whereis("tasks::named").is_none());
    // The name is free again.
    let again = TaskSupervisor::builder()
        .name("tasks::named")
        .start()
        .unwrap();
    assert_ne!(again.id(), tasks.id());
}

#[tokio::test]
async fn count_follows_running_tasks() {
    let tasks = TaskSupervisor::start();
    let (tx, rx) = oneshot::channel();
    let waiting = tasks.async_nolink(Job::WaitFor(rx).run()).unwrap();
    let forever = tasks.start_child(std::future::pending()).unwrap();
    assert_eq!(tasks.count(), 2);
    tx.send(4).unwrap();
    assert_eq!(within(waiting.join()).await, Ok(4));
    assert_eq!(tasks.count(), 1);
    forever.kill();
    within(gen_server::monitor(&forever)).await;
    assert_eq!(tasks.count(), 0);
}

#[tokio::test]
async fn plain_code_gets_max_children_from_async_nolink_and_start_child() {
    let tasks = TaskSupervisor::builder().max_children(1).start().unwrap();
    let (tx, rx) = oneshot::channel();
    let first = tasks.async_nolink(Job::WaitFor(rx).run()).unwrap();
    assert!(matches!(
        tasks.async_nolink(Job::Value(1).run()),
        Err(SpawnError::MaxChildren(1))
    ));
    assert_eq!(
        tasks.start_child(std::future::pending()).map(|_| ()),
        Err(SpawnError::MaxChildren(1))
    );
    tx.send(5).unwrap();
    assert_eq!(within(first.join()).await, Ok(5));
    // The slot is free again once the first task has reported.
    let second = tasks.async_nolink(Job::Value(6).run()).unwrap();
    assert_eq!(within(second.join()).await, Ok(6));
}

/// A task in its first poll when the supervisor is killed is not in the set
/// of waiting tasks the kill goes through: it must see the kill itself when
/// it first waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_supervisor_during_a_tasks_first_poll_kills_the_task() {
    let tasks = TaskSupervisor::start();
    let (in_poll_tx, in_poll) = std::sync::mpsc::channel::<()>();
    let (go, go_rx) = std::sync::mpsc::channel::<()>();
    let pid = tasks
        .start_child(async move {
            in_poll_tx.send(()).unwrap();
            // Still inside the first poll while the supervisor is killed.
            go_rx.recv().unwrap();
            std::future::pending::<()>().await;
        })
        .unwrap();
    let down = gen_server::monitor(&pid);
    tokio::task::spawn_blocking(move || in_poll.recv().unwrap())
        .await
        .unwrap();
    assert!(tasks.kill());
    go.send(()).unwrap();
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(tasks.count(), 0);
}
