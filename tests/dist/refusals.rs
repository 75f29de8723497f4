//! Calls an exposed server cannot answer while it runs: its bounded mailbox
//! is full, or its handler drops the reply handle. The caller, Rust or
//! Elixir, hears at once instead of waiting for its timeout.

use std::sync::Arc;
use std::time::Duration;

use gen_server::dist::term::Atom;
use gen_server::dist::{Node, RemoteCallError};
use gen_server::prelude::*;
use tokio::sync::{Notify, mpsc};

use crate::terms::{atom, int, tagged};
use crate::{BOUND, require_elixir, require_epmd, rust_node, within};

/// Longer than the test's bound: an answer within the bound is not a timeout.
const LONG: Duration = Duration::from_secs(60);

/// A server that can be held busy, and that can drop a reply handle.
pub struct Gate {
    total: i64,
    /// Released by the test to let `hold` return.
    open: Arc<Notify>,
    /// Told when `hold` has started.
    entered: mpsc::UnboundedSender<()>,
}

#[gen_server(remote)]
impl Gate {
    fn init((open, entered): (Arc<Notify>, mpsc::UnboundedSender<()>)) -> Self {
        Gate {
            total: 0,
            open,
            entered,
        }
    }

    /// `:hold`: keeps the server busy until the test opens the gate.
    #[call]
    async fn hold(&mut self) -> i64 {
        let _ = self.entered.send(());
        self.open.notified().await;
        self.total
    }

    /// `:get`
    #[call]
    fn get(&self) -> i64 {
        self.total
    }

    /// `:forget`: drops the reply handle without replying.
    #[call]
    fn forget(&mut self, reply: ReplyTo<i64>) {
        drop(reply);
    }

    /// `{:bump, n}`, one way.
    #[cast]
    fn bump(&mut self, n: i64) {
        self.total += n;
    }
}

/// A `Gate` exposed as `name` with a mailbox of one, held busy in `hold`
/// with that one slot taken: the gate, and the local call that holds it.
async fn full_gate(
    node: &Node,
    name: &str,
) -> (
    GateRef,
    Arc<Notify>,
    tokio::task::JoinHandle<Result<i64, CallError>>,
) {
    let open = Arc::new(Notify::new());
    let (entered, mut is_in) = mpsc::unbounded_channel();
    let gate = Gate::builder()
        .name(name)
        .bounded_mailbox(1)
        .start((Arc::clone(&open), entered))
        .await
        .unwrap();
    node.expose::<Gate>(name);
    let held = tokio::spawn({
        let gate = gate.clone();
        async move { gate.hold().await }
    });
    within(is_in.recv()).await.expect("the gate holds");
    gate.bump(1).try_send().expect("the one slot is free");
    (gate, open, held)
}

#[tokio::test]
async fn a_rust_call_to_a_full_mailbox_is_mailbox_full_at_once_and_a_cast_is_dropped() {
    require_epmd!();
    let a = rust_node("mf_a").await;
    let b = rust_node("mf_b").await;
    let (gate, open, held) = full_gate(&b, "mf_gate").await;

    let remote = a.remote("mf_gate", b.name());
    assert_eq!(
        within(remote.call::<i64, _>(&Atom::from("get")).timeout(LONG)).await,
        Err(RemoteCallError::MailboxFull)
    );
    // A cast is dropped, and the sender is not told (OTP's casts never fail).
    let bump = (Atom::from("bump"), 100);
    within(remote.cast(&bump)).await.unwrap();

    // Once the server has room again, the same caller is served; the
    // dropped cast never ran, the local one did.
    open.notify_one();
    assert_eq!(within(held).await.unwrap(), Ok(0));
    // A local call waits for room, and comes after the local cast.
    assert_eq!(within(gate.get()).await, Ok(1));
    assert_eq!(
        within(remote.call::<i64, _>(&Atom::from("get")).timeout(LONG)).await,
        Ok(1)
    );
    assert!(gate.is_alive());
}

#[tokio::test]
async fn a_rust_call_whose_reply_handle_is_dropped_is_no_reply_at_once() {
    require_epmd!();
    let a = rust_node("nr_a").await;
    let b = rust_node("nr_b").await;
    let open = Arc::new(Notify::new());
    let (entered, _is_in) = mpsc::unbounded_channel();
    let gate = Gate::builder()
        .name("nr_gate")
        .start((open, entered))
        .await
        .unwrap();
    b.expose::<Gate>("nr_gate");
    let remote = a.remote("nr_gate", b.name());
    assert_eq!(
        within(remote.call::<i64, _>(&Atom::from("forget")).timeout(LONG)).await,
        Err(RemoteCallError::NoReply)
    );
    // The server runs on, and the next call is answered.
    assert_eq!(
        within(remote.call::<i64, _>(&Atom::from("get")).timeout(LONG)).await,
        Ok(0)
    );
    assert!(gate.is_alive());
}

#[tokio::test]
async fn an_elixir_caller_exits_mailbox_full_or_no_reply_at_once() {
    let elixir = require_elixir!();
    let node = rust_node("ef").await;
    let (gate, open, held) = full_gate(&node, "ef_gate").await;
    let me = atom(node.name());
    let call = |name: &str, request| tagged("call", vec![atom(name), me.clone(), request]);
    let control = node.remote("Elixir.Control", &elixir.name);

    // `Control` calls with a 10 s timeout and reports `{:exit, reason}`:
    // `:timeout` would come later, and differ.
    let outcome = within(
        control
            .call_term(call("ef_gate", atom("get")))
            .timeout(BOUND),
    )
    .await
    .unwrap();
    assert_eq!(outcome, tagged("exit", vec![atom("mailbox_full")]));

    open.notify_one();
    assert_eq!(within(held).await.unwrap(), Ok(0));
    assert_eq!(within(gate.get()).await, Ok(1));
    let outcome = within(
        control
            .call_term(call("ef_gate", atom("forget")))
            .timeout(BOUND),
    )
    .await
    .unwrap();
    assert_eq!(outcome, tagged("exit", vec![atom("no_reply")]));
    // Still serving: the local cast made while it was full was handled.
    let outcome = within(
        control
            .call_term(call("ef_gate", atom("get")))
            .timeout(BOUND),
    )
    .await
    .unwrap();
    assert_eq!(outcome, tagged("ok", vec![int(1)]));
}
