//! Process identifiers.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of one actor: the analogue of an Erlang pid.
///
/// Every actor gets a fresh id when it is started, unique for the life of the
/// program, and never reused. Ids taken one after the other on one thread
/// increase; across threads they are not ordered by start time. An `ActorId` is type-erased, cheap to copy, and
/// hashable, so it works as a map key; it prints as `#N`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gen_server::prelude::*;
///
/// struct Idle;
///
/// #[gen_server]
/// impl Idle {
///     fn init() -> Self { Idle }
/// }
///
/// let a = Idle::start().await.unwrap();
/// let b = Idle::start().await.unwrap();
/// assert_ne!(a.id(), b.id());
/// assert!(a.id().to_string().starts_with('#'));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId(NonZeroU64);

/// Id 1 stands for the outside world; actors are numbered from 2, in blocks
/// of [`ID_BLOCK`] taken by each thread that starts processes.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(2);

/// How many ids a thread takes at a time: one shared atomic increment per
/// block instead of one per process, so that threads starting many processes
/// (tasks, above all) do not pass a cache line back and forth. A power of
/// two, so ids taken one after the other on one thread stay consecutive
/// modulo any smaller power of two, across blocks too.
const ID_BLOCK: u64 = 1024;

thread_local! {
    /// The next id of this thread's block, and the end of the block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

impl ActorId {
    /// The sender of signals sent from code that is not a process (`main`, a
    /// plain tokio task): the `from` of an [`Exit`](crate::Exit) it caused.
    pub const OUTSIDE: ActorId = ActorId(NonZeroU64::MIN);

    /// Takes the next unused id.
    pub(crate) fn next() -> Self {
        let n = IDS.with(|ids| {
            let (next, end) = ids.get();
            if next < end {
                ids.set((next + 1, end));
                return next;
            }
            // Relaxed is enough: only uniqueness matters, not ordering with
            // other memory.
            let start = NEXT_BLOCK.fetch_add(ID_BLOCK, Ordering::Relaxed);
            ids.set((start + 1, start + ID_BLOCK));
            start
        });
        ActorId(NonZeroU64::new(n).expect("actor id counter overflowed"))
    }

    /// The id with this number, if it can be one (ids are never 0).
    #[cfg_attr(not(feature = "dist"), allow(dead_code))]
    pub(crate) fn from_u64(n: u64) -> Option<Self> {
        NonZeroU64::new(n).map(ActorId)
    }

    /// The id as a number, for logs and metrics.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorId(#{})", self.0)
    }
}
