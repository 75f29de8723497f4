//! Partitioned task supervisors: OTP's `PartitionSupervisor` routing.

use gen_server::prelude::*;
use gen_server::task::{Hashed, PartitionKey, PartitionedTaskSupervisor, TaskError};

use crate::within;
use crate::worker::{self, Job, next, outcome};

#[test]
fn integer_keys_go_to_the_remainder_of_their_absolute_value() {
    for n in 1..=8usize {
        for key in -20i64..=20 {
            let expected = (key.unsigned_abs() % n as u64) as usize;
            assert_eq!(
                key.partition_index(n),
                expected,
                "key {key}, {n} partitions"
            );
            assert_eq!((key as i32).partition_index(n), expected);
        }
    }
    assert_eq!(
        i64::MIN.partition_index(3),
        (i64::MIN.unsigned_abs() % 3) as usize
    );
    assert_eq!(u128::MAX.partition_index(7), (u128::MAX % 7) as usize);
}

#[test]
fn other_keys_are_hashed_into_range_and_stably() {
    for n in 1..=8usize {
        for key in ["alice", "bob", "carol", ""] {
            let i = key.partition_index(n);
            assert!(i < n);
            assert_eq!(key.to_string().partition_index(n), i);
            assert_eq!(Hashed(key).partition_index(n), i);
        }
        let tuple = Hashed(("room", 7u32));
        assert_eq!(
            tuple.partition_index(n),
            Hashed(("room", 7u32)).partition_index(n)
        );
    }
}

#[tokio::test]
async fn the_default_partition_count_is_the_available_parallelism() {
    let tasks = PartitionedTaskSupervisor::start();
    let expected = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(tasks.partitions().len(), expected);
    let ids: std::collections::HashSet<_> = tasks.partitions().iter().map(|p| p.id()).collect();
    assert_eq!(ids.len(), expected, "partitions are distinct supervisors");
}

#[tokio::test]
async fn tasks_go_to_the_partition_of_the_server_that_starts_them() {
    let tasks = PartitionedTaskSupervisor::builder().partitions(3).start();
    let mut workers = Vec::new();
    for _ in 0..6 {
        workers.push(worker::start(false).await);
    }
    for (worker, _) in &workers {
        worker
            .partitioned(tasks.clone(), Job::Forever)
            .await
            .unwrap()
            .unwrap();
    }
    // Each partition runs exactly the tasks of the workers whose id picks it.
    for (i, partition) in tasks.partitions().iter().enumerate() {
        let expected = workers
            .iter()
            .filter(|(w, _)| w.id().as_u64() % 3 == i as u64)
            .count();
        assert_eq!(partition.count(), expected, "partition {i}");
    }
    assert_eq!(tasks.count(), 6);
    // Consecutive ids cover every partition: callers are spread.
    assert!(tasks.partitions().iter().all(|p| p.count() > 0));
    tasks.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(tasks.count(), 0);
}

#[tokio::test]
async fn a_failure_under_a_partition_arrives_as_the_outcome() {
    let (worker, mut seen) = worker::start(false).await;
    let tasks = PartitionedTaskSupervisor::builder().partitions(2).start();
    let (fire, job) = crate::worker::panic_when("partitioned");
    let task = worker
        .partitioned(tasks.clone(), job)
        .await
        .unwrap()
        .unwrap();
    fire.send(()).unwrap();
    assert_eq!(
        next(&mut seen).await,
        Some(outcome(
            &task,
            Err(TaskError::Exited(ExitReason::Panic("partitioned".into())))
        ))
    );
    assert_eq!(worker.ping().await, Ok("pong"));
}

#[tokio::test]
async fn an_explicit_key_picks_its_partition() {
    let tasks = PartitionedTaskSupervisor::builder().partitions(4).start();
    let task = tasks
        .partition(-6)
        .async_nolink(Job::Forever.run())
        .unwrap();
    assert_eq!(tasks.partitions()[2].count(), 1);
    assert_eq!(tasks.count(), 1);
    drop(task);
    within(tasks.stop(ExitReason::Normal)).await.unwrap();
    assert!(tasks.partitions().iter().all(|p| !p.is_alive()));
}
