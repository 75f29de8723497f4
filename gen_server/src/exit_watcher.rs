//! Run a callback when a process ends: the "ChannelWatcher" pattern.
//!
//! Many applications need "tell me when this session goes away": a chat room
//! must announce that a user left whether their channel closed cleanly,
//! crashed, was killed, or lost its connection. Monitoring each channel from
//! the room itself couples the two; the Elixir pattern is a small watcher
//! server that monitors processes on others' behalf and runs a callback with
//! the data it was given when one ends. [`ExitWatcher`] is that server.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::prelude::*;
use crate::{Call, MonitorRef};

type Callback = Box<dyn FnOnce(ExitReason) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// What to run when a watched process ends; built with [`OnExit::new`].
pub struct OnExit(Callback);

impl OnExit {
    /// Wraps an async callback that receives the watched process's exit reason.
    pub fn new<F, Fut>(callback: F) -> Self
    where
        F: FnOnce(ExitReason) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        OnExit(Box::new(move |reason| Box::pin(callback(reason))))
    }
}

impl fmt::Debug for OnExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnExit(..)")
    }
}

/// A server that monitors processes for others and runs a callback when one
/// ends, for any reason (a normal exit, a crash, a kill, a linked process's
/// death). Each callback runs in its own [`spawn`](crate::spawn)ed process,
/// so a slow callback never delays the watcher and a panicking one never
/// harms it.
///
/// ```
/// use gen_server::exit_watcher::{ExitWatcher, ExitWatcherRef};
/// use gen_server::ExitReason;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let watcher = ExitWatcher::builder().name("doc-rooms").start(()).await.unwrap();
/// let (tx, rx) = tokio::sync::oneshot::channel();
///
/// let (hang_up, hung_up) = tokio::sync::oneshot::channel::<()>();
/// let channel = gen_server::spawn(async move {
///     let _ = hung_up.await; // serve the user until they hang up
/// });
/// let (room, user) = (7, "ana");
/// watcher
///     .on_exit(&channel, move |reason| async move {
///         let _ = tx.send(format!("{user} left room {room}: {reason}"));
///     })
///     .await
///     .unwrap();
///
/// hang_up.send(()).unwrap();
/// assert_eq!(rx.await.unwrap(), "ana left room 7: normal");
/// # }
/// ```
pub struct ExitWatcher {
    watched: HashMap<ActorId, (MonitorRef, OnExit)>,
}

#[crate::gen_server]
impl ExitWatcher {
    fn init() -> Self {
        ExitWatcher {
            watched: HashMap::new(),
        }
    }

    /// Watches `process`: when it ends, `on_exit` runs with its exit reason.
    /// Watching a process again replaces its callback. Replies whether the
    /// process was already watched. A process that has already ended runs
    /// the callback at once, with [`ExitReason::NoProc`].
    #[call]
    fn watch(&mut self, process: Pid, on_exit: OnExit, ctx: &mut Context<Self>) -> bool {
        let monitor = ctx.monitor(&process);
        match self.watched.insert(process.id(), (monitor, on_exit)) {
            Some((old, _)) => {
                ctx.demonitor(old);
                true
            }
            None => false,
        }
    }

    /// Stops watching the process with this id: its callback will not run,
    /// even if it has just ended. Replies whether it was watched.
    #[call]
    fn unwatch(&mut self, process: ActorId, ctx: &mut Context<Self>) -> bool {
        match self.watched.remove(&process) {
            Some((monitor, _)) => {
                ctx.demonitor(monitor);
                true
            }
            None => false,
        }
    }

    /// How many processes are being watched.
    #[call]
    fn watched(&self) -> usize {
        self.watched.len()
    }

    #[info]
    fn on_down(&mut self, down: Down) {
        // `demonitor` guarantees a replaced or removed monitor never gets here.
        if let Some((_, OnExit(callback))) = self.watched.remove(&down.id) {
            crate::spawn(callback(down.reason));
        }
    }
}

impl ExitWatcherRef {
    /// Watches `process` and runs `callback` with its exit reason when it
    /// ends: [`watch`](Self::watch) with the callback boxed for you.
    pub fn on_exit<P, F, Fut>(&self, process: &P, callback: F) -> Call<'_, ExitWatcher, bool>
    where
        P: ToPid + ?Sized,
        F: FnOnce(ExitReason) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.watch(process.to_pid(), OnExit::new(callback))
    }
}

impl fmt::Debug for ExitWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExitWatcher")
            .field("watched", &self.watched.len())
            .finish()
    }
}
