//! Several task supervisors behind one handle, chosen by a key (OTP's
//! `PartitionSupervisor` of `Task.Supervisor`s).

use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::Arc;

use super::supervisor::TaskSupervisorBuilder;
use super::{SupervisesTasks, Task, TaskSupervisor};
use crate::error::{SpawnError, StopError};
use crate::process::Process;
use crate::{ActorId, ExitReason, current};

/// `N` independent [`TaskSupervisor`]s behind one handle; each task goes to
/// the partition its key picks (OTP's `PartitionSupervisor` with
/// `Task.Supervisor` children).
///
/// One supervisor counts all its tasks in and out on one atomic counter
/// (and keeps the tasks that wait in one set); with many busy starters on
/// many threads that cache line moves between the cores, and partitions
/// spread it. The default key is the starting process's id, so
/// each server keeps using the same partition. See `BENCHMARKS.md` for when
/// this pays on this runtime.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::task::PartitionedTaskSupervisor;
///
/// let tasks = PartitionedTaskSupervisor::builder().partitions(4).start();
/// assert_eq!(tasks.partitions().len(), 4);
/// // Integer keys go to `rem(abs(key), n)`, as in OTP.
/// assert_eq!(tasks.partition(-6).id(), tasks.partitions()[2].id());
/// let task = tasks.async_nolink(async { 1 + 1 }).unwrap();
/// assert_eq!(task.join().await, Ok(2));
/// # }
/// ```
#[derive(Clone)]
pub struct PartitionedTaskSupervisor {
    partitions: Arc<[TaskSupervisor]>,
}

impl PartitionedTaskSupervisor {
    /// Starts one partition per unit of available parallelism (OTP's
    /// default, `System.schedulers_online()`), each with the
    /// [`TaskSupervisor`] defaults.
    pub fn start() -> PartitionedTaskSupervisor {
        PartitionedTaskSupervisor::builder().start()
    }

    /// Options: number of partitions, and the options of every partition.
    pub fn builder() -> PartitionedTaskSupervisorBuilder {
        PartitionedTaskSupervisorBuilder {
            partitions: None,
            each: TaskSupervisor::builder(),
        }
    }

    /// The partitions registered under `name` by a supervisor's
    /// [`ChildSpec::partitioned_task_supervisor`](crate::supervisor::ChildSpec::partitioned_task_supervisor)
    /// (`"{name}/0"`, `"{name}/1"`, …): the instances running now, so look
    /// them up again after a partition has been restarted. `None` if no
    /// partition is registered or one is missing (being restarted): a
    /// partial set would route keys to the wrong partitions.
    pub fn whereis(name: &str) -> Option<PartitionedTaskSupervisor> {
        let first = TaskSupervisor::whereis(&Self::partition_name(name, 0))?;
        // Every partition knows how many there are.
        let n = first.inner.partition_of?;
        let mut partitions = Vec::with_capacity(n);
        partitions.push(first);
        for i in 1..n {
            partitions.push(TaskSupervisor::whereis(&Self::partition_name(name, i))?);
        }
        Some(PartitionedTaskSupervisor {
            partitions: partitions.into(),
        })
    }

    /// The registered name of partition `i` of the partitioned supervisor
    /// `name`.
    pub(crate) fn partition_name(name: &str, i: usize) -> String {
        format!("{name}/{i}")
    }

    /// The partitions, in order: a key that picks `i` picks `partitions()[i]`.
    pub fn partitions(&self) -> &[TaskSupervisor] {
        &self.partitions
    }

    /// The partition `key` picks: an integer goes to `rem(abs(key), n)`,
    /// an [`ActorId`] by its number, any other key by its hash (see
    /// [`PartitionKey`]).
    pub fn partition(&self, key: impl PartitionKey) -> &TaskSupervisor {
        &self.partitions[key.partition_index(self.partitions.len())]
    }

    /// The partition of the caller: the current process's id, or for code
    /// that is not a process, the current tokio task (or thread), hashed.
    pub fn caller_partition(&self) -> &TaskSupervisor {
        self.partition(caller_key())
    }

    /// Starts `future` under the caller's partition
    /// ([`caller_partition`](Self::caller_partition)); see
    /// [`TaskSupervisor::async_nolink`]. Pick the partition yourself with
    /// `tasks.partition(key).async_nolink(..)`.
    ///
    /// # Errors
    /// As [`TaskSupervisor::async_nolink`], for that partition.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn async_nolink<F>(&self, future: F) -> Result<Task<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.caller_partition().async_nolink(future)
    }

    /// How many tasks run, over all partitions.
    pub fn count(&self) -> usize {
        self.partitions.iter().map(TaskSupervisor::count).sum()
    }

    /// Stops every partition at once (see [`TaskSupervisor::stop`]).
    ///
    /// # Errors
    /// [`StopError::NoProc`] if no partition was running.
    ///
    /// # Cancellation
    /// As [`TaskSupervisor::stop`].
    pub async fn stop(&self, reason: ExitReason) -> Result<(), StopError> {
        let results =
            futures_util::future::join_all(self.partitions.iter().map(|p| p.stop(reason.clone())))
                .await;
        if results.iter().any(Result::is_ok) {
            Ok(())
        } else {
            Err(StopError::NoProc)
        }
    }
}

/// The default routing key of the current caller.
fn caller_key() -> u64 {
    if let Some(id) = current::current_actor() {
        return id.as_u64();
    }
    let mut hasher = DefaultHasher::new();
    match tokio::task::try_id() {
        Some(task) => task.hash(&mut hasher),
        None => std::thread::current().id().hash(&mut hasher),
    }
    hasher.finish()
}

