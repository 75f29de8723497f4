//! Requests to an actor: calls (request/reply) and casts (one-way).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::sync::{AcquireError, SemaphorePermit, oneshot};
use tokio::time::Sleep;

use crate::cell::Envelope;
use crate::mailbox::PushError;
use crate::{ActorRef, CallError, GenServer, ReplyTo, SendError, current};

/// How long a call waits for its reply unless told otherwise: 5 seconds, as
/// OTP's `GenServer.call/2`.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Waiting for a slot in a bounded mailbox; only built when it is full.
type SlotWait<'a> =
    Pin<Box<dyn Future<Output = Result<SemaphorePermit<'a>, AcquireError>> + Send + 'a>>;

/// Puts one message in a mailbox, waiting for a slot if it is bounded and full.
struct Enqueue<'a, A: GenServer> {
    server: &'a ActorRef<A>,
    /// `Some` until the message is in the mailbox.
    msg: Option<A::Msg>,
    slot: Option<SlotWait<'a>>,
    fail_when_full: bool,
}

impl<'a, A: GenServer> Enqueue<'a, A> {
    fn new(server: &'a ActorRef<A>, msg: A::Msg) -> Self {
        Enqueue {
            server,
            msg: Some(msg),
            slot: None,
            fail_when_full: false,
        }
    }

    fn is_done(&self) -> bool {
        self.msg.is_none()
    }

    fn try_now(&mut self) -> Result<(), PushError<A::Msg>> {
        let msg = self.msg.take().expect("message already sent");
        let mailbox = &self.server.cell.mailbox;
        mailbox.try_push(Envelope::Msg(msg)).map_err(|e| match e {
            PushError::Closed(Envelope::Msg(m)) => PushError::Closed(m),
            PushError::Full(Envelope::Msg(m)) => PushError::Full(m),
            _ => unreachable!("a handler message comes back as one"),
        })
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        loop {
            if let Some(slot) = &mut self.slot {
                let permit = ready!(slot.as_mut().poll(cx));
                self.slot = None;
                let msg = self.msg.take().expect("message already sent");
                return Poll::Ready(match permit {
                    Ok(permit) => {
                        permit.forget();
                        let mailbox = &self.server.cell.mailbox;
                        mailbox
                            .push_unchecked(Envelope::Msg(msg))
                            .map_err(|_| SendError::NoProc)
                    }
                    Err(_) => Err(SendError::NoProc),
                });
            }
            match self.try_now() {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(PushError::Closed(_)) => return Poll::Ready(Err(SendError::NoProc)),
                Err(PushError::Full(_)) if self.fail_when_full => {
                    return Poll::Ready(Err(SendError::MailboxFull));
                }
                Err(PushError::Full(msg)) => {
                    self.msg = Some(msg);
                    let slots = self.server.cell.mailbox.slots();
                    let slots = slots.expect("only a bounded mailbox is ever full");
                    self.slot = Some(Box::pin(slots.acquire()));
                }
            }
        }
    }
}

/// A call in preparation: returned by the generated handle methods
/// (`counter.add(3)`), it does nothing until awaited.
///
/// Awaiting it sends the request and waits for the reply, for at most
/// [`DEFAULT_CALL_TIMEOUT`] unless changed with [`timeout`](Self::timeout) or
/// [`no_timeout`](Self::no_timeout). A bounded mailbox that is full makes it
/// wait for room (inside the same time limit) unless
/// [`fail_when_full`](Self::fail_when_full) is set.
///
/// # Errors
/// See [`CallError`]: each way a call can fail has its own variant, and none of
/// them hangs.
///
/// # Cancellation
/// Dropping the future before the request is enqueued sends nothing. Dropping
/// it after the request is enqueued does not withdraw it: the server still
/// handles it, and its reply is dropped.
///
/// ```
/// use gen_server::prelude::*;
/// use std::time::Duration;
///
/// struct Echo;
///
/// #[gen_server]
/// impl Echo {
///     fn init() -> Self { Echo }
///     #[call]
///     fn echo(&self, text: String) -> String { text }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), CallError> {
/// let echo = Echo::start().await.unwrap();
/// assert_eq!(echo.echo("hi".into()).await?, "hi");
/// assert_eq!(echo.echo("hi".into()).timeout(Duration::from_millis(50)).await?, "hi");
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing unless it is awaited"]
pub struct Call<'a, A: GenServer, R> {
    server: &'a ActorRef<A>,
    msg: A::Msg,
    reply: oneshot::Receiver<R>,
    timeout: Option<Duration>,
    fail_when_full: bool,
}

