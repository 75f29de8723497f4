//! A local stand-in for a process on another node, so that the process
//! model's links, monitors and exit signals work across nodes unchanged.
//!
//! A [`Proxy`] is a [`Process`]: `ctx.monitor(&remote)` adds a watcher to it
//! and sends `MONITOR_P`; `ctx.link(&remote)` links to it and sends `LINK`;
//! an exit signal sent to it (a linked local process ending, `pid.exit`,
//! `pid.kill`) goes out as `EXIT` or `EXIT2`. The other way, a remote process
//! that monitors or links a local one is represented by its proxy, which is
//! the local side's watcher or link and turns what it is told into
//! `MONITOR_P_EXIT` and `EXIT`.
//!
//! When the connection is lost the proxy ends with
//! [`ExitReason::NoConnection`]: its watchers get `Down` and its links the
//! exit signal, through the usual [`Core::finish`](crate::process::Core).

use std::sync::{Arc, Mutex, MutexGuard};

use eetf::{Pid, Reference};
use erl_dist::message::Message;
use erl_dist::term::PidOrAtom;

use super::connection::Connection;
use super::wire::{self, FastMap};
use crate::process::{Core, Down, IdMap, MonitorRef, Process, System, Watcher};
use crate::{ActorId, ExitReason};

pub(crate) struct Proxy {
    core: Core,
    /// The remote pid.
    pub(crate) pid: Pid,
    /// `None` for a pid of a node this one is not connected to.
    conn: Option<Arc<Connection>>,
    state: Mutex<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    /// Local processes linked to the remote one.
    links: IdMap<()>,
    /// Monitors the remote process set on local processes: the peer's
    /// reference and what it monitored (a pid or a name).
    watches: FastMap<MonitorRef, (Reference, PidOrAtom)>,
    /// Monitors local processes set on the remote one: the number of the
    /// reference sent in `MONITOR_P`.
    watchers: FastMap<MonitorRef, u64>,
}

impl Proxy {
    pub(crate) fn new(pid: Pid, conn: Option<Arc<Connection>>) -> Self {
        let proxy = Proxy {
            core: Core::new(),
            pid,
            conn,
            state: Mutex::new(ProxyState::default()),
        };
        // Exit signals to a proxy are forwarded, never applied to it.
        proxy.core.set_trap_exit(true);
        proxy
    }

    /// A proxy for a pid that cannot be reached: it is gone for this node.
    pub(crate) fn unreachable(pid: Pid) -> Arc<Self> {
        let proxy = Arc::new(Proxy::new(pid, None));
        proxy.connection_lost();
        proxy
    }

    fn lock(&self) -> MutexGuard<'_, ProxyState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live_conn(&self) -> Option<&Arc<Connection>> {
        self.conn.as_ref().filter(|c| !c.is_closed())
    }

    /// The remote process watches a local one through this proxy.
    pub(crate) fn add_watch(&self, monitor: MonitorRef, reference: Reference, target: PidOrAtom) {
        self.lock().watches.insert(monitor, (reference, target));
    }

    /// Removes a monitor the remote process set: its reference and what it
    /// monitored; `None` if it has fired or was removed already.
    pub(crate) fn remove_watch(&self, monitor: MonitorRef) -> Option<(Reference, PidOrAtom)> {
        self.lock().watches.remove(&monitor)
    }

    /// The remote process ended (or was never there) for the local monitor
    /// `monitor`.
    pub(crate) fn fired(&self, monitor: MonitorRef, reason: ExitReason) {
        self.lock().watchers.remove(&monitor);
        if let Some(watcher) = self.core.take_watcher(monitor) {
            watcher.notify(Down {
                monitor,
                id: self.core.id,
                reason,
            });
        }
    }

    /// `LINK` from the remote process to `local`.
    pub(crate) fn link_from_remote(self: &Arc<Self>, local: &Arc<dyn Process>) {
        let me = Arc::clone(self) as Arc<dyn Process>;
        if !local.core().add_link(&me) {
            // Linking to a process that has ended: the linker gets `noproc`.
            if let Some(conn) = self.live_conn() {
                conn.send_control(Message::exit(
                    conn.local_pid(local.core().id),
                    self.pid.clone(),
                    wire::atom("noproc"),
                ));
            }
            return;
        }
        self.core.add_link(local);
        self.lock().links.insert(local.core().id, ());
    }

    /// Removes the link with the local process `id`, both ways; false if
    /// there was none.
    pub(crate) fn unlink_local(&self, id: ActorId) -> bool {
        if self.lock().links.remove(&id).is_none() {
            return false;
        }
        if let Some(local) = self.core.remove_link(id) {
            drop(local.core().remove_link(self.core.id));
        }
        true
    }

    /// The connection is gone: the remote process is, for this node.
    pub(crate) fn connection_lost(&self) {
        self.core.set_exit(ExitReason::NoConnection);
        {
            let mut state = self.lock();
            state.links.clear();
            state.watchers.clear();
            state.watches.clear();
        }
        self.core.finish();
    }
}

