use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter
    }

    fn terminate(&mut self, reason: ExitReason) {
        let _ = reason;
    }
}

fn main() {}
