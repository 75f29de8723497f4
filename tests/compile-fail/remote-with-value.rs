use gen_server::prelude::*;

struct Counter;

#[gen_server(remote = true)]
impl Counter {
    fn init() -> Self {
        Counter
    }
}

fn main() {}
