//! One connection to another node: one task that owns the socket's reading
//! side, reads and dispatches incoming messages, writes what senders could
//! not, and keeps the connection alive with ticks.
//!
//! Senders encode their message into a frame in their own task and write it
//! to the socket themselves when nothing is queued before it
//! ([`Connection::send`]); what the socket does not take at once is queued,
//! in order, for the connection task to write when it can. Incoming messages
//! are handled in the connection task: a call to an exposed server is
//! decoded there and put in the server's mailbox, a reply to a pending call
//! wakes its caller.
//!
//! The per-connection state (pending calls, proxies, monitors in both
//! directions) sits behind one mutex per connection, never a node-wide one.
//!
//! **Ticks.** Every `net_ticktime / 4` the task sends a tick if nothing was
//! written since the last one, and gives up on the peer if it read nothing
//! for a whole `net_ticktime` (OTP's default is 60 s, so a silent peer is
//! declared down after 60 to 75 s).
//!
//! **Fairness.** The task's loop looks at ticks and queued writes before
//! the socket's reading side, and handles at most [`MESSAGES_PER_TURN`]
//! incoming messages per turn, so a peer that never stops sending cannot
//! keep this node from ticking or writing (see [`run`]).
//!
//! **Loss.** However the task ends (the peer closed, an I/O error, a tick
//! timeout, [`Node::disconnect`](super::Node::disconnect), the node shut
//! down), every pending call fails with `NodeDown`, every local monitor of a
//! process there gets `Down` with [`ExitReason::NoConnection`], every local
//! process linked to one gets the exit signal `NoConnection`, and the node
//! forgets the connection.

use std::io::IoSlice;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use eetf::{Atom, Pid, Reference, Term};
use erl_dist::DistributionFlags;
use erl_dist::message::Message;
use erl_dist::term::PidOrAtom;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

use super::expose::{self, Exposed};
use super::node::{ExposedNames, NodeInner, Shared};
use super::proxy::Proxy;
use super::wire::{self, FastMap, Frame};
use crate::ExitReason;
use crate::process::{self, IdMap, MonitorRef, Process, Watcher};

/// What ends a pending outgoing call.
#[derive(Debug)]
pub(crate) enum CallEvent {
    Reply(Term),
    /// The monitor the call set fired with this reason.
    Down(Term),
}

pub(crate) struct Connection {
    /// The peer's node name.
    pub(crate) peer: Box<str>,
    pub(crate) peer_flags: DistributionFlags,
    pub(crate) shared: Arc<Shared>,
    node: Weak<NodeInner>,
    /// The socket's sending side, shared by every sender.
    out: Mutex<Out>,
    /// Something was written since the last tick.
    wrote: AtomicBool,
    /// Bytes wait in `Out::pending` for the connection task to flush.
    backlog: AtomicBool,
    /// Wakes the connection task: `Out::pending` has bytes, or `stop` is set.
    flush: tokio::sync::Notify,
    state: Mutex<State>,
    /// The node's exposed names, copied: looked up by the connection task
    /// for each incoming request without the node-wide table's lock.
    exposed: Mutex<(u64, ExposedNames)>,
    /// Becomes true once, when the connection is lost.
    down: watch::Sender<bool>,
    /// Ends the connection task ([`Node::disconnect`](super::Node::disconnect)):
    /// a flag rather than a `Notify` of its own, so that each turn of the
    /// task's loop polls one `Notify`, not two.
    stop: AtomicBool,
}

/// The sending side: a sender writes its frame to the socket itself when
/// nothing is queued before it, and queues it otherwise (or when the socket
/// is full), for the connection task to write once the socket can take it.
struct Out {
    /// `None` once the connection is lost: nothing more is sent.
    stream: Option<Arc<TcpStream>>,
    pending: Vec<u8>,
    /// Frames that need not go at once (a finished call's `DEMONITOR_P`):
    /// written in the same syscall as the next frames sent, or at the next
    /// tick. Only ever non-empty while `pending` is empty.
    deferred: Vec<u8>,
}

