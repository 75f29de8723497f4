//! Handles to processes on other nodes: `{name, node}` or a pid, with
//! `call` and `cast` as OTP's `GenServer` does them.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use eetf::{Atom, ImproperList, Pid, Term};
use erl_dist::message::Message;
use erl_dist::term::PidOrAtom;
use tokio::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::connection::{CallEvent, Connection};
use super::error::{RemoteCallError, RemoteSendError};
use super::expose::{self, Exposed, RemoteReply};
use super::node::NodeInner;
use super::term::{from_term, to_term};
use super::wire;
use crate::{ActorId, DEFAULT_CALL_TIMEOUT, current};

#[derive(Clone)]
enum Dest {
    Name { name: Atom, node: Box<str> },
    Pid(Pid),
}

/// A process on another node: OTP's `{name, node}` or a remote pid
/// (from [`Node::remote`](super::Node::remote) and
/// [`Node::remote_pid`](super::Node::remote_pid)).
///
/// Cheap to clone. The connection to the node is made at the first use, and
/// made again after a loss. A handle to this node itself (its own name, or a
/// pid of this node) calls and casts to the local exposed server directly.
#[derive(Clone)]
pub struct RemoteRef {
    node: Arc<NodeInner>,
    dest: Dest,
}

impl RemoteRef {
    pub(crate) fn by_name(node: Arc<NodeInner>, name: &str, peer: &str) -> Self {
        RemoteRef {
            node,
            dest: Dest::Name {
                name: Atom::from(name),
                node: peer.into(),
            },
        }
    }

    pub(crate) fn by_pid(node: Arc<NodeInner>, pid: Pid) -> Self {
        RemoteRef {
            node,
            dest: Dest::Pid(pid),
        }
    }

    /// The node the process is on.
    pub fn node(&self) -> &str {
        match &self.dest {
            Dest::Name { node, .. } => node,
            Dest::Pid(pid) => &pid.node.name,
        }
    }

    /// Whether the process is on this node: calls and casts then go to the
    /// local server directly, through no connection.
    fn is_local(&self) -> bool {
        self.node() == &*self.node.shared.name.name
    }

    /// The server of this node the handle names, if it is exposed: by name,
    /// or by the pid of an exposed server.
    fn local_server(&self) -> Option<Arc<dyn Exposed>> {
        match &self.dest {
            Dest::Name { name, .. } => self.node.shared.exposed_named(&name.name),
            Dest::Pid(pid) => self.node.shared.exported_server(pid),
        }
    }

