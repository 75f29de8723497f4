//! Losing a node: killed in the middle of a call or with links to it, or
//! silent (paused) so that only the ticks can tell. Each test has an Elixir
//! node of its own.

use std::time::Duration;

use gen_server::dist::RemoteCallError;
use gen_server::prelude::*;

use crate::cluster::Elixir;
use crate::servers::Linker;
use crate::terms::{atom, int, tagged};
use crate::{BOUND, COOKIE, PEER_SCRIPT, epmd, node_name, require_elixir, within};

async fn own_elixir(tag: &str, erl: &str) -> Elixir {
    let epmd = epmd().await.expect("epmd runs when elixir does");
    Elixir::start(epmd, &node_name(tag), COOKIE, PEER_SCRIPT.as_ref(), erl).await
}

#[tokio::test]
async fn a_node_killed_mid_call_is_node_down_and_its_monitors_get_noconnection() {
    let _ = require_elixir!();
    let elixir = own_elixir("ex_kill", "").await;
    let node = crate::rust_node("kl").await;
    let control = node.remote("Elixir.Control", &elixir.name);
    let worker = within(control.call_term(atom("spawn_worker")))
        .await
        .unwrap();
    let down = gen_server::monitor(&node.pid_from_term(&worker).unwrap());

    let sleeper = node.remote("ex_counter", &elixir.name);
    let call = tokio::spawn(async move {
        let request = tagged("sleep_notify", vec![int(60_000)]);
        sleeper
            .call_term(request)
            .timeout(Duration::from_secs(60))
            .await
    });
    elixir.expect_line("sleeping").await;
    elixir.child.lock().unwrap().kill();

    let outcome = within(call).await.unwrap();
    assert_eq!(outcome, Err(RemoteCallError::NodeDown(elixir.name.clone())));
    assert_eq!(within(down).await, ExitReason::NoConnection);
    assert!(!node.nodes().contains(&elixir.name));
}

#[tokio::test]
async fn actors_linked_to_a_killed_node_get_noconnection_and_die_unless_they_trap_exits() {
    let _ = require_elixir!();
    let elixir = own_elixir("ex_link", "").await;
    let node = crate::rust_node("ln").await;
    let control = node.remote("Elixir.Control", &elixir.name);
    let worker = within(control.call_term(atom("spawn_worker")))
        .await
        .unwrap();
    let worker = node.pid_from_term(&worker).unwrap();

    let (tx, mut exits) = tokio::sync::mpsc::unbounded_channel();
    let trapping = Linker::start(Some(tx)).await.unwrap();
    within(trapping.link_to(worker.clone())).await.unwrap();
    let plain = Linker::start(None).await.unwrap();
    let plain_down = gen_server::monitor(&plain);
    within(plain.link_to(worker.clone())).await.unwrap();
    // Both links are set once their `LINK`s reach the Elixir node; the call
    // that follows on the same connection comes after them.
    within(control.call_term(atom("spawn_worker")))
        .await
        .unwrap();

    elixir.child.lock().unwrap().kill();
    let exit = within(exits.recv())
        .await
        .expect("the trapping actor got an exit");
    assert_eq!(exit.from, worker.id());
    assert_eq!(exit.reason, ExitReason::NoConnection);
    assert_eq!(within(plain_down).await, ExitReason::NoConnection);
    assert!(trapping.is_alive());
}

#[tokio::test]
async fn ticks_keep_an_idle_connection_and_find_a_silent_peer() {
    let _ = require_elixir!();
    let elixir = own_elixir("ex_tick", "-kernel net_ticktime 1").await;
    let epmd = epmd().await.unwrap();
    let node = gen_server::dist::Node::builder(node_name("tk"), COOKIE)
        .epmd_port(epmd.port)
        .tick_time(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    within(node.connect(&elixir.name)).await.unwrap();
    let lost = node.monitor_node(&elixir.name);

    // Idle for three tick times: both sides' ticks keep it up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(node.nodes(), vec![elixir.name.clone()]);

    // A paused node sends nothing, not even ticks, and its socket stays open.
    elixir.child.lock().unwrap().signal("STOP");
    let detected = tokio::time::timeout(BOUND, lost).await;
    elixir.child.lock().unwrap().signal("CONT");
    detected.expect("the silent node was not detected as down");
    assert!(node.nodes().is_empty());
}
