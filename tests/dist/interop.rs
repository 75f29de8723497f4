//! A Rust node and a real Elixir node: calls and casts both ways, unknown
//! names, malformed requests, monitors and links across the two.

use std::time::Duration;

use gen_server::dist::{Node, RemoteCallError, Term};
use gen_server::prelude::*;

use crate::servers::{Counter, CounterRef, Linker};
use crate::terms::{as_int, atom, bin, int, tagged, tuple};
use crate::{BOUND, require_elixir, rust_node, within};

/// A call that would wait longer than the test's bound: an error that comes
/// back within the bound is not a timeout.
const LONG: Duration = Duration::from_secs(60);

/// Asks the Elixir node's `Control` server to do `request`.
async fn control(node: &Node, elixir: &str, request: Term) -> Term {
    within(
        node.remote("Elixir.Control", elixir)
            .call_term(request)
            .timeout(BOUND),
    )
    .await
    .expect("the Elixir control server answers")
}

async fn exposed_counter(node: &Node, name: &str, total: i64) -> CounterRef {
    let counter = Counter::builder().name(name).start(total).await.unwrap();
    node.expose::<Counter>(name);
    counter
}

#[tokio::test]
async fn elixir_calls_and_casts_rust() {
    let elixir = require_elixir!();
    let node = rust_node("ec").await;
    let _counter = exposed_counter(&node, "counter_ec", 40).await;
    let me = atom(node.name());
    let call = |request| tagged("call", vec![atom("counter_ec"), me.clone(), request]);

    let added = control(&node, &elixir.name, call(tagged("add", vec![int(3)]))).await;
    assert_eq!(added, tagged("ok", vec![int(43)]));

    let cast = tagged(
        "cast",
        vec![atom("counter_ec"), me.clone(), tagged("bump", vec![int(2)])],
    );
    assert_eq!(control(&node, &elixir.name, cast).await, atom("ok"));
    // The cast is handled before the call that follows it.
    let got = control(&node, &elixir.name, call(atom("get"))).await;
    assert_eq!(got, tagged("ok", vec![int(45)]));

    // A deferred reply, and a struct both ways (`%{x: 1, y: 2}`).
    let later = control(&node, &elixir.name, call(tagged("add_later", vec![int(5)]))).await;
    assert_eq!(later, tagged("ok", vec![int(50)]));
    let point = |x, y| {
        Term::from(gen_server::dist::eetf::Map::from([
            (atom("x"), int(x)),
            (atom("y"), int(y)),
        ]))
    };
    let moved = control(
        &node,
        &elixir.name,
        call(tagged("add_point", vec![point(1, 2)])),
    )
    .await;
    assert_eq!(moved, tagged("ok", vec![point(54, 55)]));
}

#[tokio::test]
async fn elixir_dials_first_and_calls_and_casts_rust_over_the_connection_it_opened() {
    let elixir = require_elixir!();
    let node = rust_node("ed").await;
    let _counter = exposed_counter(&node, "counter_ed", 1).await;
    assert!(
        node.nodes().is_empty(),
        "the Rust node talked to no one yet"
    );

    // Told through its stdin, the Elixir node connects to the Rust node
    // (the Rust node's accept-side handshake) and calls it.
    let dest = format!("{{:counter_ed, :\"{}\"}}", node.name());
    let added = elixir
        .eval(&format!("GenServer.call({dest}, {{:add, 2}})"))
        .await;
    assert_eq!(added, "3");
    assert_eq!(node.nodes(), vec![elixir.name.clone()]);
    // The Rust node is hidden by default.
    let listed = elixir
        .eval(&format!(
            "Enum.member?(Node.list(:hidden), :\"{}\")",
            node.name()
        ))
        .await;
    assert_eq!(listed, "true");
    let bumped = elixir
        .eval(&format!(
            "GenServer.cast({dest}, {{:bump, 4}}); GenServer.call({dest}, :get)"
        ))
        .await;
    assert_eq!(bumped, "7");

    // Rust calls back over the same connection.
    let echo = node.remote("ex_counter", &elixir.name);
    let echoed = within(echo.call_term(tagged("echo", vec![atom("back")])))
        .await
        .unwrap();
    assert_eq!(echoed, atom("back"));
    assert_eq!(node.nodes(), vec![elixir.name.clone()]);
}

#[tokio::test]
async fn an_old_style_call_is_answered_to_the_callers_pid() {
    let elixir = require_elixir!();
    let node = rust_node("oc").await;
    let _counter = exposed_counter(&node, "counter_oc", 7).await;
    let call = tagged(
        "old_call",
        vec![
            atom("counter_oc"),
            atom(node.name()),
            tagged("add", vec![int(1)]),
        ],
    );
    let outcome = control(&node, &elixir.name, call).await;
    assert_eq!(outcome, tagged("ok", vec![int(8)]));
}

