//! Erlang/Elixir's `GenServer` for tokio: write a struct and one `impl` block,
//! get a typed actor.
//!
//! ```
//! use gen_server::prelude::*;
//!
//! struct Counter { total: u64 }
//!
//! #[gen_server]
//! impl Counter {
//!     /// Runs inside the new actor before any message.
//!     fn init(start: u64) -> Self { Counter { total: start } }
//!
//!     /// Adds `n` and returns the new total.
//!     #[call]
//!     fn add(&mut self, n: u64) -> u64 { self.total += n; self.total }
//!
//!     /// Sets the total back to zero.
//!     #[cast]
//!     fn reset(&mut self) { self.total = 0 }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter: CounterRef = Counter::start(40).await?;
//! assert_eq!(counter.add(2).await?, 42);
//! counter.reset().await?;
//! assert_eq!(counter.add(1).await?, 1);
//! # Ok(()) }
//! ```
//!
//! # The model
//!
//! An actor owns its state and handles one message at a time, in the order
//! they arrived. Nothing else can touch the state, so handlers need no locks.
//! An `async` handler holds the actor until it finishes, as an OTP callback
//! does; work that should not block the actor goes to a spawned task, which
//! answers later through a [`ReplyTo`].
//!
//! `#[gen_server]` reads the `impl` block and generates:
//!
//! * `Counter::start(args)` and `Counter::builder()` ([`Builder`]: registered
//!   name, bounded mailbox, init timeout). `start` resolves once `init` has run
//!   inside the new actor.
//! * A client handle, `CounterRef`: `Clone + Send + Sync`, one method per
//!   `#[call]` and `#[cast]` handler with the handler's arguments and docs,
//!   plus the methods of [`ActorRef`] ([`id`](ActorRef::id),
//!   [`is_alive`](ActorRef::is_alive), [`stop`](ActorRef::stop),
//!   [`kill`](ActorRef::kill), [`send_info`](ActorRef::send_info), …) and
//!   `CounterRef::whereis(name)`. Those names are taken: a handler cannot be
//!   called `stop`, `kill`, `id`, and so on.
//!
//! | In the `impl` block | What it is | On the handle |
//! |---|---|---|
//! | `fn init(args…) -> Self` (or `Result<Self, E>`, [`Init<Self>`]) | runs first, inside the actor | `Counter::start(args…)` |
//! | `#[call] fn f(&mut self, args…) -> R` | request/reply | `f(args…)` → [`Call`], awaits `Result<R, CallError>` |
//! | `#[call] fn f(&mut self, args…, reply: ReplyTo<R>)` | deferred reply | the same |
//! | `#[cast] fn f(&mut self, args…)` | one-way | `f(args…)` → [`Cast`], awaits `Result<(), SendError>` |
//! | `#[info] fn f(&mut self, msg: M)` | any other message: timers, task results | `send_info(msg)` |
//! | `fn handle_continue(&mut self, arg: T)` | runs right after the handler that asked | [`Context::continue_with`] |
//! | `fn terminate(&mut self, reason: &ExitReason)` | runs when the actor stops | |
//!
//! Every method may be `async` or not, take `&self` or `&mut self` (`init`
//! takes neither), and take a `ctx: &mut Context<Self>` parameter anywhere in
//! its list ([`Context`]: own handle, stop, continue, timers).
//!
//! # From OTP to gen_server
//!
//! | OTP | gen_server |
//! |---|---|
//! | `GenServer.start(M, arg, name: n)` | `M::builder().name(n).start(arg)` |
//! | `GenServer.start_link(M, arg)` | `M::builder().start_link(arg)` (see [`Builder::start_link`]) |
//! | `{:ok, state}` / `{:stop, reason}` / `:ignore` from `init` | `Ok(state)` / `Err(e)` / [`Init::Ignore`] |
//! | `{:ok, state, {:continue, arg}}` | [`Context::continue_with`] in `init` |
//! | `GenServer.call(pid, msg, timeout)` | `handle.msg(args).timeout(d).await` (default 5 s; `.no_timeout()`) |
//! | `{:noreply, state}` + `GenServer.reply(from, r)` | a [`ReplyTo<R>`] parameter, [`ReplyTo::send`] |
//! | `GenServer.cast(pid, msg)` | `handle.msg(args).await` |
//! | `send(pid, msg)` + `handle_info` | [`ActorRef::send_info`] + `#[info]` |
//! | `{:stop, reason, reply, state}` | [`Context::stop`] in a `#[call]`: the reply goes first |
//! | `GenServer.stop(pid, reason)` | [`ActorRef::stop`] |
//! | `Process.exit(pid, :kill)` | [`ActorRef::kill`], [`Pid::kill`] |
//! | `Process.exit(pid, reason)` | [`Pid::exit`] |
//! | `spawn` / `spawn_link` | [`spawn`] / [`spawn_link`] |
//! | `Process.monitor` / `demonitor(ref, [:flush])` | [`Context::monitor`] / [`Context::demonitor`]; [`monitor`] from plain code |
//! | `{:DOWN, ref, :process, pid, reason}` | [`Down`] through `#[info]` |
//! | `Process.link` / `unlink` | [`Context::link`] / [`Context::unlink`] |
//! | `Process.flag(:trap_exit, true)` + `{:EXIT, from, reason}` | [`Context::trap_exit`] + [`Exit`] through `#[info]`; in a spawned process or task, [`trap_exit`] + [`next_exit`] |
//! | `Process.send_after` / `:timer.send_interval` | [`Context::send_after`] / [`Context::send_interval`] |
//! | `Process.whereis(name)` | `CounterRef::whereis(name)` (typed), [`whereis`] (id only) |
//! | `:noproc`, `:timeout`, `:calling_self`, the server's exit reason | [`CallError`] variants |
//! | unknown call → `{:bad_call, m}` | impossible: the handle only has methods for real handlers |
//! | `Task.async(fun)` in a handler | [`Context::async_task`]: linked; the outcome comes as a [`task::TaskOutcome`] |
//! | `Task.Supervisor.async_nolink(sup, fun)` | [`Context::async_nolink`] (from a handler), [`task::TaskSupervisor::async_nolink`] (plain code) |
//! | a timer and `Task.shutdown(task, :brutal_kill)` for a task that takes too long | [`Context::async_nolink_timeout`]: the outcome is `Err(TaskError::Timeout)` |
//! | `Task.await` / `Task.yield` / `Task.shutdown` | [`task::Task::join`] / [`task::Task::yield_for`] / [`task::Task::shutdown`] |
//! | `Task.Supervisor.async_stream_nolink` | [`task::TaskSupervisor::async_stream_nolink`] |
//! | `PartitionSupervisor` of `Task.Supervisor`s | [`task::PartitionedTaskSupervisor`] |
//! | child `shutdown`: ms, `:brutal_kill`, `:infinity` | [`Shutdown`] |
//! | `Supervisor.start_link(children, strategy: s)` | [`supervisor::SupervisorSpec`]`::new(s).children(..).start_link()` |
//! | `MyServer.child_spec(arg)` | `MyServer::child_spec(arg)` ([`GenServer::child_spec`]), [`supervisor::ChildSpec`] |
//! | `DynamicSupervisor.start_child(sup, spec)` | [`supervisor::SupervisorSpec::dynamic`], `sup.start_child(spec)` |
//! | an application's top supervisor, stopped on SIGINT/SIGTERM | [`supervisor::SupervisorSpec::run`], [`supervisor::run_until_shutdown`], [`supervisor::run_until`] |
//!
//! Where gen_server differs from OTP on purpose:
//!
//! * **Casts report a dead server.** OTP's cast always returns `:ok`; a cast
//!   here returns `Err(SendError::NoProc)` when the server is not running, since
//!   the information is free. It still says nothing about whether the message
//!   was handled.
//! * **Bounded mailboxes.** BEAM mailboxes are unbounded; here that is the
//!   default, and [`Builder::bounded_mailbox`] adds backpressure.
//! * **Panics are the crashes.** A panic in any callback (`init`, a handler,
//!   `handle_continue`, `terminate`) is caught: the actor exits with
//!   [`ExitReason::Panic`] carrying the message, waiting callers get
//!   [`CallError::Exited`], and no other actor is affected. Rust's panic hook
//!   still prints the panic, and a non-normal exit is logged through `tracing`
//!   at error level (OTP's crash report).
//! * **Idle timeouts** (a timeout returned from a callback) are not offered;
//!   use [`Context::send_after`].
//! * **A task's result and its `DOWN` are one message.** A task started from
//!   a handler reports a [`task::TaskOutcome`] once: its value, or why it
//!   has none, in place of OTP's `{ref, result}` + `DOWN` pair (see
//!   [`task`]). A task that does not [trap exits](trap_exit) ends at its
//!   next `.await` when shut down; no shutdown or kill can interrupt a
//!   future that is busy without awaiting (tokio cannot preempt it).
//! * **A failed `start_link` does not kill the caller.** The link is made once
//!   `init` has succeeded; an `init` error or panic comes back only as the
//!   typed [`StartError`].
//!
//! # Processes, links and monitors
//!
//! Every actor is a process, and so is any future run with [`spawn`] (a
//! WebSocket connection, a "channel"). A [`Pid`] names any of them
//! (`counter.pid()`, [`Context::pid`], the return of `spawn`), and all of them
//! can be linked, monitored and killed, with OTP's rules:
//!
//! * **Monitors** are one-way. [`Context::monitor`] makes the actor receive a
//!   [`Down`] `{ monitor, id, reason }` through its `#[info]` handler for `Down`
//!   when the target ends; monitoring a process that is already gone gives a
//!   `Down` with [`ExitReason::NoProc`] at once. [`Context::demonitor`]
//!   guarantees no `Down` for that monitor is handled afterwards, even one
//!   already queued (OTP's `[:flush]`). From plain async code,
//!   [`monitor`] is a future of the exit reason.
//! * **Links** are two-way ([`Context::link`], `Builder::start_link` /
//!   `Counter::builder().start_link(args)`, [`spawn_link`]). When a process
//!   ends, each linked process gets an exit signal with the same reason: a
//!   process that does not trap exits ignores `Normal` and dies of anything
//!   else (without `terminate`); one that traps exits
//!   ([`Context::trap_exit`]) gets an [`Exit`] `{ from, reason }` message
//!   instead and lives on. A trapping gen_server still runs `terminate` and
//!   stops when the signal comes from its parent (the process that
//!   `start_link`ed it).
//! * **Signals**: [`Pid::kill`] / [`ActorRef::kill`] cannot be trapped; the
//!   victim ends with [`ExitReason::Killed`] and its links see `Killed`.
//!   [`Pid::exit`] sends any other reason, under the rules above.
//!
//! An `#[info]` handler for `Down` or `Exit` is optional: without one, a `Down`
//! is dropped and a trapped `Exit` is logged (at warn level) and dropped.
//! When a process receives both for one event (linked and monitored, trapping
//! exits) the `Exit` comes first, as in OTP.
//!
//! A ready-made use: [`exit_watcher::ExitWatcher`] runs a callback when a
//! watched process ends (the Elixir "ChannelWatcher").
//!
//! # Background tasks
//!
//! Work that should not hold a server goes to a task: a future run as a
//! process, whose outcome comes back to the server as a message. The
//! [`task`] module has linked tasks ([`Context::async_task`], OTP's
//! `Task.async`: a crash kills the server unless it traps exits), task
//! supervisors ([`Context::async_nolink`]: the server survives any failure
//! and receives it), partitioned supervisors, `async_stream_nolink`, and
//! task handles for plain async code.
//!
//! # Supervisors
//!
//! [`supervisor`] has OTP's supervisors: every `#[gen_server]` has a child
//! spec from its start arguments, and a [`supervisor::SupervisorSpec`]
//! starts children in order, restarts them one-for-one, one-for-all or
//! rest-for-one within a restart intensity, and stops them in reverse order.
//! Task supervisors and other supervisors are ordinary children. Hold
//! restartable servers by their registered name (see the module docs). As
//! in OTP, a child that does not trap exits is ended by its supervisor's
//! shutdown without running `terminate`: call `ctx.trap_exit(true)` in
//! `init` if its cleanup matters.
//!
//! # Distribution
//!
//! With the `dist` feature, `gen_server::dist` makes the program a node of an
//! Erlang/Elixir cluster (the Erlang distribution protocol, with epmd):
//! `#[gen_server(remote)]` servers answer `GenServer.call` and
//! `GenServer.cast` from Elixir and from other Rust nodes, Rust calls Elixir
//! `GenServer`s, and monitors and links work across nodes
//! (`cargo run --example elixir_interop`).
//!
//! # When `terminate` runs
//!
//! As in OTP: after a handler asks to stop ([`Context::stop`]), after a stop
//! request ([`ActorRef::stop`]), after a panic in a handler or in
//! `handle_continue`, and after an exit signal from its parent while it traps
//! exits. Not after [`ActorRef::kill`], not after an untrapped exit signal from
//! a link or [`Pid::exit`], not when `init` fails, and not if the tokio runtime
//! is shut down under the actor. A panic inside
//! `terminate` is logged and the exit reason stays the one it was called with.
//!
//! # Runtime requirements
//!
//! Actors run on the tokio runtime that started them, current-thread or
//! multi-thread. Call timeouts and timers need tokio's time driver
//! (`#[tokio::main]` and `#[tokio::test]` enable it).
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms
)]
#![deny(unsafe_code)]

