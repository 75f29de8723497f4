use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter
    }

    #[cast]
    fn halt(&mut self, ctx: &mut Context<Self>, again: &mut Context<Self>) {
        let _ = again;
        ctx.stop(ExitReason::Normal);
    }
}

fn main() {}
