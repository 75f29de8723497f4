//! Plain processes: any future with an id, linkable, monitorable, killable.

use gen_server::prelude::*;

use crate::watcher::{Ending, end, victim};
use crate::within;

#[tokio::test]
async fn a_spawned_process_ends_normally_or_with_its_panic() {
    let (pid, how) = victim();
    assert!(pid.is_alive());
    assert_eq!(end(&pid, how, Ending::Normally).await, ExitReason::Normal);
    assert!(!pid.is_alive());
    assert_eq!(pid.exit_reason(), Some(ExitReason::Normal));

    let (pid, how) = victim();
    assert_eq!(
        end(&pid, how, Ending::Panicking("boom")).await,
        ExitReason::Panic("boom".into())
    );
}

#[tokio::test]
async fn a_spawned_process_can_be_killed_once() {
    let (pid, _how) = victim();
    let down = gen_server::monitor(&pid);
    assert!(pid.kill());
    assert_eq!(within(down).await, ExitReason::Killed);
    assert!(!pid.kill());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_links_goes_down_from_one_crash() {
    // Each process spawn_links the next; the last one reports its pid.
    let (last_tx, last_rx) = tokio::sync::oneshot::channel::<Pid>();
    fn link_next(depth: usize, last: tokio::sync::oneshot::Sender<Pid>) -> Pid {
        gen_server::spawn(async move {
            if depth == 0 {
                let me = gen_server::spawn_link(std::future::pending());
                last.send(me).unwrap();
            } else {
                link_next_linked(depth - 1, last);
            }
            std::future::pending::<()>().await;
        })
    }
    fn link_next_linked(depth: usize, last: tokio::sync::oneshot::Sender<Pid>) {
        gen_server::spawn_link(async move {
            if depth == 0 {
                last.send(gen_server::spawn_link(std::future::pending()))
                    .unwrap();
            } else {
                link_next_linked(depth - 1, last);
            }
            std::future::pending::<()>().await;
        });
    }
    let head = link_next(50, last_tx);
    let tail = within(last_rx).await.unwrap();
    let tail_down = gen_server::monitor(&tail);
    head.exit(ExitReason::Panic("head crashed".into()));
    assert_eq!(
        within(tail_down).await,
        ExitReason::Panic("head crashed".into())
    );
}
