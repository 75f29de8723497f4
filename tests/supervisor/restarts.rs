//! Restarts: the three strategies, the three restart types, the intensity.

use gen_server::prelude::*;
use gen_server::supervisor::{ChildState, Restart, Strategy, SupervisorRef, SupervisorSpec};
use tokio::sync::mpsc;

use crate::member::{
    Behaviour, Event, MemberRef, Step, crash_and_settle, crashed, drain, member, settle, spec,
    trapping,
};
use crate::within;

async fn three(
    strategy: Strategy,
    names: [&'static str; 3],
) -> (SupervisorRef, mpsc::UnboundedReceiver<Event>) {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(strategy)
        .children(names.map(|n| spec(n, &log, trapping())))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    (sup, events)
}

fn ids(names: &[&str]) -> Vec<ActorId> {
    names.iter().map(|n| member(n).id()).collect()
}

#[tokio::test]
async fn one_for_one_restarts_only_the_child_that_ended() {
    let names = ["r1a", "r1b", "r1c"];
    let (sup, mut events) = three(Strategy::OneForOne, names).await;
    let before = ids(&names);
    crash_and_settle(&member("r1b"), &sup).await;
    let after = ids(&names);
    assert_eq!((after[0], after[2]), (before[0], before[2]));
    assert_ne!(after[1], before[1]);
    assert_eq!(
        drain(&mut events),
        [crashed("r1b").as_slice(), &[Event::Started("r1b")]].concat()
    );
}

#[tokio::test]
async fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    let names = ["r2a", "r2b", "r2c"];
    let (sup, mut events) = three(Strategy::OneForAll, names).await;
    let before = ids(&names);
    crash_and_settle(&member("r2b"), &sup).await;
    let after = ids(&names);
    assert!(before.iter().zip(&after).all(|(b, a)| b != a));
    assert_eq!(
        drain(&mut events),
        [
            crashed("r2b").as_slice(),
            &[
                Event::Terminating("r2c", ExitReason::Shutdown),
                Event::Terminated("r2c"),
                Event::Terminating("r2a", ExitReason::Shutdown),
                Event::Terminated("r2a"),
                Event::Started("r2a"),
                Event::Started("r2b"),
                Event::Started("r2c")
            ],
        ]
        .concat()
    );
}

#[tokio::test]
async fn rest_for_one_restarts_the_child_and_those_started_after_it() {
    let names = ["r3a", "r3b", "r3c"];
    let (sup, mut events) = three(Strategy::RestForOne, names).await;
    let before = ids(&names);
    crash_and_settle(&member("r3b"), &sup).await;
    let after = ids(&names);
    assert_eq!(after[0], before[0]);
    assert_ne!(after[1], before[1]);
    assert_ne!(after[2], before[2]);
    assert_eq!(
        drain(&mut events),
        [
            crashed("r3b").as_slice(),
            &[
                Event::Terminating("r3c", ExitReason::Shutdown),
                Event::Terminated("r3c"),
                Event::Started("r3b"),
                Event::Started("r3c")
            ],
        ]
        .concat()
    );
}

/// Ends `name` with `reason` and waits until the supervisor has handled it.
async fn finish(sup: &SupervisorRef, name: &str, reason: ExitReason) {
    let victim = member(name);
    let down = gen_server::monitor(&victim);
    victim.finish(reason).await.unwrap();
    within(down).await;
    sup.count_children().await.unwrap();
}

