//! `#[gen_server(remote)]`: the impl of the runtime's hidden `RemoteServer`
//! trait, which decodes a request term from another node into one of the
//! server's `#[call]` and `#[cast]` handlers.
//!
//! A handler `f` with no arguments is reached by the atom `:f`, with one by
//! `{:f, a}`, with several by `{:f, a, b, …}`; each argument is decoded with
//! the runtime's term codec, and a call's reply is encoded with it. The impl
//! is wrapped in `__private::if_dist!`, which keeps it only when the
//! `gen_server` crate has its `dist` feature: a proc macro cannot see the
//! features of the runtime crate.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::Expander;
use crate::ast::Method;
use crate::attr::Kind;

impl Expander<'_> {
    pub(super) fn remote_impl(&self) -> TokenStream {
        let Some(remote) = &self.remote else {
            return TokenStream::new();
        };
        let Expander { self_ty, msg, .. } = self;
        let dist = quote_spanned!(remote.span()=> ::gen_server::__private::dist);
        let calls: Vec<_> = self
            .server
            .handlers()
            .filter(|(kind, _)| *kind == Kind::Call)
            .map(|(_, m)| m)
            .collect();
        let casts: Vec<_> = self
            .server
            .handlers()
            .filter(|(kind, _)| *kind == Kind::Cast)
            .map(|(_, m)| m)
            .collect();
        let call_arms = calls.iter().map(|m| self.remote_arm(m, true, &dist));
        let cast_arms = casts.iter().map(|m| self.remote_arm(m, false, &dist));
        let call_shapes = calls.iter().map(|m| shape(m));
        let cast_shapes = casts.iter().map(|m| shape(m));
        quote_spanned! {remote.span()=>
            ::gen_server::__private::if_dist! {
                impl #dist::RemoteServer for #self_ty {
                    #[allow(unused_variables, unreachable_code, clippy::match_single_binding)]
                    fn __remote_call(
                        __request: #dist::Term,
                        __reply: #dist::RemoteReply,
                    ) -> ::gen_server::__private::Result<#msg, #dist::Rejected> {
                        match #dist::request_shape(&__request) {
                            #(#call_arms)*
                            _ => ::gen_server::__private::Err(#dist::Rejected::new(
                                #dist::unknown_request(&__request, &[#(#call_shapes),*]),
                                __reply,
                            )),
                        }
                    }

                    #[allow(unused_variables, unreachable_code, clippy::match_single_binding)]
                    fn __remote_cast(
                        __request: #dist::Term,
                    ) -> ::gen_server::__private::Result<#msg, ::std::string::String> {
                        match #dist::request_shape(&__request) {
                            #(#cast_arms)*
                            _ => ::gen_server::__private::Err(
                                #dist::unknown_request(&__request, &[#(#cast_shapes),*]),
                            ),
                        }
                    }
                }
            }
        }
    }

    /// `Some(("add", 1)) => { decode each argument; build the message }`.
    fn remote_arm(&self, method: &Method, call: bool, dist: &TokenStream) -> TokenStream {
        let msg = &self.msg;
        let name = method.ident();
        let tag = name.unraw().to_string();
        let values: Vec<_> = method.values().collect();
        let arity = values.len();
        let binds: Vec<_> = (0..arity).map(|i| format_ident!("__arg{}", i)).collect();
        let on_error = if call {
            quote!(|why| #dist::Rejected::new(why, __reply))
        } else {
            quote!(|why| why)
        };
        let decodes = values.iter().zip(&binds).enumerate().map(|(i, (p, bind))| {
            let ty = self.concrete(&p.ty);
            let position = i + 1;
            // Spanned at the user's type: a type that cannot be decoded is
            // reported there.
            let decode = quote_spanned! {p.ty.span()=>
                #dist::arg::<#ty>(&__request, #position, #tag)
            };
            quote! {
                let #bind = match #decode {
                    ::gen_server::__private::Ok(value) => value,
                    ::gen_server::__private::Err(why) => {
                        return ::gen_server::__private::Err((#on_error)(why));
                    }
                };
            }
        });
        let reply = call.then(|| {
            let reply = self.reply_type(method);
            let span = match method.reply_to() {
                Some(ty) => ty.span(),
                None => match &method.sig.output {
                    syn::ReturnType::Type(_, ty) => ty.span(),
                    syn::ReturnType::Default => name.span(),
                },
            };
            let encode = quote_spanned!(span=> #dist::encode::<#reply>);
            quote!(__reply.reply_to(#encode))
        });
        let fields = binds.iter().map(|b| quote!(#b)).chain(reply);
        let build = quote!(#msg::#name(#(#fields),*));
        quote! {
            ::gen_server::__private::Some((#tag, #arity)) => {
                #(#decodes)*
                ::gen_server::__private::Ok(#build)
            }
        }
    }
}

/// How the request for `method` looks, for error messages: `:get`,
/// `{:add, _}`.
fn shape(method: &Method) -> String {
    let name = method.ident().unraw();
    match method.values().count() {
        0 => format!(":{name}"),
        n => format!("{{:{name}{}}}", ", _".repeat(n)),
    }
}
