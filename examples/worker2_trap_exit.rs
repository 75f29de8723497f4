//! Task failures in a GenServer, part 2: the worker traps exits.
//!
//! The worker still starts linked tasks with `ctx.async_task(..)`, but calls
//! `ctx.trap_exit(true)` in `init`. A task that panics no longer kills it:
//! the link's exit signal arrives as an `Exit { from: task, reason }` message,
//! then the failed `TaskOutcome` (which stands for OTP's `DOWN`), and the
//! worker carries on; so does the process that start-linked it. A task that
//! succeeds delivers its value first, then its `Exit` with reason `normal`.
//!
//! Run with `cargo run --example worker2_trap_exit`. (Rust's panic hook also
//! prints the task's panic on stderr.)
//!
//! The Elixir original, in outline:
//!
//! ```elixir
//! def init(_) do
//!   Process.flag(:trap_exit, true)
//!   {:ok, nil}
//! end
//!
//! def handle_info({:EXIT, _pid, _reason} = msg, state), do: IO.inspect(msg, label: "EXIT") ...
//! def handle_info({:DOWN, _ref, :process, _pid, _reason} = msg, state), do: IO.inspect(msg, label: "DOWN") ...
//!
//! iex> GenServer.call(pid, {:square, 0})
//! EXIT: {:EXIT, #PID<0.115.0>, {%RuntimeError{message: "bad input"}, [...]}}
//! DOWN: {:DOWN, #Reference<...>, :process, #PID<0.115.0>, {%RuntimeError{...}, [...]}}
//! iex> Process.alive?(pid)
//! true
//! ```

use gen_server::prelude::*;
use gen_server::task::TaskOutcome;
use tokio::sync::{mpsc, oneshot};

/// Squares numbers in linked background tasks, trapping their exits, and
/// reports what it receives.
struct Worker {
    received: mpsc::UnboundedSender<String>,
    squared: u32,
    failed: u32,
}

#[gen_server]
impl Worker {
    fn init(received: mpsc::UnboundedSender<String>, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exit(true);
        Worker {
            received,
            squared: 0,
            failed: 0,
        }
    }

    /// Starts a linked task squaring `n` (it panics on 0); returns its id.
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

    /// The link's exit signal, as a message (OTP's `{:EXIT, pid, reason}`).
    #[info]
    fn on_exit(&mut self, exit: Exit) {
        let _ = self.received.send(format!(
            "EXIT  Exit {{ from: {}, reason: {:?} }}",
            exit.from, exit.reason
        ));
    }

    /// The task's outcome: its value, or why it has none (OTP's `DOWN`).
    #[info]
    fn on_task(&mut self, done: TaskOutcome<u64>) {
        let label = if done.result.is_ok() {
            self.squared += 1;
            "value"
        } else {
            self.failed += 1;
            "DOWN "
        };
        let _ = self.received.send(format!(
            "{label} TaskOutcome {{ task: {}, result: {:?} }}",
            done.task, done.result
        ));
    }

    /// How many tasks succeeded and failed so far.
    #[call]
    fn tally(&self) -> (u32, u32) {
        (self.squared, self.failed)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A plain process start-links the worker, as the iex shell does in the post.
    let (handed_over, worker_rx) = oneshot::channel();
    let parent = gen_server::spawn(async move {
        let (tx, received) = mpsc::unbounded_channel();
        let worker = Worker::builder()
            .start_link(tx)
            .await
            .expect("the worker starts");
        let _ = handed_over.send((worker, received));
        std::future::pending::<()>().await;
    });
    let (worker, mut received) = worker_rx.await?;
    println!("parent {} start-linked worker {}", parent.id(), worker.id());

    println!("\n1. a task that succeeds: its value, then its normal exit");
    let task = worker.square(7).await?;
    println!("   worker started task {task}");
    println!("   worker received {}", received.recv().await.unwrap());
    println!("   worker received {}", received.recv().await.unwrap());

    println!("\n2. a task that panics: EXIT, then DOWN, and the worker lives on");
    let task = worker.square(0).await?;
    println!("   worker started task {task}");
    println!("   worker received {}", received.recv().await.unwrap());
    println!("   worker received {}", received.recv().await.unwrap());

    println!("\n3. afterwards");
    println!(
        "   worker alive: {}, parent alive: {}",
        worker.is_alive(),
        parent.is_alive()
    );
    let task = worker.square(3).await?;
    println!("   worker started task {task}");
    println!("   worker received {}", received.recv().await.unwrap());
    println!("   worker received {}", received.recv().await.unwrap());
    let (squared, failed) = worker.tally().await?;
    println!("   tally() -> {squared} squared, {failed} failed");
    Ok(())
}
