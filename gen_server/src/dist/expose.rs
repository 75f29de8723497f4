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
//!
//! A call that cannot be handled by a live server, because its bounded
//! mailbox is full or because the handler dropped its [`ReplyTo`]
//! unanswered, ends the caller's call at once: the monitor the caller set on
//! the server (OTP's `gen:call` sets one, and so does a Rust caller) fires
//! with the reason [`MAILBOX_FULL`] or [`NO_REPLY`], so `GenServer.call`
//! exits `{:mailbox_full, {GenServer, :call, _}}` or `{:no_reply, …}`, as it
//! would for a server that died with that reason, and a Rust caller gets
//! [`RemoteCallError::MailboxFull`](super::RemoteCallError::MailboxFull) or
//! [`RemoteCallError::NoReply`](super::RemoteCallError::NoReply). The server
//! keeps running; only that caller's monitor is gone.

use std::cell::Cell;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use eetf::{Pid, Term};
use erl_dist::DistributionFlags;
use erl_dist::message::Message;
use tokio::sync::oneshot;

use super::connection::{CallEvent, Connection};
use super::wire;
use crate::actor_ref::ActorRef;
use crate::process::Process;
use crate::{ActorId, GenServer, ReplyTo, SendError, registry};

/// The exit reason of a call refused because the server's bounded mailbox
/// was full: the atom `:mailbox_full`.
pub(crate) const MAILBOX_FULL: &str = "mailbox_full";

/// The exit reason of a call whose handler dropped its reply handle without
/// replying: the atom `:no_reply`.
pub(crate) const NO_REPLY: &str = "no_reply";

thread_local! {
    /// Set while the message of a call that is refused is dropped, so that
    /// its reply handle, deep inside the server's message type, tells the
    /// caller why instead of taking the drop for a handler's.
    static REFUSING: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Drops `msg`, the message of a call refused for `reason`.
fn drop_refused<T>(msg: T, reason: &'static str) {
    REFUSING.with(|r| r.set(Some(reason)));
    drop(msg);
    REFUSING.with(|r| r.set(None));
}

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
///
/// Dropped without an answer while the server still runs, it ends the call
/// with [`NO_REPLY`] (see the [module](self)).
#[doc(hidden)]
pub struct RemoteReply {
    /// `None` once answered.
    caller: Option<Caller>,
    /// The server answering, once known: the `from` of the reply.
    server: ActorId,
    /// The same server, to tell a handler that dropped the reply handle
    /// from a server that is ending (whose caller's monitor says why).
    process: Option<Weak<dyn Process>>,
}

enum Caller {
    /// On another node.
    Remote {
        conn: Arc<Connection>,
        /// The caller's pid.
        to: Pid,
        /// The call's tag: `[:alias | ref]` or `ref`.
        tag: Term,
    },
    /// On this node, through a [`RemoteRef`](super::RemoteRef) to it.
    Local(oneshot::Sender<CallEvent>),
}

impl RemoteReply {
    /// Reads the `{pid, tag}` of a `$gen_call`.
    pub(crate) fn from_term(conn: &Arc<Connection>, from: Term) -> Option<Self> {
        let Term::Tuple(t) = from else { return None };
        let mut elements = t.elements.into_iter();
        match (elements.next(), elements.next(), elements.next()) {
            (Some(Term::Pid(to)), Some(tag), None) => Some(RemoteReply {
                caller: Some(Caller::Remote {
                    conn: Arc::clone(conn),
                    to,
                    tag,
                }),
                server: ActorId::OUTSIDE,
                process: None,
            }),
            _ => None,
        }
    }

    /// The reply handle of a call made from this node to itself.
    pub(crate) fn local(tx: oneshot::Sender<CallEvent>) -> Self {
        RemoteReply {
            caller: Some(Caller::Local(tx)),
            server: ActorId::OUTSIDE,
            process: None,
        }
    }

    /// Sends `reply` to the caller: `{tag, reply}` by alias, or to its pid.
    pub fn send_term(mut self, reply: Term) {
        let server = self.server;
        match self.caller.take() {
            Some(Caller::Remote { conn, to, tag }) => {
                let from = conn.local_pid(server);
                let alias = match &tag {
                    Term::ImproperList(_) if conn.peer_flags.contains(DistributionFlags::ALIAS) => {
                        call_reference(&tag).cloned()
                    }
                    _ => None,
                };
                let message = wire::tuple(vec![tag, reply]);
                let msg = match alias {
                    Some(alias) => Message::alias_send(from, alias, message),
                    None => Message::send(to, message),
                };
                if let Err(why) = conn.send(msg) {
                    tracing::error!(peer = %conn.peer, %why, "cannot encode a remote call's reply");
                }
            }
            Some(Caller::Local(tx)) => {
                let _ = tx.send(CallEvent::Reply(reply));
            }
            None => {}
        }
    }

    /// Rejects the request: `{:error, {:badarg, why}}`.
    pub(crate) fn reject(self, why: &str) {
        self.send_term(wire::badarg_reply(why));
    }

    /// Whether the caller can no longer get the reply: its node is no longer
    /// connected, or (on this node) it stopped waiting.
    fn is_closed(&self) -> bool {
        match &self.caller {
            Some(Caller::Remote { conn, .. }) => conn.is_closed(),
            Some(Caller::Local(tx)) => tx.is_closed(),
            None => true,
        }
    }

    /// Forgets the caller without telling it anything: its monitor of the
    /// server has answered, or will.
    fn forget(mut self) {
        self.caller = None;
    }

    /// A reply handle for a handler that replies with `R`; its value is
    /// encoded with `encode` and sent to the caller by the task that replies.
    /// Dropped unanswered by a live server, it ends the call with
    /// [`NO_REPLY`]; dropped by a server that is ending (a panicking
    /// handler), it sends nothing, and the caller's monitor reports the
    /// server's exit reason.
    pub fn reply_to<R: Send + 'static>(self, encode: fn(R) -> Result<Term, String>) -> ReplyTo<R> {
        ReplyTo::remote(RemoteReplyTo {
            reply: self,
            encode,
        })
    }
}

