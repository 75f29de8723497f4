use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init(&self) -> Self {
        Counter { total: self.total }
    }
}

fn main() {}
