//! The untyped-by-handler client handle every generated handle wraps.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::call::Cast;
use crate::cell::{Cell, Envelope};
use crate::process::{self, Pid, Process};
use crate::{ActorId, ExitReason, GenServer, InfoFor, StopError, ToPid};

/// A handle to a running (or ended) actor of type `A`: the analogue of a pid.
///
/// Generated handles (`CounterRef` for `Counter`) wrap this type and have the
/// same methods ([`id`](Self::id), [`is_alive`](Self::is_alive),
/// [`stop`](Self::stop), [`kill`](Self::kill), [`send_info`](Self::send_info),
/// …); `CounterRef::actor_ref()` and `From` convert between the two.
///
/// Cloning is cheap (one reference count). Handles do not keep an actor
/// running: as in OTP, an actor lives until it stops, crashes or is killed,
/// whoever still holds its id. A handle to an ended actor stays valid and every
/// request through it fails with a "not running" error.
pub struct ActorRef<A: GenServer> {
    pub(crate) cell: Arc<Cell<A>>,
}

impl<A: GenServer> ActorRef<A> {
    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.cell.core.id
    }

    /// The name the actor was registered under, if any.
    pub fn name(&self) -> Option<&str> {
        self.cell.name.as_deref()
    }

    /// Whether the actor is still running (an actor running `terminate` still
    /// is). By the time you act on the answer it may have changed.
    pub fn is_alive(&self) -> bool {
        self.cell.is_alive()
    }

    /// Why the actor ended, or is ending; `None` while it runs normally.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.cell.core.exit_reason()
    }

    /// Sends `msg` to the actor's `#[info]` handler for `M` (OTP's `send`).
    ///
    /// Returns a [`Cast`]: await it (waits for space in a bounded mailbox) or
    /// call [`Cast::try_send`].
    pub fn send_info<M>(&self, msg: M) -> Cast<'_, A>
    where
        M: InfoFor<A>,
    {
        Cast::new(self, msg.__into_msg())
    }

    /// Stops the actor with `reason` and waits until it has ended (OTP's
    /// `GenServer.stop/2`).
    ///
    /// The request is queued behind the messages already in the mailbox; when
    /// the actor reaches it, it runs `terminate(reason)` and exits. Returns
    /// once the actor is gone (after `terminate`, with
    /// [`is_alive`](Self::is_alive) false). Waits without a time limit, as OTP's
    /// default `:infinity`; wrap it in `tokio::time::timeout` to bound it.
    ///
    /// # Errors
    /// [`StopError::NoProc`] if the actor was not running;
    /// [`StopError::Exited`] with the reason if it ended some other way before
    /// it handled the request.
    ///
    /// # Cancellation
    /// Dropping the future after its first poll does not withdraw the request:
    /// the actor still stops.
    pub async fn stop(&self, reason: ExitReason) -> Result<(), StopError> {
        let (ack, done) = oneshot::channel();
        if self
            .cell
            .mailbox
            .push_unchecked(Envelope::Stop(Box::new((reason, ack))))
            .is_err()
        {
            return Err(StopError::NoProc);
        }
        match done.await {
            Ok(()) => Ok(()),
            Err(_) => Err(StopError::Exited(
                self.cell.core.exit_reason().unwrap_or(ExitReason::NoProc),
            )),
        }
    }

    /// Kills the actor at once (OTP's `Process.exit(pid, :kill)`).
    ///
    /// The actor's task is aborted at its next await point (a handler that
    /// never yields cannot be interrupted); `terminate` does not run, queued
    /// messages are dropped, callers waiting on it get
    /// [`CallError::Exited`](crate::CallError::Exited) with
    /// [`ExitReason::Killed`]. Returns false if the actor had already ended.
    pub fn kill(&self) -> bool {
        process::terminate_now(&*self.cell, ExitReason::Killed)
    }

    /// A type-erased handle to the actor, for links, monitors and signals.
    pub fn pid(&self) -> Pid {
        Pid {
            process: Arc::clone(&self.cell) as Arc<dyn Process>,
        }
    }
}

impl<A: GenServer> ToPid for ActorRef<A> {
    fn to_pid(&self) -> Pid {
        self.pid()
    }
}

impl<A: GenServer> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }
}

impl<A: GenServer> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        self.cell.core.id == other.cell.core.id
    }
}

impl<A: GenServer> Eq for ActorRef<A> {}

impl<A: GenServer> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cell.core.id.hash(state);
    }
}

impl<A: GenServer> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ActorRef");
        d.field("type", &std::any::type_name::<A>())
            .field("id", &self.cell.core.id);
        if let Some(name) = &self.cell.name {
            d.field("name", name);
        }
        d.field("alive", &self.is_alive()).finish()
    }
}
