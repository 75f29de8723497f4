//! A connection under stress: flooded by its peer, or lost while local
//! processes are monitoring processes on the other side.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use gen_server::dist::Node;
use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{COOKIE, epmd, node_name, require_epmd, within};

/// A Rust node with a short `net_ticktime`, so that a peer that stops
/// ticking is found within the test's bound.
async fn ticking_node(tag: &str, tick_time: Duration) -> Node {
    Node::builder(node_name(tag), COOKIE)
        .epmd_port(epmd().await.expect("epmd runs").port)
        .tick_time(tick_time)
        .start()
        .await
        .expect("the Rust node starts")
}

/// Counts the casts it gets in a counter the test shares, so that the
/// flooding side can keep a bounded number of them in flight without any
/// message going back over the connection.
pub struct Sink {
    handled: Arc<AtomicU64>,
}

/// The sink's one request, `{:hit, n}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SinkRequest {
    Hit(u64),
}

/// A number that takes a while to decode: the connection task decodes each
/// incoming request, so this makes the receiving side slower than the
/// sending one, and its socket always has more to read.
#[derive(Serialize)]
pub struct SlowToDecode(u64);

impl<'de> Deserialize<'de> for SlowToDecode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        // Fixed work, not a wait.
        let mut x = n;
        for i in 0..20_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let _ = x;
        Ok(SlowToDecode(n))
    }
}

#[gen_server(remote)]
impl Sink {
    fn init(handled: Arc<AtomicU64>) -> Self {
        Sink { handled }
    }

    /// `{:hit, n}`: counts one.
    #[cast]
    fn hit(&mut self, n: SlowToDecode) {
        let _ = n;
        self.handled.fetch_add(1, Ordering::Relaxed);
    }
}

