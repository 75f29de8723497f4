use gen_server::prelude::*;

#[cast]
fn reset() {}

fn main() {}
