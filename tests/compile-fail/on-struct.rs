use gen_server::prelude::*;

#[gen_server]
struct Counter {
    total: u64,
}

fn main() {}
