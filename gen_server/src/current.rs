//! The task of every process: which process is running on this thread right
//! now, the end of a killed process's task, and panic-safe polling.
//!
//! Every poll of a process's task records the process in a thread-local, so
//! that code running inside a handler can tell which process it runs in (to
//! refuse a call to itself, for example) without being passed a context.
//!
//! A process is killed by a flag in its [`Core`](crate::process::Core), not by
//! tokio's `AbortHandle`: [`Scoped`] checks the flag before each poll and,
//! once it is set, drops the process's work instead of polling it. Its waker
//! is handed to the core the first time the task waits, so that a kill wakes
//! a waiting task; a task that finishes in its first poll (most background
//! tasks) never registers anything.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::ActorId;
use crate::process::Process;

thread_local! {
    /// The process whose task is being polled on this thread. Its task's
    /// [`Scoped`] moves its `Arc` in for the poll and back out afterwards:
    /// no reference count traffic on the hot path.
    static CURRENT: Cell<Option<Arc<dyn Process>>> = const { Cell::new(None) };
    /// Values whose drop must wait until the end of the current actor poll;
    /// see [`defer_drop`].
    static DEFERRED_DROPS: RefCell<Vec<Box<dyn Any + Send>>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with the process being polled on this thread, if any (none
/// while the thread's locals are being destroyed).
fn with_current<R>(f: impl FnOnce(Option<&Arc<dyn Process>>) -> R) -> R {
    let mut f = Some(f);
    let out = CURRENT.try_with(|c| {
        // Taken out and put back around `f`, which runs no user code.
        let current = c.take();
        let f = f.take().expect("called once");
        let out = f(current.as_ref());
        c.set(current);
        out
    });
    match (out, f) {
        (Ok(out), _) => out,
        (Err(_), Some(f)) => f(None),
        (Err(_), None) => unreachable!("`f` runs only when the local is there"),
    }
}

/// The actor whose task is being polled on this thread, if any.
pub(crate) fn current_actor() -> Option<ActorId> {
    with_current(|process| process.map(|p| p.core().id))
}

/// The process being polled on this thread, if any.
pub(crate) fn current_process() -> Option<Arc<dyn Process>> {
    with_current(|process| process.cloned())
}

/// Keeps `value` alive until the current actor poll ends, when it is dropped.
///
/// Used for reply handles dropped while a handler unwinds: their caller must
/// see the actor's exit reason, which the run loop records just after it
/// catches the panic, so the drop (which wakes the caller) has to wait for it.
/// Returns the value back when no actor is being polled on this thread.
pub(crate) fn defer_drop<T: Send + 'static>(value: T) -> Result<(), T> {
    if !with_current(|process| process.is_some()) {
        return Err(value);
    }
    let mut value = Some(value);
    let deferred = DEFERRED_DROPS.try_with(|d| {
        let value = value.take().expect("taken once");
        d.borrow_mut().push(Box::new(value));
    });
    match (deferred, value) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(value)) => Err(value),
        (Err(_), None) => unreachable!("the value is taken only when the local is there"),
    }
}

/// Makes a process current for as long as it lives: moves the process's
/// `Arc` out of `slot` into the thread-local, and back when dropped (even if
/// the poll unwinds), restoring the previous one and dropping what was
/// deferred meanwhile. While the thread's locals are being destroyed (a
/// runtime dropped then) it does nothing, and no process is current.
struct Enter<'a> {
    slot: &'a mut Option<Arc<dyn Process>>,
    previous: Option<Arc<dyn Process>>,
}

impl<'a> Enter<'a> {
    fn new(slot: &'a mut Option<Arc<dyn Process>>) -> Self {
        // The closure runs, taking the process, only if the local is there.
        let previous = CURRENT.try_with(|c| c.replace(slot.take())).ok().flatten();
        Enter { slot, previous }
    }
}

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        if let Ok(Some(process)) = CURRENT.try_with(|c| c.replace(previous)) {
            *self.slot = Some(process);
        }
        let deferred = DEFERRED_DROPS
            .try_with(|d| {
                let mut d = d.borrow_mut();
                (!d.is_empty()).then(|| std::mem::take(&mut *d))
            })
            .ok()
            .flatten();
        drop(deferred);
    }
}

/// The work of a process's task, driven by [`Scoped`].
pub(crate) trait Body {
    /// What the work ends with.
    type Done;

    /// Runs once, before the first poll of the work, with the process not
    /// current; may terminate the process (the work is then not polled).
    fn start(self: Pin<&mut Self>, process: &Arc<dyn Process>) {
        let _ = process;
    }

