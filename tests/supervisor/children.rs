//! Starting children: list order, a failing child fails the start, names
//! follow restarts, nesting, task supervisors as children.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use gen_server::prelude::*;
use gen_server::supervisor::{
    ChildCounts, ChildError, ChildSpec, ChildStartError, ChildState, ChildType, Restart, Strategy,
    SupervisorRef, SupervisorSpec,
};
use gen_server::task::{PartitionedTaskSupervisor, TaskSupervisor};
use tokio::sync::mpsc;

use crate::member::{
    Behaviour, Event, Member, MemberRef, Step, crash_and_settle, crashed, drain, member, next,
    spec, trapping,
};
use crate::within;

#[tokio::test]
async fn children_start_in_list_order() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .children(["c1a", "c1b", "c1c"].map(|n| spec(n, &log, Behaviour::default())))
        .start()
        .await
        .unwrap();
    assert_eq!(
        drain(&mut events),
        [
            Event::Started("c1a"),
            Event::Started("c1b"),
            Event::Started("c1c")
        ]
    );
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["c1a", "c1b", "c1c"]);
    assert_eq!(
        sup.count_children().await,
        Ok(ChildCounts {
            specs: 3,
            active: 3,
            supervisors: 0,
            workers: 3
        })
    );
}

#[tokio::test]
async fn a_child_that_fails_to_start_fails_the_supervisor_and_stops_the_others_in_reverse() {
    let (log, mut events) = mpsc::unbounded_channel();
    let trap = Behaviour {
        trap: true,
        ..Behaviour::default()
    };
    let refuses = Behaviour {
        fail_init: Arc::new(AtomicBool::new(true)),
        ..Behaviour::default()
    };
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c2a", &log, trap.clone()))
        .child(spec("c2b", &log, trap))
        .child(spec("c2c", &log, refuses))
        .child(spec("c2d", &log, Behaviour::default()))
        .start()
        .await;
    match result {
        Err(StartError::Init(ChildError::Start {
            id,
            error: ChildStartError::Init(error),
        })) => {
            assert_eq!(id, "c2c");
            // The init error itself, typed.
            assert_eq!(
                error.downcast_ref::<String>().map(String::as_str),
                Some("c2c refuses to start")
            );
        }
        other => panic!("expected a child start error, got {other:?}"),
    }
    assert_eq!(
        drain(&mut events),
        [
            Event::Started("c2a"),
            Event::Started("c2b"),
            Event::Refused("c2c"),
            Event::Terminating("c2b", ExitReason::Shutdown),
            Event::Terminated("c2b"),
            Event::Terminating("c2a", ExitReason::Shutdown),
            Event::Terminated("c2a"),
        ]
    );
    assert!(MemberRef::whereis("c2a").is_none());
}

#[tokio::test]
async fn child_ids_are_unique_in_a_static_supervisor() {
    let (log, _events) = mpsc::unbounded_channel();
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c3a", &log, Behaviour::default()))
        .child(spec("c3a", &log, Behaviour::default()).name("c3a-2"))
        .start()
        .await;
    assert!(matches!(result, Err(StartError::Init(ChildError::DuplicateId(id))) if id == "c3a"));
}

#[tokio::test]
async fn a_restarted_child_takes_its_name_again_and_the_old_handle_gets_noproc() {
    let (log, _events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c4a", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    let old = member("c4a");
    crash_and_settle(&old, &sup).await;
    let new = member("c4a");
    assert_ne!(new.id(), old.id());
    assert_eq!(old.ping().await, Err(CallError::NoProc));
    assert_eq!(new.ping().await, Ok("c4a"));
}

#[tokio::test]
async fn supervisors_nest_and_task_supervisors_are_ordinary_children() {
    let (log, mut events) = mpsc::unbounded_channel();
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .name("c5-inner")
        .child(spec("c5a", &log, Behaviour::default()));
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::task_supervisor("c5-tasks"))
        .child(ChildSpec::partitioned_task_supervisor("c5-parts", Some(3)))
        .child(inner.child_spec())
        .start()
        .await
        .unwrap();
    assert_eq!(next(&mut events).await, Event::Started("c5a"));
    let kinds: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("c5-tasks".to_string(), ChildType::Supervisor),
            ("c5-parts".to_string(), ChildType::Supervisor),
            ("c5-inner".to_string(), ChildType::Supervisor),
        ]
    );

    let tasks = TaskSupervisor::whereis("c5-tasks").expect("task supervisor registered");
    assert_eq!(
        within(tasks.async_nolink(async { 2 }).unwrap().join()).await,
        Ok(2)
    );
    let parts = PartitionedTaskSupervisor::whereis("c5-parts").expect("partitions registered");
    assert_eq!(parts.partitions().len(), 3);
    assert_eq!(
        within(parts.async_nolink(async { 3 }).unwrap().join()).await,
        Ok(3)
    );

    // A killed task supervisor is restarted under its name.
    let down = gen_server::monitor(&tasks);
    tasks.kill();
    within(down).await;
    sup.count_children().await.unwrap();
    let again = TaskSupervisor::whereis("c5-tasks").expect("restarted");
    assert_ne!(again.id(), tasks.id());

    // A crash inside the nested supervisor is handled there.
    let inner_ref = SupervisorRef::whereis("c5-inner").unwrap();
    crash_and_settle(&member("c5a"), &inner_ref).await;
    assert_eq!(
        drain(&mut events),
        [crashed("c5a").as_slice(), &[Event::Started("c5a")]].concat()
    );
    assert_eq!(
        SupervisorRef::whereis("c5-inner").unwrap().id(),
        inner_ref.id()
    );

    // Stopping the top stops the subtree, in reverse order.
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
    assert!(!inner_ref.is_alive());
    assert!(!again.is_alive());
    assert!(parts.partitions().iter().all(|p| !p.is_alive()));
}