#[tokio::test]
async fn a_rust_call_to_elixir_times_out_by_pid_too_and_the_late_reply_is_dropped() {
    let elixir = require_elixir!();
    let node = rust_node("to").await;
    let pid = control(
        &node,
        &elixir.name,
        tagged("start_counter", vec![atom("ex_to"), int(3)]),
    )
    .await;
    let by_pid = node.remote_pid(&node.pid_from_term(&pid).unwrap());
    let slow = tagged("sleep", vec![int(300)]);
    let outcome = within(by_pid.call_term(slow).timeout(Duration::from_millis(50))).await;
    assert_eq!(outcome, Err(RemoteCallError::Timeout));
    // The next call gets its own reply, not the late `:slept`.
    let reply = within(by_pid.call_term(atom("get"))).await.unwrap();
    assert_eq!(as_int(&reply), Some(3));
}

#[tokio::test]
async fn rust_calls_and_casts_elixir() {
    let elixir = require_elixir!();
    let node = rust_node("re").await;
    control(
        &node,
        &elixir.name,
        tagged("start_counter", vec![atom("ex_re"), int(10)]),
    )
    .await;
    let counter = node.remote("ex_re", &elixir.name);

    let reply = within(counter.call_term(tagged("add", vec![int(5)])))
        .await
        .unwrap();
    assert_eq!(as_int(&reply), Some(15));
    within(counter.cast_term(tagged("bump", vec![int(7)])))
        .await
        .unwrap();
    let reply = within(counter.call_term(atom("get"))).await.unwrap();
    assert_eq!(as_int(&reply), Some(22));
    let echoed = within(counter.call_term(tagged("echo", vec![bin("héllo")])))
        .await
        .unwrap();
    assert_eq!(echoed, bin("héllo"));
}

#[tokio::test]
async fn an_unknown_name_is_noproc_on_both_sides_at_once() {
    let elixir = require_elixir!();
    let node = rust_node("un").await;

    // Rust calls a name Elixir does not have.
    let missing = node.remote("no_such_server", &elixir.name);
    let error = within(missing.call_term(atom("get")).timeout(LONG)).await;
    assert_eq!(error, Err(RemoteCallError::NoProc));

    // Elixir calls a name Rust does not have, and one registered but not exposed.
    let _hidden = Counter::builder()
        .name("not_exposed_un")
        .start(0)
        .await
        .unwrap();
    let me = atom(node.name());
    for name in ["no_such_server", "not_exposed_un"] {
        let call = tagged("call", vec![atom(name), me.clone(), atom("get")]);
        let outcome = control(&node, &elixir.name, call).await;
        assert_eq!(
            outcome,
            tagged("exit", vec![atom("noproc")]),
            "calling {name}"
        );
    }
}

#[tokio::test]
async fn a_malformed_request_gets_an_error_reply_and_the_server_keeps_running() {
    let elixir = require_elixir!();
    let node = rust_node("mf").await;
    let counter = exposed_counter(&node, "counter_mf", 1).await;
    let me = atom(node.name());
    let call = |request| tagged("call", vec![atom("counter_mf"), me.clone(), request]);

    let outcome = control(&node, &elixir.name, call(tagged("add", vec![bin("three")]))).await;
    let Term::Tuple(t) = &outcome else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(t.elements[0], atom("ok"));
    let Term::Tuple(error) = &t.elements[1] else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(error.elements[0], atom("error"));
    let Term::Tuple(badarg) = &error.elements[1] else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(badarg.elements[0], atom("badarg"));
    let Term::Binary(why) = &badarg.elements[1] else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(
        String::from_utf8_lossy(&why.bytes),
        r#"argument 1 of `add`: expected an integer that fits `i64`, found "three""#
    );

    let next = control(&node, &elixir.name, call(tagged("add", vec![int(1)]))).await;
    assert_eq!(next, tagged("ok", vec![int(2)]));
    assert!(counter.is_alive());
}

#[tokio::test]
async fn an_elixir_caller_exits_with_the_reason_of_a_rust_server_that_dies_mid_call() {
    let elixir = require_elixir!();
    let node = rust_node("cr").await;
    let counter = exposed_counter(&node, "counter_cr", 0).await;
    let call = tagged(
        "call",
        vec![atom("counter_cr"), atom(node.name()), atom("crash")],
    );
    let outcome = control(&node, &elixir.name, call).await;
    let Term::Tuple(t) = &outcome else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(t.elements[0], atom("exit"));
    let Term::Tuple(reason) = &t.elements[1] else {
        panic!("unexpected {outcome}")
    };
    let Term::Map(exception) = &reason.elements[0] else {
        panic!("unexpected {outcome}")
    };
    assert_eq!(
        exception.map.get(&atom("message")),
        Some(&bin("crashed on purpose"))
    );
    assert_eq!(
        counter.exit_reason(),
        Some(ExitReason::Panic("crashed on purpose".into()))
    );
}