#[derive(Default)]
struct State {
    closed: bool,
    /// Outgoing calls waiting for a reply, by the number of their reference.
    calls: FastMap<u64, oneshot::Sender<CallEvent>>,
    /// The proxy of every remote pid seen on this connection.
    proxies: FastMap<Pid, Weak<Proxy>>,
    /// Local monitors of remote processes, by the number of the reference
    /// sent in `MONITOR_P`.
    watching: FastMap<u64, (Weak<Proxy>, MonitorRef)>,
    /// Remote monitors of local processes, by the peer's reference.
    watched: FastMap<Reference, Watched>,
    /// Local processes that called or cast to the peer, whose pids it has
    /// seen (as a call's `from`) and may monitor or link: found here without
    /// the node-wide table's lock. Weak, as there.
    callers: IdMap<Weak<dyn Process>>,
}

struct Watched {
    target: Arc<dyn Process>,
    monitor: MonitorRef,
    watcher: Arc<Proxy>,
}

impl Connection {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under this lock.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_closed(&self) -> bool {
        *self.down.borrow()
    }

    /// Waits until the connection is lost.
    pub(crate) async fn closed(&self) {
        let mut down = self.down.subscribe();
        let _ = down.wait_for(|down| *down).await;
    }

    /// Encodes `msg` and sends it. A lost connection drops it silently, as
    /// OTP drops a message to a node that went away.
    pub(crate) fn send(&self, msg: Message) -> Result<(), String> {
        let frame = wire::frame(msg).map_err(|e| e.to_string())?;
        self.send_frames(&frame);
        Ok(())
    }

    /// Sends a message built from local values; these always encode.
    pub(crate) fn send_control(&self, msg: Message) {
        if let Err(why) = self.send(msg) {
            tracing::error!(peer = %self.peer, %why, "cannot encode a distribution control message");
        }
    }

