//! Process identifiers.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of one actor: the analogue of an Erlang pid.
///
/// Every actor gets a fresh id when it is started, unique for the life of the
/// program, and never reused. An `ActorId` is type-erased, cheap to copy, and
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

/// Id 1 stands for the outside world; actors are numbered from 2.
static NEXT_ID: AtomicU64 = AtomicU64::new(2);

impl ActorId {
    /// The sender of signals sent from code that is not a process (`main`, a
    /// plain tokio task): the `from` of an [`Exit`](crate::Exit) it caused.
    pub const OUTSIDE: ActorId = ActorId(NonZeroU64::MIN);

    /// Takes the next unused id.
    pub(crate) fn next() -> Self {
        // Relaxed is enough: only uniqueness matters, not ordering with other memory.
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
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
