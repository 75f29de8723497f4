use gen_server::prelude::*;

struct Counter;

#[gen_server(remote, remote)]
impl Counter {
    fn init() -> Self {
        Counter
    }
}

fn main() {}
