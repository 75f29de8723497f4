//! Supervisor restart latency: from a cast that makes the supervised child
//! panic until its replacement, looked up by its registered name, answers a
//! call.
//!
//! Used by `benches/supervisor.rs` (`restart_latency/panic_to_reply`, and
//! [`Child`] for `fresh_start_to_reply`) and by peer_bench's restart row.

use std::time::{Duration, Instant};

use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec};
use tokio::sync::mpsc;

/// A child that reports each start and panics on request.
pub struct Child {
    total: u64,
}

#[gen_server]
impl Child {
    fn init(started: mpsc::UnboundedSender<()>) -> Self {
        let _ = started.send(());
        Child { total: 0 }
    }

    #[cast]
    fn crash(&mut self) {
        panic!("benchmark crash");
    }

    #[call]
    fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }
}

/// The name the supervised child is registered under.
const NAME: &str = "bench-restart-child";

/// Starts a one-for-one supervisor (an intensity that never gives up) with
/// one [`Child`], then `restarts` times: casts `crash` to the current child,
/// waits for the replacement's `init` to report, looks it up by name and
/// calls it once. Returns the time from the casts to the replies, summed.
/// Install a silent panic hook first: the panics are the workload.
pub async fn panic_to_reply(restarts: u64) -> Duration {
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let tree = SupervisorSpec::new(Strategy::OneForOne)
        .max_restarts(usize::MAX)
        .child(Child::child_spec(started_tx).name(NAME))
        .start()
        .await
        .expect("supervisor");
    started.recv().await.expect("first start");
    let mut total = Duration::ZERO;
    for _ in 0..restarts {
        let old = ChildRef::whereis(NAME).expect("registered");
        let t0 = Instant::now();
        old.crash().await.expect("crash");
        started.recv().await.expect("restarted");
        let new = ChildRef::whereis(NAME).expect("registered");
        assert_eq!(new.add(1).await, Ok(1));
        total += t0.elapsed();
        assert_ne!(new.id(), old.id());
    }
    tree.stop(ExitReason::Shutdown).await.expect("stop");
    total
}
