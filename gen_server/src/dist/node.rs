//! A node of an Erlang cluster: its name, cookie and epmd registration, its
//! listener, and its connections to other nodes.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::Duration;

use eetf::{Atom, Pid, Reference};
use erl_dist::node::{LocalNode, NodeName};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::accept;
use super::connection::{self, Connection};
use super::epmd::{self, Registration};
use super::error::{ConnectError, NodeError};
use super::expose::{Exposed, ExposedName, RemoteServer};
use super::handshake::{self, Admit};
use super::pid::RemotePid;
use super::proxy::Proxy;
use super::remote::RemoteRef;
use super::wire::{self, FastMap};
use crate::process::{IdMap, Process};
use crate::{ActorId, Pid as LocalPid, ToPid};

/// OTP's default `net_ticktime`: a peer silent for this long is down.
pub const DEFAULT_TICK_TIME: Duration = Duration::from_secs(60);

/// How long connecting to a node may take, epmd lookup and handshake
/// included (OTP's `net_setuptime`, 7 s).
const SETUP_TIME: Duration = Duration::from_secs(7);

/// Options for starting a [`Node`]; see [`Node::builder`].
#[derive(Clone)]
pub struct NodeBuilder {
    name: String,
    cookie: String,
    epmd_port: Option<u16>,
    listen: IpAddr,
    port: u16,
    hidden: bool,
    tick_time: Duration,
}

impl NodeBuilder {
    /// The port of epmd on this machine and on the hosts of other nodes
    /// (default: `ERL_EPMD_PORT`, else 4369, as OTP).
    pub fn epmd_port(mut self, port: u16) -> Self {
        self.epmd_port = Some(port);
        self
    }

    /// The address to accept connections from other nodes on (default
    /// `127.0.0.1`: only nodes on this machine can connect; use
    /// `0.0.0.0` to accept them from anywhere).
    pub fn listen(mut self, address: IpAddr) -> Self {
        self.listen = address;
        self
    }

    /// The port to accept connections on (default 0: any free port, which
    /// epmd tells other nodes).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Whether the node is hidden (default `true`): other nodes do not list
    /// it in `Node.list()` and do not connect to it transitively, and OTP's
    /// `global` does not try to synchronise its name table with it. A
    /// published node (`false`) joins the full mesh; this node does not run
    /// `global`, so prefer hidden unless you need to be listed.
    pub fn hidden(mut self, hidden: bool) -> Self {
        self.hidden = hidden;
        self
    }

    /// OTP's `net_ticktime` (default 60 s): a tick goes out every quarter of
    /// it when nothing else was sent, and a peer from which nothing arrived
    /// for this long is taken for down. Both nodes should use the same value.
    ///
    /// # Panics
    /// If `tick_time` is under 4 ms.
    pub fn tick_time(mut self, tick_time: Duration) -> Self {
        assert!(
            tick_time >= Duration::from_millis(4),
            "net_ticktime must be at least 4 ms"
        );
        self.tick_time = tick_time;
        self
    }

    /// Starts the node: listens for connections and registers with epmd on
    /// this machine. The node stays up until [`Node::shutdown`] or until its
    /// last handle is dropped.
    ///
    /// # Errors
    /// [`NodeError::InvalidName`], [`NodeError::Listen`], or
    /// [`NodeError::Epmd`] when epmd is not running or has the name already.
    ///
    /// # Cancellation
    /// Dropping the future before it resolves starts nothing.
    pub async fn start(self) -> Result<Node, NodeError> {
        let invalid = |why: String| NodeError::InvalidName {
            name: self.name.clone(),
            why,
        };
        let parsed: NodeName = self.name.parse().map_err(|e| invalid(format!("{e}")))?;
        if parsed.name().contains(['@', ' ']) {
            return Err(invalid("the name part cannot contain `@` or spaces".into()));
        }
        let listener = TcpListener::bind(SocketAddr::new(self.listen, self.port))
            .await
            .map_err(NodeError::Listen)?;
        let port = listener.local_addr().map_err(NodeError::Listen)?.port();
        let epmd_port = self.epmd_port.unwrap_or_else(epmd::default_port);
        let registration = epmd::register(epmd_port, parsed.name(), port, self.hidden).await?;
        let creation = registration.creation;
        let inner = Arc::new_cyclic(|weak: &Weak<NodeInner>| {
            let node = weak.clone();
            let accept = tokio::spawn(accept::accept_loop(listener, move |stream| {
                match node.upgrade() {
                    Some(node) => {
                        tokio::spawn(node.accept_one(stream));
                        true
                    }
                    None => false,
                }
            }));
            NodeInner {
                shared: Arc::new(Shared {
                    name: Atom::from(self.name.as_str()),
                    creation,
                    exposed: RwLock::new(FastMap::default()),
                    exposed_version: AtomicU64::new(0),
                    exported: Mutex::new(Exports::default()),
                    next_ref: AtomicU64::new(1),
                }),
                local: handshake::local_node(&self.name, creation, self.hidden),
                cookie: self.cookie,
                epmd_port,
                port,
                tick_time: self.tick_time,
                peers: Mutex::new(HashMap::new()),
                peers_changed: watch::Sender::new(0),
                registration: Mutex::new(Some(registration)),
                accept: accept.abort_handle(),
            }
        });
        tracing::info!(node = %self.name, port, epmd_port, "node started");
        Ok(Node { inner })
    }
}

