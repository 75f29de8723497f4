//! Task failures in a GenServer, part 4: a partitioned task supervisor (OTP's
//! `PartitionSupervisor` of `Task.Supervisor`s).
//!
//! One task supervisor counts all its tasks on one shared counter; with many
//! workers starting tasks at once on many cores, partitions spread that work. Each worker calls
//! `ctx.async_nolink(&self.tasks, ..)` exactly as with one supervisor, and the
//! task goes to the partition picked by the worker's id: `rem(id, n)`, as OTP
//! routes an integer key. So different workers land on different partitions,
//! one worker always on the same one, and failures still arrive only as
//! failed outcomes: every worker survives.
//!
//! Run with `cargo run --example worker4_partitioned`. (Rust's panic hook also
//! prints the task's panic on stderr.)
//!
//! The Elixir original, in outline:
//!
//! ```elixir
//! # in the application's children:
//! {PartitionSupervisor, child_spec: Task.Supervisor, name: Worker.TaskSupervisors, partitions: 4}
//!
//! def handle_call({:square, n}, _from, state) do
//!   sup = {:via, PartitionSupervisor, {Worker.TaskSupervisors, self()}}
//!   task = Task.Supervisor.async_nolink(sup, fn -> square(n) end)
//!   {:reply, task.pid, state}
//! end
//! ```

use gen_server::prelude::*;
use gen_server::task::{
    PartitionKey, PartitionedTaskSupervisor, SpawnError, TaskOutcome, TaskSupervisor,
};
use tokio::sync::{mpsc, oneshot};

/// Squares numbers in tasks under a partitioned supervisor; reports what it
/// receives, under its name.
struct Worker {
    name: &'static str,
    tasks: PartitionedTaskSupervisor,
    received: mpsc::UnboundedSender<String>,
}

#[gen_server]
impl Worker {
    fn init(
        name: &'static str,
        tasks: PartitionedTaskSupervisor,
        received: mpsc::UnboundedSender<String>,
    ) -> Self {
        Worker {
            name,
            tasks,
            received,
        }
    }

    /// Starts a task squaring `n` (it panics on 0) under this worker's partition.
    #[call]
    fn square(&mut self, n: u64, ctx: &mut Context<Self>) -> Result<ActorId, SpawnError> {
        let task = ctx.async_nolink(&self.tasks, async move {
            if n == 0 {
                panic!("bad input: 0");
            }
            n * n
        })?;
        Ok(task.id())
    }

    /// Starts a task that ends with the number it is sent, and keeps its
    /// place under its partition until then.
    #[call]
    fn hold(
        &mut self,
        release: oneshot::Receiver<u64>,
        ctx: &mut Context<Self>,
    ) -> Result<ActorId, SpawnError> {
        let task = ctx.async_nolink(&self.tasks, async move { release.await.unwrap_or(0) })?;
        Ok(task.id())
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
            "{} received {label} TaskOutcome {{ task: {}, result: {:?} }}",
            self.name, done.task, done.result
        ));
    }
}

/// How many tasks each partition runs.
fn counts(tasks: &PartitionedTaskSupervisor) -> Vec<usize> {
    tasks
        .partitions()
        .iter()
        .map(TaskSupervisor::count)
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tasks = PartitionedTaskSupervisor::builder().partitions(4).start();
    let ids: Vec<String> = tasks
        .partitions()
        .iter()
        .map(|p| p.id().to_string())
        .collect();
    println!("partitions, in order: [{}]", ids.join(", "));

    let (tx, mut received) = mpsc::unbounded_channel();
    let mut workers = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        workers.push(Worker::start(name, tasks.clone(), tx.clone()).await?);
    }

    println!("\n1. each worker starts a task; it lands on the partition of the worker's id");
    let mut releases = Vec::new();
    for (worker, name) in workers.iter().zip(["alice", "bob", "carol", "dave"]) {
        let (release, held) = oneshot::channel();
        releases.push(release);
        let task = worker.hold(held).await??;
        let index = worker.id().partition_index(tasks.partitions().len());
        println!(
            "   {name:5} ({}) started task {task}: {} % 4 = {index} -> partition {}; tasks per partition now {:?}",
            worker.id(),
            worker.id().as_u64(),
            tasks.partition(worker.id()).id(),
            counts(&tasks),
        );
    }
    let (release, held) = oneshot::channel();
    releases.push(release);
    let task = workers[0].hold(held).await??;
    println!(
        "   alice's second task {task} goes to her partition again: {:?}",
        counts(&tasks)
    );
    for (n, release) in (1..).zip(releases) {
        let _ = release.send(n);
        println!("   {}", received.recv().await.unwrap());
    }
    println!("   tasks per partition now {:?}", counts(&tasks));

    println!("\n2. a task that panics: only a failed outcome; the worker survives");
    let bob = &workers[1];
    println!("   bob started task {}", bob.square(0).await??);
    println!("   {}", received.recv().await.unwrap());
    println!("   bob alive: {}", bob.is_alive());
    println!("   bob started task {}", bob.square(6).await??);
    println!("   {}", received.recv().await.unwrap());

    tasks.stop(ExitReason::Normal).await?;
    println!(
        "\nstopped the partitions; any still alive: {}",
        tasks.partitions().iter().any(TaskSupervisor::is_alive)
    );
    Ok(())
}
