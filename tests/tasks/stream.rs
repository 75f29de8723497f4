//! `async_stream_nolink`: a task per item, bounded concurrency, ordered or
//! not, per-task timeouts with OTP's `on_timeout`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use gen_server::prelude::*;
use gen_server::task::{OnTimeout, StreamOptions, TaskError, TaskSupervisor};
use tokio::sync::oneshot;

use crate::{drained, within};

/// Counts the tasks running at once and remembers the most.
#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Gauge {
    async fn hold(&self, work: impl std::future::Future<Output = u64>) -> u64 {
        let running = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(running, Ordering::SeqCst);
        let value = work.await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        value
    }
}

#[tokio::test(start_paused = true)]
async fn ordered_outcomes_follow_the_input_with_bounded_concurrency() {
    let tasks = TaskSupervisor::start();
    let gauge = Gauge::default();
    let g = gauge.clone();
    let outcomes: Vec<_> = within(
        tasks
            .async_stream_nolink(
                stream::iter(0..20u64),
                move |n| {
                    let g = g.clone();
                    async move {
                        // Later items finish sooner, to show the order is kept.
                        g.hold(async move {
                            tokio::time::sleep(Duration::from_millis(20 - n)).await;
                            n * 10
                        })
                        .await
                    }
                },
                StreamOptions::default().max_concurrency(3),
            )
            .collect(),
    )
    .await;
    let expected: Vec<_> = (0..20u64).map(|n| Ok(n * 10)).collect();
    assert_eq!(outcomes, expected);
    assert_eq!(gauge.most.load(Ordering::SeqCst), 3);
    assert_eq!(tasks.count(), 0);
}

#[tokio::test]
async fn unordered_outcomes_come_as_tasks_finish() {
    let tasks = TaskSupervisor::start();
    let (first_tx, first_rx) = oneshot::channel::<u64>();
    let mut gates = [Some(first_rx), None];
    let mut outcomes = tasks.async_stream_nolink(
        stream::iter(0..2usize),
        move |i| {
            let gate = gates[i].take();
            async move {
                match gate {
                    Some(gate) => gate.await.unwrap_or(0),
                    None => 1,
                }
            }
        },
        StreamOptions::default().max_concurrency(2).ordered(false),
    );
    // The second item is ready while the first still waits.
    assert_eq!(within(outcomes.next()).await, Some(Ok(1)));
    first_tx.send(0).unwrap();
    assert_eq!(within(outcomes.next()).await, Some(Ok(0)));
    assert_eq!(within(outcomes.next()).await, None);
}

#[tokio::test]
async fn a_panicking_item_yields_its_failure_and_the_stream_goes_on() {
    let tasks = TaskSupervisor::start();
    let outcomes: Vec<_> = within(
        tasks
            .async_stream_nolink(
                stream::iter([1u64, 0, 3]),
                |n| async move {
                    assert!(n != 0, "zero");
                    n
                },
                StreamOptions::default(),
            )
            .collect(),
    )
    .await;
    assert_eq!(
        outcomes,
        [
            Ok(1),
            Err(TaskError::Exited(ExitReason::Panic("zero".into()))),
            Ok(3)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn kill_task_on_timeout_yields_a_timeout_and_goes_on() {
    let tasks = TaskSupervisor::start();
    let outcomes: Vec<_> = tasks
        .async_stream_nolink(
            stream::iter([1u64, 0, 3]),
            |n| async move {
                if n == 0 {
                    std::future::pending::<()>().await;
                }
                n
            },
            StreamOptions::default()
                .timeout(Duration::from_secs(1))
                .on_timeout(OnTimeout::KillTask),
        )
        .collect()
        .await;
    assert_eq!(outcomes, [Ok(1), Err(TaskError::Timeout), Ok(3)]);
    drained(&tasks).await;
}

#[tokio::test(start_paused = true)]
async fn exit_on_timeout_ends_the_stream_and_kills_its_other_tasks() {
    let tasks = TaskSupervisor::start();
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    let mut outcomes = tasks.async_stream_nolink(
        stream::iter(0..10u64),
        move |n| {
            s.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    return 0;
                }
                // Item 1 never ends (it times out); item 2 takes longer.
                let wait = if n == 1 { 3600 } else { 2 };
                tokio::time::sleep(Duration::from_secs(wait)).await;
                n
            }
        },
        StreamOptions::default()
            .max_concurrency(2)
            .timeout(Duration::from_secs(5)),
    );
    assert_eq!(outcomes.next().await, Some(Ok(0)));
    assert_eq!(outcomes.next().await, Some(Err(TaskError::Timeout)));
    assert_eq!(outcomes.next().await, None);
    // The tasks it still ran were killed; no item after them was started.
    drained(&tasks).await;
    let started = started.load(Ordering::SeqCst);
    assert!(started < 10, "started {started} of 10 items");
}

#[tokio::test]
async fn the_stream_is_lazy_and_dropping_it_kills_its_tasks() {
    let tasks = TaskSupervisor::start();
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    let mut outcomes = tasks.async_stream_nolink(
        stream::iter(0..4u64),
        move |n| {
            s.fetch_add(1, Ordering::SeqCst);
            async move {
                if n > 0 {
                    std::future::pending::<()>().await;
                }
                n
            }
        },
        StreamOptions::default().max_concurrency(2).no_timeout(),
    );
    assert_eq!(
        started.load(Ordering::SeqCst),
        0,
        "nothing runs before a poll"
    );
    assert_eq!(within(outcomes.next()).await, Some(Ok(0)));
    assert!(tasks.count() >= 1);
    drop(outcomes);
    drained(&tasks).await;
}

#[tokio::test]
async fn a_refused_task_yields_not_started() {
    let tasks = TaskSupervisor::builder().max_children(0).start().unwrap();
    let outcomes: Vec<_> = within(
        tasks
            .async_stream_nolink(
                stream::iter([1u64]),
                |n| async move { n },
                StreamOptions::default(),
            )
            .collect(),
    )
    .await;
    assert_eq!(
        outcomes,
        [Err(TaskError::NotStarted(
            gen_server::task::SpawnError::MaxChildren(0)
        ))]
    );
}

#[tokio::test(start_paused = true)]
async fn an_ordered_stream_keeps_its_slots_busy_behind_a_slow_first_item() {
    let tasks = TaskSupervisor::start();
    let finished = Arc::new(AtomicUsize::new(0));
    let f = finished.clone();
    let outcomes: Vec<_> = within(
        tasks
            .async_stream_nolink(
                stream::iter(0..10u64),
                move |n| {
                    let finished = f.clone();
                    async move {
                        if n == 0 {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            // How many others finished while this one ran.
                            return finished.load(Ordering::SeqCst) as u64;
                        }
                        finished.fetch_add(1, Ordering::SeqCst);
                        n
                    }
                },
                StreamOptions::default().max_concurrency(2),
            )
            .map(Result::unwrap)
            .collect(),
    )
    .await;
    // As OTP's: the other nine ran in the second slot meanwhile, and the
    // outcomes still come in input order.
    assert_eq!(outcomes, [9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}
