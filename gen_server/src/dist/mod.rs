//! Distribution: gen_servers on a real Erlang/Elixir cluster (feature `dist`).
//!
//! (Documentation being written.)

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
