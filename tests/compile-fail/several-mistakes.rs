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
    fn get(&self) -> u64 {
        self.total
    }

    #[cast]
    fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    #[call]
    fn rename(&mut self, name: &str) {
        let _ = name;
    }

    #[info]
    fn on_tick(&mut self) {
        self.total += 1;
    }
}

fn main() {}
