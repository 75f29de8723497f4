//! Deferred replies through `ReplyTo`.

use std::time::Duration;

use gen_server::{CallError, ExitReason};

use crate::probe;
use crate::within;

#[tokio::test]
async fn a_reply_sent_from_a_task_reaches_the_caller() {
    let (probe, _events) = probe::start(21).await;
    assert_eq!(
        probe.doubled_from_task(Duration::from_millis(5)).await,
        Ok(42)
    );
}

#[tokio::test]
async fn the_server_answers_other_calls_while_a_deferred_reply_is_pending() {
    let (probe, _events) = probe::start(1).await;
    let first = tokio::spawn({
        let probe = probe.clone();
        async move { probe.park().await }
    });
    // `park` returned without replying: the server is free.
    assert_eq!(probe.add(1).await, Ok(2));
    assert!(!first.is_finished());
    probe.release().await.unwrap();
    assert_eq!(within(first).await.unwrap(), Ok(2));
}

#[tokio::test]
async fn dropping_the_reply_handle_fails_the_call_at_once() {
    let (probe, _events) = probe::start(0).await;
    // Not a timeout: the error arrives as soon as the handle is dropped.
    let result = within(std::future::IntoFuture::into_future(probe.forget_reply())).await;
    assert_eq!(result, Err(CallError::NoReply));
    assert!(probe.is_alive());
}

#[tokio::test]
async fn a_parked_reply_fails_with_the_exit_reason_when_the_server_stops() {
    let (probe, _events) = probe::start(0).await;
    let parked = tokio::spawn({
        let probe = probe.clone();
        async move { probe.park().await }
    });
    assert_eq!(probe.get().await, Ok(0));
    probe.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        within(parked).await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
}

#[tokio::test]
async fn a_reply_dropped_by_a_panicking_handler_carries_the_panic() {
    let (probe, _events) = probe::start(0).await;
    let result = probe.park_then_crash().await;
    assert_eq!(
        result,
        Err(CallError::Exited(ExitReason::Panic(
            "crashed while holding a parked reply".into()
        )))
    );
}