impl<'a, A: GenServer, R: Send + 'static> Call<'a, A, R> {
    #[doc(hidden)]
    pub fn __new(server: &'a ActorRef<A>, make: impl FnOnce(ReplyTo<R>) -> A::Msg) -> Self {
        let (tx, reply) = oneshot::channel();
        Call {
            server,
            msg: make(ReplyTo::new(tx)),
            reply,
            timeout: Some(DEFAULT_CALL_TIMEOUT),
            fail_when_full: false,
        }
    }

    /// Waits at most `timeout` for the reply instead of the default 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for the reply without a time limit (OTP's `:infinity`).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Fails with [`CallError::MailboxFull`] instead of waiting when the
    /// server's bounded mailbox is full.
    pub fn fail_when_full(mut self) -> Self {
        self.fail_when_full = true;
        self
    }
}

impl<A: GenServer, R> fmt::Debug for Call<'_, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("server", &self.server.id())
            .field("timeout", &self.timeout)
            .field("fail_when_full", &self.fail_when_full)
            .finish_non_exhaustive()
    }
}

impl<'a, A: GenServer, R: Send + 'static> IntoFuture for Call<'a, A, R> {
    type Output = Result<R, CallError>;
    type IntoFuture = CallFuture<'a, A, R>;

    fn into_future(self) -> CallFuture<'a, A, R> {
        let mut enqueue = Enqueue::new(self.server, self.msg);
        enqueue.fail_when_full = self.fail_when_full;
        CallFuture {
            enqueue,
            reply: self.reply,
            timeout: self.timeout,
            started: false,
            yielded: false,
            deadline: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of an awaited [`Call`].
    #[must_use = "futures do nothing unless polled"]
    pub struct CallFuture<'a, A: GenServer, R> {
        enqueue: Enqueue<'a, A>,
        reply: oneshot::Receiver<R>,
        timeout: Option<Duration>,
        started: bool,
        yielded: bool,
        #[pin]
        deadline: Option<Sleep>,
    }
}

impl<A: GenServer, R> fmt::Debug for CallFuture<'_, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallFuture")
            .field("server", &self.enqueue.server.id())
            .field("sent", &self.enqueue.is_done())
            .finish_non_exhaustive()
    }
}

impl<A: GenServer, R: Send + 'static> Future for CallFuture<'_, A, R> {
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let server = this.enqueue.server;
        if !*this.started {
            *this.started = true;
            if current::current_actor() == Some(server.id()) {
                return Poll::Ready(Err(CallError::CallingSelf));
            }
        }
        if !this.enqueue.is_done() {
            match this.enqueue.poll(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(SendError::NoProc)) => return Poll::Ready(Err(CallError::NoProc)),
                Poll::Ready(Err(SendError::MailboxFull)) => {
                    return Poll::Ready(Err(CallError::MailboxFull));
                }
                Poll::Pending => return pending(this.deadline, *this.timeout, this.yielded, cx),
            }
        }
        match Pin::new(this.reply).poll(cx) {
            Poll::Ready(Ok(value)) => Poll::Ready(Ok(value)),
            // The reply handle was dropped unanswered: by a dying server (its
            // exit reason is already recorded) or by a live one.
            Poll::Ready(Err(_)) => Poll::Ready(Err(match server.cell.core.exit_reason() {
                Some(reason) => CallError::Exited(reason),
                None => CallError::NoReply,
            })),
            Poll::Pending => pending(this.deadline, *this.timeout, this.yielded, cx),
        }
    }
}

