use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> u32 {
        0
    }
}

fn main() {}