// Lets this crate use its own `#[gen_server]`, whose output names `::gen_server`.
extern crate self as gen_server;

mod actor;
mod actor_ref;
mod builder;
mod call;
mod cell;
mod context;
mod current;
#[cfg(feature = "dist")]
pub mod dist;
pub mod error;
mod exit;
pub mod exit_watcher;
mod handle;
mod id;
mod mailbox;
mod process;
mod registry;
mod reply;
mod run;
mod shutdown;
mod spawn;
pub mod supervisor;
pub mod task;
mod timer;

pub use actor::{GenServer, Info, InfoFor, Init, InitOutput, NoContinue};
pub use actor_ref::ActorRef;
pub use builder::Builder;
pub use call::{Call, CallFuture, Cast, CastFuture, DEFAULT_CALL_TIMEOUT};
pub use context::Context;
pub use error::{CallError, SendError, StartError, StopError};
pub use exit::ExitReason;
pub use id::ActorId;
pub use process::{Down, Exit, MonitorRef, Pid, ToPid};
pub use registry::whereis;
pub use reply::ReplyTo;
pub use shutdown::Shutdown;
pub use spawn::{Monitor, NextExit, monitor, next_exit, spawn, spawn_link, trap_exit};
pub use timer::{Timer, send_after, send_interval};

