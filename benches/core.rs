//! Time benchmarks: a `#[gen_server]` counter against the same counter written
//! by hand as a tokio actor (a task looping over an unbounded mpsc channel of
//! an enum, replies over oneshot channels).
//!
//! Run with `cargo bench --bench core`. Groups:
//!
//! * `call/*`: one caller task doing sequential `add(1)` round trips, on a
//!   current-thread runtime and on a 2-worker multi-thread runtime. Besides the
//!   two headline variants (gen_server with its default 5 s call timeout, the
//!   hand-written actor without any timeout) it measures gen_server with
//!   `.no_timeout()` and the hand-written actor wrapped in
//!   `tokio::time::timeout(5 s)`, so that like can be compared with like.
//! * `cast/*`: batches of [`CAST_BATCH`] casts `bump(1)` followed by one
//!   `get()` that flushes them; criterion reports the batch time and the
//!   throughput in messages per second.
//! * `spawn_10k/*`: starting [`SPAWN_COUNT`] actors one after the other. gen_server's
//!   `start` resolves once `init` has run inside the actor; the hand-written
//!   `start` likewise waits for a "ready" oneshot sent from inside the task,
//!   which a hand-written actor needs in order to report init errors. The
//!   `hand_written_no_wait` variant only spawns (its tasks first run after the
//!   timed section): a lower bound, not a like-for-like comparison. Stopping
//!   the actors is not timed.
//!
//! Every benchmark checks the counters' totals, so that neither side does less
//! work than the other.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

/// Casts per measured batch.
const CAST_BATCH: u64 = 100_000;
/// Actors started per measured iteration of the spawn benchmarks.
const SPAWN_COUNT: u64 = 10_000;
/// The call timeout gen_server applies by default, given to the hand-written
/// actor's "with timeout" variant.
const CALL_TIMEOUT: Duration = gen_server::DEFAULT_CALL_TIMEOUT;

mod common;

use common::{gs, hand, run_task, runtimes};

fn call(c: &mut Criterion) {
    let mut group = c.benchmark_group("call");
    for (flavor, rt) in runtimes() {
        let server = rt.block_on(gs::Counter::start(0)).expect("start");
        let (actor, _task) = rt.block_on(hand::Counter::start(0));
        let mut server_total = 0;
        let mut actor_total = 0;

        group.bench_function(BenchmarkId::new("gen_server", flavor), |b| {
            b.iter_custom(|iters| {
                let server = server.clone();
                let (elapsed, last) = run_task(&rt, async move {
                    let start = Instant::now();
                    let mut last = 0;
                    for _ in 0..iters {
                        last = server.add(black_box(1)).await.expect("add");
                    }
                    (start.elapsed(), last)
                });
                server_total += iters;
                assert_eq!(last, server_total);
                elapsed
            });
        });

        group.bench_function(BenchmarkId::new("gen_server_no_timeout", flavor), |b| {
            b.iter_custom(|iters| {
                let server = server.clone();
                let (elapsed, last) = run_task(&rt, async move {
                    let start = Instant::now();
                    let mut last = 0;
                    for _ in 0..iters {
                        last = server.add(black_box(1)).no_timeout().await.expect("add");
                    }
                    (start.elapsed(), last)
                });
                server_total += iters;
                assert_eq!(last, server_total);
                elapsed
            });
        });

        group.bench_function(BenchmarkId::new("hand_written", flavor), |b| {
            b.iter_custom(|iters| {
                let actor = actor.clone();
                let (elapsed, last) = run_task(&rt, async move {
                    let start = Instant::now();
                    let mut last = 0;
                    for _ in 0..iters {
                        last = actor.add(black_box(1)).await.expect("add");
                    }
                    (start.elapsed(), last)
                });
                actor_total += iters;
                assert_eq!(last, actor_total);
                elapsed
            });
        });

        group.bench_function(BenchmarkId::new("hand_written_timeout", flavor), |b| {
            b.iter_custom(|iters| {
                let actor = actor.clone();
                let (elapsed, last) = run_task(&rt, async move {
                    let start = Instant::now();
                    let mut last = 0;
                    for _ in 0..iters {
                        last = tokio::time::timeout(CALL_TIMEOUT, actor.add(black_box(1)))
                            .await
                            .expect("timeout")
                            .expect("add");
                    }
                    (start.elapsed(), last)
                });
                actor_total += iters;
                assert_eq!(last, actor_total);
                elapsed
            });
        });

        assert_eq!(
            rt.block_on(server.get().into_future()).expect("get"),
            server_total
        );
        assert_eq!(rt.block_on(actor.get()).expect("get"), actor_total);
        rt.block_on(server.stop(gen_server::ExitReason::Normal))
            .expect("stop");
    }
    group.finish();
}

