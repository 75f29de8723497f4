//! Implementation detail of [`gen_server`](https://docs.rs/gen_server): the
//! `#[gen_server]` attribute and its handler markers. Use them through the
//! `gen_server` crate, never directly.

mod ast;
mod attr;
mod errors;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// Turns an inherent `impl` block into a typed actor; see the `gen_server` crate.
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::gen_server(args.into(), input.into()).into()
}

/// Marks a request/reply handler; only meaningful inside `#[gen_server]`.
#[proc_macro_attribute]
pub fn call(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::stray_marker("call", args.into(), input.into()).into()
}

/// Marks a one-way handler; only meaningful inside `#[gen_server]`.
#[proc_macro_attribute]
pub fn cast(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::stray_marker("cast", args.into(), input.into()).into()
}

/// Marks an info handler; only meaningful inside `#[gen_server]`.
#[proc_macro_attribute]
pub fn info(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::stray_marker("info", args.into(), input.into()).into()
}
