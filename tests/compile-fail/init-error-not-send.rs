use std::rc::Rc;

use gen_server::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Result<Self, Rc<String>> {
        Ok(Counter)
    }
}

fn main() {}