#[tokio::test]
async fn a_start_error_says_why_by_its_variant() {
    let (log, _events) = mpsc::unbounded_channel();
    // A panic in `init`.
    let panics = Behaviour::default();
    panics.script.push(Step::Panic);
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c7a", &log, panics))
        .start()
        .await;
    let Err(StartError::Init(error)) = result else {
        panic!("expected a child start error, got {result:?}");
    };
    assert_eq!(
        error,
        ChildError::Start {
            id: "c7a".into(),
            error: ChildStartError::Panicked("c7a panics in init".into())
        }
    );
    assert_eq!(
        error.to_string(),
        "child `c7a` did not start: init panicked: c7a panics in init"
    );

    // A name held by another process.
    let holder = Member::builder()
        .name("c7b")
        .start(("c7b", log.clone(), Behaviour::default()))
        .await
        .unwrap();
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c7b", &log, Behaviour::default()))
        .start()
        .await;
    assert!(
        matches!(
            &result,
            Err(StartError::Init(ChildError::Start {
                error: ChildStartError::AlreadyStarted { name, holder: h },
                ..
            })) if name == "c7b" && *h == holder.id()
        ),
        "{result:?}"
    );

    // A nested supervisor's failed child, shown by its `Display` form.
    let refuses = Behaviour::default();
    refuses.script.push(Step::Fail);
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .name("c7-inner")
        .child(spec("c7c", &log, refuses));
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(inner.child_spec())
        .start()
        .await;
    let Err(StartError::Init(ChildError::Start {
        id,
        error: ChildStartError::Init(inner_error),
    })) = result
    else {
        panic!("expected a child start error, got {result:?}");
    };
    assert_eq!(id, "c7-inner");
    assert!(inner_error.is::<ChildError>());
    assert_eq!(
        inner_error.to_string(),
        "child `c7c` did not start: init failed: \"c7c refuses to start\""
    );
}

#[tokio::test]
async fn an_ignored_child_is_kept_not_running_and_the_start_goes_on() {
    let (log, mut events) = mpsc::unbounded_channel();
    let ignores = trapping();
    ignores.script.push(Step::Ignore);
    let ignores_temp = Behaviour::default();
    ignores_temp.script.push(Step::Ignore);
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c8a", &log, trapping()))
        .child(spec("c8b", &log, ignores))
        .child(spec("c8-temp", &log, ignores_temp).restart(Restart::Temporary))
        .child(spec("c8c", &log, trapping()))
        .start()
        .await
        .unwrap();
    assert_eq!(
        drain(&mut events),
        [
            Event::Started("c8a"),
            Event::Ignored("c8b"),
            Event::Ignored("c8-temp"),
            Event::Started("c8c")
        ]
    );
    // OTP: the ignored child is listed with no process (`:undefined`); an
    // ignored temporary child is not kept.
    let children: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.pid.is_some(), c.state))
        .collect();
    assert_eq!(
        children,
        [
            ("c8a".to_string(), true, ChildState::Running),
            ("c8b".to_string(), false, ChildState::Stopped),
            ("c8c".to_string(), true, ChildState::Running),
        ]
    );
    assert_eq!(
        sup.count_children().await,
        Ok(ChildCounts {
            specs: 3,
            active: 2,
            supervisors: 0,
            workers: 3
        })
    );
    assert!(MemberRef::whereis("c8b").is_none());
    // It can be started later; its script is used up, so it runs.
    let pid = sup.restart_child("c8b".into()).await.unwrap().unwrap();
    assert_eq!(pid.map(|p| p.id()), Some(member("c8b").id()));
    assert_eq!(next(&mut events).await, Event::Started("c8b"));
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
}

#[tokio::test]
async fn a_childs_default_id_is_its_type_name() {
    let (log, _events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(Member::child_spec(("c10", log, Behaviour::default())))
        .start()
        .await
        .unwrap();
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["Member"]);
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
}

#[tokio::test]
async fn a_running_child_is_neither_restarted_nor_deleted_and_a_stopped_one_is_deleted() {
    let (log, mut events) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(spec("c11", &log, Behaviour::default()))
        .start()
        .await
        .unwrap();
    assert_eq!(drain(&mut events), [Event::Started("c11")]);
    let running = member("c11").id();
    let key = || gen_server::supervisor::ChildKey::Id("c11".into());
    assert_eq!(
        sup.restart_child(key()).await,
        Ok(Err(ChildError::Running(running)))
    );
    assert_eq!(
        sup.delete_child(key()).await,
        Ok(Err(ChildError::Running(running)))
    );
    assert_eq!(sup.terminate_child(key()).await, Ok(Ok(())));
    assert_eq!(sup.delete_child(key()).await, Ok(Ok(())));
    assert!(sup.which_children().await.unwrap().is_empty());
    assert_eq!(
        sup.restart_child(key()).await,
        Ok(Err(ChildError::NotFound("with id `c11`".into())))
    );
    within(sup.stop(ExitReason::Shutdown)).await.unwrap();
}
