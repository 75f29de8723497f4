use gen_server::prelude::*;

struct Log {
    lines: Vec<String>,
}

#[gen_server]
impl Log {
    fn init() -> Self {
        Log { lines: Vec::new() }
    }

    #[call]
    fn first(&self, reply: ReplyTo<Option<&str>>) {
        let _ = &self.lines;
        reply.send(None);
    }
}

fn main() {}
