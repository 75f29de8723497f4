//! The state an actor shares with its handles: one allocation per actor.

use std::sync::OnceLock;

use tokio::sync::oneshot;

use crate::mailbox::Mailbox;
use crate::{ActorId, ExitReason, GenServer, registry};

/// What travels through an actor's mailbox.
pub(crate) enum Envelope<A: GenServer> {
    /// A call, cast or info for one of the generated handlers.
    Msg(A::Msg),
    /// `ActorRef::stop`: end with this reason, then acknowledge.
    Stop(ExitReason, oneshot::Sender<()>),
}

pub(crate) struct Cell<A: GenServer> {
    pub(crate) id: ActorId,
    /// The registered name, if any; freed when the actor ends.
    pub(crate) name: Option<Box<str>>,
    /// Set once, as soon as the actor starts to exit (before `terminate`), so
    /// that callers woken by its exit can say why.
    exit: OnceLock<ExitReason>,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
}

impl<A: GenServer> Cell<A> {
    pub(crate) fn new(name: Option<Box<str>>, capacity: Option<usize>) -> Self {
        Cell {
            id: ActorId::next(),
            name,
            exit: OnceLock::new(),
            mailbox: Mailbox::new(capacity),
        }
    }

    /// Records why the actor is exiting; the first reason recorded wins.
    pub(crate) fn set_exit(&self, reason: ExitReason) -> &ExitReason {
        self.exit.get_or_init(|| reason)
    }

    pub(crate) fn exit_reason(&self) -> Option<&ExitReason> {
        self.exit.get()
    }

    pub(crate) fn is_alive(&self) -> bool {
        !self.mailbox.is_closed()
    }

    /// Kills the actor: its task is aborted at its next await point, without
    /// `terminate`. Returns false if it had already ended.
    ///
    /// To the outside world the actor is gone when this returns: its name is
    /// free and its mailbox refuses messages. Its state is dropped when the
    /// aborted task next yields.
    pub(crate) fn kill(&self) -> bool {
        if !self.is_alive() {
            return false;
        }
        // Record the reason first, so nothing the dying task drops can be
        // observed without it.
        self.set_exit(ExitReason::Killed);
        let aborted = self.mailbox.abort();
        self.close();
        aborted
    }

    /// Marks the actor as ended: frees its name and drops its queued messages
    /// (waking their callers, who find the exit reason). Idempotent.
    pub(crate) fn close(&self) {
        if let Some(name) = &self.name {
            registry::unregister(name, self.id);
        }
        drop(self.mailbox.close());
    }
}
