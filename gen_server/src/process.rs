//! The process model shared by gen_servers and plain spawned tasks: identity,
//! exit reason, links, monitors and exit signals (OTP's semantics).
//!
//! Every process owns a [`Core`]. Relations (links, and the monitors watching
//! it) live behind the core's mutex and are allocated only when first used.
//! When a process ends, its core is marked `ended` and its relations are taken
//! under the same lock, so a link or monitor made concurrently either sees the
//! process alive (and is notified) or sees it ended (and gets `NoProc`).
//!
//! Notifications never recurse: an exit signal that kills a linked process only
//! stops its task; that process tells its own links when its task ends. A
//! chain of links therefore unwinds one task poll per hop, never on one stack.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use tokio::sync::oneshot;

use crate::{ActorId, ExitReason};

/// A system message for a gen_server's mailbox.
pub(crate) enum System {
    Down(Down),
    Exit(Exit),
}

/// A process, with its type erased.
pub(crate) trait Process: Send + Sync + 'static {
    fn core(&self) -> &Core;
    /// Whether it still accepts messages and signals.
    fn is_alive(&self) -> bool;
    /// Queues a system message; false if the process has no mailbox or it is closed.
    fn push_system(&self, msg: System) -> bool;
    /// Marks the process as gone for the outside world (frees its name, closes
    /// its mailbox). Its task may still be unwinding. Idempotent.
    fn close(&self);
    /// For typed lookups.
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;

    // Hooks for processes that stand in for others (a remote pid's proxy
    // forwards them to its node); a local process keeps the defaults.

    /// Adds a monitor watching this process.
    fn watch(&self, monitor: MonitorRef, watcher: Watcher) {
        self.core().add_watcher(monitor, watcher);
    }
    /// Removes a monitor; false if it was not there (already notified).
    fn unwatch(&self, monitor: MonitorRef) -> bool {
        self.core().remove_watcher(monitor)
    }
    /// `other` has just been linked to this process by [`link`].
    fn linked(&self, other: &Arc<dyn Process>) {
        let _ = other;
    }
    /// The link with `other` has just been removed by [`unlink`].
    fn unlinked(&self, other: ActorId) {
        let _ = other;
    }
    /// Takes over an exit signal sent to this process (true), instead of the
    /// local rules applying to it (false).
    fn forward_signal(&self, from: ActorId, reason: &ExitReason) -> bool {
        let _ = (from, reason);
        false
    }
}

/// Anything that names a process: [`Pid`], [`ActorRef`](crate::ActorRef) and
/// every generated handle.
pub trait ToPid {
    /// A type-erased handle to the process.
    fn to_pid(&self) -> Pid;
}

impl ToPid for Pid {
    fn to_pid(&self) -> Pid {
        self.clone()
    }
}

/// The part of every process that others touch to link, monitor and signal it.
pub(crate) struct Core {
    pub(crate) id: ActorId,
    /// Set, with the exit reason, when the process is terminated from outside
    /// (killed, or an untrapped exit signal): its task stops before its next
    /// poll. Read at every poll without the lock.
    killed: AtomicBool,
    control: Mutex<Control>,
}

#[derive(Default)]
struct Control {
    /// Set once, when the process starts to exit (for a gen_server, before
    /// `terminate`), so that whoever is woken by its end can say why. The
    /// first reason recorded wins.
    exit: Option<ExitReason>,
    /// The process has ended and notified its relations; nothing can be added.
    ended: bool,
    trap_exit: bool,
    /// The process's task, once it has waited: woken by a kill so that it
    /// stops at once. Taken when the process ends.
    waker: Option<Waker>,
    /// Boxed and made on first use: most processes have none, and the core
    /// is in every process.
    relations: Option<Box<Relations>>,
}

#[derive(Default)]
struct ExitInbox {
    queue: std::collections::VecDeque<Exit>,
    /// The task awaiting [`next_exit`](crate::next_exit), if one waits.
    waker: Option<Waker>,
}

