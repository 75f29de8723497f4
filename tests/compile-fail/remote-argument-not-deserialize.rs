use gen_server::prelude::*;

/// A Rust-only type: the term codec cannot decode it.
pub struct Secret(u64);

struct Vault;

#[gen_server(remote)]
impl Vault {
    fn init() -> Self {
        Vault
    }

    #[call]
    fn open(&mut self, key: Secret) -> bool {
        key.0 == 42
    }
}

fn main() {}