impl fmt::Debug for NodeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeBuilder")
            .field("name", &self.name)
            .field("cookie", &"…")
            .field("epmd_port", &self.epmd_port)
            .field("listen", &self.listen)
            .field("port", &self.port)
            .field("hidden", &self.hidden)
            .field("tick_time", &self.tick_time)
            .finish()
    }
}

/// A running node: this program as a member of an Erlang/Elixir cluster.
///
/// Cheap to clone; the node stays up while a handle exists (or until
/// [`shutdown`](Self::shutdown)). See the [module documentation](super) for
/// names, cookies and epmd.
#[derive(Clone)]
pub struct Node {
    pub(crate) inner: Arc<NodeInner>,
}

impl Node {
    /// Options for a node named `name` (a long name, `name@host`, such as
    /// `rust@127.0.0.1`), which only connects to nodes that share `cookie`.
    pub fn builder(name: impl Into<String>, cookie: impl Into<String>) -> NodeBuilder {
        NodeBuilder {
            name: name.into(),
            cookie: cookie.into(),
            epmd_port: None,
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            hidden: true,
            tick_time: DEFAULT_TICK_TIME,
        }
    }

    /// The node's name, `name@host`.
    pub fn name(&self) -> &str {
        &self.inner.shared.name.name
    }

    /// The port the node accepts connections on.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// Connects to `node` now (OTP's `Node.connect/1`). Calls, casts and
    /// monitors connect by themselves; this is for checking that a node is
    /// reachable. Returns at once if already connected.
    ///
    /// # Errors
    /// See [`ConnectError`].
    ///
    /// # Cancellation
    /// Dropping the future abandons the attempt (another caller waiting for
    /// the same node starts its own).
    pub async fn connect(&self, node: &str) -> Result<(), ConnectError> {
        self.inner.connection(node).await.map(drop)
    }

    /// Drops the connection to `node` (OTP's `Node.disconnect/1`), with the
    /// effects of a lost connection. Returns false if it was not connected.
    pub fn disconnect(&self, node: &str) -> bool {
        match self.inner.live_connection(node) {
            Some(conn) => {
                conn.disconnect();
                true
            }
            None => false,
        }
    }

    /// The nodes this node is connected to now.
    pub fn nodes(&self) -> Vec<String> {
        let peers = self.inner.peers();
        let mut nodes: Vec<String> = peers
            .iter()
            .filter_map(|(name, peer)| match peer {
                Peer::Up(c) if !c.is_closed() => Some(name.to_string()),
                _ => None,
            })
            .collect();
        nodes.sort();
        nodes
    }

