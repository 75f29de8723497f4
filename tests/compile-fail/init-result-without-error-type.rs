use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Result<Self> {
        Ok(Counter)
    }
}

fn main() {}
