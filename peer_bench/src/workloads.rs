//! The workloads every counter runs. Each checks the counter's total at the
//! end, so no implementation is measured doing less work.

use std::time::{Duration, Instant};

use crate::alloc::{Counting, Growth};
use crate::counter::Counter;

/// `calls` sequential `add(1)` from one caller: ns per call.
pub async fn call_round_trip<C: Counter>(calls: u64) -> f64 {
    let (counter, stopper) = C::start(0).await;
    let t0 = Instant::now();
    for i in 1..=calls {
        assert_eq!(counter.add(1).await, i);
    }
    let elapsed = t0.elapsed();
    assert_eq!(counter.get().await, calls);
    counter.stop(stopper).await;
    per(elapsed, calls)
}

/// `casts` one-way `bump(1)`, then one `get()` that flushes them: ns per
/// message.
pub async fn cast_throughput<C: Counter>(casts: u64) -> f64 {
    let (counter, stopper) = C::start(0).await;
    let t0 = Instant::now();
    for _ in 0..casts {
        counter.bump(1).await;
    }
    let total = counter.get().await;
    let elapsed = t0.elapsed();
    assert_eq!(total, casts);
    counter.stop(stopper).await;
    per(elapsed, casts)
}

/// `callers` tasks, each making `calls` sequential `add(1)`, all at once, to
/// one server: ns per call (wall time / all calls).
pub async fn fan_in<C: Counter>(callers: u64, calls: u64) -> f64 {
    let (counter, stopper) = C::start(0).await;
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..calls {
                    let total = counter.add(1).await;
                    assert!(total > last, "totals only grow");
                    last = total;
                }
                last
            })
        })
        .collect();
    let mut highest = 0;
    for task in tasks {
        highest = highest.max(task.await.expect("caller"));
    }
    let elapsed = t0.elapsed();
    assert_eq!(highest, callers * calls, "the last reply saw every call");
    assert_eq!(counter.get().await, callers * calls);
    counter.stop(stopper).await;
    per(elapsed, callers * calls)
}

/// Starts `servers` servers one after the other, each ready to receive
/// before the next starts, then stops them one after the other: ns per start
/// and ns per stop.
pub async fn spawn_stop<C: Counter>(servers: u64) -> (f64, f64) {
    let mut all = Vec::with_capacity(servers as usize);
    let t0 = Instant::now();
    for i in 0..servers {
        all.push(C::start(i).await);
    }
    let started = t0.elapsed();
    // A sample, outside the timed parts: each holds its own start value.
    for (i, (counter, _)) in all.iter().enumerate().step_by(97) {
        assert_eq!(counter.get().await, i as u64);
    }
    let t1 = Instant::now();
    for (counter, stopper) in all {
        counter.stop(stopper).await;
    }
    let stopped = t1.elapsed();
    (per(started, servers), per(stopped, servers))
}

/// Heap per idle server: the live-heap growth while `servers` servers are
/// started (and ready), divided by their number. One is started and stopped
/// before, so lazily initialised globals are not counted.
pub async fn memory<C: Counter>(servers: u64) -> (f64, f64) {
    let (warm, stopper) = C::start(0).await;
    warm.stop(stopper).await;
    let mut all = Vec::with_capacity(servers as usize);
    Counting::start();
    for i in 0..servers {
        all.push(C::start(i).await);
    }
    let Growth { bytes, blocks } = Counting::stop();
    for (i, (counter, _)) in all.iter().enumerate().step_by(997) {
        assert_eq!(counter.get().await, i as u64);
    }
    for (counter, stopper) in all {
        counter.stop(stopper).await;
    }
    (
        bytes as f64 / servers as f64,
        blocks as f64 / servers as f64,
    )
}

pub fn per(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}