    /// Calls the process with a request term and waits for the reply term:
    /// OTP's `GenServer.call(dest, request, 5000)`. Await the returned
    /// [`RemoteCall`]; change the timeout on it first if needed.
    ///
    /// [`call`](Self::call) is the typed version.
    ///
    /// # Errors
    /// See [`RemoteCallError`].
    pub fn call_term(&self, request: Term) -> RemoteCall<'_, Term> {
        RemoteCall {
            target: self,
            request: Ok(request),
            timeout: Some(DEFAULT_CALL_TIMEOUT),
            decode: Ok,
        }
    }

    /// Calls the process with `request`, encoded as a term, and decodes its
    /// reply as `R`: OTP's `GenServer.call(dest, request, 5000)`. Await the
    /// returned [`RemoteCall`]; change the timeout on it first if needed.
    ///
    /// A Rust server exposed with `#[gen_server(remote)]` takes the request
    /// of its handler `add(n)` as `{:add, n}`: for instance
    /// `(Atom::from("add"), 3)`, or a `#[serde(rename_all = "snake_case")]`
    /// enum variant `Add(3)`; `:get` is `Atom::from("get")`. See
    /// [`term`](super::term) for the mapping.
    ///
    /// # Errors
    /// See [`RemoteCallError`]: a request that does not encode is
    /// [`Encode`](RemoteCallError::Encode), a reply that does not decode is
    /// [`Decode`](RemoteCallError::Decode) (or
    /// [`BadArg`](RemoteCallError::BadArg) when it is a Rust server's
    /// `{:error, {:badarg, why}}` answer to a request it could not decode).
    pub fn call<R, Q>(&self, request: &Q) -> RemoteCall<'_, R>
    where
        R: DeserializeOwned + Send + 'static,
        Q: Serialize + ?Sized,
    {
        RemoteCall::new(
            self,
            to_term(request).map_err(|e| e.to_string()),
            decode_reply::<R>,
        )
    }

    /// Casts `request`, encoded as a term, to the process: OTP's
    /// `GenServer.cast(dest, request)`.
    ///
    /// # Errors
    /// [`RemoteSendError::Encode`] if `request` does not encode,
    /// [`RemoteSendError::Unreachable`] if the node cannot be reached. As in
    /// OTP, `Ok` does not mean a process received it.
    ///
    /// # Cancellation
    /// Dropping the future before it resolves sends nothing.
    pub async fn cast<Q: Serialize + ?Sized>(&self, request: &Q) -> Result<(), RemoteSendError> {
        let request = to_term(request).map_err(|e| RemoteSendError::Encode(e.to_string()))?;
        self.cast_term(request).await
    }

    /// Sends `message`, encoded as a term, to the process (OTP's
    /// `send(dest, message)`), for its `handle_info`.
    ///
    /// # Errors
    /// As [`cast`](Self::cast).
    ///
    /// # Cancellation
    /// Dropping the future before it resolves sends nothing.
    pub async fn send<M: Serialize + ?Sized>(&self, message: &M) -> Result<(), RemoteSendError> {
        let message = to_term(message).map_err(|e| RemoteSendError::Encode(e.to_string()))?;
        self.send_term(message).await
    }

    /// Casts a request term to the process: OTP's `GenServer.cast(dest, request)`,
    /// `{:"$gen_cast", request}`. Connects to the node first if needed.
    ///
    /// # Errors
    /// [`RemoteSendError::Unreachable`] if the node cannot be reached. As in
    /// OTP, `Ok` does not mean a process received it.
    ///
    /// # Cancellation
    /// Dropping the future before it resolves sends nothing.
    pub async fn cast_term(&self, request: Term) -> Result<(), RemoteSendError> {
        self.send_term(wire::tuple(vec![wire::atom("$gen_cast"), request]))
            .await
    }

    /// Sends a plain message to the process (OTP's `send(dest, message)`),
    /// for its `handle_info`. Connects to the node first if needed.
    ///
    /// # Errors
    /// [`RemoteSendError::Unreachable`] if the node cannot be reached.
    ///
    /// # Cancellation
    /// Dropping the future before it resolves sends nothing.
    pub async fn send_term(&self, message: Term) -> Result<(), RemoteSendError> {
        if self.is_local() {
            self.send_local(message);
            return Ok(());
        }
        let conn = self.node.connection(self.node()).await?;
        if let Some(sender) = current::current_process() {
            conn.remember_sender(&sender);
        }
        let me = caller_pid(&conn);
        let msg = match &self.dest {
            Dest::Name { name, .. } => Message::reg_send(me, name.clone(), message),
            Dest::Pid(pid) => Message::send(pid.clone(), message),
        };
        conn.send(msg).map_err(RemoteSendError::Encode)
    }

    /// A message to a server of this node, as its connections would pass
    /// it on from another node: a `$gen_cast` goes to the exposed server,
    /// anything else is dropped (see the module documentation).
    fn send_local(&self, message: Term) {
        let server = self.local_server();
        match (message, server) {
            (Term::Tuple(t), Some(server))
                if t.elements.len() == 2 && wire::is_atom(&t.elements[0], "$gen_cast") =>
            {
                let request = t.elements.into_iter().nth(1).expect("two elements");
                server.cast(request);
            }
            (_, None) => {
                tracing::debug!(to = ?self, "message to a name of this node that is not exposed; dropped")
            }
            (_, Some(_)) => tracing::debug!(to = ?self, "plain message to a Rust server; dropped"),
        }
    }

    /// A call to a server of this node: the same request and reply terms,
    /// outcomes and errors as a call from another node, without a
    /// connection. The server is monitored for the call, as a remote one is.
    async fn call_local(
        &self,
        request: Term,
        due: Option<Instant>,
    ) -> Result<Term, RemoteCallError> {
        let Some(server) = self.local_server() else {
            return Err(RemoteCallError::NoProc);
        };
        let Some(process) = server.process() else {
            return Err(RemoteCallError::NoProc);
        };
        if current::current_actor() == Some(process.core().id) {
            return Err(RemoteCallError::CallingSelf);
        }
        let mut down = crate::monitor(&crate::Pid { process });
        let (tx, reply) = tokio::sync::oneshot::channel();
        server.call(request, RemoteReply::local(tx));
        let outcome = async {
            tokio::select! {
                biased;
                event = reply => match event {
                    Ok(CallEvent::Reply(term)) => Ok(term),
                    Ok(CallEvent::Down(reason)) => Err(call_down_error(&reason, "")),
                    // Dropped unanswered by a server that is ending.
                    Err(_) => Err(exited(down.await)),
                },
                reason = &mut down => Err(exited(reason)),
            }
        };
        match due {
            Some(due) => tokio::time::timeout_at(due, outcome)
                .await
                .unwrap_or(Err(RemoteCallError::Timeout)),
            None => outcome.await,
        }
    }

    async fn call_raw(
        &self,
        request: Term,
        timeout: Option<Duration>,
    ) -> Result<Term, RemoteCallError> {
        let due = timeout.map(|t| Instant::now() + t);
        if self.is_local() {
            return self.call_local(request, due).await;
        }
        let conn = match due {
            Some(due) => tokio::time::timeout_at(due, self.node.connection(self.node()))
                .await
                .map_err(|_| RemoteCallError::Timeout)??,
            None => self.node.connection(self.node()).await?,
        };
        let n = conn.shared.next_ref();
        let reference = conn.shared.reference(n);
        let Some(reply) = conn.start_call(n, current::current_process()) else {
            return Err(RemoteCallError::NodeDown(conn.peer.to_string()));
        };
        let mut pending = Pending {
            conn: &conn,
            n,
            dest: &self.dest,
            demonitor: true,
        };
        let me = caller_pid(&conn);
        // OTP's `gen:call`: monitor the target, then send with an alias tag.
        let tag = Term::ImproperList(ImproperList {
            elements: vec![wire::atom("alias")],
            last: Box::new(Term::Reference(Box::new(reference.clone()))),
        });
        let from = wire::tuple(vec![Term::Pid(me.clone()), tag]);
        let message = wire::tuple(vec![wire::atom("$gen_call"), from, request]);
        let (monitor, send) = match &self.dest {
            Dest::Name { name, .. } => (
                Message::monitor_p(me.clone(), PidOrAtom::Atom(name.clone()), reference),
                Message::reg_send(me, name.clone(), message),
            ),
            Dest::Pid(pid) => (
                Message::monitor_p(me, PidOrAtom::Pid(pid.clone()), reference),
                Message::send(pid.clone(), message),
            ),
        };
        let mut frames =
            wire::frame(monitor).map_err(|e| RemoteCallError::Encode(e.to_string()))?;
        frames.extend(wire::frame(send).map_err(|e| RemoteCallError::Encode(e.to_string()))?);
        conn.send_frames(&frames);
        let event = match due {
            Some(due) => match tokio::time::timeout_at(due, reply).await {
                Ok(event) => event,
                Err(_) => return Err(RemoteCallError::Timeout),
            },
            None => reply.await,
        };
        match event {
            Ok(CallEvent::Reply(term)) => Ok(term),
            Ok(CallEvent::Down(reason)) => {
                pending.demonitor = false;
                Err(call_down_error(&reason, &conn.peer))
            }
            // The connection was lost: its pending calls are dropped.
            Err(_) => {
                pending.demonitor = false;
                Err(RemoteCallError::NodeDown(conn.peer.to_string()))
            }
        }
    }
}

