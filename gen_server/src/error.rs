//! The errors of talking to an actor.
//!
//! Every fault is typed and reported promptly: a dead actor, a full mailbox, a
//! panic in a handler or a timeout never turns into a hang.

use crate::{ActorId, ExitReason};

#[cfg(feature = "dist")]
pub use crate::dist::error::{ConnectError, NodeError, RemoteCallError, RemoteSendError};

/// Why a call (request/reply) got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No reply came within the call's timeout (5 s unless changed with
    /// [`Call::timeout`](crate::Call::timeout)). The server is not told: it may
    /// still handle the request, and its late reply is dropped.
    #[error("call timed out")]
    Timeout,
    /// The server was not running when the call was made: it had already
    /// ended, or it was never started.
    #[error("server is not running")]
    NoProc,
    /// The server ended after the request was sent and before it replied;
    /// this is why.
    #[error("server exited during the call: {0}")]
    Exited(ExitReason),
    /// The server dropped the call's [`ReplyTo`](crate::ReplyTo) without
    /// replying, and is still running.
    #[error("server dropped the reply handle without replying")]
    NoReply,
    /// The server's bounded mailbox was full and the call was made with
    /// [`Call::fail_when_full`](crate::Call::fail_when_full).
    #[error("server mailbox is full")]
    MailboxFull,
    /// A server called itself. It would wait for its own reply forever, so the
    /// call fails at once instead (OTP's `:calling_self`).
    #[error("server called itself")]
    CallingSelf,
}

/// Why a one-way message (cast or info) was not put in the mailbox.
///
/// `Ok` only says the message was enqueued, not that it was handled: like OTP's
/// cast, delivery to a live mailbox is the whole promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The server was not running: it had already ended, or was never started.
    #[error("server is not running")]
    NoProc,
    /// The server's bounded mailbox was full and the send was not allowed to
    /// wait ([`Cast::try_send`](crate::Cast::try_send)).
    #[error("server mailbox is full")]
    MailboxFull,
}

/// Why starting an actor failed.
///
/// `E` is the error type of the server's `init` (`Infallible` when `init`
/// returns `Self`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError<E> {
    /// `init` returned an error.
    #[error("init failed: {0}")]
    Init(E),
    /// `init` panicked; the panic's message.
    #[error("init panicked: {0}")]
    Panicked(String),
    /// `init` returned [`Init::Ignore`](crate::Init::Ignore): the server chose
    /// not to run (OTP's `:ignore`).
    #[error("init asked to be ignored")]
    Ignored,
    /// The requested name is held by another live actor (OTP's
    /// `{:already_started, pid}`); `init` did not run.
    #[error("name `{name}` is already registered to {holder}")]
    AlreadyStarted {
        /// The name that was asked for.
        name: String,
        /// The actor that holds it.
        holder: ActorId,
    },
    /// `init` did not finish within the builder's
    /// [`init_timeout`](crate::Builder::init_timeout); the half-started actor
    /// was killed.
    #[error("init timed out")]
    Timeout,
    /// The actor ended during `init` for another reason: it was killed, or its
    /// runtime shut down.
    #[error("server exited during init: {0}")]
    Exited(ExitReason),
}

/// Why [`ActorRef::stop`](crate::ActorRef::stop) did not stop the actor itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// The actor was not running.
    #[error("server is not running")]
    NoProc,
    /// The actor ended for another reason before it handled the stop request;
    /// this is that reason.
    #[error("server exited before it handled the stop: {0}")]
    Exited(ExitReason),
}

/// Why a background task gave no value: the failure half of a
/// [`TaskOutcome`](crate::task::TaskOutcome), and the error of
/// [`Task::join`](crate::task::Task::join) and of the items of
/// [`async_stream_nolink`](crate::task::TaskSupervisor::async_stream_nolink).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task ended without a value: it panicked ([`ExitReason::Panic`]
    /// with the message), was shut down ([`ExitReason::Shutdown`]) or killed
    /// ([`ExitReason::Killed`]), also when its supervisor or a linked owner
    /// went down.
    #[error("task exited: {0}")]
    Exited(ExitReason),
    /// The task gave no value within the time it was given: the deadline of
    /// [`Context::async_nolink_timeout`](crate::Context::async_nolink_timeout),
    /// the wait of [`Task::join`](crate::task::Task::join), or the per-task
    /// timeout of a stream. It was killed (its links and monitors see
    /// [`ExitReason::Killed`]), unless only
    /// [`Task::yield_for`](crate::task::Task::yield_for) was waiting, which
    /// leaves it running.
    #[error("task timed out")]
    Timeout,
    /// The task could not be started under its supervisor.
    #[error("task not started: {0}")]
    NotStarted(#[from] SpawnError),
}

/// Why a task supervisor did not start a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The supervisor is stopping or has stopped.
    #[error("task supervisor is not running")]
    NoProc,
    /// The supervisor already runs its
    /// [`max_children`](crate::task::TaskSupervisorBuilder::max_children)
    /// tasks (OTP's `{:error, :max_children}`).
    #[error("task supervisor already runs its maximum of {0} tasks")]
    MaxChildren(usize),
}
