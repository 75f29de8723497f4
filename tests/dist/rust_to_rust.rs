//! Two Rust nodes in one test process call each other's gen_servers the
//! same way Elixir does: `{name, node}`, typed requests and replies. Two
//! Rust nodes in two processes: `rust_processes.rs`.

use gen_server::dist::RemoteCallError;
use gen_server::dist::term::Atom;
use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

use crate::servers::{Counter, Linker};
use crate::{rust_node, within};

/// The counter's requests, as a Rust caller writes them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    Add(i64),
    Get,
    Bump(i64),
}

#[tokio::test]
async fn two_rust_nodes_call_and_cast_each_other() {
    crate::require_epmd!();
    let a = rust_node("rr_a").await;
    let b = rust_node("rr_b").await;
    let _on_a = Counter::builder()
        .name("rr_counter_a")
        .start(1)
        .await
        .unwrap();
    let _on_b = Counter::builder()
        .name("rr_counter_b")
        .start(40)
        .await
        .unwrap();
    a.expose::<Counter>("rr_counter_a");
    b.expose::<Counter>("rr_counter_b");

    let on_b = a.remote("rr_counter_b", b.name());
    assert_eq!(within(on_b.call::<i64, _>(&Request::Add(2))).await, Ok(42));
    within(on_b.cast(&Request::Bump(8))).await.unwrap();
    assert_eq!(within(on_b.call::<i64, _>(&Request::Get)).await, Ok(50));

    // And back, over the same connection, with a tuple for a request.
    let on_a = b.remote("rr_counter_a", a.name());
    let add = (Atom::from("add"), 10);
    assert_eq!(within(on_a.call::<i64, _>(&add)).await, Ok(11));
    assert_eq!(a.nodes(), vec![b.name().to_owned()]);
    assert_eq!(b.nodes(), vec![a.name().to_owned()]);
}

#[tokio::test]
async fn a_rust_node_answers_noproc_and_badarg_as_an_elixir_caller_expects() {
    crate::require_epmd!();
    let a = rust_node("rn_a").await;
    let b = rust_node("rn_b").await;
    let _counter = Counter::builder()
        .name("rn_counter")
        .start(0)
        .await
        .unwrap();
    b.expose::<Counter>("rn_counter");

    let missing = a.remote("rn_nobody", b.name());
    assert_eq!(
        within(missing.call::<i64, _>(&Request::Get)).await,
        Err(RemoteCallError::NoProc)
    );
    let counter = a.remote("rn_counter", b.name());
    let wrong = (Atom::from("add"), "three");
    assert_eq!(
        within(counter.call::<i64, _>(&wrong)).await,
        Err(RemoteCallError::BadArg(
            r#"argument 1 of `add`: expected an integer that fits `i64`, found "three""#.into()
        ))
    );
    assert_eq!(
        within(counter.call::<i64, _>(&Atom::from("reset"))).await,
        Err(RemoteCallError::BadArg(
            "expected one of {:add, _}, :get, {:add_later, _}, {:add_point, _}, :crash, got 'reset'"
                .into()
        ))
    );
    // The server is still there.
    assert_eq!(
        within(counter.call::<i64, _>(&Request::Add(1))).await,
        Ok(1)
    );
}

#[tokio::test]
async fn a_rust_caller_gets_the_exit_reason_of_a_remote_server_that_dies_mid_call() {
    crate::require_epmd!();
    let a = rust_node("rc_a").await;
    let b = rust_node("rc_b").await;
    let _counter = Counter::builder()
        .name("rc_counter")
        .start(0)
        .await
        .unwrap();
    b.expose::<Counter>("rc_counter");
    let counter = a.remote("rc_counter", b.name());
    assert_eq!(
        within(counter.call::<i64, _>(&Atom::from("crash"))).await,
        Err(RemoteCallError::Exited(gen_server::ExitReason::Panic(
            "crashed on purpose".into()
        )))
    );
    // The name is free now: the next call is `NoProc`, at once.
    assert_eq!(
        within(counter.call::<i64, _>(&Request::Get)).await,
        Err(RemoteCallError::NoProc)
    );
}

#[tokio::test]
async fn a_rust_monitor_of_a_server_on_another_rust_node_sees_it_stop() {
    crate::require_epmd!();
    let a = rust_node("rm_a").await;
    let b = rust_node("rm_b").await;
    let counter = Counter::builder()
        .name("rm_counter")
        .start(0)
        .await
        .unwrap();
    b.expose::<Counter>("rm_counter");
    // `b` hands out its server's pid; `a` monitors it.
    let pid_on_b = b.local_pid(&counter);
    within(a.connect(b.name())).await.unwrap();
    let seen_from_a = a.pid_from_term(&pid_on_b.to_term()).unwrap();
    let down = gen_server::monitor(&seen_from_a);
    // The monitor is set on `b` once its `MONITOR_P` arrives; a call on the
    // same connection after it comes back only once `b` has handled it.
    let remote = a.remote("rm_counter", b.name());
    assert_eq!(within(remote.call::<i64, _>(&Request::Get)).await, Ok(0));

    counter
        .stop(gen_server::ExitReason::ShutdownWith("done".into()))
        .await
        .unwrap();
    assert_eq!(
        within(down).await,
        gen_server::ExitReason::ShutdownWith("done".into())
    );
    // Once the node goes, a monitor of anything there is `NoConnection`.
    let worker = gen_server::spawn(std::future::pending());
    let worker_from_a = a.pid_from_term(&b.local_pid(&worker).to_term()).unwrap();
    let down = gen_server::monitor(&worker_from_a);
    assert_eq!(
        within(remote.call::<i64, _>(&Request::Get)).await,
        Err(RemoteCallError::NoProc)
    );
    b.shutdown();
    assert_eq!(within(down).await, gen_server::ExitReason::NoConnection);

    // Linking to a process of a node that went away gets the exit signal
    // `NoConnection`; a remote pid's own pid is given back as it is.
    assert_eq!(a.local_pid(&worker_from_a), worker_from_a);
    let linker = Linker::start(None).await.unwrap();
    let ended = gen_server::monitor(&linker);
    let _ = linker.link_to(worker_from_a.clone()).await;
    assert_eq!(within(ended).await, gen_server::ExitReason::NoConnection);
}
