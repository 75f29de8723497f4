//! Remote call round trips on loopback: Rust→Rust, Rust→Elixir, Elixir→Rust,
//! and Elixir→Elixir between two BEAM nodes measured in the same run.
//!
//! ```sh
//! cargo bench --bench dist
//! ```
//!
//! Starts its own epmd on a free port, two Elixir nodes running
//! `tests/dist/peer.exs`, and a second copy of itself as the other Rust
//! node (so Rust→Rust, like Elixir→Elixir, crosses two OS processes). Each
//! pair is timed as 5000 sequential `GenServer.call`s of a counter's
//! `:get`, `REPS` times; the table shows the median and the spread.
//! Needs `elixir` and `epmd` on PATH.

#[path = "../tests/dist/cluster.rs"]
#[allow(dead_code)]
mod cluster;
#[path = "../tests/dist/servers.rs"]
#[allow(dead_code)]
mod servers;
#[path = "../tests/dist/terms.rs"]
#[allow(dead_code)]
mod terms;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gen_server::dist::{Node, Term};

use terms::{as_int, atom, int, tagged};

const COOKIE: &str = "gen-server-dist-bench";
/// Calls per repetition (`DIST_BENCH_CALLS` to change it, for profiling).
fn calls() -> i32 {
    std::env::var("DIST_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}

const REPS: usize = 7;
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dist/peer.exs");

fn main() {
    if let Ok(name) = std::env::var("DIST_BENCH_SERVE") {
        return serve(&name);
    }
    if !cluster::on_path("elixir") || !cluster::on_path("epmd") {
        println!("skipped: elixir not on PATH");
        return;
    }
    runtime().block_on(bench());
}

/// The default multi-thread runtime, or a current-thread one with
/// `DIST_BENCH_RUNTIME=current`.
fn runtime() -> tokio::runtime::Runtime {
    match std::env::var("DIST_BENCH_RUNTIME").as_deref() {
        Ok("current") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        _ => tokio::runtime::Runtime::new().unwrap(),
    }
}

/// The other Rust node: exposes a counter until its stdin closes.
fn serve(name: &str) {
    runtime().block_on(async {
        let node = Node::builder(name, COOKIE).start().await.unwrap();
        let _counter = servers::Counter::builder()
            .name("counter")
            .start(0)
            .await
            .unwrap();
        node.expose::<servers::Counter>("counter");
        println!("ready");
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().lock().read_line(&mut String::new());
        })
        .await
        .unwrap();
    });
}

async fn bench() {
    let calls = calls();
    // `DIST_BENCH_ONLY=rust`: Rust→Rust alone, without Elixir (for
    // `valgrind --tool=callgrind`).
    let rust_only = std::env::var("DIST_BENCH_ONLY").is_ok_and(|v| v == "rust");
    let epmd = cluster::Epmd::start().await;
    let id = std::process::id();
    let e1 = format!("bench_e1_{id}@127.0.0.1");
    let e2 = format!("bench_e2_{id}@127.0.0.1");
    let r1 = format!("bench_r1_{id}@127.0.0.1");
    let r2 = format!("bench_r2_{id}@127.0.0.1");
    let elixirs = if rust_only {
        None
    } else {
        Some(tokio::join!(
            cluster::Elixir::start(&epmd, &e1, COOKIE, SCRIPT.as_ref(), ""),
            cluster::Elixir::start(&epmd, &e2, COOKIE, SCRIPT.as_ref(), ""),
        ))
    };

    let mut other = Command::new(std::env::current_exe().unwrap())
        .env("DIST_BENCH_SERVE", &r2)
        .env(
            "DIST_BENCH_RUNTIME",
            std::env::var("DIST_BENCH_RUNTIME").unwrap_or_default(),
        )
        .env("ERL_EPMD_PORT", epmd.port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufReader::new(other.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready", "the other Rust node did not start");

    let node = Node::builder(&r1, COOKIE)
        .epmd_port(epmd.port)
        .start()
        .await
        .unwrap();
    let _counter = servers::Counter::builder()
        .name("counter")
        .start(0)
        .await
        .unwrap();
    node.expose::<servers::Counter>("counter");
    let control = node.remote("Elixir.Control", &e1);

    // Each returns the mean microseconds per call of one repetition.
    let rust_to = |target: &str| {
        let remote = node.remote(
            if target == r2 {
                "counter"
            } else {
                "ex_counter"
            },
            target,
        );
        async move {
            remote.call_term(atom("get")).await.unwrap();
            let start = Instant::now();
            for _ in 0..calls {
                let reply = remote.call_term(atom("get")).await.unwrap();
                assert!(as_int(&reply).is_some());
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(calls)
        }
    };
    let elixir_to = |name: &str, target: &str| {
        let request = tagged(
            "time_calls",
            vec![atom(name), atom(target), atom("get"), int(calls)],
        );
        let control = &control;
        async move {
            let micros: Term = control
                .call_term(request)
                .timeout(Duration::from_secs(120))
                .await
                .unwrap();
            as_int(&micros).expect("microseconds") as f64 / f64::from(calls)
        }
    };

    let mut rows: Vec<(&str, Vec<f64>)> = vec![
        ("Rust → Rust (two OS processes)", vec![]),
        ("Rust → Elixir", vec![]),
        ("Elixir → Rust", vec![]),
        ("Elixir → Elixir (two BEAM nodes)", vec![]),
    ];
    if rust_only {
        rows.truncate(1);
    }
    for _ in 0..REPS {
        rows[0].1.push(rust_to(&r2).await);
        if !rust_only {
            rows[1].1.push(rust_to(&e2).await);
            rows[2].1.push(elixir_to("counter", &r1).await);
            rows[3].1.push(elixir_to("ex_counter", &e2).await);
        }
    }

    println!();
    println!("remote call round trip on loopback, {calls} sequential calls x {REPS} repetitions");
    println!();
    println!("| caller → server | median µs/call | min | max |");
    println!("|---|---:|---:|---:|");
    for (label, mut samples) in rows {
        samples.sort_by(f64::total_cmp);
        println!(
            "| {label} | {:.1} | {:.1} | {:.1} |",
            samples[samples.len() / 2],
            samples[0],
            samples[samples.len() - 1]
        );
    }
    drop(other.stdin.take());
    let _ = other.wait();
    drop(elixirs);
}
