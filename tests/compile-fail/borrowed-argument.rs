use gen_server::prelude::*;

struct Greeter;

#[gen_server]
impl Greeter {
    fn init() -> Self {
        Greeter
    }

    #[call]
    fn greet(&self, name: &str) -> String {
        format!("hello, {name}")
    }
}

fn main() {}
