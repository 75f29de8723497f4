//! SIGTERM (what `kill` and service managers send) stops a tree in order,
//! also when it arrives while the tree is still starting.
//!
//! A binary of its own, with one test: a signal reaches the whole process,
//! so no other test may listen for it at the same time.
#![cfg(unix)]

mod common;

use common::member::{Event, Step, drain, spec, trapping};
use common::{raise, within};
use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec, run_until_shutdown};
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn sigterm_stops_the_tree_in_reverse_order_even_during_its_start() {
    // SIGTERM while the tree starts: kept, and acted on once it has started.
    let (log, mut events) = mpsc::unbounded_channel();
    let (entered_tx, entered) = oneshot::channel();
    let (release, release_rx) = oneshot::channel();
    let held = trapping();
    held.script.push(Step::Hold {
        entered: entered_tx,
        release: release_rx,
    });
    let app = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("term-a", &log, trapping()))
        .child(spec("term-b", &log, held));
    // `run` installs the handlers when called: before the tree starts.
    let running = tokio::spawn(app.run());
    within(entered).await.unwrap();
    raise("-TERM");
    release.send(()).unwrap();
    let reason = within(running).await.unwrap().expect("the tree starts");
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(
        drain(&mut events),
        [
            Event::Started("term-a"),
            Event::Started("term-b"),
            Event::Terminating("term-b", ExitReason::Shutdown),
            Event::Terminated("term-b"),
            Event::Terminating("term-a", ExitReason::Shutdown),
            Event::Terminated("term-a"),
        ]
    );

    // SIGTERM to a running tree.
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("term-c", &log, trapping()))
        .child(spec("term-d", &log, trapping()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let running = tokio::spawn(run_until_shutdown(&sup));
    raise("-TERM");
    assert_eq!(within(running).await.unwrap(), ExitReason::Shutdown);
    assert!(!sup.is_alive());
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("term-d", ExitReason::Shutdown),
            Event::Terminated("term-d"),
            Event::Terminating("term-c", ExitReason::Shutdown),
            Event::Terminated("term-c"),
        ]
    );
}