    /// Resolves when the connection to `node` is lost, or at once if there is
    /// none (OTP's `Node.monitor(node, true)` and its `{:nodedown, node}`).
    ///
    /// # Cancellation
    /// Dropping the future only stops waiting.
    pub fn monitor_node(&self, node: &str) -> impl Future<Output = ()> + Send + 'static {
        let conn = self.inner.live_connection(node);
        async move {
            if let Some(conn) = conn {
                conn.closed().await;
            }
        }
    }

    /// Makes the server registered under `name` reachable from other nodes
    /// as `{name, this_node}`: `GenServer.call({:counter, :"rust@127.0.0.1"}, {:add, 3})`
    /// reaches `CounterRef::add(3)`. The server type needs
    /// `#[gen_server(remote)]`.
    ///
    /// The name is looked up at each request, so a server restarted under
    /// the same name (by a supervisor) stays reachable. A name that is not
    /// registered, or registered to another type, answers as an unknown name
    /// does in OTP: `:noproc`. Exposing a name again replaces the first.
    pub fn expose<A: RemoteServer>(&self, name: &str) {
        let exposed: Arc<dyn Exposed> = Arc::new(ExposedName::<A>::new(name));
        let shared = &self.inner.shared;
        let mut table = shared.exposed.write().unwrap_or_else(|p| p.into_inner());
        table.insert(name.into(), exposed);
        shared.exposed_version.fetch_add(1, Ordering::Release);
    }

    /// Makes `name` unreachable from other nodes again; false if it was not
    /// exposed.
    pub fn unexpose(&self, name: &str) -> bool {
        let shared = &self.inner.shared;
        let mut table = shared.exposed.write().unwrap_or_else(|p| p.into_inner());
        let removed = table.remove(name).is_some();
        shared.exposed_version.fetch_add(1, Ordering::Release);
        removed
    }

    /// A handle to the process registered as `name` on `node`: OTP's
    /// `{name, node}`, for [`call`](RemoteRef::call) and
    /// [`cast`](RemoteRef::cast). Nothing is checked until it is used.
    pub fn remote(&self, name: &str, node: &str) -> RemoteRef {
        RemoteRef::by_name(Arc::clone(&self.inner), name, node)
    }

    /// A handle to the remote process `pid`, for calls and casts.
    pub fn remote_pid(&self, pid: &RemotePid) -> RemoteRef {
        RemoteRef::by_pid(Arc::clone(&self.inner), pid.as_eetf().clone())
    }

    /// `process`'s pid as other nodes see it (`#PID<…>` of this node), to put
    /// in a message so that they can monitor, link or call it. For a
    /// [`RemotePid`]'s process, its own pid.
    pub fn local_pid<P: ToPid + ?Sized>(&self, process: &P) -> RemotePid {
        let pid = process.to_pid();
        // The stand-in of a remote process: its own pid.
        let eetf = match Arc::clone(&pid.process).as_any().downcast::<Proxy>() {
            Ok(proxy) => proxy.pid.clone(),
            Err(_) => self.inner.shared.export(&pid.process),
        };
        RemotePid::new(eetf, Arc::downgrade(&self.inner))
    }

    /// The pid in `term` (from a reply or message of another node), for
    /// this node's connections; `None` if `term` is not a pid. Typed
    /// messages decode [`RemotePid`] fields by themselves.
    pub fn pid_from_term(&self, term: &eetf::Term) -> Option<RemotePid> {
        match term {
            eetf::Term::Pid(pid) => Some(RemotePid::new(pid.clone(), Arc::downgrade(&self.inner))),
            _ => None,
        }
    }

    /// Stops the node: drops every connection (with the effects of a lost
    /// connection) and unregisters from epmd. Handles to it stay valid and
    /// fail to reach anything.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name())
            .field("port", &self.inner.port)
            .field("nodes", &self.nodes())
            .finish()
    }
}

/// The servers reachable from other nodes, by name.
pub(crate) type ExposedNames = FastMap<Box<str>, Arc<dyn Exposed>>;

/// What connections, proxies and handles share: the node's identity and the
/// tables that incoming messages are looked up in.
pub(crate) struct Shared {
    pub(crate) name: Atom,
    pub(crate) creation: u32,
    exposed: RwLock<ExposedNames>,
    /// Bumped at each change of `exposed`, so that connections can keep a
    /// copy of it and look names up without the node-wide lock.
    pub(crate) exposed_version: AtomicU64,
    exported: Mutex<Exports>,
    next_ref: AtomicU64,
}

/// Local processes whose pid was given to other nodes, so that what those
/// nodes send to the pid (links, monitors, exit signals) finds them. Weak:
/// being known elsewhere does not keep a process's memory alive.
#[derive(Default)]
struct Exports {
    map: IdMap<Weak<dyn Process>>,
    /// The size after the last sweep of ended processes.
    swept: usize,
}

impl Shared {
    /// The pid of the local process `id`.
    pub(crate) fn pid(&self, id: ActorId) -> Pid {
        wire::local_pid(&self.name, self.creation, id)
    }

    /// The pid of `process`, remembered so that other nodes can reach it.
    pub(crate) fn export(&self, process: &Arc<dyn Process>) -> Pid {
        let id = process.core().id;
        let mut exports = self.exported.lock().unwrap_or_else(|p| p.into_inner());
        exports.map.insert(id, Arc::downgrade(process));
        if exports.map.len() > 2 * exports.swept + 64 {
            exports.map.retain(|_, p| p.strong_count() > 0);
            exports.swept = exports.map.len();
        }
        self.pid(id)
    }

    fn is_local(&self, pid: &Pid) -> bool {
        pid.node == self.name && pid.creation == self.creation
    }

