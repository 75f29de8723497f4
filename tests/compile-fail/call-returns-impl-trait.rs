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
    fn lines(&self) -> impl Iterator<Item = String> {
        self.lines.clone().into_iter()
    }
}

fn main() {}
