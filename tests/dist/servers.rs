//! The Rust servers the tests expose to other nodes.

use gen_server::prelude::*;

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

    /// `{:bump, n}`, one way.
    #[cast]
    pub fn bump(&mut self, n: i64) {
        self.total += n;
    }
}
