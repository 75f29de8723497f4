//! Distribution tests: Rust nodes and real Elixir nodes on loopback, each
//! test binary with its own epmd (`epmd -address 127.0.0.1 -port P`).
//!
//! The interop tests need `elixir` and `epmd` on `PATH` (Debian's `elixir`
//! and `erlang-base`; `.ci/run` installs them). Without them each prints
//! `skipped: elixir not on PATH` and returns; the Rust-to-Rust tests need
//! only `epmd` (else `skipped: epmd not on PATH`).

mod cluster;
mod interop;
mod loss;
mod own_node;
mod refusals;
mod robustness;
mod rust_to_rust;
mod servers;
mod terms;

use std::future::IntoFuture;
use std::sync::OnceLock;
use std::time::Duration;

/// The most any awaited event may take before a test fails instead of hanging.
pub const BOUND: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test if it takes longer than [`BOUND`].
pub async fn within<F: IntoFuture>(fut: F) -> F::Output {
    tokio::time::timeout(BOUND, fut.into_future())
        .await
        .expect("the awaited event did not happen in time")
}

/// The cookie every node of these tests shares.
pub const COOKIE: &str = "gen-server-dist-tests";

/// This binary's epmd, started on first use; `None` without `epmd` on PATH.
pub fn epmd() -> Option<&'static cluster::Epmd> {
    static EPMD: OnceLock<Option<cluster::Epmd>> = OnceLock::new();
    EPMD.get_or_init(|| cluster::on_path("epmd").then(cluster::Epmd::start))
        .as_ref()
}

/// A node name unique to this test binary and `tag`.
pub fn node_name(tag: &str) -> String {
    format!("{tag}_{}@127.0.0.1", std::process::id())
}

/// The script every Elixir node of these tests runs.
pub const PEER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dist/peer.exs");

/// This binary's Elixir node (`tests/dist/peer.exs`), started on first use;
/// `None` without `elixir` and `epmd` on PATH.
pub fn elixir() -> Option<&'static cluster::Elixir> {
    static ELIXIR: OnceLock<Option<cluster::Elixir>> = OnceLock::new();
    ELIXIR
        .get_or_init(|| {
            let epmd = epmd()?;
            cluster::on_path("elixir").then(|| {
                cluster::Elixir::start(epmd, &node_name("ex"), COOKIE, PEER_SCRIPT.as_ref(), "")
            })
        })
        .as_ref()
}

/// The shared Elixir node, or return from the test saying why it is skipped.
#[macro_export]
macro_rules! require_elixir {
    () => {
        match $crate::elixir() {
            Some(elixir) => elixir,
            None => {
                println!("skipped: elixir not on PATH");
                return;
            }
        }
    };
}

/// Returns from the test, saying why, without epmd on PATH.
#[macro_export]
macro_rules! require_epmd {
    () => {
        if $crate::epmd().is_none() {
            println!("skipped: epmd not on PATH");
            return;
        }
    };
}

/// A Rust node for one test, on this binary's epmd.
pub async fn rust_node(tag: &str) -> gen_server::dist::Node {
    let epmd = epmd().expect("epmd runs when elixir does");
    gen_server::dist::Node::builder(node_name(tag), COOKIE)
        .epmd_port(epmd.port)
        .start()
        .await
        .expect("the Rust node starts")
}
