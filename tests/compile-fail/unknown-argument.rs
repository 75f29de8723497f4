use gen_server::prelude::*;

struct Counter;

#[gen_server(foo)]
impl Counter {
    fn init() -> Self {
        Counter
    }
}

fn main() {}
