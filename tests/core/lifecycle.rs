//! `init` results, `handle_continue`, stopping, and when `terminate` runs.

use std::time::Duration;

use gen_server::prelude::*;
use gen_server::{StartError, StopError};
use tokio::sync::{mpsc, oneshot};

use crate::probe::{self, Event};
use crate::within;

/// A server whose `init` does what its argument says.
struct Picky;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ok,
    Fail,
    Panic,
    Ignore,
    Hang,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("refused")]
struct Refused;

#[gen_server]
impl Picky {
    async fn init(mode: Mode) -> Result<Init<Self>, Refused> {
        match mode {
            Mode::Ok => Ok(Init::Ready(Picky)),
            Mode::Fail => Err(Refused),
            Mode::Panic => panic!("init exploded"),
            Mode::Ignore => Ok(Init::Ignore),
            Mode::Hang => std::future::pending().await,
        }
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    fn terminate(&mut self, _reason: &ExitReason) {
        unreachable!("terminate must not run when init fails");
    }
}

#[tokio::test]
async fn init_results_come_back_typed_from_start() {
    let ok = Picky::start(Mode::Ok).await.unwrap();
    assert_eq!(ok.ping().await, Ok("pong"));
    assert!(matches!(
        Picky::start(Mode::Fail).await,
        Err(StartError::Init(Refused))
    ));
    assert!(matches!(
        Picky::start(Mode::Ignore).await,
        Err(StartError::Ignored)
    ));
    match Picky::start(Mode::Panic).await {
        Err(StartError::Panicked(message)) => assert_eq!(message, "init exploded"),
        other => panic!("expected an init panic, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_init_timeout_kills_the_half_started_server_and_frees_its_name() {
    let started = Picky::builder()
        .name("lifecycle-hang")
        .init_timeout(Duration::from_secs(2))
        .start(Mode::Hang)
        .await;
    assert!(matches!(started, Err(StartError::Timeout)));
    // The killed actor gave its name back.
    let again = Picky::builder()
        .name("lifecycle-hang")
        .start(Mode::Ok)
        .await;
    assert!(again.is_ok(), "name still held: {again:?}");
}

#[tokio::test]
async fn dropping_start_kills_the_half_started_server() {
    let start = Picky::builder().name("lifecycle-dropped").start(Mode::Hang);
    // Poll it once, so the actor is spawned, then drop it.
    assert!(tokio::time::timeout(Duration::ZERO, start).await.is_err());
    let again = within(Picky::builder().name("lifecycle-dropped").start(Mode::Ok)).await;
    assert!(again.is_ok(), "name still held: {again:?}");
}

/// Records the order in which its callbacks ran.
struct Ordered {
    log: Vec<&'static str>,
}

#[gen_server]
impl Ordered {
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.continue_with("from init");
        Ordered { log: vec!["init"] }
    }

    #[cast]
    fn note(&mut self, entry: &'static str, ctx: &mut Context<Self>) {
        self.log.push(entry);
        ctx.continue_with("from note");
    }

    #[call]
    fn log(&self) -> Vec<&'static str> {
        self.log.clone()
    }

    async fn handle_continue(&mut self, arg: &'static str) {
        tokio::task::yield_now().await;
        self.log.push(arg);
    }
}

#[tokio::test]
async fn handle_continue_runs_before_any_other_message() {
    let ordered = Ordered::start().await.unwrap();
    // Both messages are queued before the actor runs again; each continue
    // still runs right after the callback that asked for it.
    ordered.note("first").try_send().unwrap();
    ordered.note("second").try_send().unwrap();
    assert_eq!(
        ordered.log().await,
        Ok(vec![
            "init",
            "from init",
            "first",
            "from note",
            "second",
            "from note"
        ])
    );
}

#[tokio::test]
async fn stopping_from_a_call_sends_the_reply_then_runs_terminate() {
    let (probe, mut events) = probe::start(9).await;
    let reason = ExitReason::ShutdownWith("done".into());
    assert_eq!(probe.finish(reason.clone()).await, Ok(9));
    assert_eq!(
        within(events.recv()).await,
        Some(Event::Terminated(reason.clone()))
    );
    // Once terminate has run the actor ends; wait for that through `stop`.
    let after = within(probe.stop(ExitReason::Normal)).await;
    assert!(matches!(
        after,
        Err(StopError::NoProc) | Err(StopError::Exited(_))
    ));
    assert!(!probe.is_alive());
    assert_eq!(probe.exit_reason(), Some(reason));
}

#[tokio::test]
async fn stop_runs_terminate_and_waits_for_the_end() {
    let (probe, mut events) = probe::start(0).await;
    within(probe.stop(ExitReason::Shutdown)).await.unwrap();
    // `stop` returned, so terminate has already reported.
    assert_eq!(
        events.try_recv(),
        Ok(Event::Terminated(ExitReason::Shutdown))
    );
    assert!(!probe.is_alive());
    assert_eq!(probe.stop(ExitReason::Normal).await, Err(StopError::NoProc));
}

#[tokio::test]
async fn messages_queued_behind_a_stop_fail_with_its_reason() {
    let (probe, _events) = probe::start(0).await;
    let (open, gate) = oneshot::channel();
    let held = tokio::spawn({
        let probe = probe.clone();
        async move { probe.hold(gate).await }
    });
    tokio::task::yield_now().await;
    let stop = tokio::spawn({
        let probe = probe.clone();
        async move { probe.stop(ExitReason::Shutdown).await }
    });
    tokio::task::yield_now().await;
    let behind = tokio::spawn({
        let probe = probe.clone();
        async move { probe.get().await }
    });
    tokio::task::yield_now().await;
    open.send(()).unwrap();
    assert_eq!(within(held).await.unwrap(), Ok(0));
    assert_eq!(within(stop).await.unwrap(), Ok(()));
    assert_eq!(
        within(behind).await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
}

#[tokio::test]
async fn terminate_runs_after_a_panic_in_a_handler() {
    let (probe, mut events) = probe::start(0).await;
    probe.crash_cast().await.unwrap();
    assert_eq!(
        within(events.recv()).await,
        Some(Event::Terminated(ExitReason::Panic("cast crash".into())))
    );
}

#[tokio::test]
async fn kill_skips_terminate_and_fails_pending_callers_with_killed() {
    let (probe, mut events) = probe::start(0).await;
    let (_open, gate) = oneshot::channel::<()>();
    let held = tokio::spawn({
        let probe = probe.clone();
        async move { probe.hold(gate).await }
    });
    tokio::task::yield_now().await;
    let queued = tokio::spawn({
        let probe = probe.clone();
        async move { probe.get().await }
    });
    tokio::task::yield_now().await;
    assert!(probe.kill());
    assert_eq!(
        within(held).await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(
        within(queued).await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    // The event stream closes (the state was dropped) without a Terminated event.
    assert_eq!(within(events.recv()).await, None);
    assert!(!probe.is_alive());
    assert!(
        !probe.kill(),
        "killing a dead server reports that it was dead"
    );
}

/// A server whose `terminate` panics.
struct BadExit {
    done: mpsc::UnboundedSender<()>,
}

#[gen_server]
impl BadExit {
    fn init(done: mpsc::UnboundedSender<()>) -> Self {
        BadExit { done }
    }

    fn terminate(&mut self, _reason: &ExitReason) {
        let _ = self.done.send(());
        panic!("terminate exploded");
    }
}

#[tokio::test]
async fn a_panic_in_terminate_still_lets_the_server_end() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let bad = BadExit::start(tx).await.unwrap();
    within(bad.stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(rx.try_recv(), Ok(()));
    assert!(!bad.is_alive());
    assert_eq!(bad.exit_reason(), Some(ExitReason::Normal));
}

/// A server whose `terminate` reports that it runs, then waits forever.
struct SlowTerminate {
    terminating: Option<oneshot::Sender<ExitReason>>,
}

#[gen_server]
impl SlowTerminate {
    fn init(terminating: oneshot::Sender<ExitReason>) -> Self {
        SlowTerminate {
            terminating: Some(terminating),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        if let Some(tx) = self.terminating.take() {
            let _ = tx.send(reason.clone());
        }
        std::future::pending::<()>().await;
    }
}

#[tokio::test]
async fn a_kill_during_terminate_ends_the_server_with_killed() {
    let (tx, terminating) = oneshot::channel();
    let server = SlowTerminate::start(tx).await.unwrap();
    let down = gen_server::monitor(&server);
    let stop = tokio::spawn({
        let server = server.clone();
        async move { server.stop(ExitReason::Shutdown).await }
    });
    assert_eq!(within(terminating).await, Ok(ExitReason::Shutdown));
    // As in OTP, a kill ends a process that is still exiting, and it dies of it.
    assert!(server.kill());
    assert_eq!(within(down).await, ExitReason::Killed);
    assert_eq!(server.exit_reason(), Some(ExitReason::Killed));
    assert!(
        within(stop).await.unwrap().is_ok(),
        "the stop is acknowledged"
    );
}