/// The pid that `MONITOR_P` names as the watcher.
fn watcher_pid(conn: &Connection, watcher: &Watcher) -> Pid {
    match watcher {
        Watcher::Process(p) => conn.local_pid(p.core().id),
        Watcher::Future(_) => conn.local_pid(ActorId::OUTSIDE),
    }
}

impl Process for Proxy {
    fn core(&self) -> &Core {
        &self.core
    }

    fn is_alive(&self) -> bool {
        self.live_conn().is_some() && !self.core.has_ended()
    }

    /// A `Down` here is for a remote process watching a local one.
    fn push_system(&self, msg: System) -> bool {
        let System::Down(down) = msg else {
            return false;
        };
        let Some((reference, target)) = self.lock().watches.remove(&down.monitor) else {
            return false;
        };
        let Some(conn) = self.live_conn() else {
            return false;
        };
        conn.remove_watched(&reference);
        conn.send_control(Message::monitor_p_exit(
            target,
            self.pid.clone(),
            reference,
            wire::reason_to_term(&down.reason),
        ));
        true
    }

    fn close(&self) {}

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }

    fn watch(&self, monitor: MonitorRef, watcher: Watcher) {
        let Some(conn) = self.live_conn() else {
            watcher.notify(Down {
                monitor,
                id: self.core.id,
                reason: ExitReason::NoConnection,
            });
            return;
        };
        let from = watcher_pid(conn, &watcher);
        let n = conn.shared.next_ref();
        self.core.add_watcher(monitor, watcher);
        let me = conn.proxy(&self.pid);
        if !conn.add_watching(n, &me, monitor) {
            self.fired(monitor, ExitReason::NoConnection);
            return;
        }
        self.lock().watchers.insert(monitor, n);
        conn.send_control(Message::monitor_p(
            from,
            PidOrAtom::Pid(self.pid.clone()),
            conn.shared.reference(n),
        ));
    }

    fn unwatch(&self, monitor: MonitorRef) -> bool {
        if !self.core.remove_watcher(monitor) {
            return false;
        }
        let n = self.lock().watchers.remove(&monitor);
        if let (Some(n), Some(conn)) = (n, self.live_conn()) {
            conn.remove_watching(n);
            conn.send_control(Message::demonitor_p(
                conn.local_pid(ActorId::OUTSIDE),
                PidOrAtom::Pid(self.pid.clone()),
                conn.shared.reference(n),
            ));
        }
        true
    }

    fn linked(&self, other: &Arc<dyn Process>) {
        let Some(conn) = self.live_conn() else {
            // Linked to a process of a node that cannot be reached.
            let _ = self.core.remove_link(other.core().id);
            crate::process::exit_signal(&**other, self.core.id, ExitReason::NoConnection);
            return;
        };
        self.lock().links.insert(other.core().id, ());
        let from = conn.shared.export(other);
        conn.send_control(Message::link(from, self.pid.clone()));
    }

    fn unlinked(&self, other: ActorId) {
        self.lock().links.remove(&other);
        if let Some(conn) = self.live_conn() {
            let id = wire::int(conn.shared.next_ref() as i64 & i64::from(i32::MAX));
            conn.send_control(Message::unlink_id(
                id,
                conn.local_pid(other),
                self.pid.clone(),
            ));
        }
    }

    /// An exit signal to the remote process: `EXIT` when it comes from a
    /// linked process that ended, `EXIT2` otherwise (`pid.exit`, `pid.kill`).
    fn forward_signal(&self, from: ActorId, reason: &ExitReason) -> bool {
        let Some(conn) = self.live_conn() else {
            return true;
        };
        let was_linked = self.lock().links.remove(&from).is_some();
        let (from, to) = (conn.local_pid(from), self.pid.clone());
        if was_linked {
            conn.send_control(Message::exit(from, to, wire::reason_to_term(reason)));
        } else {
            let reason = match reason {
                ExitReason::Killed => wire::atom("kill"),
                other => wire::reason_to_term(other),
            };
            conn.send_control(Message::exit2(from, to, reason));
        }
        true
    }
}
