//! The supervised server under test: it logs its starts and terminations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{ChildSpec, SupervisorRef};
use tokio::sync::mpsc;

use crate::within;

/// What members report, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Started(&'static str),
    Terminating(&'static str, ExitReason),
    Terminated(&'static str),
}

/// How a member behaves.
#[derive(Clone, Default)]
pub struct Behaviour {
    /// Traps exits, so a shutdown from its supervisor runs `terminate`.
    pub trap: bool,
    /// While set, `init` fails.
    pub fail_init: Arc<AtomicBool>,
    /// `terminate` takes this long.
    pub slow_terminate: Option<Duration>,
}

pub struct Member {
    name: &'static str,
    log: mpsc::UnboundedSender<Event>,
    behaviour: Behaviour,
}

#[gen_server]
impl Member {
    fn init(
        name: &'static str,
        log: mpsc::UnboundedSender<Event>,
        behaviour: Behaviour,
        ctx: &mut Context<Self>,
    ) -> Result<Self, String> {
        if behaviour.fail_init.load(Ordering::SeqCst) {
            return Err(format!("{name} refuses to start"));
        }
        ctx.trap_exit(behaviour.trap);
        let _ = log.send(Event::Started(name));
        Ok(Member {
            name,
            log,
            behaviour,
        })
    }

    #[call]
    fn ping(&self) -> &'static str {
        self.name
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{} crashed", self.name);
    }

    #[cast]
    fn finish(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.log.send(Event::Terminating(self.name, reason.clone()));
        if let Some(delay) = self.behaviour.slow_terminate {
            tokio::time::sleep(delay).await;
        }
        let _ = self.log.send(Event::Terminated(self.name));
    }
}

/// A member's child spec: id and registered name are its name.
pub fn spec(
    name: &'static str,
    log: &mpsc::UnboundedSender<Event>,
    behaviour: Behaviour,
) -> ChildSpec {
    Member::child_spec((name, log.clone(), behaviour))
        .id(name)
        .name(name)
}

/// The member registered under `name` now.
pub fn member(name: &str) -> MemberRef {
    MemberRef::whereis(name).unwrap_or_else(|| panic!("no member `{name}` registered"))
}

/// Crashes `victim` and waits until its supervisor has handled the exit
/// (restarted it or given up): the supervisor handles a call only after the
/// `Exit` that arrived before it.
pub async fn crash_and_settle(victim: &MemberRef, supervisor: &SupervisorRef) {
    let down = gen_server::monitor(victim);
    let _ = victim.crash().await;
    within(down).await;
    let _ = supervisor.count_children().await;
}

/// The next event; panics if none comes in time.
pub async fn next(log: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    within(log.recv()).await.expect("the log closed")
}

/// Every event already logged.
pub fn drain(log: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut events = Vec::new();
    while let Ok(event) = log.try_recv() {
        events.push(event);
    }
    events
}

/// What a member logs when it crashes: `terminate` runs after a panic.
pub fn crashed(name: &'static str) -> [Event; 2] {
    [
        Event::Terminating(name, ExitReason::Panic(format!("{name} crashed"))),
        Event::Terminated(name),
    ]
}
