//! Distribution: gen_servers on a real Erlang/Elixir cluster (feature `dist`).
//!
//! A Rust program becomes a node of a BEAM cluster, speaking the Erlang
//! distribution protocol with epmd, as `erl` and `elixir` do: Elixir code
//! calls Rust gen_servers with `GenServer.call/cast`, Rust calls Elixir
//! `GenServer`s, two Rust nodes talk the same protocol, and monitors and
//! links work across nodes with OTP's rules.
//!
//! ```no_run
//! use gen_server::dist::Node;
//! use gen_server::dist::term::Atom;
//! use gen_server::prelude::*;
//!
//! struct Counter { total: i64 }
//!
//! #[gen_server(remote)]
//! impl Counter {
//!     fn init(total: i64) -> Self { Counter { total } }
//!
//!     /// `GenServer.call({:counter, :"rust@127.0.0.1"}, {:add, 3})` from Elixir.
//!     #[call]
//!     fn add(&mut self, n: i64) -> i64 { self.total += n; self.total }
//!
//!     /// `GenServer.call({:counter, :"rust@127.0.0.1"}, :get)`.
//!     #[call]
//!     fn get(&self) -> i64 { self.total }
//! }
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = Node::builder("rust@127.0.0.1", "secret-cookie").start().await?;
//! Counter::builder().name("counter").start(0).await?;
//! node.expose::<Counter>("counter");
//!
//! // GenServer.call({:greeter, :"elixir@127.0.0.1"}, {:greet, "Rust"})
//! let greeter = node.remote("greeter", "elixir@127.0.0.1");
//! let hello: String = greeter.call(&(Atom::from("greet"), "Rust")).await?;
//! # Ok(()) }
//! ```
//!
//! `cargo run --example elixir_interop` runs this against a real Elixir node
//! (see the README for the two commands).
//!
//! # Nodes, names, cookies, epmd
//!
//! * **Names.** A node has a *long name*, `name@host` (`rust@127.0.0.1`,
//!   `api@10.0.0.7`, `api@host.example.com`), which the other nodes use to
//!   reach it: Elixir's `--name`. Short names (`--sname`, `name@host` without
//!   a dot) are not supported; a long-name node and a short-name node cannot
//!   talk to each other in OTP either. The name is given to
//!   [`Node::builder`]; the host part must be how other nodes reach this
//!   machine.
//! * **Cookies.** Two nodes connect only if they share the cookie (Elixir's
//!   `--cookie`); the handshake proves it without sending it. A wrong cookie
//!   is [`ConnectError::CookieMismatch`] on the dialling side and a refused
//!   connection (logged) on the other. The cookie is not read from
//!   `~/.erlang.cookie`: pass it explicitly. It is a shared secret, not
//!   encryption: the distribution protocol is plain TCP, for trusted
//!   networks.
//! * **epmd**, the Erlang port mapper, maps node names to ports on each
//!   machine. [`NodeBuilder::start`] registers with the epmd of this machine
//!   (on `127.0.0.1`, at `ERL_EPMD_PORT` or 4369, or
//!   [`NodeBuilder::epmd_port`]) and stays registered until the node shuts
//!   down; dialling `name@host` asks the epmd of `host`. Unlike `erl`, a Rust
//!   node does not start epmd: start it with `epmd -daemon`, or let an
//!   Elixir node started first on the machine do it.
//! * **Hidden nodes.** A Rust node is hidden by default
//!   ([`NodeBuilder::hidden`]): Elixir nodes connect to it and it to them,
//!   but it is not in their `Node.list()` (it is in `Node.list(:hidden)`),
//!   not connected transitively, and not part of `:global`'s name
//!   synchronisation, which a Rust node does not run. This is what C nodes
//!   and other non-BEAM nodes do.
//! * **Connections** are made on first use (a call, a cast, a monitor) or
//!   with [`Node::connect`], one TCP connection per pair of nodes, and kept
//!   alive by ticks: every quarter of `net_ticktime` (60 s by default,
//!   [`NodeBuilder::tick_time`]; use the same value on every node) a node
//!   that sent nothing sends a tick, and a peer silent for a whole
//!   `net_ticktime` is declared down. A lost connection is logged, ends every
//!   pending call with [`RemoteCallError::NodeDown`], gives every local
//!   monitor of a process there a [`Down`](crate::Down) with
//!   [`ExitReason::NoConnection`](crate::ExitReason::NoConnection), and sends
//!   the exit signal `NoConnection` to every local process linked to one;
//!   [`Node::monitor_node`] resolves. A monitor or call made while the
//!   connection is going down gets the same answer, whichever side of the
//!   loss it falls on. A peer that floods the connection does not hold up
//!   this node's ticks or queued writes: the connection task handles a
//!   bounded share of incoming messages per turn, after them.
//! * **Accepting.** If accepting an incoming connection fails (out of file
//!   descriptors, `EMFILE`), the node logs it (`tracing`, warn) and tries
//!   again after a pause that doubles from 10 ms up to 1 s, and is back to
//!   10 ms after a connection is accepted: it neither spins nor stops
//!   listening.
//!
//! # Exposing a gen_server
//!
//! `#[gen_server(remote)]` makes a server's `#[call]` and `#[cast]` handlers
//! decodable from terms, and [`Node::expose`] makes a registered name
//! reachable from other nodes as `{name, node}`:
//!
//! | handler | Elixir |
//! |---|---|
//! | `#[call] fn get(&self) -> i64` | `GenServer.call({:counter, :"rust@127.0.0.1"}, :get)` |
//! | `#[call] fn add(&mut self, n: i64) -> i64` | `GenServer.call({:counter, :"rust@127.0.0.1"}, {:add, 3})` |
//! | `#[call] fn r#move(&mut self, x: i32, y: i32)` | `GenServer.call(counter, {:move, 1, 2})` → `:ok` |
//! | `#[call] fn later(&mut self, reply: ReplyTo<u64>)` | `GenServer.call(counter, :later)`, answered when `reply.send` runs |
//! | `#[cast] fn reset(&mut self)` | `GenServer.cast({:counter, :"rust@127.0.0.1"}, :reset)` |
//!
//! A handler with no argument is the atom of its name, one with arguments
//! the tuple tagged with it; each argument and the reply go through the term
//! codec ([`term`]), so they must be serde types (a handler whose argument
//! is not `Deserialize`, or whose reply is not `Serialize`, is a compile
//! error at that type); `Context` and `ReplyTo` parameters are fine.
//!
//! Incoming calls are OTP's: `{:"$gen_call", {pid, tag}, request}` with the
//! modern `[:alias | ref]` tag (the reply goes to the alias) or the older
//! plain reference (the reply goes to the pid), and `{:"$gen_cast", request}`.
//! What the remote caller sees:
//!
//! * a name that is not registered, or registered but not exposed (or to
//!   another type): the caller's `GenServer.call` exits `:noproc` at once,
//!   as for an unknown name in OTP (the caller's monitor is answered
//!   `:noproc`);
//! * a request that matches no handler, or whose arguments do not decode:
//!   the reply `{:error, {:badarg, "argument 1 of `add`: expected an integer
//!   that fits `i64`, found \"three\""}}`; the server never sees the request
//!   and keeps running, and the refusal is logged (`tracing`, warn);
//! * the server dies during the call: the caller exits with its reason (a
//!   panic arrives as an Elixir `RuntimeError` with the panic message);
//! * the server's bounded mailbox ([`Builder::bounded_mailbox`](crate::Builder::bounded_mailbox))
//!   is full: the request is dropped, logged (warn), and the caller exits
//!   `:mailbox_full` at once (`{:mailbox_full, {GenServer, :call, _}}`);
//! * the handler drops its [`ReplyTo`](crate::ReplyTo) without replying, the
//!   server still running: the caller exits `:no_reply` at once.
//!
//! These two end the call the way a server's death does, through the
//! monitor the caller set on the server (OTP's `gen:call` always sets one):
//! it fires with that reason for this caller alone, and the server keeps
//! running. A caller that did not monitor (a hand-written `$gen_call`
//! message) is left to its timeout. A cast to a full mailbox is dropped
//! with a warning; the sender is not told, as OTP's casts never fail.
//!
//! The name is looked up at each request, so a server restarted by a
//! supervisor under the same name stays reachable.
//!
//! # Calling out
//!
//! [`Node::remote`] is OTP's `{name, node}`, [`Node::remote_pid`] a remote
//! pid; [`RemoteRef::call`] and [`RemoteRef::cast`] are `GenServer.call` and
//! `GenServer.cast`. A call first monitors the target, as OTP's does, so each
//! failure is its own [`RemoteCallError`]: `NoProc` at once for an unknown
//! name, `NodeDown` when the connection is lost meanwhile, `Timeout` after
//! 5 s ([`RemoteCall::timeout`], [`RemoteCall::no_timeout`]), `Exited` with
//! the server's reason, `BadArg` when a Rust server refused the request,
//! `MailboxFull` and `NoReply` when a Rust server could not take it or
//! dropped its reply (see above).
//! Requests are serde values: `Atom::from("get")` for `:get`,
//! `(Atom::from("add"), 3)` for `{:add, 3}`, or an enum with
//! `#[serde(rename_all = "snake_case")]` whose variant `Add(3)` is
//! `{:add, 3}`. [`RemoteRef::call_term`] and [`RemoteRef::cast_term`] take
//! raw [`Term`]s.
//!
//! A [`RemoteRef`] to this node itself, `node.remote(name, node.name())` or
//! a pid of this node, reaches the local server directly, with no
//! connection: the same terms and outcomes as a call from another node
//! (only exposed names, `NoProc` otherwise), and
//! [`RemoteCallError::CallingSelf`] when a server calls itself that way.
//!
//! # Pids, monitors and links across nodes
//!
//! A pid of another node is a [`RemotePid`] (it decodes from a pid in any
//! message, through serde). It is a [`ToPid`](crate::ToPid), so the process
//! model works across nodes unchanged: `ctx.monitor(&remote_pid)` delivers a
//! [`Down`](crate::Down) with the remote exit reason (or `NoConnection`),
//! `ctx.link(&remote_pid)` links both ways, `remote_pid.to_pid().exit(r)`
//! sends an exit signal. Underneath, a local stand-in process forwards them
//! as `MONITOR_P`, `LINK`, `EXIT`, `EXIT2`, and turns what the other node
//! sends into the local `Down` and exit signals. [`Node::local_pid`] gives a
//! local process's pid for other nodes to monitor or link; a process that
//! calls or casts to another node is known there by the pid in its requests,
//! so that node may monitor or link it too (an Elixir server tracking its
//! callers). Exit reasons map
//! one to one (`:normal`, `:shutdown`, `{:shutdown, why}`, `:killed`,
//! `:noproc`, `:noconnection`); a Rust panic is an Elixir `RuntimeError`
//! exception, an Elixir exception arrives as a `Panic` with its message, and
//! any other reason as a `Panic` with the term in Erlang syntax.
//!
//! # The term mapping
//!
//! Values cross nodes through [`term`], the serde-based codec: `bool` ↔
//! `true`/`false`, integers (range-checked), floats, `String` ↔ binary,
//! `None` ↔ `nil`, `()` ↔ `:ok`, `Result` ↔ `{:ok, v}` / `{:error, e}`,
//! `Vec` ↔ list, tuples ↔ tuples, structs ↔ atom-keyed maps (Elixir
//! structs), unit variants ↔ atoms, newtype and tuple variants ↔ tagged
//! tuples (`{:add, 3}`), [`term::Atom`] ↔ atom, [`RemotePid`] ↔ pid,
//! [`term::RawTerm`] ↔ any term. The full table and the error messages are
//! in [`term`]. Terms from other nodes are checked before they are decoded
//! (counts against the bytes received, nesting up to
//! [`term::MAX_TERM_DEPTH`]); a message that fails is logged and dropped.
//!
//! # What differs from OTP, on purpose
//!
//! * **Only gen_server requests reach Rust servers.** `$gen_call` and
//!   `$gen_cast` to an exposed name (or its pid) are decoded into the typed
//!   handlers; a plain `send` to a Rust process is logged and dropped, since
//!   `#[info]` handlers take Rust types, not terms.
//! * **Exposure is explicit.** A registered name is reachable from other
//!   nodes only after [`Node::expose`], and only for `#[gen_server(remote)]`
//!   types; anything else answers `:noproc`.
//! * **A malformed request gets a reply**, `{:error, {:badarg, why}}`, where
//!   an Elixir server would crash with a `FunctionClauseError`: a typed
//!   server cannot receive what it has no handler for, and the caller learns
//!   why at once instead of a crash report.
//! * **No `:global`, no `spawn` from other nodes, no distribution headers or
//!   fragments, no TLS.** Hidden by default (see above).
//! * **Casts report an unreachable node** ([`RemoteSendError::Unreachable`])
//!   where OTP's `GenServer.cast` always returns `:ok`.
//! * **Bounded mailboxes refuse calls.** OTP's mailboxes have no bound; a
//!   Rust server's may, and a call from another node that finds it full is
//!   not queued to wait (that would block the connection for every other
//!   process): its caller exits `:mailbox_full` at once, and a cast is
//!   dropped.
//! * **A dropped reply handle ends the call** with `:no_reply` at once,
//!   where an OTP server that never calls `GenServer.reply` leaves its
//!   caller to the timeout.
//! * **`{name, node()}` reaches only exposed names.** OTP's
//!   `GenServer.call({name, node()}, …)` reaches any locally registered
//!   name; a [`RemoteRef`] to this node goes through the same exposed-name
//!   table as calls from other nodes, since its requests are terms.
//! * **A remote pid's stand-in ends with its connection.** After the
//!   connection to a node is lost and made again, [`RemotePid`]s resolved
//!   before stay ended (monitoring them gives `NoConnection` at once); pids
//!   decoded after the new connection work.
//!
//! # Performance
//!
//! One task per connection reads and dispatches; senders encode their
//! message in their own task and write it to the socket themselves when
//! nothing is queued before it (the connection task writes what the socket
//! could not take). A reply to a remote caller is encoded and written by the
//! task that replies. A call's `MONITOR_P` and request go out in one write;
//! its `DEMONITOR_P`, once the reply is in, waits for the next write on the
//! connection (the next call's, in one `writev`) or at most until the next
//! tick, so that a call costs the caller one write syscall and the server
//! one wake-up, not two. Per-connection state (pending calls, monitors, links)
//! is behind one mutex per connection, never a node-wide one on the message
//! path. `BENCHMARKS.md` compares round trips with Elixir's.

mod accept;
mod connection;
mod epmd;
pub mod error;
pub(crate) mod expose;
#[doc(hidden)]
pub mod glue;
mod handshake;
mod node;
mod pid;
mod proxy;
mod remote;
pub mod term;
mod wire;

/// The Erlang term library the raw-term API uses (`call_term`, `cast_term`).
pub use ::eetf;
pub use eetf::Term;
pub use error::{ConnectError, NodeError, RemoteCallError, RemoteSendError};
pub use expose::{Rejected, RemoteReply, RemoteServer};
pub use node::{DEFAULT_TICK_TIME, Node, NodeBuilder};
pub use pid::RemotePid;
pub use remote::{RemoteCall, RemoteRef};