    /// Sends encoded frames, in order with every other send: written from
    /// this task at once when nothing is queued and the socket has room
    /// (the usual case), else queued for the connection task. Deferred
    /// frames go first, in the same syscall.
    pub(crate) fn send_frames(&self, frames: &[u8]) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let Out {
            stream,
            pending,
            deferred,
        } = &mut *out;
        let Some(stream) = stream else { return };
        if frames.is_empty() && deferred.is_empty() {
            return;
        }
        self.wrote.store(true, Ordering::Relaxed);
        if !pending.is_empty() {
            pending.extend_from_slice(frames);
            return;
        }
        // Full (`WouldBlock`) or broken: the connection task writes the rest
        // later, or finds the error when it does.
        let written = if deferred.is_empty() {
            stream.try_write(frames).unwrap_or(0)
        } else {
            let both = [IoSlice::new(deferred), IoSlice::new(frames)];
            let n = stream.try_write_vectored(&both).unwrap_or(0);
            let of_deferred = n.min(deferred.len());
            // Only when the socket took none of `frames`.
            pending.extend_from_slice(&deferred[of_deferred..]);
            deferred.clear();
            n - of_deferred
        };
        if written == frames.len() && pending.is_empty() {
            return;
        }
        pending.extend_from_slice(&frames[written..]);
        drop(out);
        self.backlog.store(true, Ordering::Release);
        self.flush.notify_one();
    }

    /// Sends a message that may wait for the next write: it costs no
    /// syscall of its own when other messages follow soon, and waits at most
    /// until the next tick otherwise. For messages whose delay changes
    /// nothing the peer can see but how long it keeps a record (the
    /// `DEMONITOR_P` of a call that has its reply).
    pub(crate) fn send_deferred(&self, msg: Message) {
        let frame = match wire::frame(msg) {
            Ok(frame) => frame,
            Err(why) => {
                tracing::error!(peer = %self.peer, %why, "cannot encode a distribution control message");
                return;
            }
        };
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if out.stream.is_none() {
            return;
        }
        if out.pending.is_empty() {
            out.deferred.extend_from_slice(&frame);
        } else {
            // Behind a backlog the connection task writes anyway.
            out.pending.extend_from_slice(&frame);
        }
    }

    /// Writes what is queued, as far as the socket takes it.
    fn flush_pending(&self) -> std::io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let Out {
            stream, pending, ..
        } = &mut *out;
        let Some(stream) = stream else { return Ok(()) };
        while !pending.is_empty() {
            match stream.try_write(pending) {
                Ok(n) => drop(pending.drain(..n)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.backlog.store(false, Ordering::Release);
        Ok(())
    }

    /// Ends the connection, as if it had been lost.
    pub(crate) fn disconnect(&self) {
        self.stop.store(true, Ordering::Release);
        self.flush.notify_one();
    }

    /// Registers a call waiting for the reference numbered `n`; `None` if the
    /// connection is already lost.
    /// `caller` is the process making the call, if it is one.
    pub(crate) fn start_call(
        &self,
        n: u64,
        caller: Option<Arc<dyn Process>>,
    ) -> Option<oneshot::Receiver<CallEvent>> {
        let mut state = self.lock();
        if state.closed {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        state.calls.insert(n, tx);
        if let Some(caller) = caller {
            remember(&mut state.callers, &caller);
        }
        Some(rx)
    }

    /// Remembers a local process that sends to the peer under its own pid.
    pub(crate) fn remember_sender(&self, sender: &Arc<dyn Process>) {
        remember(&mut self.lock().callers, sender);
    }

    /// The local process `pid` names, if this node gave it out (on this
    /// connection, or through [`Node::local_pid`](super::Node::local_pid)).
    fn exported_process(&self, pid: &Pid) -> Option<Arc<dyn Process>> {
        if pid.node == self.shared.name
            && let Some(id) = wire::local_id(pid)
            && let Some(process) = self.lock().callers.get(&id).and_then(Weak::upgrade)
        {
            return Some(process);
        }
        self.shared.exported_process(pid)
    }

    /// Forgets a call that stopped waiting.
    pub(crate) fn end_call(&self, n: u64) {
        drop(self.lock().calls.remove(&n));
    }

    /// The proxy standing for `pid`, made on first use.
    pub(crate) fn proxy(self: &Arc<Self>, pid: &Pid) -> Arc<Proxy> {
        let mut state = self.lock();
        if let Some(proxy) = state.proxies.get(pid).and_then(Weak::upgrade) {
            return proxy;
        }
        let proxy = Arc::new(Proxy::new(pid.clone(), Some(Arc::clone(self))));
        if state.closed {
            drop(state);
            proxy.connection_lost();
            return proxy;
        }
        if state.proxies.len() >= 64 && state.proxies.len().is_power_of_two() {
            state.proxies.retain(|_, p| p.strong_count() > 0);
        }
        state.proxies.insert(pid.clone(), Arc::downgrade(&proxy));
        proxy
    }

    /// Records a local monitor of a remote process; false if the connection
    /// is lost.
    pub(crate) fn add_watching(&self, n: u64, proxy: &Arc<Proxy>, monitor: MonitorRef) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        state.watching.insert(n, (Arc::downgrade(proxy), monitor));
        true
    }

    pub(crate) fn remove_watching(&self, n: u64) {
        drop(self.lock().watching.remove(&n));
    }

    pub(crate) fn remove_watched(&self, reference: &Reference) {
        drop(self.lock().watched.remove(reference));
    }

    /// Our pid for a local process id.
    pub(crate) fn local_pid(&self, id: crate::ActorId) -> Pid {
        self.shared.pid(id)
    }

    /// Handles one message from the peer.
    fn handle(self: &Arc<Self>, msg: Message) {
        match msg {
            Message::Tick => {}
            Message::RegSend(m) => self.to_name(&m.to_name, m.message),
            Message::RegSendTt(m) => self.to_name(&m.to_name, m.message),
            Message::Send(m) => self.to_pid(&m.to_pid, m.message),
            Message::SendTt(m) => self.to_pid(&m.to_pid, m.message),
            Message::SendSender(m) => self.to_pid(&m.to_pid, m.message),
            Message::SendSenderTt(m) => self.to_pid(&m.to_pid, m.message),
            Message::AliasSend(m) => self.to_alias(&m.alias, m.message),
            Message::AliasSendTt(m) => self.to_alias(&m.alias, m.message),
            Message::MonitorP(m) => self.monitor_request(m.from_pid, m.to_proc, m.reference),
            Message::DemonitorP(m) => self.demonitor_request(&m.reference),
            Message::MonitorPExit(m) => self.monitor_fired(&m.reference, m.reason),
            Message::PayloadMonitorPExit(m) => self.monitor_fired(&m.reference, m.reason),
            Message::Link(m) => self.link_request(&m.from_pid, &m.to_pid),
            Message::Exit(m) => self.link_exit(&m.from_pid, &m.to_pid, &m.reason),
            Message::ExitTt(m) => self.link_exit(&m.from_pid, &m.to_pid, &m.reason),
            Message::PayloadExit(m) => self.link_exit(&m.from_pid, &m.to_pid, &m.reason),
            Message::PayloadExitTt(m) => self.link_exit(&m.from_pid, &m.to_pid, &m.reason),
            Message::Exit2(m) => self.exit_request(&m.from_pid, &m.to_pid, &m.reason),
            Message::Exit2Tt(m) => self.exit_request(&m.from_pid, &m.to_pid, &m.reason),
            Message::PayloadExit2(m) => self.exit_request(&m.from_pid, &m.to_pid, &m.reason),
            Message::PayloadExit2Tt(m) => self.exit_request(&m.from_pid, &m.to_pid, &m.reason),
            Message::Unlink(m) => self.unlink_request(&m.from_pid, &m.to_pid),
            Message::UnlinkId(m) => {
                self.unlink_request(&m.from_pid, &m.to_pid);
                self.send_control(Message::unlink_id_ack(m.id, m.to_pid, m.from_pid));
            }
            Message::UnlinkIdAck(_) => {}
            other => {
                tracing::debug!(peer = %self.peer, message = ?other, "distribution message not handled; dropped");
            }
        }
    }

    /// The server exposed as `name`, from this connection's copy of the
    /// table (refreshed when the node's has changed).
    fn exposed(&self, name: &str) -> Option<Arc<dyn Exposed>> {
        let mut copy = self.exposed.lock().unwrap_or_else(|p| p.into_inner());
        if copy.0 != self.shared.exposed_version.load(Ordering::Acquire) {
            *copy = self.shared.exposed_snapshot();
        }
        copy.1.get(name).cloned()
    }

    /// `send({name, node}, message)` from the peer.
    fn to_name(self: &Arc<Self>, name: &Atom, message: Term) {
        match self.exposed(&name.name) {
            Some(server) => self.dispatch(&*server, message),
            None => tracing::debug!(
                peer = %self.peer, name = %name.name,
                "message to a name that is not exposed; dropped"
            ),
        }
    }

    /// A message to a local pid: a reply to one of our calls in the old
    /// `{ref, reply}` form, or a request to an exposed server by its pid.
    fn to_pid(self: &Arc<Self>, to: &Pid, message: Term) {
        let message = match self.old_style_reply(message) {
            Ok(()) => return,
            Err(message) => message,
        };
        match self.shared.exported_server(to) {
            Some(server) => self.dispatch(&*server, message),
            None => tracing::debug!(
                peer = %self.peer, pid = %to,
                "message to a local pid that takes no remote messages; dropped"
            ),
        }
    }

    fn old_style_reply(&self, message: Term) -> Result<(), Term> {
        let Term::Tuple(t) = &message else {
            return Err(message);
        };
        let [Term::Reference(r), _] = &t.elements[..] else {
            return Err(message);
        };
        let Some(n) = wire::ref_number(r) else {
            return Err(message);
        };
        let Some(caller) = self.lock().calls.remove(&n) else {
            return Err(message);
        };
        let Term::Tuple(mut t) = message else {
            unreachable!()
        };
        let _ = caller.send(CallEvent::Reply(t.elements.pop().expect("two elements")));
        Ok(())
    }

    /// A reply to one of our calls, sent to its alias: `{[:alias | ref], reply}`.
    fn to_alias(&self, alias: &Reference, message: Term) {
        let caller = wire::ref_number(alias).and_then(|n| self.lock().calls.remove(&n));
        let Some(caller) = caller else {
            // A late reply (the call timed out), as OTP drops it.
            return;
        };
        let reply = match message {
            Term::Tuple(mut t) if t.elements.len() == 2 => t.elements.pop().expect("two elements"),
            other => other,
        };
        let _ = caller.send(CallEvent::Reply(reply));
    }

    /// `$gen_call` and `$gen_cast` for an exposed server.
    fn dispatch(self: &Arc<Self>, server: &dyn Exposed, message: Term) {
        let Term::Tuple(t) = message else {
            tracing::debug!(peer = %self.peer, "message that is not a `$gen_call` or `$gen_cast` to an exposed server; dropped");
            return;
        };
        let mut elements = t.elements.into_iter();
        match (
            elements.next(),
            elements.next(),
            elements.next(),
            elements.next(),
        ) {
            (Some(tag), Some(from), Some(request), None) if wire::is_atom(&tag, "$gen_call") => {
                match expose::RemoteReply::from_term(self, from) {
                    Some(reply) => server.call(request, reply),
                    None => {
                        tracing::warn!(peer = %self.peer, "`$gen_call` with a malformed `from`; dropped")
                    }
                }
            }
            (Some(tag), Some(request), None, None) if wire::is_atom(&tag, "$gen_cast") => {
                server.cast(request);
            }
            _ => {
                tracing::debug!(peer = %self.peer, "message that is not a `$gen_call` or `$gen_cast` to an exposed server; dropped")
            }
        }
    }

    /// `Process.monitor(pid_or_name_here)` from the peer.
    fn monitor_request(self: &Arc<Self>, from: Pid, to: PidOrAtom, reference: Reference) {
        let target = match &to {
            PidOrAtom::Atom(name) => self.exposed(&name.name).and_then(|s| s.process()),
            PidOrAtom::Pid(pid) => self.exported_process(pid),
        };
        let Some(target) = target else {
            self.send_control(Message::monitor_p_exit(
                to,
                from,
                reference,
                wire::atom("noproc"),
            ));
            return;
        };
        let proxy = self.proxy(&from);
        let monitor = MonitorRef::next();
        proxy.add_watch(monitor, reference.clone(), to);
        self.lock().watched.insert(
            reference,
            Watched {
                target: Arc::clone(&target),
                monitor,
                watcher: Arc::clone(&proxy),
            },
        );
        // Fires at once, with `noproc`, if the target has just ended.
        target.watch(monitor, Watcher::Process(proxy));
    }

    fn demonitor_request(&self, reference: &Reference) {
        let watched = self.lock().watched.remove(reference);
        if let Some(w) = watched {
            let _ = w.watcher.remove_watch(w.monitor);
            w.target.unwatch(w.monitor);
        }
    }

    /// Ends the peer's call whose tag, and monitor of the server, is
    /// `reference`, as if the server had exited with `reason` for that
    /// caller alone: the monitor fires with `reason`, so that the caller's
    /// `GenServer.call` exits with it at once. A caller that did not monitor
    /// the server (a hand-made `$gen_call`) cannot be told, and is left to
    /// its timeout.
    pub(crate) fn refuse_call(&self, caller: Pid, reference: Reference, reason: Term) {
        let watched = self.lock().watched.remove(&reference);
        // Whoever removes the watch first, this or the server's end,
        // answers the monitor: it fires once.
        let target = watched.and_then(|w| {
            w.target.unwatch(w.monitor);
            w.watcher.remove_watch(w.monitor).map(|(_, target)| target)
        });
        match target {
            Some(target) => {
                self.send_control(Message::monitor_p_exit(target, caller, reference, reason))
            }
            None => tracing::debug!(
                peer = %self.peer,
                "a refused call's caller does not monitor the server; it is left to its timeout"
            ),
        }
    }

    /// A monitor we set fired: a call's, or a local process's.
    fn monitor_fired(&self, reference: &Reference, reason: Term) {
        let Some(n) = wire::ref_number(reference) else {
            return;
        };
        let (caller, watching) = {
            let mut state = self.lock();
            match state.calls.remove(&n) {
                Some(caller) => (Some(caller), None),
                None => (None, state.watching.remove(&n)),
            }
        };
        if let Some(caller) = caller {
            let _ = caller.send(CallEvent::Down(reason));
        } else if let Some((proxy, monitor)) = watching
            && let Some(proxy) = proxy.upgrade()
        {
            proxy.fired(monitor, wire::reason_from_term(&reason));
        }
    }

    /// `Process.link(pid_here)` from the peer.
    fn link_request(self: &Arc<Self>, from: &Pid, to: &Pid) {
        match self.exported_process(to) {
            Some(local) => self.proxy(from).link_from_remote(&local),
            None => self.send_control(Message::exit(
                to.clone(),
                from.clone(),
                wire::atom("noproc"),
            )),
        }
    }

    /// A remote process linked to a local one ended.
    fn link_exit(self: &Arc<Self>, from: &Pid, to: &Pid, reason: &Term) {
        let Some(local) = self.exported_process(to) else {
            return;
        };
        let proxy = self.proxy(from);
        if proxy.unlink_local(local.core().id) {
            process::exit_signal(&*local, proxy.core().id, wire::reason_from_term(reason));
        }
    }

    /// `Process.exit(pid_here, reason)` from the peer.
    fn exit_request(self: &Arc<Self>, from: &Pid, to: &Pid, reason: &Term) {
        let Some(local) = self.exported_process(to) else {
            return;
        };
        if wire::is_atom(reason, "kill") {
            process::terminate_now(&*local, ExitReason::Killed);
        } else {
            let proxy = self.proxy(from);
            process::exit_signal(&*local, proxy.core().id, wire::reason_from_term(reason));
        }
    }

    fn unlink_request(self: &Arc<Self>, from: &Pid, to: &Pid) {
        if let Some(local) = self.exported_process(to) {
            self.proxy(from).unlink_local(local.core().id);
        }
    }

    /// Tells everything that depended on this connection that it is gone.
    /// Runs once, when the connection task ends however it ends.
    fn lost(self: &Arc<Self>, why: &str) {
        let state = {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            let taken = std::mem::take(&mut *state);
            // Stays set: a call, proxy or monitor registered from now on
            // (by a sender that checked `is_closed` just before the loss)
            // must see it, or it would wait for an end nobody will send.
            state.closed = true;
            taken
        };
        // No more sends; the socket closes when the connection task lets go.
        drop(
            self.out
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .stream
                .take(),
        );
        self.down.send_replace(true);
        if let Some(node) = self.node.upgrade() {
            node.forget(self);
        }
        tracing::warn!(peer = %self.peer, %why, "connection to node lost");
        // Callers wake up and report `NodeDown`: their senders are dropped.
        drop(state.calls);
        for w in state.watched.into_values() {
            w.target.unwatch(w.monitor);
        }
        drop(state.watching);
        for proxy in state.proxies.into_values().filter_map(|p| p.upgrade()) {
            proxy.connection_lost();
        }
    }
}

/// Adds `process` to `callers`, sweeping out ended ones as the map grows.
fn remember(callers: &mut IdMap<Weak<dyn Process>>, process: &Arc<dyn Process>) {
    let id = process.core().id;
    if callers.get(&id).is_some_and(|p| p.strong_count() > 0) {
        return;
    }
    if callers.len() >= 64 && callers.len().is_power_of_two() {
        callers.retain(|_, p| p.strong_count() > 0);
    }
    callers.insert(id, Arc::downgrade(process));
}

/// Starts the task of a connection whose handshake is done.
pub(crate) fn start(
    stream: TcpStream,
    peer: String,
    peer_flags: DistributionFlags,
    node: &Arc<NodeInner>,
) -> Arc<Connection> {
    let _ = stream.set_nodelay(true);
    let stream = Arc::new(stream);
    let conn = Arc::new(Connection {
        peer: peer.into_boxed_str(),
        peer_flags,
        shared: Arc::clone(&node.shared),
        node: Arc::downgrade(node),
        out: Mutex::new(Out {
            stream: Some(Arc::clone(&stream)),
            pending: Vec::new(),
            deferred: Vec::new(),
        }),
        wrote: AtomicBool::new(false),
        backlog: AtomicBool::new(false),
        flush: tokio::sync::Notify::new(),
        state: Mutex::new(State::default()),
        exposed: Mutex::new(node.shared.exposed_snapshot()),
        down: watch::Sender::new(false),
        stop: AtomicBool::new(false),
    });
    let task = run(Arc::clone(&conn), stream, node.tick_time);
    tokio::spawn(task);
    conn
}

/// Reports the loss however the task ends, also when its future is dropped
/// (the runtime shutting down).
struct LossGuard {
    conn: Arc<Connection>,
    why: String,
}

impl Drop for LossGuard {
    fn drop(&mut self) {
        self.conn.lost(&self.why);
    }
}

/// At most this many incoming messages are handled per turn of the
/// connection task's loop (see [`run`]); the rest wait in the inbox for the
/// next turn, after the ticks and queued writes have had their chance.
const MESSAGES_PER_TURN: usize = 64;

async fn run(conn: Arc<Connection>, stream: Arc<TcpStream>, tick_time: Duration) {
    let mut guard = LossGuard {
        conn: Arc::clone(&conn),
        why: "the node shut down".into(),
    };
    let mut inbox = Inbox::default();
    // Whole messages wait in `inbox` beyond the last turn's share.
    let mut more = false;
    let period = tick_time / 4;
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_read = Instant::now();
    let why = loop {
        if conn.stop.load(Ordering::Acquire) {
            break "disconnected by this node".to_owned();
        }
        let backlog = conn.backlog.load(Ordering::Acquire);
        // Reading comes last, and each turn handles a bounded share of what
        // was read: with `biased`, the first ready branch always wins, and a
        // peer that sends without pause keeps the socket readable at every
        // turn. Were reads first, or a turn unbounded, the ticks and queued
        // writes would not run during a flood: this node would send no tick,
        // and the peer, hearing nothing, would drop the connection after
        // `net_ticktime`; senders behind a full socket would wait as long as
        // the flood lasts. The branches before the reads are cheap and ready
        // at most once per tick or per drained backlog.
        tokio::select! {
            biased;
            _ = ticks.tick() => {
                // What was deferred waits no longer than this.
                conn.send_frames(&[]);
                if last_read.elapsed() >= tick_time && !more {
                    // The task itself may have been held up (a busy
                    // runtime) while the peer's ticks waited in the socket:
                    // read what is there before giving up.
                    match inbox.read(&conn, &stream) {
                        Ok(Some(left)) => {
                            more = left;
                            last_read = Instant::now();
                        }
                        Ok(None) => break format!(
                            "no message or tick from the peer for {tick_time:?} (net_ticktime)"
                        ),
                        Err(why) => break why,
                    }
                }
                if !conn.wrote.swap(false, Ordering::Relaxed) {
                    conn.send_frames(&wire::TICK);
                    conn.wrote.store(false, Ordering::Relaxed);
                }
            },
            ready = stream.writable(), if backlog => {
                if let Err(e) = ready.and_then(|()| conn.flush_pending()) {
                    break format!("write failed: {e}");
                }
            },
            // Only wakes the loop: to wait for `writable` above, or to stop
            // (so polled with a backlog too: a peer that reads nothing must
            // not hold up `disconnect`).
            _ = conn.flush.notified() => {},
            () = std::future::ready(()), if more => {
                match inbox.handle(&conn, MESSAGES_PER_TURN) {
                    Ok((_, left)) => more = left,
                    Err(why) => break why,
                }
                last_read = Instant::now();
            },
            ready = stream.readable(), if !more => {
                if let Err(e) = ready {
                    break format!("read failed: {e}");
                }
                match inbox.read(&conn, &stream) {
                    Ok(Some(left)) => {
                        more = left;
                        last_read = Instant::now();
                    }
                    Ok(None) => {}
                    Err(why) => break why,
                }
            },
        }
    };
    guard.why = why;
}

/// What was read from the peer and not handled yet: `buf[start..]`.
#[derive(Default)]
struct Inbox {
    buf: Vec<u8>,
    start: usize,
}

impl Inbox {
    /// Reads what the socket has, until it has no more (so that the next
    /// turn waits for it rather than finding it empty) or this turn's share
    /// of whole messages is handled: `None` if there was nothing to read
    /// after all, else whether whole messages may be left for the next turn.
    fn read(&mut self, conn: &Arc<Connection>, stream: &TcpStream) -> Result<Option<bool>, String> {
        let mut budget = MESSAGES_PER_TURN;
        let mut got = false;
        loop {
            if self.buf.capacity() - self.buf.len() < 4096 {
                // Make room by dropping what was handled before growing.
                self.buf.drain(..self.start);
                self.start = 0;
                if self.buf.capacity() - self.buf.len() < 4096 {
                    self.buf.reserve(8192);
                }
            }
            match stream.try_read_buf(&mut self.buf) {
                Ok(0) => return Err("the peer closed the connection".to_owned()),
                Ok(_) => {
                    got = true;
                    let (handled, more) = self.handle(conn, budget)?;
                    if more {
                        return Ok(Some(true));
                    }
                    budget -= handled;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return Ok(got.then_some(false));
                }
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
    }

    /// Handles up to `budget` whole messages: how many, and whether the
    /// budget ran out before the whole messages did.
    fn handle(&mut self, conn: &Arc<Connection>, budget: usize) -> Result<(usize, bool), String> {
        for handled in 0..budget {
            let Some((frame, len)) = wire::next_frame(&self.buf[self.start..])? else {
                if self.start == self.buf.len() {
                    self.buf.clear();
                    self.start = 0;
                }
                return Ok((handled, false));
            };
            if let Frame::Message(body) = frame {
                handle_message(conn, body);
            }
            self.start += len;
        }
        Ok((budget, true))
    }
}

/// Decodes and handles one message from the peer.
fn handle_message(conn: &Arc<Connection>, body: &[u8]) {
    // A hostile or broken frame is dropped; the connection carries on.
    match wire::read_message(body) {
        Ok(msg) => super::pid::with_node(&conn.node, || conn.handle(msg)),
        Err(e) => {
            tracing::warn!(peer = %conn.peer, error = %e, "undecodable distribution message; dropped")
        }
    }
}
