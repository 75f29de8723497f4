//! Failed restarts: retried after the requests already queued (OTP's
//! `try_again`), each try counted against the intensity, and a retry that
//! a request made pointless (`terminate_child`, `restart_child`) not made.

use std::future::{Future, IntoFuture};
use std::pin::{Pin, pin};
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{ChildError, ChildState, Strategy, SupervisorSpec};
use tokio::sync::{mpsc, oneshot};

use crate::member::{
    Event, MemberRef, Step, crash_and_settle, crashed, drain, member, settle, spec, trapping,
};
use crate::within;

/// The events of a supervisor giving up: `names` stopped, in this order.
fn stopped_in_order(names: &[&'static str]) -> Vec<Event> {
    names
        .iter()
        .flat_map(|&n| {
            [
                Event::Terminating(n, ExitReason::Shutdown),
                Event::Terminated(n),
            ]
        })
        .collect()
}

// These run on the real clock with an hour-long intensity window: under a
// paused clock, a retry loop that never lets the runtime idle would keep
// `within` from ever reaching its time bound.
const WINDOW: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_failed_restart_is_retried_and_each_try_counts_against_the_intensity() {
    let (log, mut events) = mpsc::unbounded_channel();
    let flaky = trapping();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .max_restarts(3)
        .restart_window(WINDOW)
        .child(spec("f1a", &log, trapping()))
        .child(spec("f1b", &log, flaky.clone()))
        .child(spec("f1c", &log, trapping()))
        .start()
        .await
        .unwrap();
    let sup_down = gen_server::monitor(&sup);
    drain(&mut events);
    flaky.script.push(Step::Fail);
    flaky.script.push(Step::Fail);
    crash_and_settle(&member("f1b"), &sup).await;
    settle(&sup).await;
    // Three restarts: the first and two retries, the last one good.
    assert_eq!(
        drain(&mut events),
        [
            crashed("f1b").as_slice(),
            &[
                Event::Refused("f1b"),
                Event::Refused("f1b"),
                Event::Started("f1b")
            ],
        ]
        .concat()
    );
    // 3 restarts are allowed in the window: one more crash is one too many.
    crash_and_settle(&member("f1b"), &sup).await;
    assert_eq!(within(sup_down).await, ExitReason::Shutdown);
    assert_eq!(
        drain(&mut events),
        [
            crashed("f1b").as_slice(),
            &stopped_in_order(&["f1c", "f1a"])
        ]
        .concat()
    );
}

#[tokio::test]
async fn a_restart_that_keeps_failing_makes_the_supervisor_give_up_in_reverse_order() {
    let (log, mut events) = mpsc::unbounded_channel();
    let broken = trapping();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .max_restarts(3)
        .restart_window(WINDOW)
        .child(spec("f2a", &log, trapping()))
        .child(spec("f2b", &log, broken.clone()))
        .child(spec("f2c", &log, trapping()))
        .start()
        .await
        .unwrap();
    let sup_down = gen_server::monitor(&sup);
    drain(&mut events);
    broken.fail_init.store(true, Ordering::SeqCst);
    crash_and_settle(&member("f2b"), &sup).await;
    // The restart and two retries fail; the third retry is one too many.
    assert_eq!(within(sup_down).await, ExitReason::Shutdown);
    assert_eq!(
        drain(&mut events),
        [
            crashed("f2b").as_slice(),
            &[const { Event::Refused("f2b") }; 3],
            &stopped_in_order(&["f2c", "f2a"]),
        ]
        .concat()
    );
    assert!(MemberRef::whereis("f2a").is_none());
}

/// Polls `request` once: a call is queued in the server's mailbox on its
/// first poll.
async fn enqueue<F: Future>(mut request: Pin<&mut F>) {
    std::future::poll_fn(|cx| {
        assert!(
            request.as_mut().poll(cx).is_pending(),
            "the supervisor is busy restarting: it cannot have answered"
        );
        Poll::Ready(())
    })
    .await;
}

/// Crashes `name` (whose next `init` waits for a release, then fails) and
/// returns, with the supervisor held inside that failing restart, the
/// release.
async fn crash_into_a_held_restart(
    name: &'static str,
    script: &crate::member::Script,
) -> oneshot::Sender<()> {
    let (entered_tx, entered) = oneshot::channel();
    let (release, release_rx) = oneshot::channel();
    script.push(Step::HoldThenFail {
        entered: entered_tx,
        release: release_rx,
    });
    member(name).crash().await.unwrap();
    within(entered).await.unwrap();
    release
}

#[tokio::test]
async fn terminating_a_child_whose_restart_failed_cancels_the_retry() {
    let (log, mut events) = mpsc::unbounded_channel();
    let flaky = trapping();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("f3a", &log, trapping()))
        .child(spec("f3b", &log, flaky.clone()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let release = crash_into_a_held_restart("f3b", &flaky.script).await;
    // Queued before the retry the failing restart is about to queue.
    let mut terminate = pin!(sup.terminate_child("f3b".into()).into_future());
    enqueue(terminate.as_mut()).await;
    release.send(()).unwrap();
    assert_eq!(within(terminate).await, Ok(Ok(())));

    let children = settle(&sup).await;
    sup.count_children().await.unwrap();
    assert_eq!(
        children
            .iter()
            .map(|c| (c.id.as_str(), c.state))
            .collect::<Vec<_>>(),
        [("f3a", ChildState::Running), ("f3b", ChildState::Stopped)]
    );
    // Terminated means terminated: the retry did not bring it back.
    assert_eq!(
        drain(&mut events),
        [crashed("f3b").as_slice(), &[Event::Refused("f3b")]].concat()
    );
    assert!(MemberRef::whereis("f3b").is_none());
}

#[tokio::test]
async fn restart_child_is_refused_while_a_retry_is_queued_and_the_child_restarts_once() {
    let (log, mut events) = mpsc::unbounded_channel();
    let flaky = trapping();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("f4a", &log, trapping()))
        .child(spec("f4b", &log, flaky.clone()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let release = crash_into_a_held_restart("f4b", &flaky.script).await;
    let mut restart = pin!(sup.restart_child("f4b".into()).into_future());
    enqueue(restart.as_mut()).await;
    release.send(()).unwrap();
    // OTP's `{:error, :restarting}`.
    assert_eq!(
        within(restart).await.map(|r| r.map(|p| p.map(|p| p.id()))),
        Ok(Err(ChildError::Restarting("f4b".into())))
    );

    let children = settle(&sup).await;
    assert_eq!(children[1].state, ChildState::Running);
    assert_eq!(
        children[1].pid.as_ref().map(|p| p.id()),
        Some(member("f4b").id())
    );
    // One restart by the retry, not two.
    assert_eq!(
        drain(&mut events),
        [
            crashed("f4b").as_slice(),
            &[Event::Refused("f4b"), Event::Started("f4b")]
        ]
        .concat()
    );
}
