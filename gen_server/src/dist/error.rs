//! The errors of distribution: starting a node, reaching another one, and
//! calling or casting to a process there. Re-exported in
//! [`gen_server::error`](crate::error).

use crate::ExitReason;

/// Why a [`Node`](super::Node) could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The node name is not a long name `name@host`.
    #[error("invalid node name `{name}`: {why}; use a long name such as `rust@127.0.0.1`")]
    InvalidName {
        /// The name that was given.
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// The node could not listen for connections from other nodes.
    #[error("cannot listen for other nodes: {0}")]
    Listen(#[source] std::io::Error),
    /// epmd is not running on this machine at the configured port, or
    /// refused the registration (another node has the same name).
    #[error("cannot register with epmd on port {port}: {why} (start it with `epmd -daemon`)")]
    Epmd {
        /// The epmd port that was tried (`ERL_EPMD_PORT`, else 4369).
        port: u16,
        /// What went wrong.
        why: String,
    },
}

/// Why a connection to another node could not be made. Calls and casts to
/// that node report it (as [`RemoteCallError::Unreachable`] and
/// [`RemoteSendError::Unreachable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The node name is not a long name `name@host`.
    #[error("invalid node name `{0}`: expected `name@host`")]
    InvalidName(String),
    /// epmd on the node's host does not know the node (it is not running).
    #[error("node `{0}` is not registered with epmd on its host")]
    NotRegistered(String),
    /// epmd on the node's host could not be asked.
    #[error("cannot ask epmd about `{node}`: {why}")]
    Epmd {
        /// The node that was looked up.
        node: String,
        /// What went wrong.
        why: String,
    },
    /// The TCP connection or the handshake failed, or took longer than the
    /// connection setup time (7 s, OTP's `net_setuptime`).
    #[error("cannot connect to `{node}`: {why}")]
    Handshake {
        /// The node that was dialled.
        node: String,
        /// What went wrong.
        why: String,
    },
    /// The other node answered with another cookie.
    #[error("node `{0}` has another cookie")]
    CookieMismatch(String),
    /// This node has been shut down.
    #[error("this node is shut down")]
    NodeShutDown,
}

/// Why a call to a process on another node got no reply.
///
/// Each case OTP's `GenServer.call` exits with has its own variant: `:noproc`
/// ([`NoProc`](Self::NoProc)), `{:nodedown, node}` ([`NodeDown`](Self::NodeDown)),
/// `:timeout` ([`Timeout`](Self::Timeout)) and the server's exit reason
/// ([`Exited`](Self::Exited)); a Rust server adds `:mailbox_full`
/// ([`MailboxFull`](Self::MailboxFull)) and `:no_reply`
/// ([`NoReply`](Self::NoReply)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteCallError {
    /// No process is registered under the name on that node, or the pid is
    /// not alive there; reported at once, from the monitor the call sets
    /// first (OTP's `:noproc`). A Rust node answers it too for a name that is
    /// registered but not exposed.
    #[error("no such process on the remote node")]
    NoProc,
    /// The connection to the node was lost while the call waited (OTP's
    /// `{:nodedown, node}`): the process may or may not have handled it.
    #[error("node `{0}` went down during the call")]
    NodeDown(String),
    /// The node could not be reached: no request was sent.
    #[error("node unreachable: {0}")]
    Unreachable(#[from] ConnectError),
    /// No reply within the call's timeout (5 s unless changed). The remote
    /// server is not told; its late reply is dropped.
    #[error("remote call timed out")]
    Timeout,
    /// The server ended before it replied; this is its exit reason.
    #[error("remote server exited during the call: {0}")]
    Exited(ExitReason),
    /// A Rust server's bounded mailbox was full when the request arrived:
    /// the request was dropped unhandled, and the server is still running.
    /// It is answered at once (the caller's monitor of the server fires with
    /// `:mailbox_full`), not left to the timeout. OTP's mailboxes have no
    /// bound, so only a Rust server answers this.
    #[error("remote server mailbox is full")]
    MailboxFull,
    /// A Rust server's handler dropped the call's
    /// [`ReplyTo`](crate::ReplyTo) without replying, and the server is still
    /// running (the monitor fires with `:no_reply`). A handler that panics
    /// is [`Exited`](Self::Exited) instead.
    #[error("remote server dropped the reply handle without replying")]
    NoReply,
    /// A server called itself through a [`RemoteRef`](super::RemoteRef) to
    /// its own node: it would wait for its own reply until the timeout, so
    /// the call fails at once (OTP's `:calling_self`).
    #[error("server called itself")]
    CallingSelf,
    /// A Rust server could not decode the request into one of its handlers
    /// and answered `{:error, {:badarg, why}}`; it is still running.
    #[error("remote server rejected the request: {0}")]
    BadArg(String),
    /// The request could not be encoded as a term.
    #[error("cannot encode the request: {0}")]
    Encode(String),
    /// The reply arrived but does not decode into the expected type; the
    /// term is shown in Erlang syntax.
    #[error("cannot decode the reply: {0}")]
    Decode(String),
}

/// Why a one-way message (a cast, a send) to another node was not sent.
///
/// As with OTP's `GenServer.cast`, `Ok` says nothing about whether a process
/// received it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteSendError {
    /// The node could not be reached: nothing was sent.
    #[error("node unreachable: {0}")]
    Unreachable(#[from] ConnectError),
    /// The message could not be encoded as a term.
    #[error("cannot encode the message: {0}")]
    Encode(String),
}