/// The error of a call whose monitor of the server fired with `reason`,
/// from a server on node `peer`.
fn call_down_error(reason: &Term, peer: &str) -> RemoteCallError {
    if wire::is_atom(reason, expose::MAILBOX_FULL) {
        return RemoteCallError::MailboxFull;
    }
    if wire::is_atom(reason, expose::NO_REPLY) {
        return RemoteCallError::NoReply;
    }
    match wire::reason_from_term(reason) {
        crate::ExitReason::NoConnection => RemoteCallError::NodeDown(peer.to_owned()),
        reason => exited(reason),
    }
}

/// The error of a call to a server that ended with `reason`.
fn exited(reason: crate::ExitReason) -> RemoteCallError {
    match reason {
        crate::ExitReason::NoProc => RemoteCallError::NoProc,
        reason => RemoteCallError::Exited(reason),
    }
}

/// Decodes a typed reply; a Rust server's `{:error, {:badarg, why}}`, when it
/// is not a valid `R`, is its refusal of the request.
fn decode_reply<R: DeserializeOwned>(reply: Term) -> Result<R, RemoteCallError> {
    from_term(&reply).map_err(|e| match wire::as_badarg_reply(&reply) {
        Some(why) => RemoteCallError::BadArg(why),
        None => RemoteCallError::Decode(e.to_string()),
    })
}

