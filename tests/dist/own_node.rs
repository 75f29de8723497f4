//! A `RemoteRef` to this node itself, `{name, this_node}` or a pid of this
//! node: calls and casts reach the local server directly, with the outcomes
//! a call from another node has.

use gen_server::dist::term::Atom;
use gen_server::dist::{RemoteCallError, RemotePid};
use gen_server::prelude::*;

use crate::servers::Counter;
use crate::{require_epmd, rust_node, within};

#[tokio::test]
async fn a_call_to_this_nodes_own_name_reaches_the_local_server() {
    require_epmd!();
    let node = rust_node("own").await;
    let counter = Counter::builder()
        .name("own_counter")
        .start(40)
        .await
        .unwrap();
    node.expose::<Counter>("own_counter");

    let by_name = node.remote("own_counter", node.name());
    let add = (Atom::from("add"), 2);
    assert_eq!(within(by_name.call::<i64, _>(&add)).await, Ok(42));
    let bump = (Atom::from("bump"), 8);
    within(by_name.cast(&bump)).await.unwrap();
    assert_eq!(
        within(by_name.call::<i64, _>(&Atom::from("get"))).await,
        Ok(50)
    );
    // A deferred reply, and a request that does not decode.
    let later = (Atom::from("add_later"), 1);
    assert_eq!(within(by_name.call::<i64, _>(&later)).await, Ok(51));
    let wrong = (Atom::from("add"), "three");
    assert_eq!(
        within(by_name.call::<i64, _>(&wrong)).await,
        Err(RemoteCallError::BadArg(
            r#"argument 1 of `add`: expected an integer that fits `i64`, found "three""#.into()
        ))
    );

    // By the pid this node gives out for the server.
    let pid = node.local_pid(&counter);
    let by_pid = node.remote_pid(&pid);
    assert_eq!(
        within(by_pid.call::<i64, _>(&Atom::from("get"))).await,
        Ok(51)
    );
    // No connection was made for any of it.
    assert!(node.nodes().is_empty());
}

#[tokio::test]
async fn a_call_to_this_node_is_noproc_for_a_name_not_exposed_and_exited_for_a_crash() {
    require_epmd!();
    let node = rust_node("own_np").await;
    let _hidden = Counter::builder()
        .name("own_hidden")
        .start(0)
        .await
        .unwrap();
    for name in ["own_nobody", "own_hidden"] {
        let target = node.remote(name, node.name());
        assert_eq!(
            within(target.call::<i64, _>(&Atom::from("get"))).await,
            Err(RemoteCallError::NoProc),
            "calling {name}"
        );
        // A cast to it is dropped, as one from another node would be.
        within(target.cast(&Atom::from("get"))).await.unwrap();
    }

    let _crashy = Counter::builder()
        .name("own_crashy")
        .start(0)
        .await
        .unwrap();
    node.expose::<Counter>("own_crashy");
    let crashy = node.remote("own_crashy", node.name());
    assert_eq!(
        within(crashy.call::<i64, _>(&Atom::from("crash"))).await,
        Err(RemoteCallError::Exited(ExitReason::Panic(
            "crashed on purpose".into()
        )))
    );
    assert_eq!(
        within(crashy.call::<i64, _>(&Atom::from("get"))).await,
        Err(RemoteCallError::NoProc)
    );
}

#[tokio::test]
async fn a_server_calling_itself_through_its_own_node_fails_at_once() {
    require_epmd!();
    let node = rust_node("own_cs").await;
    let selfish = SelfCaller::builder()
        .name("own_selfish")
        .start(node.clone())
        .await
        .unwrap();
    node.expose::<SelfCaller>("own_selfish");
    let me = node.local_pid(&selfish);
    assert_eq!(
        within(selfish.call_me(me)).await,
        Ok(Err(RemoteCallError::CallingSelf.to_string()))
    );
}

/// Calls the pid it is given, through the node, from its own handler.
pub struct SelfCaller {
    node: gen_server::dist::Node,
}

#[gen_server(remote)]
impl SelfCaller {
    fn init(node: gen_server::dist::Node) -> Self {
        SelfCaller { node }
    }

    /// `{:call_me, pid}`: calls `pid` with `:ping`, and replies with the
    /// outcome's error message.
    #[call]
    async fn call_me(&mut self, pid: RemotePid) -> Result<i64, String> {
        let target = self.node.remote_pid(&pid);
        target
            .call::<i64, _>(&Atom::from("ping"))
            .await
            .map_err(|e| e.to_string())
    }

    /// `:ping`
    #[call]
    fn ping(&self) -> i64 {
        1
    }
}
