//! Casts and info messages: one-way, in order with calls, routed by type.

use gen_server::{ExitReason, SendError};

use crate::probe::{self, Reset, Tick};

#[tokio::test]
async fn casts_are_handled_in_order_with_calls() {
    let (probe, _events) = probe::start(0).await;
    probe.bump(1).await.unwrap();
    probe.bump(2).try_send().unwrap();
    assert_eq!(probe.add(3).await, Ok(6));
}

#[tokio::test]
async fn a_cast_returns_before_it_is_handled() {
    let (probe, _events) = probe::start(0).await;
    // The handler sleeps; the cast itself only enqueues.
    probe
        .bump_later(1, std::time::Duration::from_millis(20))
        .try_send()
        .unwrap();
    assert_eq!(probe.get().await, Ok(1));
}

#[tokio::test]
async fn a_cast_to_a_stopped_server_reports_noproc() {
    let (probe, _events) = probe::start(0).await;
    probe.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(probe.bump(1).await, Err(SendError::NoProc));
    assert_eq!(probe.bump(1).try_send(), Err(SendError::NoProc));
    assert_eq!(probe.send_info(Tick(1)).await, Err(SendError::NoProc));
}

#[tokio::test]
async fn info_messages_reach_the_handler_for_their_type() {
    let (probe, _events) = probe::start(0).await;
    probe.send_info(Tick(4)).await.unwrap();
    probe.send_info(Tick(5)).try_send().unwrap();
    assert_eq!(probe.get().await, Ok(9));
    probe.send_info(Reset).await.unwrap();
    assert_eq!(probe.get().await, Ok(0));
}