/// Turns an inherent `impl` block into a typed actor.
///
/// See the [crate documentation](crate) for what it generates. Arguments:
///
/// * `handle = Name`: the name of the generated client handle (default: the
///   type's name followed by `Ref`).
/// * `vis = pub(crate)` (or any visibility): the visibility of the generated
///   handle, its methods, and `start`/`builder`. The default is `pub`, so that
///   the handle is at least as visible as the server type whatever that is; a
///   narrower one must still be at least as visible as the server type.
/// * `remote`: the `#[call]` and `#[cast]` handlers can also be called from
///   other nodes of an Erlang cluster, with terms (`:get`, `{:add, 3}`); their
///   arguments and replies must then be serde types. Takes effect with the
///   `dist` feature; see `gen_server::dist`.
pub use gen_server_macros::gen_server;

/// Marks a request/reply handler inside a `#[gen_server]` impl block.
///
/// The method takes `&self` or `&mut self`, any owned arguments and optionally a
/// [`Context`]; its return value is the reply. Or it takes a [`ReplyTo<R>`]
/// parameter, returns nothing, and replies through it later.
pub use gen_server_macros::call;

/// Marks a one-way handler inside a `#[gen_server]` impl block: `&self` or
/// `&mut self`, owned arguments, optionally a [`Context`], no return value.
pub use gen_server_macros::cast;

