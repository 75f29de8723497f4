//! Links: two-way, abnormal exits spread, `Normal` does not, `kill` is
//! untrappable, trap_exit turns signals into `Exit` messages.

use gen_server::prelude::*;
use tokio::sync::oneshot;

use crate::watcher::{self, Ending, Seen, Watcher, WatcherRef, end, next, victim};
use crate::within;

#[tokio::test]
async fn an_abnormal_exit_kills_a_linked_server_with_the_same_reason() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (pid, how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    let watcher_down = gen_server::monitor(&watcher);
    end(&pid, how, Ending::Panicking("link crash")).await;
    assert_eq!(
        within(watcher_down).await,
        ExitReason::Panic("link crash".into())
    );
    // An untrapped exit signal ends a gen_server without `terminate`.
    assert_eq!(next(&mut seen).await, None);
}

#[tokio::test]
async fn links_are_two_way() {
    let (watcher, _seen) = watcher::start(false).await;
    let (pid, _how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    let victim_down = gen_server::monitor(&pid);
    watcher.kill();
    // The linked partner sees `Killed` and, not trapping, dies of it.
    assert_eq!(within(victim_down).await, ExitReason::Killed);
}

#[tokio::test]
async fn a_normal_exit_does_not_kill_a_linked_server() {
    let (watcher, _seen) = watcher::start(false).await;
    let (pid, how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    end(&pid, how, Ending::Normally).await;
    assert_eq!(watcher.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_shutdown_exit_does_kill_a_linked_server() {
    let (watcher, _seen) = watcher::start(false).await;
    let (pid, _how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    let watcher_down = gen_server::monitor(&watcher);
    pid.exit(ExitReason::Shutdown);
    assert_eq!(within(watcher_down).await, ExitReason::Shutdown);
}

#[tokio::test]
async fn a_trapping_server_gets_exit_then_down_and_survives() {
    let (watcher, mut seen) = watcher::start(true).await;
    let (pid, how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    let monitor = watcher.watch(pid.clone()).await.unwrap();
    end(&pid, how, Ending::Panicking("trapped")).await;
    let reason = ExitReason::Panic("trapped".into());
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Exit(Exit {
            from: pid.id(),
            reason: reason.clone(),
        }))
    );
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Down(Down {
            monitor,
            id: pid.id(),
            reason,
        }))
    );
    assert_eq!(watcher.ping().await, Ok("pong"));
}

#[tokio::test]
async fn kill_cannot_be_trapped_and_others_see_killed() {
    let (trapping, _seen) = watcher::start(true).await;
    let (partner, mut partner_seen) = watcher::start(true).await;
    partner.link_to(trapping.pid()).await.unwrap();
    let down = gen_server::monitor(&trapping);
    assert!(trapping.kill());
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(
        next(&mut partner_seen).await,
        Some(Seen::Exit(Exit {
            from: trapping.id(),
            reason: ExitReason::Killed,
        }))
    );
}

#[tokio::test]
async fn exit_signals_follow_otp_rules() {
    // Normal is ignored by a process that does not trap exits.
    let (plain, _seen) = watcher::start(false).await;
    plain.pid().exit(ExitReason::Normal);
    assert_eq!(plain.ping().await, Ok("pong"));

    // Any other reason ends it with that reason, without terminate.
    let down = gen_server::monitor(&plain);
    plain.pid().exit(ExitReason::ShutdownWith("bye".into()));
    assert_eq!(within(down).await, ExitReason::ShutdownWith("bye".into()));

    // A trapping process gets the signal as a message, from the outside world.
    let (trapping, mut seen) = watcher::start(true).await;
    trapping.pid().exit(ExitReason::Shutdown);
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Exit(Exit {
            from: ActorId::OUTSIDE,
            reason: ExitReason::Shutdown,
        }))
    );
    assert_eq!(trapping.ping().await, Ok("pong"));
}

#[tokio::test]
async fn linking_to_a_dead_process_sends_noproc() {
    let (trapping, mut seen) = watcher::start(true).await;
    let (pid, how) = victim();
    end(&pid, how, Ending::Normally).await;
    trapping.link_to(pid.clone()).await.unwrap();
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Exit(Exit {
            from: pid.id(),
            reason: ExitReason::NoProc,
        }))
    );
}

#[tokio::test]
async fn unlink_stops_the_spread() {
    let (watcher, _seen) = watcher::start(false).await;
    let (pid, how) = victim();
    watcher.link_to(pid.clone()).await.unwrap();
    watcher.unlink_from(pid.clone()).await.unwrap();
    end(&pid, how, Ending::Panicking("alone")).await;
    assert_eq!(watcher.ping().await, Ok("pong"));
}

#[tokio::test]
async fn a_trapping_server_stops_with_terminate_when_its_parent_exits() {
    let (child_tx, child_rx) = oneshot::channel::<WatcherRef>();
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let (die, dying) = oneshot::channel::<()>();
    let parent = gen_server::spawn(async move {
        let child = Watcher::builder()
            .start_link((seen_tx, true))
            .await
            .unwrap();
        child_tx.send(child).unwrap();
        let _ = dying.await;
        panic!("parent crashed");
    });
    let child = within(child_rx).await.unwrap();
    let child_down = gen_server::monitor(&child);
    die.send(()).unwrap();
    let reason = ExitReason::Panic("parent crashed".into());
    // Not an `Exit` message: the parent's signal stops it, with terminate.
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Terminated(reason.clone()))
    );
    assert_eq!(within(child_down).await, reason);
    assert!(!parent.is_alive());
}

#[tokio::test]
async fn start_link_links_the_new_server_to_its_caller() {
    let (child_tx, child_rx) = oneshot::channel::<WatcherRef>();
    let (seen_tx, _seen) = tokio::sync::mpsc::unbounded_channel();
    let parent = gen_server::spawn(async move {
        let child = Watcher::builder()
            .start_link((seen_tx, false))
            .await
            .unwrap();
        child_tx.send(child).unwrap();
        std::future::pending::<()>().await;
    });
    let child = within(child_rx).await.unwrap();
    let parent_down = gen_server::monitor(&parent);
    child.pid().exit(ExitReason::Panic("child crashed".into()));
    assert_eq!(
        within(parent_down).await,
        ExitReason::Panic("child crashed".into())
    );
}
