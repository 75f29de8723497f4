//! Reply handles for deferred replies.

use std::fmt;

use tokio::sync::oneshot;

use crate::current;

/// The right to answer one call, later and from anywhere.
///
/// A `#[call]` handler that takes a `ReplyTo<T>` parameter does not reply by
/// returning: it keeps the handle (in its state, or moved into a spawned task)
/// and calls [`send`](ReplyTo::send) when the answer is ready. This is OTP's
/// `{:noreply, state}` followed by `GenServer.reply(from, value)`; meanwhile the
/// server goes on with other messages.
///
/// Dropping a `ReplyTo` without sending fails the call at once with
/// [`CallError::NoReply`](crate::CallError::NoReply) (or with
/// [`CallError::Exited`](crate::CallError::Exited) when the server is dying),
/// rather than leaving the caller to time out.
///
/// ```
/// use gen_server::prelude::*;
/// use std::time::Duration;
///
/// struct Slow;
///
/// #[gen_server]
/// impl Slow {
///     fn init() -> Self { Slow }
///
///     /// Answers from a task, so the server stays free for other calls.
///     #[call]
///     fn double(&mut self, n: u64, reply: ReplyTo<u64>) {
///         tokio::spawn(async move {
///             tokio::time::sleep(Duration::from_millis(10)).await;
///             reply.send(n * 2);
///         });
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let slow = Slow::start().await.unwrap();
/// assert_eq!(slow.double(21).await, Ok(42));
/// # }
/// ```
pub struct ReplyTo<T: Send + 'static> {
    tx: Option<oneshot::Sender<T>>,
    /// A caller on another node: the reply is encoded and sent from the task
    /// that replies, with no task in between.
    #[cfg(feature = "dist")]
    remote: Option<Box<crate::dist::expose::RemoteReplyTo<T>>>,
}

impl<T: Send + 'static> ReplyTo<T> {
    pub(crate) fn new(tx: oneshot::Sender<T>) -> Self {
        ReplyTo {
            tx: Some(tx),
            #[cfg(feature = "dist")]
            remote: None,
        }
    }

    #[cfg(feature = "dist")]
    pub(crate) fn remote(to: crate::dist::expose::RemoteReplyTo<T>) -> Self {
        ReplyTo {
            tx: None,
            remote: Some(Box::new(to)),
        }
    }

    /// Sends the reply. If the caller has stopped waiting (it timed out or was
    /// cancelled), the value is dropped, as OTP drops a late reply.
    pub fn send(mut self, value: T) {
        #[cfg(feature = "dist")]
        if let Some(remote) = self.remote.take() {
            remote.send(value);
            return;
        }
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(value);
        }
    }

    /// Whether the caller has stopped waiting for this reply (for a caller on
    /// another node: whether its node is no longer connected).
    pub fn is_closed(&self) -> bool {
        #[cfg(feature = "dist")]
        if let Some(remote) = &self.remote {
            return remote.is_closed();
        }
        self.tx.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}

impl<T: Send + 'static> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // A handler is unwinding: the caller must learn the panic as the
            // server's exit reason, which is recorded only once the unwind is
            // caught. Hold the sender until then instead of waking the caller
            // now with no reason to give.
            if std::thread::panicking() {
                let _ = current::defer_drop(tx);
            }
        }
    }
}

impl<T: Send + 'static> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}
