use gen_server::prelude::*;

struct Counter {
    total: u64,
}

struct Tick;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { total: 0 }
    }

    #[info]
    fn on_tick(&mut self, _tick: Tick) {
        self.total += 1;
    }

    #[info]
    fn count_tick(&mut self, _tick: Tick) {
        self.total += 1;
    }
}

fn main() {}
