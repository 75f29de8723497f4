//! Supervisor restart latency: from a child's panic to its replacement
//! answering a call.
//!
//! Each iteration casts `crash` to the current child (its handler panics),
//! waits for the replacement's `init` to report on a channel, looks the new
//! instance up by its registered name and makes one call to it; the time
//! from the cast to the reply is measured. The supervisor's intensity is set
//! high enough never to give up. For scale, the same iteration with the
//! child started afresh by hand (no crash, no supervisor) is measured
//! beside it. The child and the restart loop are in `common/restart.rs`,
//! shared with peer_bench.
//!
//! ```sh
//! cargo bench --bench supervisor
//! ```

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use gen_server::prelude::*;
use tokio::sync::mpsc;

use common::restart::{self, Child};

fn restart_latency(c: &mut Criterion) {
    // The panics are the workload; do not print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let mut group = c.benchmark_group("restart_latency");
    group.sampling_mode(SamplingMode::Flat);
    for (rt_name, rt) in common::runtimes() {
        group.bench_function(format!("panic_to_reply/{rt_name}"), |b| {
            b.iter_custom(|iters| common::run_task(&rt, restart::panic_to_reply(iters)));
        });
        group.bench_function(format!("fresh_start_to_reply/{rt_name}"), |b| {
            b.iter_custom(|iters| {
                common::run_task(&rt, async move {
                    let (started_tx, _started) = mpsc::unbounded_channel();
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t0 = Instant::now();
                        let child = Child::start(started_tx.clone()).await.unwrap();
                        assert_eq!(child.add(1).await, Ok(1));
                        total += t0.elapsed();
                        child.kill();
                    }
                    total
                })
            });
        });
    }
    group.finish();
    let _ = std::panic::take_hook();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = restart_latency
}
criterion_main!(benches);
