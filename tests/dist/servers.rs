//! The Rust servers of the tests: the counter they expose to other nodes,
//! and an actor that links to remote processes.

use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

/// `%{x: 1, y: 2}` from Elixir.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

/// A counter: `:get`, `{:add, n}`; cast `{:bump, n}`.
pub struct Counter {
    total: i64,
}

#[gen_server(remote)]
impl Counter {
    pub fn init(total: i64) -> Self {
        Counter { total }
    }

    /// `{:add, n}`: adds `n`, replies with the new total.
    #[call]
    pub fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }

    /// `:get`
    #[call]
    pub fn get(&self) -> i64 {
        self.total
    }

    /// `{:add_later, n}`: the same, answered from a task.
    #[call]
    pub fn add_later(&mut self, n: i64, reply: ReplyTo<i64>) {
        self.total += n;
        let total = self.total;
        tokio::spawn(async move { reply.send(total) });
    }

    /// `{:add_point, %{x: x, y: y}}`: adds `x + y`, replies with the point
    /// moved by the new total, as a map.
    #[call]
    pub fn add_point(&mut self, point: Point, ctx: &mut Context<Self>) -> Point {
        let _ = ctx.id();
        self.total += point.x + point.y;
        Point {
            x: point.x + self.total,
            y: point.y + self.total,
        }
    }

    /// `:crash`: the server panics instead of replying.
    #[call]
    pub fn crash(&mut self) -> i64 {
        panic!("crashed on purpose")
    }

    /// `{:bump, n}`, one way.
    #[cast]
    pub fn bump(&mut self, n: i64) {
        self.total += n;
    }
}

/// Links to the pids it is given. Made with a sender it traps exits and
/// reports each `Exit` on it; made without, a broken link ends it.
pub struct Linker {
    exits: Option<tokio::sync::mpsc::UnboundedSender<Exit>>,
}

#[gen_server]
impl Linker {
    pub fn init(
        exits: Option<tokio::sync::mpsc::UnboundedSender<Exit>>,
        ctx: &mut Context<Self>,
    ) -> Self {
        ctx.trap_exit(exits.is_some());
        Linker { exits }
    }

    #[call]
    pub fn link_to(&mut self, pid: gen_server::dist::RemotePid, ctx: &mut Context<Self>) {
        ctx.link(&pid);
    }

    #[info]
    pub fn on_exit(&mut self, exit: Exit) {
        if let Some(exits) = &self.exits {
            let _ = exits.send(exit);
        }
    }
}
