//! The one channel of an actor: a multi-producer, single-consumer queue.
//!
//! Why not `tokio::sync::mpsc`: an idle actor must stay small, and tokio's
//! channel allocates its shared state plus a first block of 32 slots up front
//! (about 1 KiB for a typical message). This queue is a `VecDeque` behind the
//! actor's own mutex: nothing is allocated until the first message, producers
//! hold the lock only for a `push_back`, and the consumer takes every queued
//! message in one lock by swapping buffers, so under load it locks once per
//! batch rather than once per message. The lock is per actor, never global.
//! The actor's waker is kept between waits (a wake-up by reference neither
//! consumes nor clones it), and a flag set when the actor takes the queue
//! lets it go back to waiting without the lock when nothing was pushed since.
//!
//! A bounded mailbox adds a semaphore with one permit per free slot: senders
//! take a permit before pushing and the actor gives it back when it dequeues
//! the message.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use tokio::sync::{Semaphore, TryAcquireError};

/// A local buffer larger than this is freed once drained, so that a burst does
/// not pin its memory to an idle actor. Freed rather than shrunk: a shrunk
/// large block stays a separate mapping, and the next burst faults in fresh
/// pages (measured: a third of cast time went to the kernel).
const RETAINED_CAPACITY: usize = 1024;

/// The actor has taken everything queued and handed over its waker: the
/// next push must wake it, and until then it need not look (nor lock).
const WAITING: u8 = 1;
/// The actor has ended: no message is accepted any more.
const CLOSED: u8 = 2;

pub(crate) struct Mailbox<T> {
    state: Mutex<State<T>>,
    /// [`WAITING`] and [`CLOSED`]; written only under the lock, so the
    /// actor can read them without it.
    flags: AtomicU8,
    /// Free slots of a bounded mailbox; `None` when unbounded.
    slots: Option<Box<Semaphore>>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// The actor task's waker. Kept between waits (it is the same task's
    /// every time), so a wake-up neither consumes it nor needs a new clone.
    rx_waker: Option<Waker>,
}

/// Why a message could not be put in the mailbox.
pub(crate) enum PushError<T> {
    Closed(T),
    Full(T),
}

impl<T> Mailbox<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        Mailbox {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                rx_waker: None,
            }),
            flags: AtomicU8::new(0),
            slots: capacity.map(|n| Box::new(Semaphore::new(n))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No user code runs under this lock, so poisoning cannot leave the
        // queue half-updated; carry on with the data as it is.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The semaphore of a bounded mailbox.
    pub(crate) fn slots(&self) -> Option<&Semaphore> {
        self.slots.as_deref()
    }

    /// Pushes a message that needs no slot (a system message, or one whose slot
    /// was already taken).
    pub(crate) fn push_unchecked(&self, item: T) -> Result<(), T> {
        let mut state = self.lock();
        // Only written under the lock, so no atomic read-modify-write is
        // needed (the actor reads the flags without it).
        let flags = self.flags.load(Ordering::Relaxed);
        if flags & CLOSED != 0 {
            return Err(item);
        }
        state.queue.push_back(item);
        if flags & WAITING != 0 {
            self.flags.store(flags & !WAITING, Ordering::Release);
            if let Some(waker) = &state.rx_waker {
                // Under the lock: the waker is not cloned, and waking a tokio
                // task only marks and schedules it, running no user code.
                waker.wake_by_ref();
            }
        }
        Ok(())
    }

    /// Pushes a message if there is room, without waiting.
    pub(crate) fn try_push(&self, item: T) -> Result<(), PushError<T>> {
        if let Some(slots) = self.slots() {
            match slots.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(TryAcquireError::NoPermits) => return Err(PushError::Full(item)),
                Err(TryAcquireError::Closed) => return Err(PushError::Closed(item)),
            }
        }
        self.push_unchecked(item).map_err(PushError::Closed)
    }

    /// Gives back the slot of a dequeued message (bounded mailboxes only).
    pub(crate) fn release_slot(&self) {
        if let Some(slots) = self.slots() {
            slots.add_permits(1);
        }
    }

    /// Takes the next message, refilling `local` with everything queued when
    /// it runs dry. Only the actor's own task calls this.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>, local: &mut VecDeque<T>) -> Poll<T> {
        if let Some(item) = local.pop_front() {
            return Poll::Ready(item);
        }
        if local.capacity() > RETAINED_CAPACITY {
            *local = VecDeque::new();
        }
        if self.flags.load(Ordering::Acquire) & WAITING != 0 {
            // Nothing was pushed since the actor last took the queue: the
            // push that comes will wake this task (the waker is this task's).
            return Poll::Pending;
        }
        let mut state = self.lock();
        match &mut state.rx_waker {
            // No clone when it is the same task's waker (`will_wake`).
            Some(waker) => waker.clone_from(cx.waker()),
            slot @ None => *slot = Some(cx.waker().clone()),
        }
        // Whatever is queued now is taken below: a push from here on must
        // wake the actor. One that comes while it handles what it took
        // wakes it early, which costs one poll that finds the flag cleared.
        let flags = self.flags.load(Ordering::Relaxed);
        self.flags.store(flags | WAITING, Ordering::Release);
        if state.queue.is_empty() {
            return Poll::Pending;
        }
        std::mem::swap(&mut state.queue, local);
        drop(state);
        Poll::Ready(local.pop_front().expect("swapped in a non-empty queue"))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.flags.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Refuses all further messages and returns the ones still queued, so the
    /// caller can drop them outside the lock (dropping a call's reply handle
    /// wakes its caller).
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut state = self.lock();
        self.flags.store(CLOSED, Ordering::Release);
        let waker = state.rx_waker.take();
        let rest = std::mem::take(&mut state.queue);
        drop(state);
        drop(waker);
        if let Some(slots) = self.slots() {
            slots.close();
        }
        rest
    }
}
