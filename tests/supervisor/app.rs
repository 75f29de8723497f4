//! The application entry, driven by a future: `run_until(&tree, stop)`
//! stops the tree in order when `stop` resolves. Real signals are tested
//! in their own test binaries (`tests/supervisor/signals/`), one per
//! signal, since a signal reaches the whole process.

use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorSpec, run_until};
use tokio::sync::{mpsc, oneshot};

use crate::member::{Behaviour, Event, drain, spec, trapping};
use crate::within;

#[tokio::test]
async fn the_stop_future_stops_the_tree_in_reverse_order() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("app-a", &log, trapping()))
        .child(spec("app-b", &log, trapping()))
        .start()
        .await
        .unwrap();
    drain(&mut events);
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let sup = sup.clone();
        async move { run_until(&sup, stopped).await }
    });
    stop.send(()).unwrap();
    assert_eq!(within(running).await.unwrap(), ExitReason::Shutdown);
    assert!(!sup.is_alive());
    assert_eq!(
        drain(&mut events),
        [
            Event::Terminating("app-b", ExitReason::Shutdown),
            Event::Terminated("app-b"),
            Event::Terminating("app-a", ExitReason::Shutdown),
            Event::Terminated("app-a"),
        ]
    );
}

#[tokio::test]
async fn the_runner_returns_when_the_tree_ends_by_itself() {
    let (log, _events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("app-c", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    let running = tokio::spawn({
        let sup = sup.clone();
        async move { run_until(&sup, std::future::pending::<()>()).await }
    });
    sup.stop(ExitReason::ShutdownWith("done".into()))
        .await
        .unwrap();
    assert_eq!(
        within(running).await.unwrap(),
        ExitReason::ShutdownWith("done".into())
    );
}
