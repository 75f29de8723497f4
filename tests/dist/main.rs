//! Distribution tests: Rust nodes and real Elixir nodes on loopback, each
//! test binary with its own epmd (`epmd -address 127.0.0.1 -port P`).
//!
//! The interop tests need `elixir` and `epmd` on `PATH` (Debian's `elixir`
//! and `erlang-base`; `.ci/run` installs them). Without them each prints
//! `skipped: elixir not on PATH` and returns.

mod cluster;
mod rust_to_rust;

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
