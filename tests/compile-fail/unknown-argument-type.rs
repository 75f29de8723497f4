use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { total: 0 }
    }

    #[call]
    fn add(&mut self, n: U64) -> u64 {
        self.total += n;
        self.total
    }
}

fn main() {}