    /// The local process `pid` names, if this node gave it out.
    pub(crate) fn exported_process(&self, pid: &Pid) -> Option<Arc<dyn Process>> {
        if !self.is_local(pid) {
            return None;
        }
        let id = wire::local_id(pid)?;
        let exports = self.exported.lock().unwrap_or_else(|p| p.into_inner());
        exports.map.get(&id)?.upgrade()
    }

    /// The exposed server whose current process is `pid`.
    pub(crate) fn exported_server(&self, pid: &Pid) -> Option<Arc<dyn Exposed>> {
        if !self.is_local(pid) {
            return None;
        }
        let id = wire::local_id(pid)?;
        let exposed = self.exposed.read().unwrap_or_else(|p| p.into_inner());
        exposed
            .values()
            .find(|e| e.process().is_some_and(|p| p.core().id == id))
            .cloned()
    }

    /// The server exposed as `name`. Takes the node-wide table's (read)
    /// lock: for calls from this node to itself; connections look names up
    /// in their own copy.
    pub(crate) fn exposed_named(&self, name: &str) -> Option<Arc<dyn Exposed>> {
        let exposed = self.exposed.read().unwrap_or_else(|p| p.into_inner());
        exposed.get(name).cloned()
    }

    /// A copy of the exposed names and the version it is of.
    pub(crate) fn exposed_snapshot(&self) -> (u64, ExposedNames) {
        let exposed = self.exposed.read().unwrap_or_else(|p| p.into_inner());
        let version = self.exposed_version.load(Ordering::Acquire);
        (version, exposed.clone())
    }

    /// A fresh number for a reference of this node.
    pub(crate) fn next_ref(&self) -> u64 {
        self.next_ref.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn reference(&self, n: u64) -> Reference {
        wire::local_ref(&self.name, self.creation, n)
    }
}

pub(crate) enum Peer {
    Up(Arc<Connection>),
    /// A connection is being made; the sender is dropped when it is done.
    Dialing(watch::Receiver<()>),
}

pub(crate) struct NodeInner {
    pub(crate) shared: Arc<Shared>,
    local: LocalNode,
    cookie: String,
    epmd_port: u16,
    port: u16,
    pub(crate) tick_time: Duration,
    peers: Mutex<HashMap<Box<str>, Peer>>,
    /// Bumped whenever a connection is added or removed.
    peers_changed: watch::Sender<u64>,
    registration: Mutex<Option<Registration>>,
    accept: AbortHandle,
}

impl NodeInner {
    fn peers(&self) -> MutexGuard<'_, HashMap<Box<str>, Peer>> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn live_connection(&self, node: &str) -> Option<Arc<Connection>> {
        match self.peers().get(node) {
            Some(Peer::Up(c)) if !c.is_closed() => Some(Arc::clone(c)),
            _ => None,
        }
    }

    /// The connection to `node`, made if there is none.
    pub(crate) async fn connection(
        self: &Arc<Self>,
        node: &str,
    ) -> Result<Arc<Connection>, ConnectError> {
        if node == self.shared.name.name {
            return Err(ConnectError::Handshake {
                node: node.to_owned(),
                why: "it is this node; call the local server directly".into(),
            });
        }
        loop {
            let found = {
                let mut peers = self.peers();
                match peers.get(node) {
                    Some(Peer::Up(c)) if !c.is_closed() => return Ok(Arc::clone(c)),
                    Some(Peer::Dialing(done)) => Err(done.clone()),
                    _ if self.accept.is_finished() => return Err(ConnectError::NodeShutDown),
                    _ => {
                        let (tx, rx) = watch::channel(());
                        peers.insert(node.into(), Peer::Dialing(rx));
                        Ok(tx)
                    }
                }
            };
            match found {
                Ok(done) => return self.dial_once(node, done).await,
                // Someone else is connecting: wait for them, then look again.
                Err(mut done) => {
                    let _ = done.changed().await;
                }
            }
        }
    }

    /// Dials `node`, whose `Dialing` entry this caller has just made.
    async fn dial_once(
        self: &Arc<Self>,
        node: &str,
        done: watch::Sender<()>,
    ) -> Result<Arc<Connection>, ConnectError> {
        let _dialing = Dialing {
            node: self,
            peer: node,
            _done: done,
        };
        tokio::time::timeout(SETUP_TIME, self.dial(node))
            .await
            .unwrap_or_else(|_| {
                Err(ConnectError::Handshake {
                    node: node.to_owned(),
                    why: format!("no connection within {SETUP_TIME:?}"),
                })
            })
    }