    /// Advances the work, with its process current. Drops what it no longer
    /// needs once it is done.
    fn poll_work(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Done>;

    /// Runs once, the first time the work waits (returns `Pending`), after
    /// the task's waker was handed to the core.
    fn first_wait(self: Pin<&mut Self>, process: &Arc<dyn Process>) {
        let _ = process;
    }

    /// Drops the unfinished work, with its process current: the process was
    /// killed, or its runtime is dropping the task.
    fn drop_work(self: Pin<&mut Self>);

    /// Called once, after the work ended (`Some`) or was dropped unfinished
    /// (`None`), with the process no longer current.
    fn finish(self: Pin<&mut Self>, process: &Arc<dyn Process>, done: Option<Self::Done>);
}

pin_project_lite::pin_project! {
    /// A future that is the whole work of a process: a gen_server's run
    /// loop. Its own drop glue does its cleanup.
    pub(crate) struct Work<F> {
        #[pin]
        future: Option<F>,
    }
}

impl<F> Work<F> {
    pub(crate) fn new(future: F) -> Self {
        Work {
            future: Some(future),
        }
    }
}

impl<F: Future<Output = ()>> Body for Work<F> {
    type Done = ();

    fn poll_work(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut future = self.project().future;
        let Some(running) = future.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        std::task::ready!(running.poll(cx));
        future.set(None);
        Poll::Ready(())
    }

    fn drop_work(self: Pin<&mut Self>) {
        self.project().future.set(None);
    }

    fn finish(self: Pin<&mut Self>, _: &Arc<dyn Process>, _: Option<()>) {}
}

pin_project_lite::pin_project! {
    /// The future tokio runs for a process: polls its work with the process
    /// set as current, until the work ends or the process is killed.
    ///
    /// Only ever run as the root future of a tokio task, so the waker of
    /// every poll is the same one (the task's own), and handing it to the
    /// core once is enough.
    #[project = ScopedProj]
    pub(crate) struct Scoped<B: Body> {
        // `Some` except during a poll, when it is in the thread-local.
        process: Option<Arc<dyn Process>>,
        // The task's waker has been handed to the core.
        registered: bool,
        // `finish` has run.
        finished: bool,
        #[pin]
        body: B,
    }

    impl<B: Body> PinnedDrop for Scoped<B> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            this.cancel();
        }
    }
}

impl<B: Body> Scoped<B> {
    pub(crate) fn new(process: Arc<dyn Process>, body: B) -> Self {
        Scoped {
            process: Some(process),
            registered: false,
            finished: false,
            body,
        }
    }
}

impl<B: Body> ScopedProj<'_, B> {
    /// Drops the unfinished work with the process current, then finishes.
    fn cancel(&mut self) {
        if std::mem::replace(self.finished, true) {
            return;
        }
        {
            let _enter = Enter::new(self.process);
            self.body.as_mut().drop_work();
        }
        let process = self.process.as_ref().expect("the process is back");
        self.body.as_mut().finish(process, None);
    }
}

impl<B: Body> Future for Scoped<B> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if *this.finished {
            return Poll::Ready(());
        }
        let process = this.process.as_ref().expect("not polled re-entrantly");
        if !*this.registered {
            // The first poll (every later one follows a first wait).
            this.body.as_mut().start(process);
        }
        if process.core().is_killed() {
            this.cancel();
            return Poll::Ready(());
        }
        let poll = {
            let _enter = Enter::new(this.process);
            this.body.as_mut().poll_work(cx)
        };
        let process = this.process.as_ref().expect("the process is back");
        match poll {
            Poll::Ready(done) => {
                *this.finished = true;
                this.body.as_mut().finish(process, Some(done));
                Poll::Ready(())
            }
            Poll::Pending => {
                if !*this.registered {
                    *this.registered = true;
                    if !process.core().register_waker(cx.waker()) {
                        // Killed during this poll: come back at once to end.
                        cx.waker().wake_by_ref();
                    }
                    this.body.as_mut().first_wait(process);
                }
                Poll::Pending
            }
        }
    }
}

/// Polls `future`, catching a panic: `Err(payload)` if the poll unwound.
pub(crate) fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Box<dyn Any + Send>>> {
    // The state the future had may be left half-updated by the panic; it is
    // never polled again, only dropped (an actor's state only goes to
    // `terminate`, which OTP also runs after a crash).
    match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(payload)),
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
        poll_catching(self.project().inner, cx)
    }
}
