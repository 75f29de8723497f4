//! Which actor is running on this thread right now, and panic-safe polling.
//!
//! Every poll of an actor's task records the actor's id in a thread-local, so
//! that code running inside a handler can tell which actor it runs in (to
//! refuse a call to itself, for example) without being passed a context.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::ActorId;
use crate::process::Process;

thread_local! {
    static CURRENT: RefCell<Option<Arc<dyn Process>>> = const { RefCell::new(None) };
    /// Values whose drop must wait until the end of the current actor poll;
    /// see [`defer_drop`].
    static DEFERRED_DROPS: RefCell<Vec<Box<dyn Any + Send>>> = const { RefCell::new(Vec::new()) };
}

/// The actor whose task is being polled on this thread, if any.
pub(crate) fn current_actor() -> Option<ActorId> {
    CURRENT.with(|c| c.borrow().as_ref().map(|p| p.core().id))
}

/// The process being polled on this thread, if any.
pub(crate) fn current_process() -> Option<Arc<dyn Process>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Keeps `value` alive until the current actor poll ends, when it is dropped.
///
/// Used for reply handles dropped while a handler unwinds: their caller must
/// see the actor's exit reason, which the run loop records just after it
/// catches the panic, so the drop (which wakes the caller) has to wait for it.
/// Returns the value back when no actor is being polled on this thread.
pub(crate) fn defer_drop<T: Send + 'static>(value: T) -> Result<(), T> {
    if current_actor().is_none() {
        return Err(value);
    }
    DEFERRED_DROPS.with(|d| d.borrow_mut().push(Box::new(value)));
    Ok(())
}

pin_project_lite::pin_project! {
    /// Polls a process's task with it set as the current process.
    pub(crate) struct Scoped<F> {
        // Moved into the thread-local for each poll and back: no reference
        // count traffic on the hot path.
        process: Option<Arc<dyn Process>>,
        #[pin]
        inner: F,
    }
}

impl<F> Scoped<F> {
    pub(crate) fn new(process: Arc<dyn Process>, inner: F) -> Self {
        Scoped {
            process: Some(process),
            inner,
        }
    }
}

/// Puts the process back and restores the previous one, even if the poll unwinds.
struct Restore<'a> {
    slot: &'a mut Option<Arc<dyn Process>>,
    previous: Option<Arc<dyn Process>>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        *self.slot = CURRENT.with(|c| c.replace(self.previous.take()));
        let deferred = DEFERRED_DROPS.with(|d| {
            let mut d = d.borrow_mut();
            (!d.is_empty()).then(|| std::mem::take(&mut *d))
        });
        drop(deferred);
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let previous = CURRENT.with(|c| c.replace(this.process.take()));
        let _restore = Restore {
            slot: this.process,
            previous,
        };
        this.inner.poll(cx)
    }
}

pin_project_lite::pin_project! {
    /// Resolves to `Err(payload)` if polling the inner future panics.
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(inner: F) -> Self {
        CatchUnwind { inner }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        // The actor's state may be left half-updated by the panic; it is never
        // handed to a handler again, only to `terminate`, which OTP also runs
        // after a crash.
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
