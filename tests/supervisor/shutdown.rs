//! Stopping: reverse order, each child by its shutdown rule, `terminate`
//! where OTP runs it, and a supervisor whose parent exits.

use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec};
use tokio::sync::{mpsc, oneshot};

use crate::member::{Behaviour, Event, MemberRef, drain, spec};
use crate::within;

#[tokio::test]
async fn children_stop_in_reverse_order_and_only_trapping_ones_run_terminate() {
    let (log, mut events) = mpsc::unbounded_channel();
    let trap = Behaviour {
        trap: true,
        ..Behaviour::default()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("s1a", &log, trap.clone()))
        .child(spec("s1b", &log, Behaviour::default()))
        .child(spec("s1c", &log, trap))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let plain = MemberRef::whereis("s1b").unwrap();
    let plain_down = gen_server::monitor(&plain);
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
    // s1b does not trap exits: the `Shutdown` signal ends it without `terminate`.
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("s1c", ExitReason::Shutdown),
            Event::Terminated("s1c"),
            Event::Terminating("s1a", ExitReason::Shutdown),
            Event::Terminated("s1a"),
        ]
    );
    assert_eq!(within(plain_down).await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_outlives_its_shutdown_time_is_killed() {
    let (log, mut events) = mpsc::unbounded_channel();
    let slow = Behaviour {
        trap: true,
        slow_terminate: Some(Duration::from_secs(3600)),
        ..Behaviour::default()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(
            spec("s2a", &log, slow).shutdown(gen_server::Shutdown::Timeout(Duration::from_secs(1))),
        )
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let started = tokio::time::Instant::now();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    // `terminate` began and was cut short by the kill.
    assert_eq!(
        drain(&mut events),
        [Event::Terminating("s2a", ExitReason::Shutdown)]
    );
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_for_terminate_to_finish() {
    let (log, mut events) = mpsc::unbounded_channel();
    let slow = Behaviour {
        trap: true,
        slow_terminate: Some(Duration::from_secs(60)),
        ..Behaviour::default()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("s3a", &log, slow).shutdown(gen_server::Shutdown::Infinity))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let started = tokio::time::Instant::now();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("s3a", ExitReason::Shutdown),
            Event::Terminated("s3a")
        ]
    );
}

#[tokio::test]
async fn brutal_kill_skips_terminate() {
    let (log, mut events) = mpsc::unbounded_channel();
    let trap = Behaviour {
        trap: true,
        ..Behaviour::default()
    };
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("s4a", &log, trap).shutdown(gen_server::Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let child = MemberRef::whereis("s4a").unwrap();
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
    assert_eq!(drain(&mut events), []);
    assert_eq!(child.exit_reason(), Some(ExitReason::Killed));
}

#[tokio::test]
async fn a_supervisor_stops_its_children_when_its_parent_exits() {
    let (log, mut events) = mpsc::unbounded_channel();
    let trap = Behaviour {
        trap: true,
        ..Behaviour::default()
    };
    let (ready_tx, ready) = oneshot::channel();
    let (crash_tx, crash) = oneshot::channel::<()>();
    let children = [spec("s5a", &log, trap.clone()), spec("s5b", &log, trap)];
    let parent = gen_server::spawn(async move {
        let sup = SupervisorSpec::new(Strategy::OneForOne)
            .children(children)
            .start_link()
            .await
            .unwrap();
        let _ = ready_tx.send(sup);
        let _ = crash.await;
        panic!("application crashed");
    });
    let sup = within(ready).await.unwrap();
    drain(&mut events);
    let sup_down = gen_server::monitor(&sup);
    crash_tx.send(()).unwrap();
    let reason = ExitReason::Panic("application crashed".into());
    assert_eq!(within(gen_server::monitor(&parent)).await, reason);
    assert_eq!(within(sup_down).await, reason);
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("s5b", ExitReason::Shutdown),
            Event::Terminated("s5b"),
            Event::Terminating("s5a", ExitReason::Shutdown),
            Event::Terminated("s5a"),
        ]
    );
}

#[tokio::test]
async fn killing_a_supervisor_takes_its_children_down() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("s6a", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let child = MemberRef::whereis("s6a").unwrap();
    let child_down = gen_server::monitor(&child);
    sup.kill();
    assert_eq!(within(child_down).await, ExitReason::Killed);
}
