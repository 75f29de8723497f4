//! Two Rust nodes in two OS processes: this test binary runs itself again as
//! the peer node (its ignored test [`peer_node`], selected by name and told
//! what to do through environment variables), and each node calls and casts
//! the other's gen_servers.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};

use gen_server::dist::Node;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::cluster::{ChildGuard, forward_lines, off_runtime};
use crate::rust_to_rust::Request;
use crate::servers::Counter;
use crate::{COOKIE, node_name, rust_node, within};

/// The name of the peer node to start; set only in the peer's process.
const PEER_NODE: &str = "DIST_TESTS_PEER_NODE";
/// The port of the test's epmd, for the peer node.
const PEER_EPMD_PORT: &str = "DIST_TESTS_PEER_EPMD_PORT";
/// The node of the test that started the peer.
const PEER_PARENT: &str = "DIST_TESTS_PEER_PARENT";
/// What starts each line the peer reports, to tell it from libtest's output
/// (which may begin the same line).
const REPORT: &str = "peer report: ";

#[tokio::test]
async fn two_rust_nodes_in_two_processes_call_and_cast_each_other() {
    let epmd = crate::require_epmd!();
    let a = rust_node("rp_a").await;
    let counter = Counter::builder()
        .name("rp_counter_a")
        .start(1)
        .await
        .unwrap();
    a.expose::<Counter>("rp_counter_a");
    let b = node_name("rp_b");
    let mut peer = Peer::start(&b, epmd.port, a.name()).await;

    // The peer dialled this node and called its counter.
    assert_eq!(peer.report().await, "a answered 3");
    assert_eq!(within(counter.get()).await.unwrap(), 3);
    assert_eq!(a.nodes(), vec![b.clone()]);

    // This node calls and casts the peer's counter, over the same connection.
    let on_b = a.remote("rp_counter_b", &b);
    assert_eq!(within(on_b.call::<i64, _>(&Request::Add(2))).await, Ok(42));
    within(on_b.cast(&Request::Bump(8))).await.unwrap();
    assert_eq!(within(on_b.call::<i64, _>(&Request::Get)).await, Ok(50));
    assert_eq!(a.nodes(), vec![b.clone()]);

    // The peer node goes with its process.
    let gone = a.monitor_node(&b);
    let status = peer.finish().await;
    assert!(status.success(), "the peer failed: {status}");
    within(gone).await;
    assert!(a.nodes().is_empty());
}

/// The peer node of [`two_rust_nodes_in_two_processes_call_and_cast_each_other`],
/// which runs it in a process of its own; run by hand it has nothing to do.
///
/// It starts its node and counter `rp_counter_b` (40), calls the parent's
/// `rp_counter_a` with `{:add, 2}` and reports the answer, then serves until
/// its stdin closes.
#[tokio::test]
#[ignore = "the peer node of `two_rust_nodes_in_two_processes_call_and_cast_each_other`, which runs it"]
async fn peer_node() {
    let Ok(name) = std::env::var(PEER_NODE) else {
        let _ = std::io::stderr()
            .write_all(b"`peer_node` runs only as the peer of another test; nothing to do\n");
        return;
    };
    let env = |key| std::env::var(key).unwrap_or_else(|_| panic!("`{key}` is not set"));
    let port = env(PEER_EPMD_PORT).parse().expect("an epmd port");
    let parent = env(PEER_PARENT);
    let node = Node::builder(name, COOKIE)
        .epmd_port(port)
        .start()
        .await
        .expect("the peer node starts");
    let _counter = Counter::builder()
        .name("rp_counter_b")
        .start(40)
        .await
        .unwrap();
    node.expose::<Counter>("rp_counter_b");

    let on_a = node.remote("rp_counter_a", &parent);
    let total = within(on_a.call::<i64, _>(&Request::Add(2)))
        .await
        .expect("the parent's counter answers");
    report(&format!("a answered {total}"));

    off_runtime(|| std::io::stdin().read_to_end(&mut Vec::new()))
        .await
        .expect("the peer's stdin reads until it closes");
    node.shutdown();
}

/// Tells the test that started this peer `line` (past any output capture).
fn report(line: &str) {
    let mut stdout = std::io::stdout();
    stdout
        .write_all(format!("{REPORT}{line}\n").as_bytes())
        .and_then(|()| stdout.flush())
        .expect("the peer's stdout is open");
}

/// This test binary running [`peer_node`] as node `name`.
struct Peer {
    child: ChildGuard,
    lines: UnboundedReceiver<String>,
}

impl Peer {
    async fn start(name: &str, epmd_port: u16, parent: &str) -> Peer {
        let this_test = module_path!()
            .split_once("::")
            .map_or("", |(_crate, path)| path);
        let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
        command
            .args([&format!("{this_test}::peer_node"), "--exact", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .env(PEER_NODE, name)
            .env(PEER_EPMD_PORT, epmd_port.to_string())
            .env(PEER_PARENT, parent)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let (child, stdout) = off_runtime(move || {
            let mut child = command.spawn().expect("cannot run the test binary again");
            let stdout = child.stdout.take().expect("piped stdout");
            (ChildGuard::new(child, "rust peer"), stdout)
        })
        .await;
        let lines = forward_lines(stdout, "rust peer", |_| false);
        Peer { child, lines }
    }

    /// The next line the peer reports.
    async fn report(&mut self) -> String {
        loop {
            let line = within(self.lines.recv())
                .await
                .expect("the peer ended before it reported");
            if let Some((_, report)) = line.split_once(REPORT) {
                return report.to_owned();
            }
        }
    }

    /// Closes the peer's stdin, which ends it, and waits for it to exit.
    async fn finish(self) -> ExitStatus {
        let mut child = self.child;
        within(off_runtime(move || child.close_and_wait())).await
    }
}