impl SupervisesTasks for PartitionedTaskSupervisor {
    fn route(&self, caller: u64) -> &TaskSupervisor {
        self.partition(caller)
    }
}

impl fmt::Debug for PartitionedTaskSupervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartitionedTaskSupervisor")
            .field("partitions", &self.partitions.len())
            .field("tasks", &self.count())
            .finish()
    }
}

/// Options for a [`PartitionedTaskSupervisor`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start`"]
pub struct PartitionedTaskSupervisorBuilder {
    partitions: Option<NonZeroUsize>,
    each: TaskSupervisorBuilder,
}

impl PartitionedTaskSupervisorBuilder {
    /// The number of partitions (default: available parallelism). Zero is
    /// taken as one.
    pub fn partitions(mut self, partitions: usize) -> Self {
        self.partitions = Some(NonZeroUsize::new(partitions).unwrap_or(NonZeroUsize::MIN));
        self
    }

    /// The limit of running tasks of each partition (default: none).
    pub fn max_children(mut self, max: usize) -> Self {
        self.each = self.each.max_children(max);
        self
    }

    /// How each partition shuts its tasks down (default 5 s, then kill).
    pub fn shutdown(mut self, shutdown: super::Shutdown) -> Self {
        self.each = self.each.shutdown(shutdown);
        self
    }

    /// Starts the partitions.
    pub fn start(self) -> PartitionedTaskSupervisor {
        self.start_each(None)
    }

    /// Starts the partitions, each linked to the current process as its
    /// child (see [`TaskSupervisorBuilder::start_link`]). Outside a process
    /// this is [`start`](Self::start).
    pub fn start_link(self) -> PartitionedTaskSupervisor {
        self.start_each(current::current_process())
    }

    fn start_each(self, parent: Option<Arc<dyn Process>>) -> PartitionedTaskSupervisor {
        let n = self
            .partitions
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get);
        let partitions = (0..n)
            .map(|_| self.each.clone().start_unnamed(parent.as_ref()))
            .collect();
        PartitionedTaskSupervisor { partitions }
    }
}

/// A key that picks a partition: OTP's routing, `rem(abs(key), n)` for
/// integers and a hash for anything else.
///
/// Implemented for the integer types, [`ActorId`] (by its number), `str`,
/// `String`, references to these, and [`Hashed`] (any `Hash` type).
pub trait PartitionKey {
    /// The partition, in `0..partitions` (`partitions` is at least 1).
    fn partition_index(&self, partitions: usize) -> usize;
}

fn index(key: u128, partitions: usize) -> usize {
    // The remainder is below `partitions`, so it fits a usize.
    (key % partitions as u128) as usize
}

macro_rules! integer_keys {
    ($($t:ty => |$k:ident| $abs:expr),* $(,)?) => {$(
        impl PartitionKey for $t {
            fn partition_index(&self, partitions: usize) -> usize {
                let $k = *self;
                index($abs, partitions)
            }
        }
    )*};
}

integer_keys! {
    i8 => |k| k.unsigned_abs().into(),
    i16 => |k| k.unsigned_abs().into(),
    i32 => |k| k.unsigned_abs().into(),
    i64 => |k| k.unsigned_abs().into(),
    i128 => |k| k.unsigned_abs(),
    isize => |k| k.unsigned_abs() as u128,
    u8 => |k| k.into(),
    u16 => |k| k.into(),
    u32 => |k| k.into(),
    u64 => |k| k.into(),
    u128 => |k| k,
    usize => |k| k as u128,
}

impl<K: PartitionKey + ?Sized> PartitionKey for &K {
    fn partition_index(&self, partitions: usize) -> usize {
        (**self).partition_index(partitions)
    }
}

impl PartitionKey for ActorId {
    fn partition_index(&self, partitions: usize) -> usize {
        self.as_u64().partition_index(partitions)
    }
}

impl PartitionKey for str {
    fn partition_index(&self, partitions: usize) -> usize {
        Hashed(self).partition_index(partitions)
    }
}

impl PartitionKey for String {
    fn partition_index(&self, partitions: usize) -> usize {
        self.as_str().partition_index(partitions)
    }
}

/// Routes by the hash of any `Hash` key: `tasks.partition(Hashed(&user))`.
/// The hash is the same in every run of the same build.
#[derive(Debug, Clone, Copy)]
pub struct Hashed<K>(pub K);

impl<K: Hash> PartitionKey for Hashed<K> {
    fn partition_index(&self, partitions: usize) -> usize {
        let mut hasher = DefaultHasher::new();
        self.0.hash(&mut hasher);
        hasher.finish().partition_index(partitions)
    }
}

#[cfg(test)]
mod whereis_tests {
    use super::*;

    fn partition(name: &str, i: usize, n: usize) -> TaskSupervisor {
        TaskSupervisor::builder()
            .name(PartitionedTaskSupervisor::partition_name(name, i))
            .partition_of(n)
            .start()
            .expect("the name is free")
    }

    /// Any missing partition, the last one included, makes the lookup fail
    /// rather than route keys over a partial set.
    #[test]
    fn whereis_needs_every_partition() {
        let name = "partition-tests::whereis";
        assert!(PartitionedTaskSupervisor::whereis(name).is_none());
        let _p0 = partition(name, 0, 3);
        let _p1 = partition(name, 1, 3);
        assert!(PartitionedTaskSupervisor::whereis(name).is_none());
        let p2 = partition(name, 2, 3);
        let found = PartitionedTaskSupervisor::whereis(name).expect("all three registered");
        assert_eq!(found.partitions().len(), 3);
        assert_eq!(found.partitions()[2].id(), p2.id());
        assert!(p2.kill());
        assert!(PartitionedTaskSupervisor::whereis(name).is_none());
    }
}
