//! What to emit when the input cannot be expanded at all: the user's own
//! tokens (so the rest of their crate still sees their items) and the errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemImpl;

use crate::errors::Errors;

/// `#[gen_server]` on something that is not an `impl` block.
pub(crate) fn not_an_impl(input: TokenStream, mut errors: Errors) -> TokenStream {
    let spanned = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Struct(s)) => {
            errors.at(
                &s.ident,
                format_args!(
                    "`#[gen_server]` goes on the `impl` block of the server, not on the struct: `#[gen_server] impl {} {{ ... }}`",
                    s.ident
                ),
            );
            return emit(input, errors);
        }
        Ok(item) => quote!(#item),
        Err(_) => input.clone(),
    };
    errors.at(
        spanned,
        "`#[gen_server]` goes on an inherent `impl` block: `#[gen_server] impl MyServer { ... }`",
    );
    emit(input, errors)
}

/// An `impl` block whose shape rules out any generated code.
pub(crate) fn unexpanded(item: ItemImpl, errors: Errors) -> TokenStream {
    emit(quote!(#item), errors)
}

fn emit(tokens: TokenStream, errors: Errors) -> TokenStream {
    let errors = errors.into_compile_error();
    quote!(#tokens #errors)
}

/// `#[call]`, `#[cast]` or `#[info]` outside a `#[gen_server]` impl block: the
/// item is kept, with an error on the marker.
pub(crate) fn stray_marker(name: &str, args: TokenStream, input: TokenStream) -> TokenStream {
    let _ = args;
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        format_args!(
            "`#[{name}]` marks a method of an `impl` block that has `#[gen_server]` on it; add `#[gen_server]` to the impl block"
        ),
    )
    .into_compile_error();
    quote!(#error #input)
}
