//! Mistakes a user can make with `#[gen_server]`, each with the one error the
//! compiler must report for it (`tests/compile-fail/*.rs` and their
//! `.stderr`), and a few valid servers in unusual places that must compile
//! without warnings (`tests/compile-fail/pass/*.rs`).
//!
//! After changing a message, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and read the diff.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
    cases.pass("tests/compile-fail/pass/*.rs");
}
