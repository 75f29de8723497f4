//! Incoming `GenServer.call` and `GenServer.cast` for local servers that were
//! made reachable by name ([`Node::expose`](super::Node::expose)).
//!
//! The request term is decoded into one of the server's typed handlers by
//! the code `#[gen_server(remote)]` generates ([`RemoteServer`]), in the
//! connection task, and queued in the server's mailbox like a local call.
//! The reply is encoded and sent back by alias (`[:alias | ref]` tags, OTP
//! 24+) or to the caller's pid (`{pid, ref}` tags).
//!
//! A request that does not decode is answered `{:error, {:badarg, why}}` and
//! logged; the server never sees it and keeps running.

use std::fmt;
use std::sync::{Arc, Mutex};

use eetf::{Pid, Term};
use erl_dist::DistributionFlags;
use erl_dist::message::Message;

use super::connection::Connection;
use super::wire;
use crate::actor_ref::ActorRef;
use crate::process::Process;
use crate::{ActorId, GenServer, ReplyTo, SendError, registry};

/// A server type whose handlers can be called from other nodes: implemented
/// by `#[gen_server(remote)]`, not by hand.
///
/// The methods turn a request term into the server's message: `:get` into a
/// call of `get()`, `{:add, 3}` into `add(3)`, `{:move, 1, 2}` into
/// `move(1, 2)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be exposed to other nodes: it is not declared `remote`",
    label = "this server's handlers cannot be called from other nodes",
    note = "declare it with `#[gen_server(remote)]` on its `impl` block, in place of `#[gen_server]`"
)]
pub trait RemoteServer: GenServer {
    /// Decodes a `$gen_call` request; on failure gives the reply handle back
    /// with the reason.
    #[doc(hidden)]
    fn __remote_call(request: Term, reply: RemoteReply) -> Result<Self::Msg, Rejected>;

    /// Decodes a `$gen_cast` request.
    #[doc(hidden)]
    fn __remote_cast(request: Term) -> Result<Self::Msg, String>;
}

/// A request that did not decode: why, and the caller to tell (boxed: it is
/// the rare path).
pub struct Rejected(Box<(String, RemoteReply)>);

impl Rejected {
    /// Rejects the request of `reply`'s caller because of `why`.
    pub fn new(why: String, reply: RemoteReply) -> Self {
        Rejected(Box::new((why, reply)))
    }
}

impl fmt::Debug for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rejected").field(&self.0.0).finish()
    }
}

/// The caller of an incoming call, to send the reply to.
#[doc(hidden)]
pub struct RemoteReply {
    conn: Arc<Connection>,
    /// The caller's pid.
    to: Pid,
    /// The call's tag: `[:alias | ref]` or `ref`.
    tag: Term,
    /// The server answering, once known (the `from` of the reply).
    server: ActorId,
}

impl RemoteReply {
    /// Reads the `{pid, tag}` of a `$gen_call`.
    pub(crate) fn from_term(conn: &Arc<Connection>, from: Term) -> Option<Self> {
        let Term::Tuple(t) = from else { return None };
        let mut elements = t.elements.into_iter();
        match (elements.next(), elements.next(), elements.next()) {
            (Some(Term::Pid(to)), Some(tag), None) => Some(RemoteReply {
                conn: Arc::clone(conn),
                to,
                tag,
                server: ActorId::OUTSIDE,
            }),
            _ => None,
        }
    }

