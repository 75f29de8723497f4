//! Task failures in a GenServer, part 1: a linked task (`Task.async`).
//!
//! A `Worker` starts its background work with `ctx.async_task(..)`, which links
//! the task to the worker. A task that succeeds delivers its value to the
//! worker's `#[info]` handler for `TaskOutcome<u64>`. A task that panics takes
//! the worker down with the same reason, and the link carries the crash on to
//! whoever `start_link`ed the worker: a plain process, or a parent gen_server.
//!
//! Run with `cargo run --example worker1_task_async`. (Rust's panic hook also
//! prints the task's panic on stderr, as the BEAM logs the crash.)
//!
//! The Elixir original, in outline:
//!
//! ```elixir
//! defmodule Worker do
//!   use GenServer
//!   def init(_), do: {:ok, nil}
//!
//!   def handle_call({:square, n}, _from, state) do
//!     task = Task.async(fn -> if n == 0, do: raise("bad input"), else: n * n end)
//!     {:reply, task.pid, state}
//!   end
//!
//!   def handle_info(msg, state) do
//!     IO.inspect(msg, label: "received")
//!     {:noreply, state}
//!   end
//! end
//!
//! iex> {:ok, pid} = GenServer.start_link(Worker, nil)
//! iex> GenServer.call(pid, {:square, 7})
//! received: {#Reference<...>, 49}
//! iex> GenServer.call(pid, {:square, 0})
//! ** (EXIT from #PID<0.110.0>) shell process exited with reason: ** (RuntimeError) bad input
//! ```

use gen_server::prelude::*;
use gen_server::task::TaskOutcome;
use tokio::sync::{mpsc, oneshot};

/// Squares numbers in linked background tasks; reports what it receives.
struct Worker {
    received: mpsc::UnboundedSender<String>,
}

#[gen_server]
impl Worker {
    fn init(received: mpsc::UnboundedSender<String>) -> Self {
        Worker { received }
    }

    /// Starts a linked task squaring `n` (it panics on 0) and returns the
    /// task's id at once: the worker does not wait for the task.
    #[call]
    fn square(&mut self, n: u64, ctx: &mut Context<Self>) -> ActorId {
        let task = ctx.async_task(async move {
            if n == 0 {
                panic!("bad input: 0");
            }
            n * n
        });
        task.id()
    }

    /// The task's outcome: OTP's `{ref, result}` (and its `DOWN`) in one message.
    #[info]
    fn on_task(&mut self, done: TaskOutcome<u64>) {
        let _ = self.received.send(format!(
            "TaskOutcome {{ task: {}, result: {:?} }}",
            done.task, done.result
        ));
    }
}

/// A gen_server parent that start-links its worker in `init`, as a supervisor
/// (or any owner) would.
struct Boss {
    worker: WorkerRef,
}

#[gen_server]
impl Boss {
    async fn init(received: mpsc::UnboundedSender<String>) -> Self {
        let worker = Worker::builder()
            .start_link(received)
            .await
            .expect("the worker starts");
        Boss { worker }
    }

    /// Its worker.
    #[call]
    fn worker(&self) -> WorkerRef {
        self.worker.clone()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("1. a task that succeeds: its value arrives as a message");
    let (tx, mut received) = mpsc::unbounded_channel();
    let worker = Worker::start(tx).await?;
    let task = worker.square(7).await?;
    println!("   worker {} started task {task}", worker.id());
    println!("   worker received {}", received.recv().await.unwrap());
    worker.stop(ExitReason::Normal).await?;

    println!("\n2. a task that panics, the worker start-linked by a plain process");
    let (handed_over, worker_rx) = oneshot::channel();
    let parent = gen_server::spawn(async move {
        let (tx, received) = mpsc::unbounded_channel();
        let worker = Worker::builder()
            .start_link(tx)
            .await
            .expect("the worker starts");
        let _ = handed_over.send((worker, received));
        // The parent has nothing else to do: it lives until something kills it.
        std::future::pending::<()>().await;
    });
    let (worker, mut received) = worker_rx.await?;
    println!(
        "   parent {} start-linked worker {}",
        parent.id(),
        worker.id()
    );
    // Watch both before the crash: a monitor set on a process already gone
    // would only say `noproc`.
    let (worker_down, parent_down) = (gen_server::monitor(&worker), gen_server::monitor(&parent));
    let task = worker.square(0).await?;
    println!("   worker {} started task {task}", worker.id());
    println!("   worker exited: {}", worker_down.await);
    println!("   parent exited: {}", parent_down.await);
    println!(
        "   worker received nothing (it died of the exit signal): {:?}",
        received.recv().await
    );
    println!("   a later call: {:?}", worker.square(3).await);

    println!("\n3. the same with a gen_server parent that start-linked the worker in init");
    let (tx, mut received) = mpsc::unbounded_channel();
    let boss = Boss::start(tx).await?;
    let worker = boss.worker().await?;
    println!("   boss {} start-linked worker {}", boss.id(), worker.id());
    let (worker_down, boss_down) = (gen_server::monitor(&worker), gen_server::monitor(&boss));
    let task = worker.square(0).await?;
    println!("   worker {} started task {task}", worker.id());
    println!("   worker exited: {}", worker_down.await);
    println!("   boss exited:   {}", boss_down.await);
    println!("   worker received: {:?}", received.recv().await);
    println!("   a call to the boss: {:?}", boss.worker().await.err());
    Ok(())
}
