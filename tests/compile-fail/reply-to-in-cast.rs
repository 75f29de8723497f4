use gen_server::prelude::*;

struct Counter {
    total: u64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { total: 0 }
    }

    #[cast]
    fn get(&self, reply: ReplyTo<u64>) {
        reply.send(self.total);
    }
}

fn main() {}
