//! The reusable ChannelWatcher: callbacks on every kind of end, unwatch, and
//! isolation from slow or panicking callbacks.

use gen_server::exit_watcher::{ExitWatcher, ExitWatcherRef};
use gen_server::prelude::*;
use tokio::sync::{mpsc, oneshot};

use crate::watcher::{Ending, end, victim};
use crate::within;

async fn watcher() -> (
    ExitWatcherRef,
    mpsc::UnboundedSender<(u32, ExitReason)>,
    mpsc::UnboundedReceiver<(u32, ExitReason)>,
) {
    let watcher = ExitWatcher::start().await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    (watcher, tx, rx)
}

fn report(
    tx: &mpsc::UnboundedSender<(u32, ExitReason)>,
    tag: u32,
) -> impl FnOnce(ExitReason) -> std::future::Ready<()> + Send + 'static {
    let tx = tx.clone();
    move |reason| {
        let _ = tx.send((tag, reason));
        std::future::ready(())
    }
}

#[tokio::test]
async fn the_callback_runs_with_its_data_for_every_kind_of_end() {
    let (watcher, tx, mut ran) = watcher().await;

    let (normal, end_normal) = victim();
    let (crashing, end_crashing) = victim();
    let (killed, _keep) = victim();
    watcher.on_exit(&normal, report(&tx, 1)).await.unwrap();
    watcher.on_exit(&crashing, report(&tx, 2)).await.unwrap();
    watcher.on_exit(&killed, report(&tx, 3)).await.unwrap();
    assert_eq!(watcher.watched().await, Ok(3));

    end(&normal, end_normal, Ending::Normally).await;
    assert_eq!(within(ran.recv()).await, Some((1, ExitReason::Normal)));
    end(&crashing, end_crashing, Ending::Panicking("crash")).await;
    assert_eq!(
        within(ran.recv()).await,
        Some((2, ExitReason::Panic("crash".into())))
    );
    killed.kill();
    assert_eq!(within(ran.recv()).await, Some((3, ExitReason::Killed)));
    assert_eq!(watcher.watched().await, Ok(0));
}

#[tokio::test]
async fn a_linked_death_runs_the_callback_too() {
    let (watcher, tx, mut ran) = watcher().await;
    // The socket process spawn_links the channel: when the connection drops
    // (the socket panics), the channel dies of it.
    let (channel_tx, channel_rx) = oneshot::channel::<Pid>();
    let (drop_connection, dropped) = oneshot::channel::<()>();
    let socket = gen_server::spawn(async move {
        let channel = gen_server::spawn_link(std::future::pending());
        channel_tx.send(channel).unwrap();
        let _ = dropped.await;
        panic!("connection reset");
    });
    let channel = within(channel_rx).await.unwrap();
    watcher.on_exit(&channel, report(&tx, 9)).await.unwrap();
    drop_connection.send(()).unwrap();
    assert_eq!(
        within(ran.recv()).await,
        Some((9, ExitReason::Panic("connection reset".into())))
    );
    assert!(!socket.is_alive());
}

#[tokio::test]
async fn unwatch_before_the_end_means_no_callback() {
    let (watcher, tx, mut ran) = watcher().await;
    let (quiet, end_quiet) = victim();
    let (loud, end_loud) = victim();
    watcher.on_exit(&quiet, report(&tx, 1)).await.unwrap();
    watcher.on_exit(&loud, report(&tx, 2)).await.unwrap();
    assert_eq!(watcher.unwatch(quiet.id()).await, Ok(true));
    assert_eq!(watcher.unwatch(quiet.id()).await, Ok(false));
    end(&quiet, end_quiet, Ending::Panicking("quiet")).await;
    end(&loud, end_loud, Ending::Normally).await;
    // The only callback that runs is the one still watched.
    assert_eq!(within(ran.recv()).await, Some((2, ExitReason::Normal)));
    assert_eq!(watcher.watched().await, Ok(0));
    assert!(ran.try_recv().is_err());
}

#[tokio::test]
async fn watching_again_replaces_the_callback() {
    let (watcher, tx, mut ran) = watcher().await;
    let (pid, how) = victim();
    assert_eq!(watcher.on_exit(&pid, report(&tx, 1)).await, Ok(false));
    assert_eq!(watcher.on_exit(&pid, report(&tx, 2)).await, Ok(true));
    end(&pid, how, Ending::Normally).await;
    assert_eq!(within(ran.recv()).await, Some((2, ExitReason::Normal)));
}

#[tokio::test]
async fn a_panicking_or_slow_callback_does_not_harm_the_watcher() {
    let (watcher, tx, mut ran) = watcher().await;
    let (bad, end_bad) = victim();
    let (slow, end_slow) = victim();
    let (good, end_good) = victim();
    watcher
        .on_exit(&bad, |_| async { panic!("callback bug") })
        .await
        .unwrap();
    watcher
        .on_exit(&slow, |_| std::future::pending::<()>())
        .await
        .unwrap();
    watcher.on_exit(&good, report(&tx, 3)).await.unwrap();
    end(&bad, end_bad, Ending::Normally).await;
    end(&slow, end_slow, Ending::Normally).await;
    end(&good, end_good, Ending::Normally).await;
    assert_eq!(within(ran.recv()).await, Some((3, ExitReason::Normal)));
    assert!(watcher.is_alive());
    assert_eq!(watcher.watched().await, Ok(0));
}

#[tokio::test]
async fn an_already_dead_process_runs_the_callback_with_noproc() {
    let (watcher, tx, mut ran) = watcher().await;
    let (pid, how) = victim();
    end(&pid, how, Ending::Normally).await;
    watcher.on_exit(&pid, report(&tx, 5)).await.unwrap();
    assert_eq!(within(ran.recv()).await, Some((5, ExitReason::NoProc)));
}
