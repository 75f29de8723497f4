//! A server with one handler of every kind, reporting its lifecycle on a channel.

use std::time::Duration;

use gen_server::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// What the probe reports about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Init,
    Continued(&'static str),
    Terminated(ExitReason),
}

pub struct Probe {
    pub total: u64,
    events: mpsc::UnboundedSender<Event>,
    /// A deferred reply kept in the state, answered by `release`.
    parked: Option<ReplyTo<u64>>,
}

/// An info message.
#[derive(Debug, Clone)]
pub struct Tick(pub u64);

/// Another info message type, routed to its own handler.
#[derive(Debug)]
pub struct Reset;

#[gen_server]
impl Probe {
    fn init(total: u64, events: mpsc::UnboundedSender<Event>) -> Self {
        let _ = events.send(Event::Init);
        Probe {
            total,
            events,
            parked: None,
        }
    }

    #[call]
    fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    #[call]
    async fn get(&self) -> u64 {
        self.total
    }

    #[cast]
    fn bump(&mut self, n: u64) {
        self.total += n;
    }

    #[cast]
    async fn bump_later(&mut self, n: u64, after: Duration) {
        tokio::time::sleep(after).await;
        self.total += n;
    }

    /// Holds the actor until `gate` fires: no other message runs meanwhile.
    #[call]
    async fn hold(&mut self, gate: oneshot::Receiver<()>) -> u64 {
        let _ = gate.await;
        self.total
    }

    #[call]
    async fn sleep_then_get(&self, nap: Duration) -> u64 {
        tokio::time::sleep(nap).await;
        self.total
    }

    #[call]
    fn crash(&mut self, message: String) -> u64 {
        panic!("{message}");
    }

    #[cast]
    fn crash_cast(&mut self) {
        panic!("cast crash");
    }

    #[call]
    fn finish(&mut self, reason: ExitReason, ctx: &mut Context<Self>) -> u64 {
        ctx.stop(reason);
        self.total
    }

    #[call]
    async fn call_myself(&self, ctx: &Context<Self>) -> Result<u64, CallError> {
        ctx.handle().get().await
    }

    #[call]
    fn doubled_from_task(&mut self, nap: Duration, reply: ReplyTo<u64>) {
        let doubled = self.total * 2;
        tokio::spawn(async move {
            tokio::time::sleep(nap).await;
            reply.send(doubled);
        });
    }

    #[call]
    fn forget_reply(&mut self, reply: ReplyTo<u64>) {
        drop(reply);
    }

    #[call]
    fn park(&mut self, reply: ReplyTo<u64>) {
        self.parked = Some(reply);
    }

    #[call]
    fn park_then_crash(&mut self, reply: ReplyTo<u64>) {
        self.parked = Some(reply);
        panic!("crashed while holding a parked reply");
    }

    #[cast]
    fn release(&mut self) {
        if let Some(reply) = self.parked.take() {
            reply.send(self.total);
        }
    }

    #[cast]
    fn continue_with(&mut self, label: &'static str, ctx: &mut Context<Self>) {
        ctx.continue_with(label);
    }

    #[info]
    fn on_tick(&mut self, tick: Tick) {
        self.total += tick.0;
    }

    #[info]
    fn on_reset(&mut self, _: Reset) {
        self.total = 0;
    }

    async fn handle_continue(&mut self, label: &'static str) {
        let _ = self.events.send(Event::Continued(label));
    }

    fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.events.send(Event::Terminated(reason.clone()));
    }
}

/// Starts a probe at `total` and returns it with its event stream (the `Init`
/// event already taken).
pub async fn start(total: u64) -> (ProbeRef, mpsc::UnboundedReceiver<Event>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let probe = Probe::start(total, tx).await.expect("probe starts");
    assert_eq!(
        rx.try_recv(),
        Ok(Event::Init),
        "init ran before start returned"
    );
    (probe, rx)
}
