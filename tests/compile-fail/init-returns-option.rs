use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Option<Self> {
        Some(Counter)
    }
}

fn main() {}
