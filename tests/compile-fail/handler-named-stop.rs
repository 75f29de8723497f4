use gen_server::prelude::*;

struct Engine {
    running: bool,
}

#[gen_server]
impl Engine {
    fn init() -> Self {
        Engine { running: true }
    }

    #[cast]
    fn stop(&mut self) {
        self.running = false;
    }
}

fn main() {}
