use gen_server::prelude::*;

struct Engine {
    running: bool,
}

#[gen_server]
impl Engine {
    fn init() -> Self {
        Engine { running: false }
    }

    #[cast]
    fn start(&mut self) {
        self.running = true;
    }
}

fn main() {}