#[tokio::test]
async fn a_rust_monitor_of_an_elixir_process_gets_its_exit_reason() {
    let elixir = require_elixir!();
    let node = rust_node("mo").await;
    let worker = control(&node, &elixir.name, atom("spawn_worker")).await;
    let worker_pid = node.pid_from_term(&worker).expect("a pid");
    let down = gen_server::monitor(&worker_pid);
    let stop = tagged(
        "stop_worker",
        vec![worker.clone(), tagged("shutdown", vec![bin("done")])],
    );
    control(&node, &elixir.name, stop).await;
    assert_eq!(within(down).await, ExitReason::ShutdownWith("done".into()));
}

#[tokio::test]
async fn elixir_gets_down_when_a_rust_server_stops() {
    let elixir = require_elixir!();
    let node = rust_node("md").await;
    let counter = exposed_counter(&node, "counter_md", 0).await;
    let target = tuple(vec![atom("counter_md"), atom(node.name())]);
    let monitoring = control(&node, &elixir.name, tagged("monitor", vec![target])).await;
    let Term::Tuple(t) = monitoring else {
        panic!("unexpected reply")
    };
    let reference = t.elements[1].clone();

    counter
        .stop(ExitReason::ShutdownWith("bye".into()))
        .await
        .unwrap();
    let down = control(&node, &elixir.name, tagged("await_down", vec![reference])).await;
    assert_eq!(
        down,
        tagged("down", vec![tagged("shutdown", vec![bin("bye")])])
    );
}

/// Calls other nodes from inside a process, as a server does.
struct Caller;

#[gen_server]
impl Caller {
    fn init() -> Self {
        Caller
    }

    #[call]
    async fn call_out(
        &mut self,
        remote: gen_server::dist::RemoteRef,
        request: Term,
    ) -> Result<Term, RemoteCallError> {
        remote.call_term(request).await
    }
}

#[tokio::test]
async fn an_elixir_server_can_monitor_its_rust_caller() {
    let elixir = require_elixir!();
    let node = rust_node("mc").await;
    let caller = Caller::start().await.unwrap();
    let control = node.remote("Elixir.Control", &elixir.name);
    let monitoring = within(caller.call_out(control, atom("monitor_caller")))
        .await
        .unwrap()
        .unwrap();
    let Term::Tuple(t) = monitoring else {
        panic!("unexpected reply")
    };
    assert_eq!(t.elements[0], atom("monitoring"));

    caller
        .stop(ExitReason::ShutdownWith("bye".into()))
        .await
        .unwrap();
    let down = control_await_down(&node, &elixir.name, t.elements[1].clone()).await;
    assert_eq!(
        down,
        tagged("down", vec![tagged("shutdown", vec![bin("bye")])])
    );
}

async fn control_await_down(node: &Node, elixir: &str, reference: Term) -> Term {
    control(node, elixir, tagged("await_down", vec![reference])).await
}

#[tokio::test]
async fn an_elixir_exit_reaches_a_linked_rust_actor() {
    let elixir = require_elixir!();
    let node = rust_node("lk").await;
    let (tx, mut exits) = tokio::sync::mpsc::unbounded_channel();
    let linker = Linker::start(Some(tx)).await.unwrap();
    let worker = control(&node, &elixir.name, atom("spawn_worker")).await;
    let worker_pid = node.pid_from_term(&worker).unwrap();
    linker.link_to(worker_pid.clone()).await.unwrap();
    // A link is set once `LINK` has reached the other node; the call that
    // follows on the same connection comes after it.
    control(&node, &elixir.name, atom("spawn_worker")).await;

    control(
        &node,
        &elixir.name,
        tagged("stop_worker", vec![worker, atom("boom")]),
    )
    .await;
    let exit = within(exits.recv()).await.unwrap();
    assert_eq!(exit.from, worker_pid.id());
    assert_eq!(exit.reason, ExitReason::Panic("boom".into()));
    assert!(linker.is_alive());
}

#[tokio::test]
async fn an_elixir_process_linked_to_a_rust_one_gets_its_exit() {
    let elixir = require_elixir!();
    let node = rust_node("lr").await;
    let (hang_up, hung_up) = tokio::sync::oneshot::channel::<()>();
    let channel = gen_server::spawn(async move {
        let _ = hung_up.await;
        panic!("lost the session");
    });
    let pid = node.local_pid(&channel).to_term();
    let linked = control(&node, &elixir.name, tagged("link", vec![pid.clone()])).await;
    assert_eq!(linked, atom("linked"));

    hang_up.send(()).unwrap();
    let exit = control(&node, &elixir.name, tagged("await_exit", vec![pid])).await;
    let Term::Tuple(t) = &exit else {
        panic!("unexpected {exit}")
    };
    assert_eq!(t.elements[0], atom("exit"));
    let Term::Tuple(reason) = &t.elements[1] else {
        panic!("unexpected {exit}")
    };
    let Term::Map(exception) = &reason.elements[0] else {
        panic!("unexpected {exit}")
    };
    assert_eq!(
        exception.map.get(&atom("message")),
        Some(&bin("lost the session"))
    );
    assert_eq!(
        exception.map.get(&atom("__struct__")),
        Some(&atom("Elixir.RuntimeError"))
    );
}
