use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { total: 0 }
    }

    #[info]
    fn on_tick(&mut self) {
        self.total += 1;
    }
}

fn main() {}
