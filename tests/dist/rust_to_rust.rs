//! Two Rust nodes in one test process call each other's gen_servers.

use gen_server::dist::eetf;
use gen_server::dist::{Node, Rejected, RemoteReply, RemoteServer, Term};
use gen_server::prelude::*;

use crate::{COOKIE, epmd, node_name, within};

struct Counter {
    total: i64,
}

#[gen_server]
impl Counter {
    fn init(total: i64) -> Self {
        Counter { total }
    }

    #[call]
    fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }
}

fn int(term: &Term) -> Option<i64> {
    match term {
        Term::FixInteger(i) => Some(i64::from(i.value)),
        _ => None,
    }
}

impl RemoteServer for Counter {
    fn __remote_call(request: Term, reply: RemoteReply) -> Result<__CounterMsg, Rejected> {
        if let Term::Tuple(t) = &request
            && let [Term::Atom(tag), n] = &t.elements[..]
            && tag.name == "add"
            && let Some(n) = int(n)
        {
            return Ok(__CounterMsg::add(
                n,
                reply.reply_to(|v: i64| Ok(Term::from(eetf::FixInteger::from(v as i32)))),
            ));
        }
        Err((format!("expected {{:add, integer}}, got {request}"), reply))
    }

    fn __remote_cast(request: Term) -> Result<__CounterMsg, String> {
        Err(format!("no casts: {request}"))
    }
}

#[tokio::test]
async fn two_rust_nodes_call_each_other() {
    let Some(epmd) = epmd() else {
        println!("skipped: epmd not on PATH");
        return;
    };
    let a = Node::builder(node_name("rr_a"), COOKIE)
        .epmd_port(epmd.port)
        .start()
        .await
        .unwrap();
    let b = Node::builder(node_name("rr_b"), COOKIE)
        .epmd_port(epmd.port)
        .start()
        .await
        .unwrap();
    let _counter = Counter::builder()
        .name("rr_counter")
        .start(40)
        .await
        .unwrap();
    b.expose::<Counter>("rr_counter");
    let remote = a.remote("rr_counter", b.name());
    let request = Term::from(eetf::Tuple::from(vec![
        Term::from(eetf::Atom::from("add")),
        Term::from(eetf::FixInteger::from(2)),
    ]));
    let reply = within(remote.call_term(request)).await.unwrap();
    assert_eq!(int(&reply), Some(42));
}
