use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter
    }

    #[cast]
    fn halt(&mut self, ctx: Context<Self>) {
        let _ = ctx;
    }
}

fn main() {}
