//! The state an actor shares with its handles: one allocation per actor.

use tokio::sync::oneshot;

use crate::mailbox::Mailbox;
use crate::process::{Core, Process, System};
use crate::{ExitReason, GenServer, registry};

/// What travels through an actor's mailbox.
pub(crate) enum Envelope<A: GenServer> {
    /// A call, cast or info for one of the generated handlers; it holds a
    /// slot of a bounded mailbox until it is taken.
    Msg(A::Msg),
    /// A message for a handler sent by the runtime itself (a task's
    /// outcome): like a `Down`, it is never refused for space and holds no
    /// slot of a bounded mailbox.
    Notice(A::Msg),
    /// A `Down` or a trapped exit signal.
    System(Box<System>),
    /// `ActorRef::stop`: end with this reason, then acknowledge.
    Stop(Box<(ExitReason, oneshot::Sender<()>)>),
}

pub(crate) struct Cell<A: GenServer> {
    pub(crate) core: Core,
    /// The registered name, if any; freed when the actor ends.
    pub(crate) name: Option<Box<str>>,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
}

impl<A: GenServer> Cell<A> {
    pub(crate) fn new(name: Option<Box<str>>, capacity: Option<usize>) -> Self {
        Cell {
            core: Core::new(),
            name,
            mailbox: Mailbox::new(capacity),
        }
    }
}

impl<A: GenServer> Process for Cell<A> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn is_alive(&self) -> bool {
        !self.mailbox.is_closed()
    }

    fn push_system(&self, msg: System) -> bool {
        self.mailbox
            .push_unchecked(Envelope::System(Box::new(msg)))
            .is_ok()
    }

    /// Frees the name and drops the queued messages (waking their callers,
    /// who find the exit reason).
    fn close(&self) {
        if let Some(name) = &self.name {
            registry::unregister(name, self.core.id);
        }
        drop(self.mailbox.close());
    }

    fn as_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}