    /// Sends `reply` to the caller: `{tag, reply}` by alias, or to its pid.
    pub fn send_term(self, reply: Term) {
        let from = self.conn.local_pid(self.server);
        let alias = match &self.tag {
            Term::ImproperList(l)
                if self.conn.peer_flags.contains(DistributionFlags::ALIAS)
                    && matches!(&l.elements[..], [tag] if wire::is_atom(tag, "alias")) =>
            {
                match &*l.last {
                    Term::Reference(r) => Some((**r).clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        let message = wire::tuple(vec![self.tag, reply]);
        let msg = match alias {
            Some(alias) => Message::alias_send(from, alias, message),
            None => Message::send(self.to, message),
        };
        if let Err(why) = self.conn.send(msg) {
            tracing::error!(peer = %self.conn.peer, %why, "cannot encode a remote call's reply");
        }
    }

    /// Rejects the request: `{:error, {:badarg, why}}`.
    pub(crate) fn reject(self, why: &str) {
        self.send_term(wire::badarg_reply(why));
    }

    /// A reply handle for a handler that replies with `R`; its value is
    /// encoded with `encode` and sent to the caller by the task that replies.
    /// Dropped unanswered, it sends nothing: the caller's monitor reports a
    /// dying server, and a live one leaves the caller to its timeout, as in
    /// OTP.
    pub fn reply_to<R: Send + 'static>(self, encode: fn(R) -> Result<Term, String>) -> ReplyTo<R> {
        ReplyTo::remote(RemoteReplyTo {
            reply: self,
            encode,
        })
    }
}

/// The remote half of a [`ReplyTo`]: who to answer and how to encode it.
pub(crate) struct RemoteReplyTo<R> {
    reply: RemoteReply,
    encode: fn(R) -> Result<Term, String>,
}

impl<R> RemoteReplyTo<R> {
    pub(crate) fn send(self, value: R) {
        match (self.encode)(value) {
            Ok(term) => self.reply.send_term(term),
            Err(why) => {
                tracing::error!(%why, "cannot encode a remote call's reply; the caller gets `{{:error, {{:badarg, why}}}}`");
                self.reply
                    .reject(&format!("the reply does not encode: {why}"));
            }
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.reply.conn.is_closed()
    }
}

impl fmt::Debug for RemoteReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteReply")
            .field("peer", &self.conn.peer)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// A server made reachable from other nodes, whatever its type.
pub(crate) trait Exposed: Send + Sync + 'static {
    fn call(&self, request: Term, reply: RemoteReply);
    fn cast(&self, request: Term);
    /// The running server, if any.
    fn process(&self) -> Option<Arc<dyn Process>>;
}

/// A registered name of a `#[gen_server(remote)]` type, followed across
/// restarts: the server is looked up again when the one found last has ended.
pub(crate) struct ExposedName<A: GenServer> {
    name: Box<str>,
    current: Mutex<Option<ActorRef<A>>>,
}

impl<A: GenServer> ExposedName<A> {
    pub(crate) fn new(name: &str) -> Self {
        ExposedName {
            name: name.into(),
            current: Mutex::new(None),
        }
    }

    fn server(&self, stale: bool) -> Option<ActorRef<A>> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match &*current {
            Some(server) if !stale && server.is_alive() => Some(server.clone()),
            _ => {
                *current = registry::lookup::<A>(&self.name);
                current.clone()
            }
        }
    }

    /// Queues `make`'s message in the server, looking the name up again if
    /// the server found last has just ended.
    fn deliver(&self, mut msg: A::Msg) -> Result<(), SendError> {
        for stale in [false, true] {
            let Some(server) = self.server(stale) else {
                return Err(SendError::NoProc);
            };
            match crate::Cast::new(&server, msg).try_send_returning() {
                Ok(()) => return Ok(()),
                Err((SendError::NoProc, back)) => msg = back,
                Err((e, _)) => return Err(e),
            }
        }
        Err(SendError::NoProc)
    }
}

impl<A: RemoteServer> Exposed for ExposedName<A> {
    fn call(&self, request: Term, mut reply: RemoteReply) {
        let Some(server) = self.server(false) else {
            // The caller's monitor has already answered `noproc`.
            return;
        };
        reply.server = server.id();
        match A::__remote_call(request, reply) {
            Ok(msg) => match self.deliver(msg) {
                Ok(()) => {}
                Err(SendError::NoProc) => {}
                Err(e) => {
                    tracing::warn!(name = %self.name, error = %e, "remote call dropped");
                }
            },
            Err(Rejected(rejected)) => {
                let (why, reply) = *rejected;
                tracing::warn!(name = %self.name, %why, "remote call with a request that does not decode; answered `{{:error, {{:badarg, why}}}}`");
                reply.reject(&why);
            }
        }
    }

    fn cast(&self, request: Term) {
        match A::__remote_cast(request) {
            Ok(msg) => {
                if let Err(e) = self.deliver(msg) {
                    tracing::debug!(name = %self.name, error = %e, "remote cast dropped");
                }
            }
            Err(why) => {
                tracing::warn!(name = %self.name, %why, "remote cast with a request that does not decode; dropped");
            }
        }
    }

    fn process(&self) -> Option<Arc<dyn Process>> {
        self.server(false)
            .map(|s| Arc::clone(&s.cell) as Arc<dyn Process>)
    }
}
