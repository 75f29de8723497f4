//! Dynamic supervisors: start_child, terminate_child, which_children,
//! count_children, max_children.

use gen_server::prelude::*;
use gen_server::supervisor::{ChildCounts, ChildError, ChildKey, Restart, SupervisorSpec};
use tokio::sync::mpsc;

use crate::member::{Behaviour, Event, Member, crash_and_settle, crashed, drain, next};
use crate::within;

fn worker(
    name: &'static str,
    log: &mpsc::UnboundedSender<Event>,
) -> gen_server::supervisor::ChildSpec {
    Member::child_spec((name, log.clone(), Behaviour::default()))
}

#[tokio::test]
async fn children_are_started_counted_and_terminated_on_demand() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic()
        .max_children(2)
        .start()
        .await
        .unwrap();
    assert_eq!(sup.count_children().await, Ok(ChildCounts::default()));

    let a = sup.start_child(worker("d1", &log)).await.unwrap().unwrap();
    // Ids may repeat under a dynamic supervisor.
    let b = sup.start_child(worker("d1", &log)).await.unwrap().unwrap();
    assert_eq!(
        drain(&mut events),
        [Event::Started("d1"), Event::Started("d1")]
    );
    assert_eq!(
        sup.start_child(worker("d1", &log)).await,
        Ok(Err(ChildError::MaxChildren(2)))
    );
    let pids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.pid.unwrap().id())
        .collect();
    assert_eq!(pids, [a.id(), b.id()]);
    assert_eq!(
        sup.count_children().await,
        Ok(ChildCounts {
            specs: 2,
            active: 2,
            supervisors: 0,
            workers: 2
        })
    );

    sup.terminate_child(ChildKey::from(&a))
        .await
        .unwrap()
        .unwrap();
    assert!(!a.is_alive());
    assert_eq!(sup.count_children().await.unwrap().specs, 1);
    assert_eq!(
        sup.terminate_child(ChildKey::from(&a)).await,
        Ok(Err(ChildError::NotFound(ChildKey::from(&a).to_string())))
    );
    // Room again under the limit.
    sup.start_child(worker("d1", &log)).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_crashed_dynamic_child_is_restarted_and_a_temporary_one_forgotten() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic().start().await.unwrap();
    sup.start_child(worker("d2", &log).name("d2"))
        .await
        .unwrap()
        .unwrap();
    sup.start_child(
        worker("d2-temp", &log)
            .name("d2-temp")
            .restart(Restart::Temporary),
    )
    .await
    .unwrap()
    .unwrap();
    drain(&mut events);
    crash_and_settle(&crate::member::member("d2"), &sup).await;
    assert_eq!(
        drain(&mut events),
        [crashed("d2").as_slice(), &[Event::Started("d2")]].concat()
    );
    crash_and_settle(&crate::member::member("d2-temp"), &sup).await;
    assert_eq!(sup.count_children().await.unwrap().specs, 1);
    assert_eq!(next(&mut events).await, crashed("d2-temp")[0]);
}

#[tokio::test]
async fn a_child_that_fails_to_start_is_reported_and_not_added() {
    let (log, _events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic().start().await.unwrap();
    let refuses = Behaviour {
        fail_init: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
        ..Behaviour::default()
    };
    let spec = Member::child_spec(("d3", log.clone(), refuses)).id("d3");
    match within(sup.start_child(spec).into_future()).await {
        Ok(Err(ChildError::Start(e))) => assert_eq!(e.id, "d3"),
        other => panic!("expected a start error, got {other:?}"),
    }
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert!(sup.is_alive());
}
