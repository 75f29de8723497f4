//! The supervised server under test: it logs its starts and terminations.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{ChildSpec, ChildState, SupervisorRef};
use tokio::sync::{mpsc, oneshot};

use crate::within;

/// What members report, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Started(&'static str),
    /// `init` failed.
    Refused(&'static str),
    /// `init` returned `Init::Ignore`.
    Ignored(&'static str),
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
    /// What the next `init`s do, one step each, before `fail_init` is looked at.
    pub script: Script,
    /// `terminate` takes this long.
    pub slow_terminate: Option<Duration>,
}

/// What one `init` does.
pub enum Step {
    /// Fails.
    Fail,
    /// Returns `Init::Ignore`.
    Ignore,
    /// Panics.
    Panic,
    /// Says so on `entered`, waits for `release`, then fails: holds the
    /// supervisor inside a restart while the test queues a request.
    HoldThenFail {
        entered: oneshot::Sender<()>,
        release: oneshot::Receiver<()>,
    },
    /// Says so on `entered`, waits for `release`, then starts: holds the
    /// supervisor's start.
    Hold {
        entered: oneshot::Sender<()>,
        release: oneshot::Receiver<()>,
    },
}

/// The steps the next `init`s of a member take, shared by its instances.
#[derive(Clone, Default)]
pub struct Script(Arc<Mutex<VecDeque<Step>>>);

impl Script {
    /// Queues `step` for the next `init` that has none.
    pub fn push(&self, step: Step) {
        self.0.lock().unwrap().push_back(step);
    }

    fn next(&self) -> Option<Step> {
        self.0.lock().unwrap().pop_front()
    }

    /// How many steps are left.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A behaviour that traps exits.
pub fn trapping() -> Behaviour {
    Behaviour {
        trap: true,
        ..Behaviour::default()
    }
}

pub struct Member {
    name: &'static str,
    log: mpsc::UnboundedSender<Event>,
    behaviour: Behaviour,
}

#[gen_server]
impl Member {
    async fn init(
        name: &'static str,
        log: mpsc::UnboundedSender<Event>,
        behaviour: Behaviour,
        ctx: &mut Context<Self>,
    ) -> Result<Init<Self>, String> {
        let refuse = |log: &mpsc::UnboundedSender<Event>| {
            let _ = log.send(Event::Refused(name));
            Err(format!("{name} refuses to start"))
        };
        match behaviour.script.next() {
            Some(Step::Fail) => return refuse(&log),
            Some(Step::Ignore) => {
                let _ = log.send(Event::Ignored(name));
                return Ok(Init::Ignore);
            }
            Some(Step::Panic) => panic!("{name} panics in init"),
            Some(Step::HoldThenFail { entered, release }) => {
                let _ = entered.send(());
                let _ = release.await;
                return refuse(&log);
            }
            Some(Step::Hold { entered, release }) => {
                let _ = entered.send(());
                let _ = release.await;
            }
            None => {}
        }
        if behaviour.fail_init.load(Ordering::SeqCst) {
            return refuse(&log);
        }
        ctx.trap_exit(behaviour.trap);
        let _ = log.send(Event::Started(name));
        Ok(Init::Ready(Member {
            name,
            log,
            behaviour,
        }))
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

/// Waits until `supervisor` has handled every exit and retry queued so
/// far: until no child is waiting for a retried restart (each call queues
/// behind the retries queued before it). Returns the children.
///
/// Bounded in rounds as well as in time: under a paused clock a supervisor
/// that retries forever never lets the clock advance to the time bound.
pub async fn settle(supervisor: &SupervisorRef) -> Vec<gen_server::supervisor::ChildInfo> {
    const ROUNDS: usize = 10_000;
    within(async {
        for _ in 0..ROUNDS {
            let children = supervisor
                .which_children()
                .await
                .expect("the supervisor runs");
            if children.iter().all(|c| c.state != ChildState::Restarting) {
                return children;
            }
        }
        panic!("a child is still restarting after {ROUNDS} rounds");
    })
    .await
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
