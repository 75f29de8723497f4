//! Task failures in a GenServer, part 3: tasks under a `TaskSupervisor`
//! (`Task.Supervisor.async_nolink`).
//!
//! The worker starts its tasks with `ctx.async_nolink(&self.tasks, ..)`: they
//! run under a task supervisor and the worker only monitors them. Whatever a
//! task does, its outcome arrives once, as a `TaskOutcome` message: the value,
//! or the failure (OTP's `DOWN`), with no `Exit` and no need to trap exits;
//! the worker survives. The supervisor's `max_children` bounds the tasks
//! running at once. And, the post's earlier point: a `#[call]` that takes a
//! `ReplyTo` hands the slow work to a task and replies when it is done, so
//! the worker answers other calls meanwhile.
//!
//! Run with `cargo run --example worker3_async_nolink`. (Rust's panic hook
//! also prints the tasks' panics on stderr.)
//!
//! The Elixir original, in outline:
//!
//! ```elixir
//! # in the application's children: {Task.Supervisor, name: Worker.TaskSupervisor}
//! def handle_call({:square, n}, _from, state) do
//!   task = Task.Supervisor.async_nolink(Worker.TaskSupervisor, fn -> square(n) end)
//!   {:reply, task.pid, state}
//! end
//!
//! def handle_call({:slow_square, n}, from, state) do
//!   Task.Supervisor.async_nolink(Worker.TaskSupervisor, fn ->
//!     GenServer.reply(from, slow_square(n))
//!   end)
//!   {:noreply, state}
//! end
//!
//! iex> GenServer.call(pid, {:square, 0})
//! DOWN: {:DOWN, #Reference<...>, :process, #PID<0.120.0>, {%RuntimeError{...}, [...]}}
//! iex> Process.alive?(pid)
//! true
//! ```

use std::time::{Duration, Instant};

use gen_server::prelude::*;
use gen_server::task::{SpawnError, TaskOutcome, TaskSupervisor};
use tokio::sync::{mpsc, oneshot};

/// The work: squares `n`, and panics on 0.
async fn square(n: u64) -> u64 {
    if n == 0 {
        panic!("bad input: 0");
    }
    n * n
}

/// How a call that starts a task went.
fn show(task: Result<ActorId, SpawnError>) -> String {
    match task {
        Ok(id) => format!("started task {id}"),
        Err(refused) => format!("refused: {refused:?} ({refused})"),
    }
}

/// A deferred reply, waiting for the task that computes it.
struct SlowDone {
    reply: ReplyTo<u64>,
    outcome: TaskOutcome<u64>,
}

/// Squares numbers in tasks under its task supervisor; reports what it receives.
struct Worker {
    tasks: TaskSupervisor,
    received: mpsc::UnboundedSender<String>,
}

#[gen_server]
impl Worker {
    fn init(tasks: TaskSupervisor, received: mpsc::UnboundedSender<String>) -> Self {
        Worker { tasks, received }
    }

    /// Starts a task squaring `n` and returns its id at once, or why the
    /// supervisor refused it.
    #[call]
    fn square(&mut self, n: u64, ctx: &mut Context<Self>) -> Result<ActorId, SpawnError> {
        let task = ctx.async_nolink(&self.tasks, square(n))?;
        Ok(task.id())
    }

    /// Starts a task that ends with the number it is sent: it occupies a
    /// place under the supervisor until then.
    #[call]
    fn hold(
        &mut self,
        release: oneshot::Receiver<u64>,
        ctx: &mut Context<Self>,
    ) -> Result<ActorId, SpawnError> {
        let task = ctx.async_nolink(&self.tasks, async move { release.await.unwrap_or(0) })?;
        Ok(task.id())
    }

