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
    fn on_tick(&mut self, by: u64, times: u64) {
        self.total += by * times;
    }
}

fn main() {}
