use gen_server::dist::Node;
use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter
    }

    #[call]
    fn get(&self) -> i64 {
        0
    }
}

fn expose(node: &Node) {
    node.expose::<Counter>("counter");
}

fn main() {
    let _ = expose;
}
