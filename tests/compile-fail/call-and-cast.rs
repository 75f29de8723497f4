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
    #[cast]
    fn reset(&mut self) {
        self.total = 0;
    }
}

fn main() {}
