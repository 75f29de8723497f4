//! Why an actor ended.

use std::fmt;

/// Why an actor ended: the analogue of an Erlang exit reason.
///
/// | OTP | `ExitReason` |
/// |---|---|
/// | `:normal` | [`Normal`](ExitReason::Normal) |
/// | `:shutdown` | [`Shutdown`](ExitReason::Shutdown) |
/// | `{:shutdown, term}` | [`ShutdownWith`](ExitReason::ShutdownWith) |
/// | `:killed` | [`Killed`](ExitReason::Killed) |
/// | `:noproc` | [`NoProc`](ExitReason::NoProc) |
/// | `:noconnection` | [`NoConnection`](ExitReason::NoConnection) |
/// | `{exception, stacktrace}` | [`Panic`](ExitReason::Panic) |
/// | `{:stop, reason}` from `init` | [`InitFailed`](ExitReason::InitFailed) |
///
/// `Display` is lowercase and OTP-like (`normal`, `shutdown: draining`,
/// `panicked: index out of bounds`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExitReason {
    /// The actor finished its work; nothing went wrong.
    Normal,
    /// The actor was asked to shut down (by its owner or a supervisor).
    Shutdown,
    /// The actor was asked to shut down, with an explanation.
    ShutdownWith(String),
    /// The actor was killed: it got no chance to run `terminate`.
    Killed,
    /// The actor was not running when it was looked at.
    NoProc,
    /// The process is on another node and the connection to that node was
    /// lost (or could not be made), so its fate is unknown (OTP's
    /// `:noconnection`): the reason of a `Down` or an exit signal about a
    /// remote process when its node goes away.
    NoConnection,
    /// A callback of the actor panicked; the panic's message.
    Panic(String),
    /// `init` returned an error (OTP's `{:stop, reason}` from `init`); the
    /// error itself went to the caller of `start`.
    InitFailed,
}

impl ExitReason {
    /// Whether this is a clean exit: `Normal`, `Shutdown` or `ShutdownWith`.
    ///
    /// OTP does not treat these as crashes: they are not logged as errors and
    /// a `transient` child is not restarted after them.
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// Builds the reason for a caught panic from its payload.
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        };
        ExitReason::Panic(message)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(why) => write!(f, "shutdown: {why}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("noproc"),
            ExitReason::NoConnection => f.write_str("noconnection"),
            ExitReason::Panic(message) => write!(f, "panicked: {message}"),
            ExitReason::InitFailed => f.write_str("init failed"),
        }
    }
}
