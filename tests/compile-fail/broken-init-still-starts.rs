use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init(&self, total: u64) -> Self {
        Counter { total }
    }
}

async fn use_it() {
    let _ = Counter::start(5).await;
}

fn main() {}
