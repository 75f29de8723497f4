use gen_server::prelude::*;

struct Log {
    lines: Vec<String>,
}

#[gen_server]
impl Log {
    fn init() -> Self {
        Log { lines: Vec::new() }
    }

    #[cast]
    fn push(&mut self, line: impl ToString) {
        self.lines.push(line.to_string());
    }
}

fn main() {}
