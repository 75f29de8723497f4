//! Bounded mailboxes: backpressure, or an error when asked not to wait.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use gen_server::{CallError, SendError};
use tokio::sync::{mpsc, oneshot};

use crate::probe::{Probe, ProbeRef};
use crate::within;

/// A probe with a mailbox of `capacity`, held busy until the returned sender fires.
async fn busy_probe(
    capacity: usize,
) -> (ProbeRef, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (tx, _rx) = mpsc::unbounded_channel();
    let probe = Probe::builder()
        .bounded_mailbox(capacity)
        .start((0, tx))
        .await
        .unwrap();
    let (open, gate) = oneshot::channel();
    let held = tokio::spawn({
        let probe = probe.clone();
        async move {
            probe.hold(gate).await.unwrap();
        }
    });
    // Wait until the actor has taken `hold` out of its mailbox and is blocked in it.
    while probe
        .get()
        .fail_when_full()
        .timeout(std::time::Duration::ZERO)
        .await
        != Err(CallError::Timeout)
    {
        tokio::task::yield_now().await;
    }
    (probe, open, held)
}

#[tokio::test]
async fn a_full_mailbox_refuses_messages_that_may_not_wait() {
    let (probe, open, held) = busy_probe(2).await;
    // The probe `get` above took one slot and is still queued.
    probe.bump(1).try_send().unwrap();
    assert_eq!(probe.bump(1).try_send(), Err(SendError::MailboxFull));
    assert_eq!(
        probe.add(1).fail_when_full().await,
        Err(CallError::MailboxFull)
    );
    open.send(()).unwrap();
    within(held).await.unwrap();
    assert_eq!(probe.get().await, Ok(1));
}

#[tokio::test]
async fn a_full_mailbox_makes_senders_wait_for_room() {
    let (probe, open, held) = busy_probe(2).await;
    probe.bump(1).try_send().unwrap();
    // Full now: an awaited cast must wait.
    let mut waiting = pin!(std::future::IntoFuture::into_future(probe.bump(10)));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(waiting.as_mut().poll(&mut cx), Poll::Pending);
    open.send(()).unwrap();
    within(held).await.unwrap();
    assert_eq!(within(waiting).await, Ok(()));
    assert_eq!(probe.get().await, Ok(11));
}
