//! What to emit when the input cannot be expanded at all: the user's own
//! tokens (so the rest of their crate still sees their items) and the errors.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Item, ItemImpl};

use crate::errors::Errors;

/// `#[gen_server]` on something that is not an `impl` block.
pub(crate) fn not_an_impl(input: TokenStream, mut errors: Errors) -> TokenStream {
    let (what, name, head) = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Struct(s)) => (
            "struct",
            Some(s.ident.clone()),
            head(s.struct_token, &s.ident),
        ),
        Ok(Item::Enum(e)) => ("enum", Some(e.ident.clone()), head(e.enum_token, &e.ident)),
        Ok(Item::Union(u)) => (
            "union",
            Some(u.ident.clone()),
            head(u.union_token, &u.ident),
        ),
        Ok(Item::Fn(f)) => ("function", None, head(f.sig.fn_token, &f.sig.ident)),
        Ok(Item::Trait(t)) => ("trait", None, head(t.trait_token, &t.ident)),
        Ok(Item::Mod(m)) => ("module", None, head(m.mod_token, &m.ident)),
        _ => ("", None, input.clone().into_iter().take(1).collect()),
    };
    let message = match (what, name) {
        ("", _) => "`#[gen_server]` goes on the inherent `impl` block of the server: `#[gen_server] impl MyServer { ... }`".to_owned(),
        (what, Some(name)) => format!(
            "`#[gen_server]` goes on the `impl` block of the server, not on the {what}: `#[gen_server] impl {name} {{ ... }}`"
        ),
        (what, None) => format!(
            "`#[gen_server]` goes on the `impl` block of the server, not on a {what}: `#[gen_server] impl MyServer {{ ... }}`"
        ),
    };
    errors.at(head, message);
    emit(input, errors)
}

/// The tokens from a keyword to a name, `struct Counter`, to underline.
fn head(keyword: impl ToTokens, name: impl ToTokens) -> TokenStream {
    quote!(#keyword #name)
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
    let message = match syn::parse2::<Item>(input.clone()) {
        // A method without `self` parses as a function too: only a function
        // without a receiver may be a free one.
        Ok(Item::Fn(f)) if f.sig.receiver().is_none() => format!(
            "`#[{name}]` marks a method of an `impl` block with `#[gen_server]` on it; move this function into one, or remove `#[{name}]`"
        ),
        _ => format!(
            "`#[{name}]` only works inside an `impl` block with `#[gen_server]` on it; add `#[gen_server]` to the `impl` block"
        ),
    };
    // The call site is the attribute itself. Resolving it as the user's item
    // drops the "this error originates in the attribute macro" note, which
    // would only say what the span already shows.
    let user = input
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token: TokenTree| token.span());
    let span = Span::call_site().resolved_at(user);
    let error = syn::Error::new(span, message).into_compile_error();
    quote!(#error #input)
}