#[tokio::test]
async fn restart_types_decide_what_is_restarted() {
    let (log, mut events) = mpsc::unbounded_channel();
    let b = Behaviour::default();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("r4-perm", &log, b.clone()))
        .child(spec("r4-trans", &log, b.clone()).restart(Restart::Transient))
        .child(spec("r4-trans2", &log, b.clone()).restart(Restart::Transient))
        .child(spec("r4-temp", &log, b).restart(Restart::Temporary))
        .max_restarts(10)
        .start()
        .await
        .unwrap();
    drain(&mut events);

    // Permanent: restarted even after a normal exit.
    finish(&sup, "r4-perm", ExitReason::Normal).await;
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("r4-perm", ExitReason::Normal),
            Event::Terminated("r4-perm"),
            Event::Started("r4-perm")
        ]
    );

    // Transient: not after `Normal` or `Shutdown`/`ShutdownWith`...
    finish(&sup, "r4-trans", ExitReason::ShutdownWith("done".into())).await;
    assert!(MemberRef::whereis("r4-trans").is_none());
    // ...but after a crash.
    crash_and_settle(&member("r4-trans2"), &sup).await;
    assert!(drain(&mut events).contains(&Event::Started("r4-trans2")));

    // Temporary: never, and it is forgotten.
    crash_and_settle(&member("r4-temp"), &sup).await;
    assert!(MemberRef::whereis("r4-temp").is_none());
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.pid.is_some()))
        .collect();
    assert_eq!(
        ids,
        [
            ("r4-perm".to_string(), true),
            ("r4-trans".to_string(), false),
            ("r4-trans2".to_string(), true),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn exceeding_the_intensity_stops_all_children_in_reverse_and_exits_shutdown() {
    let (sup, mut events) = three(Strategy::OneForOne, ["r5a", "r5b", "r5c"]).await;
    let sup_down = gen_server::monitor(&sup);
    // The defaults: 3 restarts in 5 s are allowed...
    for _ in 0..3 {
        crash_and_settle(&member("r5a"), &sup).await;
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
    }
    let round = [crashed("r5a").as_slice(), &[Event::Started("r5a")]].concat();
    assert_eq!(
        drain(&mut events),
        round
            .iter()
            .cloned()
            .cycle()
            .take(3 * round.len())
            .collect::<Vec<_>>()
    );
    // ...a fourth within the window is one too many.
    crash_and_settle(&member("r5a"), &sup).await;
    assert_eq!(within(sup_down).await, ExitReason::Shutdown);
    assert_eq!(
        drain(&mut events),
        [
            crashed("r5a").as_slice(),
            &[
                Event::Terminating("r5c", ExitReason::Shutdown),
                Event::Terminated("r5c"),
                Event::Terminating("r5b", ExitReason::Shutdown),
                Event::Terminated("r5b"),
            ],
        ]
        .concat()
    );
    assert!(MemberRef::whereis("r5b").is_none());
}

#[tokio::test(start_paused = true)]
async fn restarts_older_than_the_window_do_not_count() {
    let (sup, mut events) = three(Strategy::OneForOne, ["r6a", "r6b", "r6c"]).await;
    for _ in 0..6 {
        crash_and_settle(&member("r6a"), &sup).await;
        // Two restarts per 5 s window at most.
        tokio::time::advance(std::time::Duration::from_millis(2600)).await;
    }
    assert!(sup.is_alive());
    let round = [crashed("r6a").as_slice(), &[Event::Started("r6a")]].concat();
    assert_eq!(
        drain(&mut events),
        round
            .iter()
            .cloned()
            .cycle()
            .take(6 * round.len())
            .collect::<Vec<_>>()
    );
}

/// A temporary sibling stopped by a one-for-all or rest-for-one restart is
/// forgotten, not restarted (OTP's `terminate_children`).
#[tokio::test]
async fn a_temporary_sibling_is_not_restarted_by_one_for_all_or_rest_for_one() {
    for (strategy, names) in [
        (Strategy::OneForAll, ["r7a", "r7b", "r7-temp", "r7c"]),
        (Strategy::RestForOne, ["r8a", "r8b", "r8-temp", "r8c"]),
    ] {
        let (log, mut events) = mpsc::unbounded_channel();
        let [a, b, temp, c] = names;
        let sup = SupervisorSpec::new(strategy)
            .child(spec(a, &log, trapping()))
            .child(spec(b, &log, trapping()))
            .child(spec(temp, &log, trapping()).restart(Restart::Temporary))
            .child(spec(c, &log, trapping()))
            .start()
            .await
            .unwrap();
        drain(&mut events);
        let before = member(a).id();
        crash_and_settle(&member(b), &sup).await;
        let restarted_a = member(a).id() != before;
        assert_eq!(restarted_a, strategy == Strategy::OneForAll);
        let stops_a: &[Event] = if strategy == Strategy::OneForAll {
            &[
                Event::Terminating(a, ExitReason::Shutdown),
                Event::Terminated(a),
            ]
        } else {
            &[]
        };
        let starts_a: &[Event] = if strategy == Strategy::OneForAll {
            &[Event::Started(a)]
        } else {
            &[]
        };
        assert_eq!(
            drain(&mut events),
            [
                crashed(b).as_slice(),
                &[
                    Event::Terminating(c, ExitReason::Shutdown),
                    Event::Terminated(c),
                    Event::Terminating(temp, ExitReason::Shutdown),
                    Event::Terminated(temp),
                ],
                stops_a,
                starts_a,
                &[Event::Started(b), Event::Started(c)],
            ]
            .concat(),
            "{strategy:?}"
        );
        assert!(MemberRef::whereis(temp).is_none(), "{strategy:?}");
        let ids: Vec<_> = sup
            .which_children()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [a, b, c], "{strategy:?}");
        within(sup.stop(ExitReason::Shutdown)).await.unwrap();
    }
}

/// OTP: an `:ignore` on a restart leaves the child stopped; it is not a
/// failed restart and is not tried again.
#[tokio::test]
async fn a_child_that_ignores_its_restart_is_left_stopped_and_not_retried() {
    let (log, mut events) = mpsc::unbounded_channel();
    let behaviour = Behaviour::default();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("r9a", &log, behaviour.clone()))
        .child(spec("r9b", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    behaviour.script.push(Step::Ignore);
    crash_and_settle(&member("r9a"), &sup).await;
    // A retry, had one been queued, would run before these calls and start it.
    let children = settle(&sup).await;
    sup.count_children().await.unwrap();
    assert_eq!(
        drain(&mut events),
        [crashed("r9a").as_slice(), &[Event::Ignored("r9a")]].concat()
    );
    assert_eq!(
        children
            .iter()
            .map(|c| (c.id.as_str(), c.state))
            .collect::<Vec<_>>(),
        [("r9a", ChildState::Stopped), ("r9b", ChildState::Running)]
    );
    assert!(MemberRef::whereis("r9a").is_none());
    assert!(sup.is_alive());
}