/// Marks a handler for "any other message" inside a `#[gen_server]` impl
/// block: exactly one owned message parameter (plus optionally a [`Context`]),
/// reached through [`ActorRef::send_info`] and the timers. At most one handler
/// per message type.
pub use gen_server_macros::info;

/// Expands to its input when the `dist` feature is on, to nothing otherwise:
/// how `#[gen_server(remote)]` (a proc macro, which cannot see this crate's
/// features) emits code that only exists with distribution.
#[cfg(feature = "dist")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_dist {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "dist"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_dist {
    ($($tokens:tt)*) => {};
}

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// Everything a server definition and its users need: `use gen_server::prelude::*;`.
pub mod prelude {
    pub use crate::{
        ActorId, ActorRef, Builder, CallError, Context, Down, Exit, ExitReason, GenServer, Init,
        MonitorRef, Pid, ReplyTo, SendError, StartError, StopError, Timer, ToPid, call, cast,
        gen_server, info,
    };
}

/// Paths used by the code `#[gen_server]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__handle_methods as handle_methods;
    pub use crate::actor::{GenServer, Info, InfoProbe, InitOutput, NoContinue, NoInfo, ViaInfo};
    pub use crate::builder::Builder;
    pub use crate::call::{Call, Cast};
    pub use crate::{
        ActorRef, Context, Down, Exit, ExitReason, Init, Pid, ReplyTo, StartError, ToPid,
    };
    pub use core::convert::{From, Infallible};
    pub use core::fmt;
    pub use core::future::Future;
    pub use core::hash::{Hash, Hasher};
    pub use core::marker::Send;
    pub use core::option::Option::{self, None, Some};
    pub use core::result::Result::{self, Err, Ok};

    /// The glue of `#[gen_server(remote)]`.
    #[cfg(feature = "dist")]
    pub mod dist {
        pub use crate::dist::eetf::Term;
        pub use crate::dist::glue::{arg, encode, request_shape, unknown_request};
        pub use crate::dist::{Rejected, RemoteReply, RemoteServer};
    }

    pub use crate::__if_dist as if_dist;

    /// The typed lookup behind the generated `whereis`.
    pub fn whereis<A: GenServer>(name: &str) -> Option<A::Ref> {
        crate::registry::lookup::<A>(name).map(A::Ref::from)
    }
}
