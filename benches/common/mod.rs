//! What the benchmarks share: the counter as a `#[gen_server]` and as a
//! hand-written tokio actor, the runtimes they run on, and the servers and
//! hand-written actors of the task, `Down` and restart workloads (one module
//! each). Each bench, and peer_bench, uses a part of it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use tokio::runtime::Runtime;

pub mod down;
pub mod restart;
pub mod tasks;

/// The `#[gen_server]` counter.
pub mod gs {
    use gen_server::prelude::*;

    pub struct Counter {
        total: u64,
    }

    #[gen_server]
    impl Counter {
        fn init(start: u64) -> Self {
            Counter { total: start }
        }

        #[call]
        fn add(&mut self, n: u64) -> u64 {
            self.total += n;
            self.total
        }

        #[cast]
        fn bump(&mut self, n: u64) {
            self.total += n;
        }

        #[call]
        fn get(&self) -> u64 {
            self.total
        }
    }
}

/// The same counter as a hand-written tokio actor.
pub mod hand {
    use tokio::sync::{mpsc, oneshot};
    use tokio::task::JoinHandle;

    pub enum Msg {
        Add(u64, oneshot::Sender<u64>),
        Bump(u64),
        Get(oneshot::Sender<u64>),
    }

    /// The actor is gone.
    #[derive(Debug)]
    pub struct Closed;

    /// The client handle.
    #[derive(Clone)]
    pub struct Counter {
        tx: mpsc::UnboundedSender<Msg>,
    }

    impl Counter {
        /// Spawns the actor and waits until its task has run its "init" and
        /// said so: what a hand-written actor needs to surface init errors.
        /// The task returns the final total when all handles are dropped.
        pub async fn start(start: u64) -> (Self, JoinHandle<u64>) {
            let (tx, rx) = mpsc::unbounded_channel();
            let (ready_tx, ready_rx) = oneshot::channel();
            let task = tokio::spawn(async move {
                let total = start;
                let _ = ready_tx.send(());
                run(rx, total).await
            });
            ready_rx.await.expect("the actor's init ran");
            (Counter { tx }, task)
        }

        /// Spawns the actor without waiting for it to run.
        pub fn spawn(start: u64) -> (Self, JoinHandle<u64>) {
            let (tx, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(run(rx, start));
            (Counter { tx }, task)
        }

        pub async fn add(&self, n: u64) -> Result<u64, Closed> {
            let (reply, rx) = oneshot::channel();
            self.tx.send(Msg::Add(n, reply)).map_err(|_| Closed)?;
            rx.await.map_err(|_| Closed)
        }

        pub fn bump(&self, n: u64) -> Result<(), Closed> {
            self.tx.send(Msg::Bump(n)).map_err(|_| Closed)
        }

        pub async fn get(&self) -> Result<u64, Closed> {
            let (reply, rx) = oneshot::channel();
            self.tx.send(Msg::Get(reply)).map_err(|_| Closed)?;
            rx.await.map_err(|_| Closed)
        }
    }

    async fn run(mut rx: mpsc::UnboundedReceiver<Msg>, mut total: u64) -> u64 {
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Add(n, reply) => {
                    total += n;
                    let _ = reply.send(total);
                }
                Msg::Bump(n) => total += n,
                Msg::Get(reply) => {
                    let _ = reply.send(total);
                }
            }
        }
        total
    }
}

/// The two runtimes every group runs on, by name.
pub fn runtimes() -> [(&'static str, Runtime); 2] {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("multi-thread runtime");
    [("current_thread", current), ("multi_thread_2", multi)]
}

/// Runs `fut` as a task of `rt` (so that on the multi-thread runtime the caller
/// is a worker task, as a real client would be) and returns its output.
pub fn run_task<T: Send + 'static>(
    rt: &Runtime,
    fut: impl Future<Output = T> + Send + 'static,
) -> T {
    rt.block_on(rt.spawn(fut)).expect("benchmark task panicked")
}

/// Yields until `count` reaches `n`: every process or task has been polled once
/// and waits on its signal.
pub async fn all_polled(count: &AtomicUsize, n: usize) {
    while count.load(Relaxed) < n {
        tokio::task::yield_now().await;
    }
}
