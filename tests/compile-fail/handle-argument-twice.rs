use gen_server::prelude::*;

struct Counter;

#[gen_server(handle = Counter1, handle = Counter2)]
impl Counter {
    fn init() -> Self {
        Counter
    }
}

fn main() {}
