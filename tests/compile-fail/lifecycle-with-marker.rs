use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn init() -> Self {
        Counter
    }
}

fn main() {}
