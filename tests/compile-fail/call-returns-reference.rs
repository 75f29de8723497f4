use gen_server::prelude::*;

struct Greeter {
    greeting: String,
}

#[gen_server]
impl Greeter {
    fn init() -> Self {
        Greeter { greeting: "hello".into() }
    }

    #[call]
    fn greeting(&self) -> &str {
        &self.greeting
    }
}

fn main() {}
