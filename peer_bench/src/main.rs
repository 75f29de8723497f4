//! Placeholder: the side-by-side benchmark is being written.
fn main() {}
