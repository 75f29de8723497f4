//! The Rust servers the tests expose to other nodes.

use gen_server::dist::{Rejected, RemoteReply, RemoteServer, Term};
use gen_server::prelude::*;

use crate::terms::{as_int, int};

/// A counter: `:get`, `{:add, n}`; cast `{:bump, n}`.
pub struct Counter {
    total: i64,
}

#[gen_server]
impl Counter {
    pub fn init(total: i64) -> Self {
        Counter { total }
    }

    #[call]
    pub fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }

    #[call]
    pub fn get(&self) -> i64 {
        self.total
    }

    #[cast]
    pub fn bump(&mut self, n: i64) {
        self.total += n;
    }
}

fn encode(n: i64) -> Result<Term, String> {
    i32::try_from(n).map(int).map_err(|e| e.to_string())
}

impl RemoteServer for Counter {
    fn __remote_call(request: Term, reply: RemoteReply) -> Result<__CounterMsg, Rejected> {
        match &request {
            Term::Atom(a) if a.name == "get" => {
                return Ok(__CounterMsg::get(reply.reply_to(encode)));
            }
            Term::Tuple(t) => {
                if let [Term::Atom(tag), n] = &t.elements[..]
                    && tag.name == "add"
                    && let Some(n) = as_int(n)
                {
                    return Ok(__CounterMsg::add(n, reply.reply_to(encode)));
                }
            }
            _ => {}
        }
        Err((
            format!("expected :get or {{:add, integer}}, got {request}"),
            reply,
        ))
    }

    fn __remote_cast(request: Term) -> Result<__CounterMsg, String> {
        if let Term::Tuple(t) = &request
            && let [Term::Atom(tag), n] = &t.elements[..]
            && tag.name == "bump"
            && let Some(n) = as_int(n)
        {
            return Ok(__CounterMsg::bump(n));
        }
        Err(format!("expected {{:bump, integer}}, got {request}"))
    }
}