fn cast(c: &mut Criterion) {
    let mut group = c.benchmark_group("cast");
    group.throughput(Throughput::Elements(CAST_BATCH));
    group.sample_size(20);
    for (flavor, rt) in runtimes() {
        let server = rt.block_on(gs::Counter::start(0)).expect("start");
        let (actor, _task) = rt.block_on(hand::Counter::start(0));
        let mut server_total = 0;
        let mut actor_total = 0;

        group.bench_function(BenchmarkId::new("gen_server", flavor), |b| {
            b.iter_custom(|iters| {
                let server = server.clone();
                let expected = server_total + iters * CAST_BATCH;
                let elapsed = run_task(&rt, async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        for _ in 0..CAST_BATCH {
                            server.bump(black_box(1)).await.expect("bump");
                        }
                        black_box(server.get().await.expect("get"));
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(server.get().await.expect("get"), expected);
                    elapsed
                });
                server_total = expected;
                elapsed
            });
        });

        group.bench_function(BenchmarkId::new("hand_written", flavor), |b| {
            b.iter_custom(|iters| {
                let actor = actor.clone();
                let expected = actor_total + iters * CAST_BATCH;
                let elapsed = run_task(&rt, async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        for _ in 0..CAST_BATCH {
                            actor.bump(black_box(1)).expect("bump");
                        }
                        black_box(actor.get().await.expect("get"));
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(actor.get().await.expect("get"), expected);
                    elapsed
                });
                actor_total = expected;
                elapsed
            });
        });

        rt.block_on(server.stop(gen_server::ExitReason::Normal))
            .expect("stop");
    }
    group.finish();
}

fn spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_10k");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    for (flavor, rt) in runtimes() {
        group.bench_function(BenchmarkId::new("gen_server", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    let mut servers = Vec::with_capacity(SPAWN_COUNT as usize);
                    for _ in 0..iters {
                        let start = Instant::now();
                        for i in 0..SPAWN_COUNT {
                            servers.push(gs::Counter::start(i).await.expect("start"));
                        }
                        elapsed += start.elapsed();
                        for (i, server) in (0..).zip(servers.drain(..)) {
                            assert_eq!(server.get().await.expect("get"), i);
                            server
                                .stop(gen_server::ExitReason::Normal)
                                .await
                                .expect("stop");
                        }
                    }
                    elapsed
                })
            });
        });

        group.bench_function(BenchmarkId::new("hand_written", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    let mut actors = Vec::with_capacity(SPAWN_COUNT as usize);
                    for _ in 0..iters {
                        let start = Instant::now();
                        for i in 0..SPAWN_COUNT {
                            actors.push(hand::Counter::start(i).await);
                        }
                        elapsed += start.elapsed();
                        stop_hand_written(&mut actors).await;
                    }
                    elapsed
                })
            });
        });

        group.bench_function(BenchmarkId::new("hand_written_no_wait", flavor), |b| {
            b.iter_custom(|iters| {
                run_task(&rt, async move {
                    let mut elapsed = Duration::ZERO;
                    let mut actors = Vec::with_capacity(SPAWN_COUNT as usize);
                    for _ in 0..iters {
                        let start = Instant::now();
                        for i in 0..SPAWN_COUNT {
                            actors.push(hand::Counter::spawn(i));
                        }
                        elapsed += start.elapsed();
                        stop_hand_written(&mut actors).await;
                    }
                    elapsed
                })
            });
        });
    }
    group.finish();
}

/// Stops hand-written actors by dropping their handles, and checks that each
/// ran with the total it was started with.
async fn stop_hand_written(actors: &mut Vec<(hand::Counter, tokio::task::JoinHandle<u64>)>) {
    for (i, (actor, task)) in (0..).zip(actors.drain(..)) {
        drop(actor);
        assert_eq!(task.await.expect("actor task"), i);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = call, cast, spawn
}
criterion_main!(benches);
