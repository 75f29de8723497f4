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
    fn on_add(&mut self, n: u64) {
        self.total += n;
    }
}

async fn poke(counter: CounterRef) {
    let _ = counter.send_info(Tick).await;
}

fn main() {}
