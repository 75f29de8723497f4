use gen_server::prelude::*;

/// A Rust-only type: the term codec cannot encode it.
pub struct Receipt(u64);

struct Shop;

#[gen_server(remote)]
impl Shop {
    fn init() -> Self {
        Shop
    }

    /// A deferred reply is still a reply: it is checked the same way.
    #[call]
    fn buy(&mut self, item: String, reply: ReplyTo<Receipt>) {
        reply.send(Receipt(item.len() as u64));
    }
}

fn main() {}
