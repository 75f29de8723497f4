use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { total: 0 }
    }

    fn init(total: u64) -> Self {
        Counter { total }
    }
}

fn main() {}
