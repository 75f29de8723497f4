//! A server that monitors, links and traps, reporting everything it sees.

use gen_server::prelude::*;
use tokio::sync::{mpsc, oneshot};

use crate::within;

/// What the watcher saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Down(Down),
    Exit(Exit),
    Terminated(ExitReason),
}

pub struct Watcher {
    seen: mpsc::UnboundedSender<Seen>,
}

#[gen_server]
impl Watcher {
    fn init(seen: mpsc::UnboundedSender<Seen>, trap: bool, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exit(trap);
        Watcher { seen }
    }

    #[call]
    fn watch(&mut self, target: Pid, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&target)
    }

    #[call]
    fn unwatch(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    /// Waits for `gate` (so `Down`s can queue up meanwhile), then demonitors.
    #[call]
    async fn unwatch_after(
        &mut self,
        gate: oneshot::Receiver<()>,
        monitor: MonitorRef,
        ctx: &mut Context<Self>,
    ) -> bool {
        let _ = gate.await;
        ctx.demonitor(monitor)
    }

    #[call]
    fn link_to(&mut self, target: Pid, ctx: &mut Context<Self>) {
        ctx.link(&target);
    }

    #[call]
    fn unlink_from(&mut self, target: Pid, ctx: &mut Context<Self>) {
        ctx.unlink(&target);
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    #[info]
    fn on_down(&mut self, down: Down) {
        let _ = self.seen.send(Seen::Down(down));
    }

    #[info]
    fn on_exit(&mut self, exit: Exit) {
        let _ = self.seen.send(Seen::Exit(exit));
    }

    fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.seen.send(Seen::Terminated(reason.clone()));
    }
}

/// Starts a watcher and returns it with what it sees.
pub async fn start(trap: bool) -> (WatcherRef, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let watcher = Watcher::start(tx, trap).await.expect("watcher starts");
    (watcher, rx)
}

/// How a victim process should end.
#[derive(Debug)]
pub enum Ending {
    Normally,
    Panicking(&'static str),
}

/// A plain process that ends as told.
pub fn victim() -> (Pid, oneshot::Sender<Ending>) {
    let (tx, rx) = oneshot::channel();
    let pid = gen_server::spawn(async move {
        match rx.await {
            Ok(Ending::Panicking(message)) => panic!("{message}"),
            Ok(Ending::Normally) | Err(_) => {}
        }
    });
    (pid, tx)
}

/// Ends `pid` as told and waits until it has ended.
pub async fn end(pid: &Pid, how: oneshot::Sender<Ending>, ending: Ending) -> ExitReason {
    let ended = gen_server::monitor(pid);
    how.send(ending).expect("victim is waiting");
    within(ended).await
}

/// The next thing the watcher saw.
pub async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Option<Seen> {
    within(seen.recv()).await
}
