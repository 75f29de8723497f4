//! Dynamic supervisors: start_child, terminate_child, which_children,
//! count_children, max_children.

use gen_server::prelude::*;
use gen_server::supervisor::{
    ChildCounts, ChildError, ChildKey, ChildStartError, Restart, SupervisorSpec,
};
use tokio::sync::mpsc;

use crate::member::{
    Behaviour, Event, Member, Step, crash_and_settle, crashed, drain, member, next,
};
use crate::within;

fn worker(
    name: &'static str,
    log: &mpsc::UnboundedSender<Event>,
) -> gen_server::supervisor::ChildSpec {
    Member::child_spec((name, log.clone(), Behaviour::default()))
}

/// The process of a child that started (not ignored).
fn started(reply: Result<Result<Option<Pid>, ChildError>, CallError>) -> Pid {
    reply
        .expect("the supervisor answers")
        .expect("the child starts")
        .expect("the child runs")
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

    let a = started(sup.start_child(worker("d1", &log)).await);
    // Ids may repeat under a dynamic supervisor.
    let b = started(sup.start_child(worker("d1", &log)).await);
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
    started(sup.start_child(worker("d1", &log)).await);
}

#[tokio::test]
async fn a_crashed_dynamic_child_is_restarted_and_a_temporary_one_forgotten() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic().start().await.unwrap();
    started(sup.start_child(worker("d2", &log).name("d2")).await);
    started(
        sup.start_child(
            worker("d2-temp", &log)
                .name("d2-temp")
                .restart(Restart::Temporary),
        )
        .await,
    );
    drain(&mut events);
    crash_and_settle(&member("d2"), &sup).await;
    assert_eq!(
        drain(&mut events),
        [crashed("d2").as_slice(), &[Event::Started("d2")]].concat()
    );
    crash_and_settle(&member("d2-temp"), &sup).await;
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
        Ok(Err(ChildError::Start {
            id,
            error: ChildStartError::Init(_),
        })) => assert_eq!(id, "d3"),
        other => panic!("expected a start error, got {other:?}"),
    }
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert!(sup.is_alive());
}

#[tokio::test]
async fn an_ignored_dynamic_child_is_reported_and_not_kept() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic().start().await.unwrap();
    let ignores = Behaviour::default();
    ignores.script.push(Step::Ignore);
    // OTP's `DynamicSupervisor.start_child` returns `:ignore`: not an error.
    let reply = sup
        .start_child(Member::child_spec(("d4", log.clone(), ignores)).name("d4"))
        .await;
    assert_eq!(reply.map(|r| r.map(|p| p.map(|p| p.id()))), Ok(Ok(None)));
    assert_eq!(drain(&mut events), [Event::Ignored("d4")]);
    assert_eq!(sup.count_children().await, Ok(ChildCounts::default()));
}

#[tokio::test]
async fn a_dynamic_child_that_ignores_its_restart_is_forgotten() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::dynamic().start().await.unwrap();
    let behaviour = Behaviour::default();
    started(
        sup.start_child(Member::child_spec(("d5", log.clone(), behaviour.clone())).name("d5"))
            .await,
    );
    drain(&mut events);
    behaviour.script.push(Step::Ignore);
    crash_and_settle(&member("d5"), &sup).await;
    assert_eq!(
        drain(&mut events),
        [crashed("d5").as_slice(), &[Event::Ignored("d5")]].concat()
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
}
