use gen_server::prelude::*;

struct Holder<T> {
    value: T,
}

#[gen_server]
impl<T: Send + 'static> Holder<T> {
    fn init(value: T) -> Self {
        Holder { value }
    }
}

fn main() {}