/// The pid a call or cast comes from: the current process's, or the pid
/// standing for code that is not a process.
fn caller_pid(conn: &Connection) -> Pid {
    conn.local_pid(current::current_actor().unwrap_or(ActorId::OUTSIDE))
}

/// Forgets a call however it ends, and removes its monitor on the other
/// node unless that monitor already fired.
struct Pending<'a> {
    conn: &'a Arc<Connection>,
    n: u64,
    dest: &'a Dest,
    demonitor: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.conn.end_call(self.n);
        if self.demonitor && !self.conn.is_closed() {
            let to = match self.dest {
                Dest::Name { name, .. } => PidOrAtom::Atom(name.clone()),
                Dest::Pid(pid) => PidOrAtom::Pid(pid.clone()),
            };
            // Deferred: it goes out with the next call's frames.
            self.conn.send_deferred(Message::demonitor_p(
                caller_pid(self.conn),
                to,
                self.conn.shared.reference(self.n),
            ));
        }
    }
}

impl fmt::Debug for RemoteRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dest {
            Dest::Name { name, node } => write!(f, "RemoteRef({{{}, {node}}})", name.name),
            Dest::Pid(pid) => write!(f, "RemoteRef({pid})"),
        }
    }
}

/// A call to a remote process in preparation: await it for the reply.
///
/// It waits at most 5 s ([`DEFAULT_CALL_TIMEOUT`]) unless changed with
/// [`timeout`](Self::timeout) or [`no_timeout`](Self::no_timeout); the
/// time limit includes connecting to the node.
///
/// As OTP's `GenServer.call`, it first monitors the target, so that an
/// unknown name or a dead pid fails at once with
/// [`RemoteCallError::NoProc`], a server that dies during the call with
/// [`RemoteCallError::Exited`], and a node that goes down with
/// [`RemoteCallError::NodeDown`].
///
/// # Cancellation
/// Dropping the future after the request was sent does not withdraw it: the
/// server may still handle it, and its reply is dropped.
#[must_use = "a call does nothing unless it is awaited"]
pub struct RemoteCall<'a, R> {
    target: &'a RemoteRef,
    request: Result<Term, String>,
    timeout: Option<Duration>,
    decode: fn(Term) -> Result<R, RemoteCallError>,
}

impl<'a, R> RemoteCall<'a, R> {
    /// A call whose request may have failed to encode, and whose reply is
    /// decoded with `decode`.
    pub(crate) fn new(
        target: &'a RemoteRef,
        request: Result<Term, String>,
        decode: fn(Term) -> Result<R, RemoteCallError>,
    ) -> Self {
        RemoteCall {
            target,
            request,
            timeout: Some(DEFAULT_CALL_TIMEOUT),
            decode,
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
}

impl<R> fmt::Debug for RemoteCall<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCall")
            .field("target", self.target)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<'a, R: Send + 'a> IntoFuture for RemoteCall<'a, R> {
    type Output = Result<R, RemoteCallError>;
    /// Boxed: one allocation per remote call, small next to the network
    /// round trip, for a future that can be named and stored.
    type IntoFuture = Pin<Box<dyn Future<Output = Result<R, RemoteCallError>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let request = self.request.map_err(RemoteCallError::Encode)?;
            let reply = self.target.call_raw(request, self.timeout).await?;
            let weak = Arc::downgrade(&self.target.node);
            super::pid::with_node(&weak, || (self.decode)(reply))
        })
    }
}