impl Drop for RemoteReply {
    fn drop(&mut self) {
        let Some(caller) = self.caller.take() else {
            return;
        };
        let reason = match REFUSING.with(Cell::get) {
            Some(reason) => reason,
            // A handler unwinding, or a server ending with calls still in
            // its mailbox: the caller's monitor gives the exit reason.
            None if std::thread::panicking() => return,
            None => match self.process.as_ref().and_then(Weak::upgrade) {
                Some(server) if !server.core().has_exited() => NO_REPLY,
                _ => return,
            },
        };
        match caller {
            Caller::Remote { conn, to, tag } => match call_reference(&tag) {
                Some(reference) => conn.refuse_call(to, reference.clone(), wire::atom(reason)),
                None => {
                    tracing::debug!(peer = %conn.peer, "a refused call's tag holds no reference; the caller is left to its timeout")
                }
            },
            Caller::Local(tx) => {
                let _ = tx.send(CallEvent::Down(wire::atom(reason)));
            }
        }
    }
}

/// The reference of a call's tag (`[:alias | ref]`, or `ref` before OTP 24),
/// which is also the reference of the caller's monitor of the server.
fn call_reference(tag: &Term) -> Option<&eetf::Reference> {
    match tag {
        Term::ImproperList(l) if matches!(&l.elements[..], [a] if wire::is_atom(a, "alias")) => {
            match &*l.last {
                Term::Reference(r) => Some(r),
                _ => None,
            }
        }
        Term::Reference(r) => Some(r),
        _ => None,
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
        self.reply.is_closed()
    }
}

impl fmt::Debug for RemoteReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RemoteReply");
        match &self.caller {
            Some(Caller::Remote { conn, to, .. }) => d.field("peer", &conn.peer).field("to", to),
            Some(Caller::Local(_)) => d.field("to", &"this node"),
            None => d.field("answered", &true),
        };
        d.finish_non_exhaustive()
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

    /// Queues `msg` in the server, looking the name up again if the server
    /// found last has just ended; gives the message back if it was not
    /// queued.
    fn deliver(&self, mut msg: A::Msg) -> Result<(), (SendError, A::Msg)> {
        for stale in [false, true] {
            let Some(server) = self.server(stale) else {
                return Err((SendError::NoProc, msg));
            };
            match crate::Cast::new(&server, msg).try_send_returning() {
                Ok(()) => return Ok(()),
                Err((SendError::NoProc, back)) => msg = back,
                Err(e) => return Err(e),
            }
        }
        Err((SendError::NoProc, msg))
    }
}

impl<A: RemoteServer> Exposed for ExposedName<A> {
    fn call(&self, request: Term, mut reply: RemoteReply) {
        let Some(server) = self.server(false) else {
            // The caller's monitor has already answered `noproc`.
            reply.forget();
            return;
        };
        reply.server = server.id();
        reply.process = Some(Arc::downgrade(&server.cell) as Weak<dyn Process>);
        match A::__remote_call(request, reply) {
            Ok(msg) => match self.deliver(msg) {
                Ok(()) => {}
                // Ended meanwhile: the caller's monitor says why.
                Err((SendError::NoProc, msg)) => drop(msg),
                Err((SendError::MailboxFull, msg)) => {
                    tracing::warn!(name = %self.name, "remote call to a server whose mailbox is full; the caller exits `:mailbox_full`");
                    drop_refused(msg, MAILBOX_FULL);
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
            Ok(msg) => match self.deliver(msg) {
                Ok(()) => {}
                Err((SendError::NoProc, _)) => {
                    tracing::debug!(name = %self.name, "remote cast to a server that has ended; dropped");
                }
                // OTP's casts never fail: the sender is not told.
                Err((SendError::MailboxFull, _)) => {
                    tracing::warn!(name = %self.name, "remote cast to a server whose mailbox is full; dropped");
                }
            },
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
