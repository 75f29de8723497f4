//! `send_after` and `send_interval`, on tokio's paused clock.

use std::time::Duration;

use gen_server::prelude::*;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::within;

#[derive(Clone, Debug)]
struct Beep(u32);

/// Forwards every beep, with the (virtual) time it arrived.
struct Listener {
    heard: mpsc::UnboundedSender<(u32, Instant)>,
    timers: Vec<Timer>,
}

#[gen_server]
impl Listener {
    fn init(heard: mpsc::UnboundedSender<(u32, Instant)>) -> Self {
        Listener {
            heard,
            timers: Vec::new(),
        }
    }

    #[cast]
    fn beep_after(&mut self, id: u32, delay: Duration, ctx: &mut Context<Self>) {
        self.timers.push(ctx.send_after(Beep(id), delay));
    }

    #[cast]
    fn beep_every(&mut self, id: u32, period: Duration, ctx: &mut Context<Self>) {
        self.timers.push(ctx.send_interval(Beep(id), period));
    }

    #[call]
    fn cancel_all(&mut self) -> usize {
        self.timers.drain(..).filter(|t| t.cancel()).count()
    }

    #[info]
    fn on_beep(&mut self, beep: Beep) {
        let _ = self.heard.send((beep.0, Instant::now()));
    }
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_once_after_the_delay() {
    let (tx, mut heard) = mpsc::unbounded_channel();
    let listener = Listener::start(tx).await.unwrap();
    let began = Instant::now();
    listener
        .beep_after(1, Duration::from_millis(300))
        .await
        .unwrap();
    let (id, at) = within(heard.recv()).await.unwrap();
    assert_eq!(id, 1);
    assert_eq!(at - began, Duration::from_millis(300));
    assert_eq!(
        listener.cancel_all().await,
        Ok(0),
        "a fired timer is finished"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_fires() {
    let (tx, mut heard) = mpsc::unbounded_channel();
    let listener = Listener::start(tx).await.unwrap();
    listener
        .beep_after(1, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(listener.cancel_all().await, Ok(1));
    listener
        .beep_after(2, Duration::from_secs(2))
        .await
        .unwrap();
    // The next beep heard is the second one, a whole second after the first was due.
    let (id, _) = within(heard.recv()).await.unwrap();
    assert_eq!(id, 2);
}

#[tokio::test(start_paused = true)]
async fn send_interval_ticks_until_cancelled() {
    let (tx, mut heard) = mpsc::unbounded_channel();
    let listener = Listener::start(tx).await.unwrap();
    let began = Instant::now();
    listener
        .beep_every(7, Duration::from_millis(100))
        .await
        .unwrap();
    for n in 1..=3u32 {
        let (id, at) = within(heard.recv()).await.unwrap();
        assert_eq!(id, 7);
        assert_eq!(at - began, Duration::from_millis(100) * n);
    }
    assert_eq!(listener.cancel_all().await, Ok(1));
    listener
        .beep_after(8, Duration::from_secs(1))
        .await
        .unwrap();
    let (id, _) = within(heard.recv()).await.unwrap();
    assert_eq!(id, 8, "no tick after the interval was cancelled");
}

#[tokio::test(start_paused = true)]
async fn an_interval_stops_by_itself_when_its_target_ends() {
    let (tx, _heard) = mpsc::unbounded_channel();
    let listener = Listener::start(tx).await.unwrap();
    let timer = gen_server::send_interval(listener.actor_ref(), Beep(1), Duration::from_millis(10));
    listener.stop(ExitReason::Normal).await.unwrap();
    within(async {
        while !timer.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}