    /// Squares `n` slowly and replies when done; the worker serves other
    /// messages meanwhile (OTP's `{:noreply, state}` and `GenServer.reply`).
    #[call]
    fn slow_square(&mut self, n: u64, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        let work = async move {
            // The slow part.
            tokio::time::sleep(Duration::from_millis(300)).await;
            square(n).await
        };
        // Refused, the reply handle is dropped with the closure: the caller
        // gets `CallError::NoReply` at once.
        let _ = ctx.async_nolink_with(&self.tasks, work, |outcome| SlowDone { reply, outcome });
    }

    /// A slow call's task ended: answer its caller.
    #[info]
    fn slow_done(&mut self, done: SlowDone) {
        let SlowDone { reply, outcome } = done;
        match outcome.result {
            Ok(value) => reply.send(value),
            Err(error) => {
                let _ = self.received.send(format!(
                    "DOWN  for a slow call, task {}: {error:?}; dropping its reply",
                    outcome.task
                ));
                // Dropping the reply handle tells the caller `NoReply` at once.
                drop(reply);
            }
        }
    }

    /// A task's outcome: its value, or why it has none (OTP's `DOWN`).
    #[info]
    fn on_task(&mut self, done: TaskOutcome<u64>) {
        let label = if done.result.is_ok() {
            "value"
        } else {
            "DOWN "
        };
        let _ = self.received.send(format!(
            "{label} TaskOutcome {{ task: {}, result: {:?} }}",
            done.task, done.result
        ));
    }

    /// Answers at once.
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tasks = TaskSupervisor::builder()
        .name("worker_tasks")
        .max_children(2)
        .start()?;
    let (tx, mut received) = mpsc::unbounded_channel();
    let worker = Worker::start(tasks.clone(), tx).await?;
    println!(
        "worker {} uses task supervisor {} {:?} (max_children {:?})",
        worker.id(),
        tasks.id(),
        tasks.name().unwrap_or_default(),
        tasks.max_children()
    );

    println!("\n1. a task that succeeds: its value arrives as a message");
    println!("   square(7) -> {}", show(worker.square(7).await?));
    println!("   worker received {}", received.recv().await.unwrap());

    println!("\n2. a task that panics: only the failed outcome, no Exit; the worker survives");
    println!("   square(0) -> {}", show(worker.square(0).await?));
    println!("   worker received {}", received.recv().await.unwrap());
    println!(
        "   worker alive: {}, ping() -> {:?}",
        worker.is_alive(),
        worker.ping().await
    );

    println!(
        "\n3. a deferred reply: slow_square(12) works in a task, ping() is answered meanwhile"
    );
    let t0 = Instant::now();
    let ((slow, slow_at), (pong, pong_at)) = tokio::join!(
        biased;
        async { (worker.slow_square(12).await, t0.elapsed()) },
        async { (worker.ping().await, t0.elapsed()) },
    );
    println!(
        "   ping()          -> {pong:?} after {:>3} ms",
        pong_at.as_millis()
    );
    println!(
        "   slow_square(12) -> {slow:?} after {:>3} ms",
        slow_at.as_millis()
    );
    println!("   ping answered first: {}", pong_at < slow_at);
    println!("   a slow call whose task panics:");
    let failed = worker.slow_square(0).await;
    println!("   worker received {}", received.recv().await.unwrap());
    println!("   slow_square(0)  -> {failed:?}");

    println!("\n4. max_children: the supervisor runs at most 2 tasks");
    let (release_a, a) = oneshot::channel();
    let (release_b, b) = oneshot::channel();
    println!("   hold() -> {}", show(worker.hold(a).await?));
    println!("   hold() -> {}", show(worker.hold(b).await?));
    println!("   tasks running: {}", tasks.count());
    println!("   square(5) -> {}", show(worker.square(5).await?));
    let _ = release_a.send(1);
    println!("   worker received {}", received.recv().await.unwrap());
    let _ = release_b.send(2);
    println!("   worker received {}", received.recv().await.unwrap());
    println!("   tasks running: {}", tasks.count());
    println!("   square(5) -> {}", show(worker.square(5).await?));
    println!("   worker received {}", received.recv().await.unwrap());

    tasks.stop(ExitReason::Normal).await?;
    Ok(())
}
