//! Panics are contained: the crashing actor ends with a typed reason, nothing else is affected.

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
