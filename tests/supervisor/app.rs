//! The application entry: a tree run from `main` until SIGTERM/SIGINT, then
//! stopped in order.

use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec, run_until_shutdown};
use tokio::sync::mpsc;

use crate::member::{Behaviour, Event, drain, spec};
use crate::within;

/// Sends `signal` to this test process, as `kill` or a service manager would.
fn raise(signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[tokio::test]
async fn a_termination_signal_stops_the_tree_in_reverse_order() {
    // Our own listener first: from now on SIGTERM never kills this process.
    let mut guard =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    let (log, mut events) = mpsc::unbounded_channel();
    let trap = Behaviour {
        trap: true,
        ..Behaviour::default()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("app-a", &log, trap.clone()))
        .child(spec("app-b", &log, trap))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let running = tokio::spawn({
        let sup = sup.clone();
        async move { run_until_shutdown(&sup).await }
    });
    // A signal only reaches listeners that exist when it arrives: signal
    // until the tree's runner has seen one (each also reaches `guard`).
    let reason = within(async {
        loop {
            raise("-TERM");
            guard.recv().await;
            if running.is_finished() {
                break running.await.unwrap();
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert_eq!(reason, ExitReason::Shutdown);
    assert!(!sup.is_alive());
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("app-b", ExitReason::Shutdown),
            Event::Terminated("app-b"),
            Event::Terminating("app-a", ExitReason::Shutdown),
            Event::Terminated("app-a"),
        ]
    );
}

#[tokio::test]
async fn the_runner_returns_when_the_tree_ends_by_itself() {
    let (log, _events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("app-c", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    let running = tokio::spawn({
        let sup = sup.clone();
        async move { run_until_shutdown(&sup).await }
    });
    sup.stop(ExitReason::ShutdownWith("done".into()))
        .await
        .unwrap();
    assert_eq!(
        within(running).await.unwrap(),
        ExitReason::ShutdownWith("done".into())
    );
}
