//! Monitors: one-way, `Down` with the reason, `NoProc` for the dead, demonitor flushes.

use gen_server::prelude::*;
use tokio::sync::oneshot;

use crate::watcher::{self, Ending, Seen, end, next, victim};

#[tokio::test]
async fn a_monitor_delivers_down_with_the_exit_reason() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (pid, how) = victim();
    let monitor = watcher.watch(pid.clone()).await.unwrap();
    end(&pid, how, Ending::Panicking("socket closed")).await;
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Down(Down {
            monitor,
            id: pid.id(),
            reason: ExitReason::Panic("socket closed".into()),
        }))
    );
    // Monitors are one-way: the watcher is unaffected.
    assert_eq!(watcher.ping().await, Ok("pong"));
}

#[tokio::test]
async fn monitoring_a_dead_process_gives_noproc_at_once() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (pid, how) = victim();
    end(&pid, how, Ending::Normally).await;
    let monitor = watcher.watch(pid.clone()).await.unwrap();
    assert_eq!(
        next(&mut seen).await,
        Some(Seen::Down(Down {
            monitor,
            id: pid.id(),
            reason: ExitReason::NoProc,
        }))
    );
}

#[tokio::test]
async fn demonitor_before_the_end_means_no_down() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (pid, how) = victim();
    let monitor = watcher.watch(pid.clone()).await.unwrap();
    assert_eq!(watcher.unwatch(monitor).await, Ok(true));
    end(&pid, how, Ending::Panicking("gone")).await;
    // Anything the victim's end sent the watcher is queued before this call.
    assert_eq!(watcher.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "a Down arrived after demonitor");
    assert_eq!(watcher.unwatch(monitor).await, Ok(false));
}

#[tokio::test]
async fn demonitor_drops_a_down_that_is_already_queued() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (pid, how) = victim();
    let monitor = watcher.watch(pid.clone()).await.unwrap();
    let (open, gate) = oneshot::channel();
    let busy = tokio::spawn({
        let watcher = watcher.clone();
        async move { watcher.unwatch_after(gate, monitor).await }
    });
    // While the watcher is busy, the victim ends: its Down waits in the mailbox.
    end(&pid, how, Ending::Panicking("gone")).await;
    open.send(()).unwrap();
    assert_eq!(crate::within(busy).await.unwrap(), Ok(true));
    assert_eq!(watcher.ping().await, Ok("pong"));
    assert!(seen.try_recv().is_err(), "the queued Down was delivered");
}

#[tokio::test]
async fn many_watchers_of_one_process_each_get_a_down() {
    let mut watchers = Vec::new();
    let (pid, how) = victim();
    for _ in 0..3 {
        let (watcher, seen) = watcher::start(false).await;
        let monitor = watcher.watch(pid.clone()).await.unwrap();
        watchers.push((watcher, seen, monitor));
    }
    end(&pid, how, Ending::Normally).await;
    for (_watcher, mut seen, monitor) in watchers {
        assert_eq!(
            next(&mut seen).await,
            Some(Seen::Down(Down {
                monitor,
                id: pid.id(),
                reason: ExitReason::Normal,
            }))
        );
    }
}

#[tokio::test]
async fn one_watcher_of_many_processes_gets_each_down_and_double_monitors_fire_twice() {
    let (watcher, mut seen) = watcher::start(false).await;
    let (first, end_first) = victim();
    let (second, end_second) = victim();
    let a = watcher.watch(first.clone()).await.unwrap();
    let b = watcher.watch(first.clone()).await.unwrap();
    let c = watcher.watch(second.clone()).await.unwrap();
    assert_ne!(a, b);
    end(&first, end_first, Ending::Normally).await;
    end(&second, end_second, Ending::Panicking("second")).await;
    let mut downs = Vec::new();
    for _ in 0..3 {
        match next(&mut seen).await {
            Some(Seen::Down(down)) => downs.push((down.monitor, down.id, down.reason)),
            other => panic!("expected a Down, got {other:?}"),
        }
    }
    downs.sort_by_key(|d| d.0);
    assert_eq!(
        downs,
        vec![
            (a, first.id(), ExitReason::Normal),
            (b, first.id(), ExitReason::Normal),
            (c, second.id(), ExitReason::Panic("second".into())),
        ]
    );
}

/// A server with no `#[info]` handler for `Down`.
struct Oblivious;

#[gen_server]
impl Oblivious {
    fn init() -> Self {
        Oblivious
    }

    #[call]
    fn watch(&mut self, target: Pid, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&target)
    }

    #[call]
    fn ping(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn a_server_without_a_down_handler_drops_the_down() {
    let oblivious = Oblivious::start().await.unwrap();
    let (pid, how) = victim();
    oblivious.watch(pid.clone()).await.unwrap();
    end(&pid, how, Ending::Panicking("unseen")).await;
    assert_eq!(oblivious.ping().await, Ok(1));
    assert!(oblivious.is_alive());
}

#[tokio::test]
async fn a_monitor_from_plain_code_resolves_with_the_reason() {
    let (pid, how) = victim();
    assert_eq!(
        end(&pid, how, Ending::Panicking("why")).await,
        ExitReason::Panic("why".into())
    );
    // Already dead: NoProc at once.
    assert_eq!(
        crate::within(gen_server::monitor(&pid)).await,
        ExitReason::NoProc
    );
}
