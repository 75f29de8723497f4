//! Distribution tests: Rust nodes and real Elixir nodes on loopback, each
//! test binary with its own epmd (`epmd -address 127.0.0.1 -port P`, found
//! by the Elixir nodes through `ERL_EPMD_PORT`).
//!
//! The interop tests need `elixir` and `epmd` on `PATH` (Debian's `elixir`
//! and `erlang-base`; `.ci/run` installs them), the Rust-to-Rust tests only
//! `epmd`. Without them a test says on the terminal that it is skipped and
//! what to install (written past libtest's output capture), and returns;
//! with `DIST_TESTS_REQUIRE_ERLANG=1` set it fails instead.

mod cluster;
mod interop;
mod loss;
mod own_node;
mod refusals;
mod robustness;
mod rust_processes;
mod rust_to_rust;
mod servers;
mod terms;

use std::future::IntoFuture;
use std::io::Write;
use std::time::Duration;

use tokio::sync::OnceCell;

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

/// A program a test needs that is not on `PATH`.
#[derive(Clone, Copy, Debug)]
pub struct Missing {
    pub program: &'static str,
    /// What to install for it, with Debian's package.
    pub install: &'static str,
}

const NEEDS_EPMD: Missing = Missing {
    program: "epmd",
    install: "Erlang (Debian: `apt-get install erlang-base`)",
};

const NEEDS_ELIXIR: Missing = Missing {
    program: "elixir",
    install: "Elixir (Debian: `apt-get install elixir`)",
};

/// The first of `needed` not on `PATH`.
fn missing(needed: &[Missing]) -> Result<(), Missing> {
    match needed.iter().find(|m| !cluster::on_path(m.program)) {
        Some(missing) => Err(*missing),
        None => Ok(()),
    }
}

/// This binary's epmd, started on first use (off the runtime's threads).
pub async fn epmd() -> Result<&'static cluster::Epmd, Missing> {
    static EPMD: OnceCell<cluster::Epmd> = OnceCell::const_new();
    missing(&[NEEDS_EPMD])?;
    Ok(EPMD.get_or_init(cluster::Epmd::start).await)
}

/// A node name unique to this test binary and `tag`.
pub fn node_name(tag: &str) -> String {
    format!("{tag}_{}@127.0.0.1", std::process::id())
}

/// The script every Elixir node of these tests runs.
pub const PEER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dist/peer.exs");

/// This binary's Elixir node (`tests/dist/peer.exs`), started on first use
/// (off the runtime's threads).
pub async fn elixir() -> Result<&'static cluster::Elixir, Missing> {
    static ELIXIR: OnceCell<cluster::Elixir> = OnceCell::const_new();
    missing(&[NEEDS_EPMD, NEEDS_ELIXIR])?;
    let epmd = epmd().await?;
    Ok(ELIXIR
        .get_or_init(|| async {
            let name = node_name("ex");
            cluster::Elixir::start(epmd, &name, COOKIE, PEER_SCRIPT.as_ref(), "").await
        })
        .await)
}

/// Says on the terminal that the running test is skipped for want of
/// `missing`, and what to install; fails the test instead with
/// `DIST_TESTS_REQUIRE_ERLANG=1`.
pub fn skip(missing: Missing) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let why = format!(
        "`{}` is not on `PATH`; install {}",
        missing.program, missing.install
    );
    if std::env::var_os("DIST_TESTS_REQUIRE_ERLANG").is_some_and(|v| v == "1") {
        panic!("{why}");
    }
    // libtest captures the print macros of a passing test, not writes to
    // the stream itself: this reaches the terminal.
    let _ = std::io::stderr().write_all(format!("skipped {test}: {why}\n").as_bytes());
}

/// The shared Elixir node, or return from the test saying why it is skipped.
#[macro_export]
macro_rules! require_elixir {
    () => {
        match $crate::elixir().await {
            Ok(elixir) => elixir,
            Err(missing) => {
                $crate::skip(missing);
                return;
            }
        }
    };
}

/// This binary's epmd, or return from the test saying why it is skipped.
#[macro_export]
macro_rules! require_epmd {
    () => {
        match $crate::epmd().await {
            Ok(epmd) => epmd,
            Err(missing) => {
                $crate::skip(missing);
                return;
            }
        }
    };
}

/// A Rust node for one test, on this binary's epmd.
pub async fn rust_node(tag: &str) -> gen_server::dist::Node {
    let epmd = epmd().await.expect("epmd runs when a test starts a node");
    gen_server::dist::Node::builder(node_name(tag), COOKIE)
        .epmd_port(epmd.port)
        .start()
        .await
        .expect("the Rust node starts")
}
