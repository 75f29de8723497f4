//! Pids of other nodes (and of this one, as other nodes see them).

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock, Weak};

use eetf::Term;

use super::node::NodeInner;
use super::proxy::Proxy;
use super::term::RawTerm;
use crate::{ActorId, Pid, ToPid};

thread_local! {
    /// The node whose connection is decoding terms on this thread, so that
    /// pids decoded there know which node they were seen through.
    static DECODING_NODE: RefCell<Weak<NodeInner>> = const { RefCell::new(Weak::new()) };
}

/// Runs `f` with `node` as the node pids decoded meanwhile belong to.
pub(crate) fn with_node<R>(node: &Weak<NodeInner>, f: impl FnOnce() -> R) -> R {
    let previous = DECODING_NODE.with(|n| n.replace(node.clone()));
    struct Restore(Weak<NodeInner>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DECODING_NODE.with(|n| *n.borrow_mut() = std::mem::take(&mut self.0));
        }
    }
    let _restore = Restore(previous);
    f()
}

/// An Erlang pid (`#PID<0.123.0>`), usually of a process on another node:
/// what an Elixir process sends as `self()`, or what
/// [`Node::local_pid`](super::Node::local_pid) gives for a local one.
///
/// It is a [`ToPid`], so the process model works on it unchanged:
/// `ctx.monitor(&remote_pid)` delivers a [`Down`](crate::Down) when the
/// remote process ends (with [`ExitReason::NoConnection`](crate::ExitReason::NoConnection)
/// if its node goes away), `ctx.link(&remote_pid)` links across nodes, and
/// `remote_pid.to_pid().exit(reason)` sends it an exit signal. The
/// connection used is the one of the node that decoded or made it.
///
/// Equality and hashing are those of the Erlang pid (node, numbers, creation).
#[derive(Clone)]
pub struct RemotePid {
    pid: eetf::Pid,
    node: Weak<NodeInner>,
    /// The process standing for the pid, once asked for: kept so that its
    /// id stays the same for this value and its clones.
    process: Arc<OnceLock<Pid>>,
}

impl RemotePid {
    pub(crate) fn new(pid: eetf::Pid, node: Weak<NodeInner>) -> Self {
        RemotePid {
            pid,
            node,
            process: Arc::default(),
        }
    }

    /// A pid read from a term, belonging to the node whose connection is
    /// decoding on this thread, if any.
    pub(crate) fn decoded(pid: eetf::Pid) -> Self {
        let node = DECODING_NODE.with(|n| n.borrow().clone());
        RemotePid::new(pid, node)
    }

    /// The name of the node the process runs on.
    pub fn node(&self) -> &str {
        &self.pid.node.name
    }

    /// The pid as a term.
    pub fn to_term(&self) -> Term {
        Term::Pid(self.pid.clone())
    }

    pub(crate) fn as_eetf(&self) -> &eetf::Pid {
        &self.pid
    }

    /// The local id of the process standing for this pid: the `id` of the
    /// [`Down`](crate::Down) and the `from` of the [`Exit`](crate::Exit) that
    /// concern it. Stable for this value and its clones (and for any other
    /// value naming the same pid while one of them, or a link or monitor,
    /// holds the stand-in).
    pub fn id(&self) -> ActorId {
        self.to_pid().id()
    }
}

impl ToPid for RemotePid {
    /// The process standing for this pid on its node: the local process for
    /// a pid of that node, else the proxy of the remote process on the
    /// connection to its node. Without a connection (or once its node is
    /// shut down) it is a process that has ended with `NoConnection`:
    /// monitoring it gives that `Down` at once.
    fn to_pid(&self) -> Pid {
        self.process
            .get_or_init(|| match self.node.upgrade() {
                Some(node) => node.process_of(&self.pid),
                None => Pid {
                    process: Proxy::unreachable(self.pid.clone()),
                },
            })
            .clone()
    }
}

impl PartialEq for RemotePid {
    fn eq(&self, other: &Self) -> bool {
        self.pid == other.pid
    }
}

impl Eq for RemotePid {}

impl Hash for RemotePid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.pid.hash(state);
    }
}

impl fmt::Debug for RemotePid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemotePid({self})")
    }
}

impl fmt::Display for RemotePid {
    /// Elixir's notation: `#PID<node.id.serial>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#PID<{}.{}.{}>",
            self.pid.node.name, self.pid.id, self.pid.serial
        )
    }
}

impl TryFrom<Term> for RemotePid {
    type Error = Term;

    /// A pid term, for the node decoding on this thread.
    fn try_from(term: Term) -> Result<Self, Term> {
        match term {
            Term::Pid(pid) => Ok(RemotePid::decoded(pid)),
            other => Err(other),
        }
    }
}

impl serde::Serialize for RemotePid {
    /// As the pid itself, through the term codec.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawTerm(Term::Pid(self.pid.clone())).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for RemotePid {
    /// From a pid term, through the term codec: a pid decoded from a message
    /// of another node belongs to the node that received it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match RawTerm::deserialize(deserializer)?.0 {
            Term::Pid(pid) => Ok(RemotePid::decoded(pid)),
            other => Err(serde::de::Error::custom(format!(
                "expected a pid, found {other}"
            ))),
        }
    }
}