#[derive(Default)]
struct Relations {
    /// Keyed by id: a process that links to many (a supervisor, an acceptor)
    /// must not pay a linear search per link.
    links: IdMap<Arc<dyn Process>>,
    /// Monitors watching this process.
    watchers: Vec<(MonitorRef, Watcher)>,
    /// The process that `start_link`ed this one.
    parent: Option<ActorId>,
    /// Trapped exit signals of a plain process (a gen_server's go to its
    /// mailbox), for [`next_exit`](crate::next_exit).
    exits: Option<Box<ExitInbox>>,
}

/// Who is told when a monitored process ends.
pub(crate) enum Watcher {
    /// A gen_server: gets a `Down` message.
    Process(Arc<dyn Process>),
    /// Plain async code awaiting a [`Monitor`](crate::Monitor).
    Future(oneshot::Sender<Down>),
}

impl Watcher {
    pub(crate) fn notify(self, down: Down) {
        match self {
            Watcher::Process(watcher) => {
                let _ = watcher.push_system(System::Down(down));
            }
            Watcher::Future(tx) => {
                let _ = tx.send(down);
            }
        }
    }
}

/// A process that has just ended: what its links and watchers must be told.
/// Built under the core's lock; [`notify`](Ended::notify) runs outside it.
#[must_use = "the links and monitors of an ended process must be notified"]
pub(crate) struct Ended {
    id: ActorId,
    /// The exit reason everybody sees.
    pub(crate) reason: ExitReason,
    relations: Option<Box<Relations>>,
}

impl Ended {
    /// Sends exit signals along the links and `Down` to the watchers.
    pub(crate) fn notify(self) {
        let Some(relations) = self.relations else {
            return;
        };
        for link in relations.links.into_values() {
            drop(link.core().remove_link(self.id));
            exit_signal(&*link, self.id, self.reason.clone());
        }
        for (monitor, watcher) in relations.watchers {
            watcher.notify(Down {
                monitor,
                id: self.id,
                reason: self.reason.clone(),
            });
        }
    }
}

