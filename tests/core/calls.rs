//! Calls: replies, ordering, timeouts, and every way a call can fail.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use gen_server::{CallError, DEFAULT_CALL_TIMEOUT, ExitReason};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::probe::{self, Event};
use crate::within;

#[tokio::test]
async fn sync_and_async_handlers_reply_in_order() {
    let (probe, _events) = probe::start(1).await;
    assert_eq!(probe.add(2).await, Ok(3));
    assert_eq!(probe.add(4).await, Ok(7));
    assert_eq!(probe.get().await, Ok(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_each_get_their_own_reply() {
    let (probe, _events) = probe::start(0).await;
    let mut callers = Vec::new();
    for _ in 0..8 {
        let probe = probe.clone();
        callers.push(tokio::spawn(async move {
            for _ in 0..100 {
                probe.add(1).await.unwrap();
            }
        }));
    }
    for caller in callers {
        within(caller).await.unwrap();
    }
    assert_eq!(probe.get().await, Ok(800));
}

#[tokio::test]
async fn an_async_handler_holds_the_actor_until_it_finishes() {
    let (probe, _events) = probe::start(5).await;
    let (open, gate) = oneshot::channel();
    let held = tokio::spawn({
        let probe = probe.clone();
        async move { probe.hold(gate).await }
    });
    // Queued behind `hold`: it cannot run, so the total it sees includes the add
    // only if `hold` has finished first.
    let add = tokio::spawn({
        let probe = probe.clone();
        async move { probe.add(1).await }
    });
    tokio::task::yield_now().await;
    assert!(
        !add.is_finished(),
        "a second message ran while `hold` was awaiting"
    );
    open.send(()).unwrap();
    assert_eq!(within(held).await.unwrap(), Ok(5));
    assert_eq!(within(add).await.unwrap(), Ok(6));
}

#[tokio::test(start_paused = true)]
async fn calls_time_out_after_five_seconds_by_default() {
    assert_eq!(DEFAULT_CALL_TIMEOUT, Duration::from_secs(5));
    let (probe, _events) = probe::start(0).await;
    let began = Instant::now();
    let slow = probe.sleep_then_get(Duration::from_secs(60)).await;
    assert_eq!(slow, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_call_timeout_can_be_changed_or_removed() {
    let (probe, _events) = probe::start(3).await;
    let began = Instant::now();
    let short = probe
        .sleep_then_get(Duration::from_secs(1))
        .timeout(Duration::from_millis(100))
        .await;
    assert_eq!(short, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), Duration::from_millis(100));

    let long = probe
        .sleep_then_get(Duration::from_secs(30))
        .no_timeout()
        .await;
    assert_eq!(long, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn a_late_reply_is_dropped_and_the_server_carries_on() {
    let (probe, _events) = probe::start(2).await;
    let late = probe
        .sleep_then_get(Duration::from_secs(1))
        .timeout(Duration::from_millis(10))
        .await;
    assert_eq!(late, Err(CallError::Timeout));
    // The next call gets its own reply, not the late one.
    assert_eq!(probe.add(1).await, Ok(3));
}

#[tokio::test]
async fn a_call_to_a_stopped_server_fails_with_noproc() {
    let (probe, _events) = probe::start(0).await;
    probe.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(probe.get().await, Err(CallError::NoProc));
}

#[tokio::test]
async fn a_server_that_dies_during_a_call_reports_its_exit_reason() {
    let (probe, mut events) = probe::start(0).await;
    let crashed = probe.crash("boom".into()).await;
    assert_eq!(
        crashed,
        Err(CallError::Exited(ExitReason::Panic("boom".into())))
    );
    let terminated = within(events.recv()).await;
    assert_eq!(
        terminated,
        Some(Event::Terminated(ExitReason::Panic("boom".into())))
    );
}

#[tokio::test]
async fn callers_queued_behind_a_crash_get_the_exit_reason() {
    let (probe, _events) = probe::start(0).await;
    let (open, gate) = oneshot::channel();
    let held = tokio::spawn({
        let probe = probe.clone();
        async move { probe.hold(gate).await }
    });
    tokio::task::yield_now().await;
    probe.crash_cast().await.unwrap();
    let queued = tokio::spawn({
        let probe = probe.clone();
        async move { probe.get().await }
    });
    tokio::task::yield_now().await;
    open.send(()).unwrap();
    assert_eq!(within(held).await.unwrap(), Ok(0));
    assert_eq!(
        within(queued).await.unwrap(),
        Err(CallError::Exited(ExitReason::Panic("cast crash".into())))
    );
}

#[tokio::test]
async fn a_server_calling_itself_gets_an_error_not_a_deadlock() {
    let (probe, _events) = probe::start(0).await;
    let result = within(probe.call_myself().into_future()).await;
    assert_eq!(result, Ok(Err(CallError::CallingSelf)));
    assert!(probe.is_alive());
}

#[tokio::test]
async fn a_call_cancelled_after_it_was_sent_is_still_handled() {
    let (probe, _events) = probe::start(0).await;
    {
        // Poll the call once, which enqueues it, then drop it unanswered.
        let mut call = pin!(probe.add(5).into_future());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(probe.get().await, Ok(5));
}
