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

async fn use_it(greeter: GreeterRef) {
    let _ = greeter.greet("world").await;
}

fn main() {}