impl Core {
    pub(crate) fn new() -> Self {
        Core {
            id: ActorId::next(),
            killed: AtomicBool::new(false),
            control: Mutex::new(Control::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Control> {
        // No user code runs under this lock; a poisoned one holds consistent data.
        self.control.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records why the process is exiting and returns the reason that
    /// stands: the first one recorded wins.
    pub(crate) fn set_exit(&self, reason: ExitReason) -> ExitReason {
        self.lock().exit.get_or_insert(reason).clone()
    }

    /// Why the process exited or is exiting; `None` while it runs.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.lock().exit.clone()
    }

    /// Whether an exit reason has been recorded.
    pub(crate) fn has_exited(&self) -> bool {
        self.lock().exit.is_some()
    }

    /// Whether the process was terminated from outside: its task must stop.
    pub(crate) fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Hands the core the waker of the process's task, so that a kill can
    /// wake it. Returns false, keeping nothing, if the process has been
    /// killed already: the task must then stop by itself.
    pub(crate) fn register_waker(&self, waker: &Waker) -> bool {
        let mut control = self.lock();
        if self.killed.load(Ordering::Relaxed) || control.ended {
            return false;
        }
        control.waker = Some(waker.clone());
        true
    }

    /// Terminates the process from outside with `reason`: its task stops
    /// before its next poll, woken if it waits. A reason already recorded
    /// stands, except that a kill overrides the reason of a process that is
    /// still exiting (a gen_server in `terminate`): as in OTP, it then dies
    /// of `Killed`.
    fn kill(&self, reason: ExitReason) {
        let waker = {
            let mut control = self.lock();
            let ended = control.ended;
            match &mut control.exit {
                None => control.exit = Some(reason),
                Some(recorded) if reason == ExitReason::Killed && !ended => *recorded = reason,
                Some(_) => {}
            }
            self.killed.store(true, Ordering::Release);
            control.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn set_parent(&self, parent: ActorId) {
        let mut control = self.lock();
        control
            .relations
            .get_or_insert_with(Default::default)
            .parent = Some(parent);
    }

    pub(crate) fn parent(&self) -> Option<ActorId> {
        self.lock().relations.as_ref()?.parent
    }

    pub(crate) fn set_trap_exit(&self, trap: bool) -> bool {
        std::mem::replace(&mut self.lock().trap_exit, trap)
    }

    pub(crate) fn traps_exit(&self) -> bool {
        self.lock().trap_exit
    }

    /// Queues a trapped exit signal for a plain process and wakes whoever
    /// awaits it; false if the process has ended.
    pub(crate) fn push_exit(&self, exit: Exit) -> bool {
        let waker = {
            let mut control = self.lock();
            if control.ended {
                return false;
            }
            let relations = control.relations.get_or_insert_with(Default::default);
            let inbox = relations.exits.get_or_insert_with(Default::default);
            inbox.queue.push_back(exit);
            inbox.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// Takes the next queued exit signal, or registers `cx` to be woken by
    /// the next one.
    pub(crate) fn poll_exit(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Exit> {
        let mut control = self.lock();
        let relations = control.relations.get_or_insert_with(Default::default);
        let inbox = relations.exits.get_or_insert_with(Default::default);
        match inbox.queue.pop_front() {
            Some(exit) => std::task::Poll::Ready(exit),
            None => {
                inbox.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }

    /// Adds a watcher, or notifies it at once if this process has already
    /// ended: with `NoProc`, or `NoConnection` for the stand-in of a process
    /// whose node went away.
    pub(crate) fn add_watcher(&self, monitor: MonitorRef, watcher: Watcher) {
        let mut control = self.lock();
        if control.ended {
            // A process of a node that went away is `NoConnection`, as in
            // OTP (and as for `link`); any other ended process `NoProc`.
            let reason = match control.exit {
                Some(ExitReason::NoConnection) => ExitReason::NoConnection,
                _ => ExitReason::NoProc,
            };
            drop(control);
            watcher.notify(Down {
                monitor,
                id: self.id,
                reason,
            });
            return;
        }
        let relations = control.relations.get_or_insert_with(Default::default);
        relations.watchers.push((monitor, watcher));
    }

    /// Removes a watcher; false if it was not there (already notified).
    pub(crate) fn remove_watcher(&self, monitor: MonitorRef) -> bool {
        let mut control = self.lock();
        let Some(relations) = control.relations.as_mut() else {
            return false;
        };
        match relations.watchers.iter().position(|(m, _)| *m == monitor) {
            Some(i) => {
                // Dropped after the lock is released.
                let removed = relations.watchers.swap_remove(i);
                drop(control);
                drop(removed);
                true
            }
            None => false,
        }
    }

    /// Removes a watcher and returns it, to notify it of a `Down` that only
    /// concerns it (a remote monitor that fired).
    #[cfg_attr(not(feature = "dist"), allow(dead_code))]
    pub(crate) fn take_watcher(&self, monitor: MonitorRef) -> Option<Watcher> {
        let mut control = self.lock();
        let relations = control.relations.as_mut()?;
        let i = relations.watchers.iter().position(|(m, _)| *m == monitor)?;
        Some(relations.watchers.swap_remove(i).1)
    }

    /// Whether this process has ended and told its relations.
    #[cfg_attr(not(feature = "dist"), allow(dead_code))]
    pub(crate) fn has_ended(&self) -> bool {
        self.lock().ended
    }

    /// Adds `other` to the links; false if this process has already ended.
    pub(crate) fn add_link(&self, other: &Arc<dyn Process>) -> bool {
        let mut control = self.lock();
        if control.ended {
            return false;
        }
        let relations = control.relations.get_or_insert_with(Default::default);
        relations
            .links
            .entry(other.core().id)
            .or_insert_with(|| Arc::clone(other));
        true
    }

    pub(crate) fn remove_link(&self, other: ActorId) -> Option<Arc<dyn Process>> {
        let mut control = self.lock();
        control.relations.as_mut()?.links.remove(&other)
    }

    /// Ends the process, in one lock: records `reason` unless a reason is
    /// already recorded, marks it ended (no link or monitor can be added
    /// after this) and takes its relations, to be told with
    /// [`Ended::notify`].
    pub(crate) fn end(&self, reason: ExitReason) -> Ended {
        let (reason, relations, waker) = {
            let mut control = self.lock();
            control.ended = true;
            let reason = control.exit.get_or_insert(reason).clone();
            (reason, control.relations.take(), control.waker.take())
        };
        drop(waker);
        Ended {
            id: self.id,
            reason,
            relations,
        }
    }

    /// Ends the process for its relations: marks it ended, then sends exit
    /// signals along its links and `Down` to its watchers. Call once the
    /// process's exit reason is set (`Killed` is assumed otherwise).
    pub(crate) fn finish(&self) {
        self.end(ExitReason::Killed).notify();
    }
}

/// Links two processes (both ways). If `target` has already ended, `me` gets
/// an exit signal with reason `NoProc` instead (`NoConnection` for a process
/// of a node that went away), as in OTP.
pub(crate) fn link(me: &Arc<dyn Process>, target: &Arc<dyn Process>) {
    if me.core().id == target.core().id {
        return;
    }
    if !target.core().add_link(me) {
        // A process of a node that went away is `NoConnection`, as in OTP.
        let reason = match target.core().exit_reason() {
            Some(ExitReason::NoConnection) => ExitReason::NoConnection,
            _ => ExitReason::NoProc,
        };
        exit_signal(&**me, target.core().id, reason);
        return;
    }
    if !me.core().add_link(target) {
        // `me` ended meanwhile and told its links without `target`: tell it now.
        drop(target.core().remove_link(me.core().id));
        let reason = me.core().exit_reason().unwrap_or(ExitReason::NoProc);
        exit_signal(&**target, me.core().id, reason);
        return;
    }
    target.linked(me);
}

/// Removes a link both ways. An exit signal already sent is not withdrawn.
pub(crate) fn unlink(me: &dyn Process, target: ActorId) {
    if let Some(other) = me.core().remove_link(target) {
        drop(other.core().remove_link(me.core().id));
        other.unlinked(me.core().id);
    }
}

/// Sends an exit signal with `reason` from `from` to `target` (OTP's rules):
/// a trapping process gets an `Exit` message; otherwise `Normal` is ignored
/// and any other reason kills it with that reason, without `terminate`.
pub(crate) fn exit_signal(target: &dyn Process, from: ActorId, reason: ExitReason) {
    if target.forward_signal(from, &reason) {
        return;
    }
    if target.core().traps_exit() {
        // Refused only by a process that has just ended: nothing to tell.
        let _ = target.push_system(System::Exit(Exit { from, reason }));
        return;
    }
    if reason == ExitReason::Normal {
        return;
    }
    terminate_now(target, reason);
}

/// Ends `target` at once with `reason`: the untrappable path of `kill`, and of
/// exit signals that are not trapped. Returns false if it had already ended.
pub(crate) fn terminate_now(target: &dyn Process, reason: ExitReason) -> bool {
    if target.is_alive() && target.forward_signal(ActorId::OUTSIDE, &reason) {
        return true;
    }
    if !target.is_alive() {
        return false;
    }
    // Recorded first, so nothing the dying task drops is observed without it.
    target.core().kill(reason);
    target.close();
    true
}

/// A map keyed by process id, hashed with [`IdHasher`].
pub(crate) type IdMap<V> = HashMap<ActorId, V, BuildHasherDefault<IdHasher>>;

/// Hashes ids, which come from a counter and not from outside input, with one
/// multiplication (Fibonacci hashing) instead of SipHash.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

static NEXT_MONITOR: AtomicU64 = AtomicU64::new(1);

/// Identifies one monitor (OTP's monitor reference): returned by
/// [`Context::monitor`](crate::Context::monitor), carried by the [`Down`] it
/// produces, and given back to [`Context::demonitor`](crate::Context::demonitor).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(u64);

impl MonitorRef {
    pub(crate) fn next() -> Self {
        MonitorRef(NEXT_MONITOR.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Debug for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MonitorRef({})", self.0)
    }
}

/// A monitored process ended (OTP's `{:DOWN, ref, :process, pid, reason}`).
///
/// Delivered to the watcher's `#[info]` handler for `Down`, once per monitor,
/// unless the monitor was removed first. A server without such a handler
/// drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The process that ended.
    pub id: ActorId,
    /// Why it ended; `NoProc` if it was already gone when the monitor was set.
    pub reason: ExitReason,
}

/// An exit signal turned into a message, for a process that traps exits
/// (OTP's `{:EXIT, from, reason}`).
///
/// Delivered to the `#[info]` handler for `Exit` of a server that called
/// [`Context::trap_exit`](crate::Context::trap_exit). A trapping server
/// without such a handler logs it and carries on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The process the signal came from: a linked process that ended, or the
    /// sender of [`Pid::exit`].
    pub from: ActorId,
    /// The reason it carries.
    pub reason: ExitReason,
}

/// A type-erased handle to any process, gen_server or plain task: the analogue
/// of an Erlang pid, for linking, monitoring and signalling.
///
/// Get one from a handle (`counter.pid()`), from [`Context::pid`](crate::Context::pid),
/// or from [`spawn`](crate::spawn).
#[derive(Clone)]
pub struct Pid {
    pub(crate) process: Arc<dyn Process>,
}

impl Pid {
    /// The process's id.
    pub fn id(&self) -> ActorId {
        self.process.core().id
    }

    /// Whether the process is still running.
    pub fn is_alive(&self) -> bool {
        self.process.is_alive()
    }

    /// Why the process ended, or is ending; `None` while it runs.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.process.core().exit_reason()
    }

    /// Kills the process: it cannot trap this, ends with [`ExitReason::Killed`]
    /// without running `terminate`, and its links see `Killed` (OTP's
    /// `Process.exit(pid, :kill)`). Returns false if it had already ended.
    pub fn kill(&self) -> bool {
        terminate_now(&*self.process, ExitReason::Killed)
    }

    /// Sends the process an exit signal with `reason` (OTP's
    /// `Process.exit(pid, reason)`): if it traps exits it gets an [`Exit`]
    /// message; otherwise `Normal` is ignored and any other reason ends it
    /// with that reason, without `terminate`. The signal comes from the
    /// current process, or from [`ActorId::OUTSIDE`] when sent from code that
    /// is not a process.
    pub fn exit(&self, reason: ExitReason) {
        let from = crate::current::current_actor().unwrap_or(ActorId::OUTSIDE);
        exit_signal(&*self.process, from, reason);
    }
}

impl PartialEq for Pid {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Pid {}

impl std::hash::Hash for Pid {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pid")
            .field("id", &self.id())
            .field("alive", &self.is_alive())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use super::*;
    use crate::task::run::{Discard, Plain, spawn_task};

    const BOUND: Duration = Duration::from_secs(10);

    /// A kill that lands between `tokio::spawn` and the task's first poll
    /// (another thread can send one there) ends the task without running it.
    #[tokio::test]
    async fn a_process_killed_before_its_first_poll_never_runs() {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let pid = spawn_task(
            Plain::new_process(),
            async move { flag.store(true, Ordering::SeqCst) },
            Discard,
            None,
            None,
            None,
        );
        let down = crate::monitor(&pid);
        assert!(pid.kill());
        let reason = tokio::time::timeout(BOUND, down).await.expect("it ended");
        assert_eq!(reason, ExitReason::Killed);
        assert!(!ran.load(Ordering::SeqCst), "the killed task was polled");
    }

    /// A kill wakes a process that waits, and its future is dropped.
    #[tokio::test]
    async fn a_kill_wakes_a_waiting_process_and_drops_its_future() {
        struct Dropped(Option<oneshot::Sender<()>>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                let _ = self.0.take().map(|tx| tx.send(()));
            }
        }
        let (started_tx, started) = oneshot::channel();
        let (dropped_tx, dropped) = oneshot::channel();
        let pid = spawn_task(
            Plain::new_process(),
            async move {
                let _guard = Dropped(Some(dropped_tx));
                let _ = started_tx.send(());
                std::future::pending::<()>().await;
            },
            Discard,
            None,
            None,
            None,
        );
        tokio::time::timeout(BOUND, started).await.unwrap().unwrap();
        assert!(pid.kill());
        tokio::time::timeout(BOUND, dropped).await.unwrap().unwrap();
        assert_eq!(pid.exit_reason(), Some(ExitReason::Killed));
        assert!(!pid.kill(), "a second kill finds it gone");
    }
}
