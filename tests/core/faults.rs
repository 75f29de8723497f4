//! Panics are contained: the crashing actor ends with a typed reason, nothing else is affected.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gen_server::CallError;
use gen_server::prelude::*;

use crate::probe::{self, Event};
use crate::within;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_does_not_affect_other_actors() {
    let (healthy, _healthy_events) = probe::start(10).await;
    let (doomed, _doomed_events) = probe::start(0).await;
    assert!(matches!(
        doomed.crash("kaboom".into()).await,
        Err(CallError::Exited(_))
    ));
    assert!(!doomed.is_alive() || doomed.exit_reason().is_some());
    assert_eq!(healthy.add(1).await, Ok(11));
    assert!(healthy.is_alive());
}

#[tokio::test]
async fn the_exit_reason_carries_the_panic_message() {
    let (probe, mut events) = probe::start(0).await;
    let _ = probe.crash("index 7 out of range".into()).await;
    assert_eq!(
        within(events.recv()).await,
        Some(Event::Terminated(ExitReason::Panic(
            "index 7 out of range".into()
        )))
    );
    assert_eq!(
        probe.exit_reason(),
        Some(ExitReason::Panic("index 7 out of range".into()))
    );
}

/// A server that panics in `handle_continue`.
struct Fragile;

#[gen_server]
impl Fragile {
    fn init() -> Self {
        Fragile
    }

    #[call]
    fn arm(&mut self, ctx: &mut Context<Self>) -> bool {
        ctx.continue_with(());
        true
    }

    fn handle_continue(&mut self, _: ()) {
        panic!("continue exploded");
    }
}

#[tokio::test]
async fn a_panic_in_handle_continue_ends_the_server() {
    let fragile = Fragile::start().await.unwrap();
    // The reply is sent before the continue runs.
    assert_eq!(fragile.arm().await, Ok(true));
    // The next call finds it dead or dying with the continue's panic.
    let after = fragile.arm().await;
    assert!(
        matches!(&after, Err(CallError::NoProc) | Err(CallError::Exited(_))),
        "{after:?}"
    );
    assert_eq!(
        fragile.exit_reason(),
        Some(ExitReason::Panic("continue exploded".into()))
    );
}

#[test]
fn exit_reasons_print_like_otp() {
    assert_eq!(ExitReason::Normal.to_string(), "normal");
    assert_eq!(ExitReason::Shutdown.to_string(), "shutdown");
    assert_eq!(
        ExitReason::ShutdownWith("draining".into()).to_string(),
        "shutdown: draining"
    );
    assert_eq!(ExitReason::Killed.to_string(), "killed");
    assert_eq!(ExitReason::NoProc.to_string(), "noproc");
    assert_eq!(
        ExitReason::Panic("oops".into()).to_string(),
        "panicked: oops"
    );
    assert!(ExitReason::ShutdownWith("x".into()).is_normal());
    assert!(!ExitReason::Killed.is_normal());
    assert!(!ExitReason::Panic("x".into()).is_normal());
}

/// Counts the casts it handles; the first one blocks until released.
struct Batch {
    handled: Arc<AtomicUsize>,
    first: Option<(std::sync::mpsc::Sender<()>, std::sync::mpsc::Receiver<()>)>,
}

#[gen_server]
impl Batch {
    fn init(
        handled: Arc<AtomicUsize>,
        entered: std::sync::mpsc::Sender<()>,
        release: std::sync::mpsc::Receiver<()>,
    ) -> Self {
        Batch {
            handled,
            first: Some((entered, release)),
        }
    }

    /// Blocks until `open` fires, so that messages pile up meanwhile.
    #[cast]
    fn gate(&mut self, busy: std::sync::mpsc::Sender<()>, open: std::sync::mpsc::Receiver<()>) {
        let _ = busy.send(());
        let _ = open.recv();
    }

    #[cast]
    fn work(&mut self) {
        self.handled.fetch_add(1, Ordering::SeqCst);
        if let Some((entered, release)) = self.first.take() {
            let _ = entered.send(());
            let _ = release.recv();
        }
    }
}

/// A kill stops the actor before the next message, even one it had already
/// taken from its mailbox with a batch (and a handler that never yields).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_handles_no_message_after_the_one_it_is_in() {
    let handled = Arc::new(AtomicUsize::new(0));
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel();
    let server = Batch::start(handled.clone(), entered_tx, release_rx)
        .await
        .unwrap();
    // Ten casts pile up behind the gate, and the actor takes them as one
    // batch when it opens.
    let (busy_tx, busy) = std::sync::mpsc::channel();
    let (open, open_rx) = std::sync::mpsc::channel();
    server.gate(busy_tx, open_rx).await.unwrap();
    tokio::task::spawn_blocking(move || busy.recv().unwrap())
        .await
        .unwrap();
    for _ in 0..10 {
        server.work().await.unwrap();
    }
    open.send(()).unwrap();
    tokio::task::spawn_blocking(move || entered.recv().unwrap())
        .await
        .unwrap();
    let down = gen_server::monitor(&server);
    assert!(server.kill());
    release.send(()).unwrap();
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}
