use gen_server::prelude::*;

#[gen_server]
fn counter() {}

fn main() {}
