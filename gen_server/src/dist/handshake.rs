//! The two sides of the distribution handshake (OTP 23+, protocol version 6):
//! names, capability flags, and the cookie challenge. Done by `erl_dist`
//! over the raw TCP stream, which is then handed to the connection task.

use erl_dist::DistributionFlags;
use erl_dist::handshake::{
    ClientSideHandshake, HandshakeError, HandshakeStatus, ServerSideHandshake,
};
use erl_dist::node::{Creation, LocalNode, NodeName, PeerNode};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::error::ConnectError;

/// The capabilities this node announces: OTP 25's mandatory set, monitors
/// (also by name), aliases (`ALIAS_SEND`, for call replies), exit reasons as
/// payload, and `PUBLISHED` unless the node is hidden.
pub(crate) fn flags(hidden: bool) -> DistributionFlags {
    let mut flags = DistributionFlags::mandatory()
        | DistributionFlags::DIST_MONITOR
        | DistributionFlags::DIST_MONITOR_NAME
        | DistributionFlags::ALIAS
        | DistributionFlags::EXIT_PAYLOAD;
    if !hidden {
        flags |= DistributionFlags::PUBLISHED;
    }
    flags
}

/// What the accepting side decides once it knows who is connecting.
pub(crate) enum Admit {
    /// Go on.
    Ok,
    /// Both nodes are connecting to each other and the other's attempt wins
    /// (OTP's `ok_simultaneous`): go on, and drop our own attempt.
    Simultaneous,
    /// Both nodes are connecting and ours wins: refuse (OTP's `nok`).
    Refuse,
}

pub(crate) fn local_node(name: &str, creation: u32, hidden: bool) -> LocalNode {
    let name: NodeName = name.parse().expect("the node name was checked at start");
    let mut local = LocalNode::new(name, Creation::new(creation));
    local.flags = flags(hidden);
    local
}

/// Dials side: sends our name, answers the challenge. `None` when the peer
/// is connecting to us at the same time and its attempt wins (`nok`).
pub(crate) async fn dial(
    stream: TcpStream,
    local: LocalNode,
    cookie: &str,
    peer: &str,
) -> Result<Option<(TcpStream, PeerNode)>, ConnectError> {
    let mut handshake = ClientSideHandshake::new(stream.compat(), local, cookie);
    let status = handshake
        .execute_send_name(erl_dist::LOWEST_DISTRIBUTION_PROTOCOL_VERSION)
        .await
        .map_err(|e| failed(peer, e))?;
    let (stream, node) = match status {
        HandshakeStatus::Ok | HandshakeStatus::OkSimultaneous => handshake
            .execute_rest(true)
            .await
            .map_err(|e| failed(peer, e))?,
        HandshakeStatus::Nok => return Ok(None),
        other => {
            return Err(ConnectError::Handshake {
                node: peer.to_owned(),
                why: format!("refused with status {other:?}"),
            });
        }
    };
    Ok(Some((stream.into_inner(), node)))
}

/// Accepting side: learns the peer's name, lets `admit` decide, then checks
/// its answer to our challenge.
pub(crate) async fn accept(
    stream: TcpStream,
    local: LocalNode,
    cookie: &str,
    admit: impl FnOnce(&NodeName) -> Admit,
) -> Result<(TcpStream, PeerNode), ConnectError> {
    let mut handshake = ServerSideHandshake::new(stream.compat(), local, cookie);
    let name = handshake
        .execute_recv_name()
        .await
        .map_err(|e| failed("(incoming)", e))?;
    let Some(name) = name else {
        return Err(ConnectError::Handshake {
            node: "(incoming)".into(),
            why: "the peer asked for a dynamic name, which this node does not give".into(),
        });
    };
    let peer = name.to_string();
    let status = match admit(&name) {
        Admit::Ok => HandshakeStatus::Ok,
        Admit::Simultaneous => HandshakeStatus::OkSimultaneous,
        Admit::Refuse => HandshakeStatus::Nok,
    };
    let (stream, node) = handshake
        .execute_rest(status)
        .await
        .map_err(|e| failed(&peer, e))?;
    Ok((stream.into_inner(), node))
}

fn failed(peer: &str, error: HandshakeError) -> ConnectError {
    match error {
        HandshakeError::CookieMismatch => ConnectError::CookieMismatch(peer.to_owned()),
        error => ConnectError::Handshake {
            node: peer.to_owned(),
            why: error.to_string(),
        },
    }
}
