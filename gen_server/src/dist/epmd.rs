//! epmd, the Erlang port mapper: registering this node and finding others.
//!
//! A node registers its name and listening port with the epmd of its own
//! machine over a TCP connection that it keeps open: epmd forgets the node
//! when that connection closes, so the registration lives exactly as long as
//! the [`Registration`] value. To reach another node, its host's epmd is asked
//! for the node's port.

use std::time::Duration;

use erl_dist::epmd::{EpmdClient, NodeEntry};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

use super::error::{ConnectError, NodeError};

/// How long to wait for epmd to answer.
const EPMD_TIMEOUT: Duration = Duration::from_secs(5);

/// The port epmd listens on: `ERL_EPMD_PORT` if set, else 4369, as OTP.
pub(crate) fn default_port() -> u16 {
    std::env::var("ERL_EPMD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(erl_dist::epmd::DEFAULT_EPMD_PORT)
}

/// This node's entry in epmd; dropping it unregisters the node.
#[derive(Debug)]
pub(crate) struct Registration {
    _connection: Compat<TcpStream>,
    /// The node's incarnation, as epmd numbered it.
    pub(crate) creation: u32,
}

/// Registers `name` (the part before `@`) as listening on `port`.
pub(crate) async fn register(
    epmd_port: u16,
    name: &str,
    port: u16,
    hidden: bool,
) -> Result<Registration, NodeError> {
    let fail = |why: String| NodeError::Epmd {
        port: epmd_port,
        why,
    };
    let work = async {
        let stream = TcpStream::connect(("127.0.0.1", epmd_port))
            .await
            .map_err(|e| fail(format!("cannot connect: {e}")))?;
        let _ = stream.set_nodelay(true);
        let entry = if hidden {
            NodeEntry::new_hidden(name, port)
        } else {
            NodeEntry::new(name, port)
        };
        let (connection, creation) = EpmdClient::new(stream.compat())
            .register(entry)
            .await
            .map_err(|e| match e {
                erl_dist::epmd::EpmdError::RegisterNodeError { .. } => {
                    fail(format!("the name `{name}` is taken by another node"))
                }
                e => fail(e.to_string()),
            })?;
        Ok(Registration {
            _connection: connection,
            creation: creation.get(),
        })
    };
    tokio::time::timeout(EPMD_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| Err(fail("epmd did not answer".into())))
}

/// The port the node `name` (before `@`) listens on at `host`, from the epmd
/// there.
pub(crate) async fn lookup(
    host: &str,
    epmd_port: u16,
    name: &str,
    full_name: &str,
) -> Result<u16, ConnectError> {
    let fail = |why: String| ConnectError::Epmd {
        node: full_name.to_owned(),
        why,
    };
    let work = async {
        let stream = TcpStream::connect((host, epmd_port))
            .await
            .map_err(|e| fail(format!("cannot connect to epmd at {host}:{epmd_port}: {e}")))?;
        let _ = stream.set_nodelay(true);
        match EpmdClient::new(stream.compat()).get_node(name).await {
            Ok(Some(entry)) => Ok(entry.port),
            Ok(None) => Err(ConnectError::NotRegistered(full_name.to_owned())),
            Err(e) => Err(fail(e.to_string())),
        }
    };
    tokio::time::timeout(EPMD_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| Err(fail("epmd did not answer".into())))
}
