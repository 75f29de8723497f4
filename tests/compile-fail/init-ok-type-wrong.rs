use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init(total: u64) -> Result<u64, String> {
        Ok(total)
    }
}

fn main() {}
