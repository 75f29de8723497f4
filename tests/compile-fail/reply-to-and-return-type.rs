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
    fn get(&self, reply: ReplyTo<u64>) -> u64 {
        reply.send(self.total);
        self.total
    }
}

fn main() {}