    async fn dial(self: &Arc<Self>, node: &str) -> Result<Arc<Connection>, ConnectError> {
        let parsed: NodeName = node
            .parse()
            .map_err(|_| ConnectError::InvalidName(node.to_owned()))?;
        let port = epmd::lookup(parsed.host(), self.epmd_port, parsed.name(), node).await?;
        let stream = TcpStream::connect((parsed.host(), port))
            .await
            .map_err(|e| ConnectError::Handshake {
                node: node.to_owned(),
                why: e.to_string(),
            })?;
        let _ = stream.set_nodelay(true);
        match handshake::dial(stream, self.local.clone(), &self.cookie, node).await? {
            Some((stream, peer)) => Ok(self.register(stream, &peer)),
            // The peer is connecting to us at the same time and its attempt
            // wins: wait for it to arrive on the listener.
            None => self.await_incoming(node).await,
        }
    }

    async fn await_incoming(&self, node: &str) -> Result<Arc<Connection>, ConnectError> {
        let mut changed = self.peers_changed.subscribe();
        loop {
            if let Some(conn) = self.live_connection(node) {
                return Ok(conn);
            }
            if changed.changed().await.is_err() {
                return Err(ConnectError::NodeShutDown);
            }
        }
    }

    fn register(
        self: &Arc<Self>,
        stream: TcpStream,
        peer: &erl_dist::node::PeerNode,
    ) -> Arc<Connection> {
        let name = peer.name.to_string();
        let conn = connection::start(stream, name.clone(), peer.flags, self);
        let old = self
            .peers()
            .insert(name.clone().into_boxed_str(), Peer::Up(Arc::clone(&conn)));
        if let Some(Peer::Up(old)) = old {
            // The peer restarted and connected again before we noticed.
            old.disconnect();
        }
        self.peers_changed.send_modify(|n| *n += 1);
        tracing::info!(node = %self.shared.name.name, peer = %name, "connected to node");
        conn
    }

    /// Removes a lost connection from the table.
    pub(crate) fn forget(&self, conn: &Arc<Connection>) {
        let mut peers = self.peers();
        if let Some(Peer::Up(c)) = peers.get(&*conn.peer)
            && Arc::ptr_eq(c, conn)
        {
            peers.remove(&*conn.peer);
        }
        drop(peers);
        self.peers_changed.send_modify(|n| *n += 1);
    }

    async fn accept_one(self: Arc<Self>, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let own = self.shared.name.name.clone();
        let admit = |peer: &NodeName| {
            let peer = peer.to_string();
            match self.peers().get(peer.as_str()) {
                // Both sides are connecting: the greater name's attempt wins.
                Some(Peer::Dialing(_)) if own > peer => Admit::Refuse,
                Some(Peer::Dialing(_)) => Admit::Simultaneous,
                _ => Admit::Ok,
            }
        };
        let handshake = handshake::accept(stream, self.local.clone(), &self.cookie, admit);
        match tokio::time::timeout(SETUP_TIME, handshake).await {
            Ok(Ok((stream, peer))) => {
                self.register(stream, &peer);
            }
            Ok(Err(error)) => {
                tracing::warn!(node = %own, %error, "incoming connection refused");
            }
            Err(_) => tracing::warn!(node = %own, "incoming connection: handshake timed out"),
        }
    }

    /// The process `pid` names, seen from this node: a local process this
    /// node gave out, or the proxy of a remote one.
    pub(crate) fn process_of(&self, pid: &Pid) -> LocalPid {
        let process: Arc<dyn Process> = if pid.node == self.shared.name {
            match self.shared.exported_process(pid) {
                Some(local) => local,
                None => Proxy::unreachable(pid.clone()),
            }
        } else {
            match self.live_connection(&pid.node.name) {
                Some(conn) => conn.proxy(pid),
                None => Proxy::unreachable(pid.clone()),
            }
        };
        LocalPid { process }
    }

    fn shutdown(&self) {
        self.accept.abort();
        let peers = std::mem::take(&mut *self.peers());
        for peer in peers.into_values() {
            if let Peer::Up(conn) = peer {
                conn.disconnect();
            }
        }
        drop(
            self.registration
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }
}

impl Drop for NodeInner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Clears a `Dialing` entry however the attempt ends (also when cancelled),
/// and wakes whoever waits for it.
struct Dialing<'a> {
    node: &'a NodeInner,
    peer: &'a str,
    _done: watch::Sender<()>,
}

impl Drop for Dialing<'_> {
    fn drop(&mut self) {
        let mut peers = self.node.peers();
        if let Some(Peer::Dialing(_)) = peers.get(self.peer) {
            peers.remove(self.peer);
        }
    }
}