/// Waits for the reply, arming the call's timer only if it is needed.
///
/// A tokio timer costs a timer-wheel insertion and removal per call, and even
/// reading the clock is a noticeable part of a call, while most replies
/// arrive within one scheduling round. So the first time the reply is not
/// ready, the future wakes itself and yields once (the server usually answers
/// meanwhile); only if it is still not ready is the clock read and the timer
/// armed. The time limit therefore runs from the end of that first round: a
/// call that times out has waited its timeout plus one scheduling round of
/// its runtime (microseconds, unless the runtime is overloaded).
#[inline]
fn pending<T>(
    mut deadline: Pin<&mut Option<Sleep>>,
    timeout: Option<Duration>,
    yielded: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Result<T, CallError>> {
    let Some(timeout) = timeout else {
        return Poll::Pending;
    };
    if deadline.is_none() {
        if !*yielded {
            *yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        deadline.set(Some(tokio::time::sleep(timeout)));
    }
    poll_deadline(deadline, cx)
}

fn poll_deadline<T>(
    deadline: Pin<&mut Option<Sleep>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, CallError>> {
    match deadline.as_pin_mut().map(|sleep| sleep.poll(cx)) {
        Some(Poll::Ready(())) => Poll::Ready(Err(CallError::Timeout)),
        _ => Poll::Pending,
    }
}

/// A one-way message in preparation: returned by the generated cast methods
/// (`counter.reset()`) and by [`ActorRef::send_info`].
///
/// Await it to enqueue the message, waiting for room if the mailbox is bounded
/// and full; an unbounded mailbox never makes it wait. Or call
/// [`try_send`](Self::try_send) to enqueue without waiting. Either way the
/// result only says whether the message reached the mailbox (OTP's cast always
/// returns `:ok`; here a dead server is reported).
///
/// # Cancellation
/// Dropping the future before it resolves sends nothing.
#[must_use = "a cast does nothing unless it is awaited or `try_send` is called"]
pub struct Cast<'a, A: GenServer> {
    server: &'a ActorRef<A>,
    msg: A::Msg,
}

impl<'a, A: GenServer> Cast<'a, A> {
    #[doc(hidden)]
    pub fn new(server: &'a ActorRef<A>, msg: A::Msg) -> Self {
        Cast { server, msg }
    }

    /// Enqueues the message now, without waiting.
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the server is not running,
    /// [`SendError::MailboxFull`] if its bounded mailbox is full.
    pub fn try_send(self) -> Result<(), SendError> {
        Enqueue::new(self.server, self.msg)
            .try_now()
            .map_err(|e| match e {
                PushError::Closed(_) => SendError::NoProc,
                PushError::Full(_) => SendError::MailboxFull,
            })
    }
}

impl<A: GenServer> Cast<'_, A> {
    /// Like [`try_send`](Self::try_send), giving the message back on failure.
    #[cfg(feature = "dist")]
    pub(crate) fn try_send_returning(self) -> Result<(), (SendError, A::Msg)> {
        Enqueue::new(self.server, self.msg)
            .try_now()
            .map_err(|e| match e {
                PushError::Closed(m) => (SendError::NoProc, m),
                PushError::Full(m) => (SendError::MailboxFull, m),
            })
    }
}

impl<A: GenServer> fmt::Debug for Cast<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cast")
            .field("server", &self.server.id())
            .finish_non_exhaustive()
    }
}

impl<'a, A: GenServer> IntoFuture for Cast<'a, A> {
    type Output = Result<(), SendError>;
    type IntoFuture = CastFuture<'a, A>;

    fn into_future(self) -> CastFuture<'a, A> {
        CastFuture {
            enqueue: Enqueue::new(self.server, self.msg),
        }
    }
}

/// The future of an awaited [`Cast`].
#[must_use = "futures do nothing unless polled"]
pub struct CastFuture<'a, A: GenServer> {
    enqueue: Enqueue<'a, A>,
}

// The message is moved, never pinned: nothing here relies on a stable address.
impl<A: GenServer> Unpin for CastFuture<'_, A> {}

impl<A: GenServer> fmt::Debug for CastFuture<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CastFuture")
            .field("server", &self.enqueue.server.id())
            .field("sent", &self.enqueue.is_done())
            .finish()
    }
}

impl<A: GenServer> Future for CastFuture<'_, A> {
    type Output = Result<(), SendError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.enqueue.is_done() {
            return Poll::Ready(Ok(()));
        }
        self.enqueue.poll(cx)
    }
}
