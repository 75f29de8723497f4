//! Ctrl-C (SIGINT) stops a tree run by `run_until_shutdown` in order; a
//! second one while it stops kills it.
//!
//! A binary of its own, with one test: a signal reaches the whole process,
//! so no other test may listen for it at the same time.
#![cfg(unix)]

mod common;

use std::time::Duration;

use common::member::{Behaviour, Event, drain, next, spec, trapping};
use common::{raise, within};
use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec, run_until_shutdown};
use tokio::sync::mpsc;

#[tokio::test]
async fn ctrl_c_stops_the_tree_in_reverse_order_and_a_second_one_kills_it() {
    // One Ctrl-C: a clean stop, in reverse order, `terminate` run.
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("int-a", &log, trapping()))
        .child(spec("int-b", &log, trapping()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    // The handlers are installed by the call, before the task runs.
    let running = tokio::spawn(run_until_shutdown(&sup));
    raise("-INT");
    assert_eq!(within(running).await.unwrap(), ExitReason::Shutdown);
    assert!(!sup.is_alive());
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("int-b", ExitReason::Shutdown),
            Event::Terminated("int-b"),
            Event::Terminating("int-a", ExitReason::Shutdown),
            Event::Terminated("int-a"),
        ]
    );

    // A second Ctrl-C while a child is slow to stop forces the stop.
    let slow = Behaviour {
        slow_terminate: Some(Duration::from_secs(3600)),
        ..trapping()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("int-c", &log, trapping()))
        .child(spec("int-slow", &log, slow).shutdown(gen_server::Shutdown::Infinity))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let running = tokio::spawn(run_until_shutdown(&sup));
    raise("-INT");
    assert_eq!(
        next(&mut events).await,
        Event::Terminating("int-slow", ExitReason::Shutdown)
    );
    raise("-INT");
    assert_eq!(within(running).await.unwrap(), ExitReason::Killed);
    assert!(!sup.is_alive());
    // Not waited for, the child that traps exits gets its parent's exit
    // signal and runs `terminate`; the slow one is still in its own.
    let event = next(&mut events).await;
    assert!(
        matches!(event, Event::Terminating("int-c", _)),
        "expected int-c to terminate, got {event:?}"
    );
}