/// The node being flooded must still send its ticks: it writes nothing else
/// to its peer here, so a peer that hears nothing for a whole tick time
/// would take it for down.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_incoming_casts_does_not_starve_the_ticks() {
    require_epmd!();
    let tick_time = Duration::from_millis(800);
    let flooded = ticking_node("fl_a", tick_time).await;
    let flooder = ticking_node("fl_b", tick_time).await;
    let handled = Arc::new(AtomicU64::new(0));
    let _sink = Sink::builder()
        .name("fl_sink")
        .start(Arc::clone(&handled))
        .await
        .unwrap();
    flooded.expose::<Sink>("fl_sink");
    within(flooder.connect(flooded.name())).await.unwrap();
    let lost = flooder.monitor_node(flooded.name());
    tokio::pin!(lost);

    // Several tasks keep up to `WINDOW` casts ahead of what the sink has
    // handled, so that the flooded node always has more to read, for four
    // tick times (the peer gives up after one without a tick).
    const WINDOW: u64 = 3_000;
    let sent = Arc::new(AtomicU64::new(0));
    let until = tokio::time::Instant::now() + 4 * tick_time;
    let floods: Vec<_> = (0..3)
        .map(|_| {
            let sink = flooder.remote("fl_sink", flooded.name());
            let (sent, handled) = (Arc::clone(&sent), Arc::clone(&handled));
            tokio::spawn(async move {
                while tokio::time::Instant::now() < until {
                    if sent
                        .load(Ordering::Relaxed)
                        .saturating_sub(handled.load(Ordering::Relaxed))
                        > WINDOW
                    {
                        tokio::task::yield_now().await;
                        continue;
                    }
                    for n in 0..100 {
                        sink.cast(&SinkRequest::Hit(n)).await.unwrap();
                    }
                    sent.fetch_add(100, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let flooding = async {
        for flood in floods {
            flood.await.unwrap();
        }
    };
    tokio::select! {
        () = &mut lost => panic!("the flooded node stopped ticking and its peer dropped it"),
        () = flooding => {}
    }
    assert_eq!(flooder.nodes(), vec![flooded.name().to_owned()]);
    // Every cast arrives, once the flood is over.
    let total = sent.load(Ordering::Relaxed);
    within(async {
        while handled.load(Ordering::Relaxed) < total {
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// Monitors set from several threads while the connection is dropped: each
/// one gets its `Down`, with `NoConnection`, whichever side of the loss it
/// falls on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn monitors_racing_a_lost_connection_all_get_noconnection() {
    require_epmd!();
    let a = crate::rust_node("mr_a").await;
    let b = crate::rust_node("mr_b").await;
    let worker = gen_server::spawn(std::future::pending::<()>());
    for _ in 0..30 {
        within(a.connect(b.name())).await.unwrap();
        let pid = a.pid_from_term(&b.local_pid(&worker).to_term()).unwrap();
        let lost = a.monitor_node(b.name());
        let stop = Arc::new(AtomicBool::new(false));
        let made = Arc::new(AtomicU64::new(0));
        let watchers: Vec<_> = (0..4)
            .map(|_| {
                let (pid, stop, made) = (pid.clone(), Arc::clone(&stop), Arc::clone(&made));
                tokio::spawn(async move {
                    let mut downs = Vec::new();
                    // A few more once the loss is known, to cover after it too.
                    let mut after = 0;
                    while after < 4 {
                        downs.push(gen_server::monitor(&pid));
                        made.fetch_add(1, Ordering::Relaxed);
                        if stop.load(Ordering::Relaxed) {
                            after += 1;
                        }
                        tokio::task::yield_now().await;
                    }
                    downs
                })
            })
            .collect();
        within(async {
            while made.load(Ordering::Relaxed) < 40 {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(a.disconnect(b.name()));
        within(lost).await;
        stop.store(true, Ordering::Relaxed);
        for watcher in watchers {
            for down in within(watcher).await.unwrap() {
                assert_eq!(within(down).await, ExitReason::NoConnection);
            }
        }
    }
}

/// A monitor of a process whose node was killed, set after the loss was
/// noticed or before it, gets `NoConnection`; so does one set through a pid
/// decoded afresh.
#[tokio::test]
async fn a_monitor_set_after_the_peer_was_killed_gets_noconnection() {
    let _ = crate::require_elixir!();
    let epmd = epmd().await.expect("epmd runs when elixir does");
    let elixir = crate::cluster::Elixir::start(
        epmd,
        &node_name("ex_mk"),
        COOKIE,
        crate::PEER_SCRIPT.as_ref(),
        "",
    )
    .await;
    let node = crate::rust_node("mk").await;
    let control = node.remote("Elixir.Control", &elixir.name);
    let worker = within(control.call_term(crate::terms::atom("spawn_worker")))
        .await
        .unwrap();
    let pid = node.pid_from_term(&worker).unwrap();
    let lost = node.monitor_node(&elixir.name);
    elixir.child.lock().unwrap().kill();
    within(lost).await;

    assert_eq!(
        within(gen_server::monitor(&pid)).await,
        ExitReason::NoConnection
    );
    let afresh = node.pid_from_term(&worker).unwrap();
    assert_eq!(
        within(gen_server::monitor(&afresh)).await,
        ExitReason::NoConnection
    );
}

/// Calls made from several threads while the connection is dropped each end,
/// with the reply or `NodeDown` (or, once the loss is known, a fresh
/// connection's answer), never waiting forever: they have no timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_racing_a_lost_connection_all_end() {
    require_epmd!();
    let a = crate::rust_node("cl_a").await;
    let b = crate::rust_node("cl_b").await;
    let _counter = crate::servers::Counter::builder()
        .name("cl_counter")
        .start(0)
        .await
        .unwrap();
    b.expose::<crate::servers::Counter>("cl_counter");
    for _ in 0..20 {
        within(a.connect(b.name())).await.unwrap();
        let lost = a.monitor_node(b.name());
        let stop = Arc::new(AtomicBool::new(false));
        let made = Arc::new(AtomicU64::new(0));
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let counter = a.remote("cl_counter", b.name());
                let (stop, made) = (Arc::clone(&stop), Arc::clone(&made));
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let get = gen_server::dist::term::Atom::from("get");
                        match counter.call::<i64, _>(&get).no_timeout().await {
                            Ok(_) | Err(gen_server::dist::RemoteCallError::NodeDown(_)) => {}
                            Err(other) => panic!("unexpected {other:?}"),
                        }
                        made.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        within(async {
            while made.load(Ordering::Relaxed) < 20 {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(a.disconnect(b.name()));
        within(lost).await;
        stop.store(true, Ordering::Relaxed);
        for caller in callers {
            within(caller).await.unwrap();
        }
    }
}
