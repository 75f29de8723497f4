use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
