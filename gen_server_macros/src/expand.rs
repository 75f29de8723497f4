//! The generated code: message enum, client handle, `start`, and the
//! `GenServer` impl that dispatches messages to the user's methods.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Ident, ItemImpl, Pat, ReturnType, Type, Visibility};

use crate::ast::{InitShape, Method, ParamKind, Role, Server};
use crate::attr::{self, Kind, ServerArgs};
use crate::errors::Errors;
use crate::fallback;
use crate::valid::{self, Checked};

mod remote;

pub(crate) fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = attr::parse_server_args(args, &mut errors);
    let item = match syn::parse2::<ItemImpl>(input.clone()) {
        Ok(item) => item,
        Err(_) => return fallback::not_an_impl(input, errors),
    };
    let mut server = Server::from_impl(item, &mut errors);
    if let Some((_, path, _)) = &server.item.trait_ {
        errors.at(
            path,
            "`#[gen_server]` goes on an inherent impl block (`impl MyServer { ... }`), not on a trait impl",
        );
        return fallback::unexpanded(server.item, errors);
    }
    let Some(ident) = server.ident.clone() else {
        errors.at(
            &server.item.self_ty,
            "`#[gen_server]` needs a named server type: `impl MyServer { ... }`",
        );
        return fallback::unexpanded(server.item, errors);
    };
    let checked = valid::check(&mut server, &mut errors);
    if !server.item.generics.params.is_empty() {
        return fallback::unexpanded(server.item, errors);
    }

    let expander = Expander::new(&server, &args, ident, &checked);
    let generated = expander.expand();
    let mut item = server.item;
    let mut index = 0;
    item.items.retain(|_| {
        index += 1;
        !checked.dropped_items.contains(&(index - 1))
    });
    let errors = errors.into_compile_error();
    quote! {
        #item
        #generated
        #errors
    }
}

struct Expander<'a> {
    server: &'a Server,
    checked: &'a Checked,
    /// `Counter`
    ident: Ident,
    self_ty: &'a Type,
    /// `CounterRef`
    handle: Ident,
    /// `__CounterMsg`
    msg: Ident,
    vis: Visibility,
    /// `#[gen_server(remote)]`'s token.
    remote: Option<Ident>,
}

impl<'a> Expander<'a> {
    fn new(server: &'a Server, args: &ServerArgs, ident: Ident, checked: &'a Checked) -> Self {
        let handle = args
            .handle
            .clone()
            .unwrap_or_else(|| format_ident!("{}Ref", ident));
        let msg = format_ident!("__{}Msg", ident);
        // `pub` unless asked otherwise: the handle and message type appear in
        // the server's `GenServer` impl, so they must be at least as visible as
        // the server type, which the macro cannot see.
        let vis = args.vis.clone().unwrap_or_else(|| syn::parse_quote!(pub));
        Expander {
            server,
            checked,
            ident,
            self_ty: &server.item.self_ty,
            handle,
            msg,
            vis,
            remote: args.remote.clone(),
        }
    }

    fn expand(&self) -> TokenStream {
        let message_enum = self.message_enum();
        let handle = self.handle();
        let info_impls = self.info_impls();
        let start = self.start();
        let gen_server_impl = self.gen_server_impl();
        let remote_impl = self.remote_impl();
        quote! {
            #message_enum
            #handle
            #info_impls
            #start
            #gen_server_impl
            #remote_impl
        }
    }

    /// A type from the user's signature, with `Self` replaced by the server
    /// type so it can be used outside the impl block.
    fn concrete(&self, ty: &Type) -> Type {
        let mut ty = ty.clone();
        ReplaceSelf(&self.ident).visit_type_mut(&mut ty);
        ty
    }

    fn reply_type(&self, method: &Method) -> Type {
        if let Some(ty) = method.reply_to() {
            return self.concrete(ty);
        }
        match &method.sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => self.concrete(ty),
        }
    }

    fn message_enum(&self) -> TokenStream {
        let Expander { msg, vis, .. } = self;
        let variants = self.server.handlers().map(|(kind, method)| {
            let name = method.ident();
            let mut fields: Vec<Type> = method.values().map(|p| self.concrete(&p.ty)).collect();
            if kind == Kind::Call {
                let reply = self.reply_type(method);
                fields.push(syn::parse_quote!(::gen_server::__private::ReplyTo<#reply>));
            }
            quote!(#name(#(#fields),*))
        });
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, private_interfaces, unreachable_pub)]
            #vis enum #msg {
                #(#variants,)*
            }
        }
    }

    fn handle(&self) -> TokenStream {
        let Expander {
            ident, handle, vis, ..
        } = self;
        let actor_ref = quote!(::gen_server::__private::ActorRef<#ident>);
        let doc = format!(
            "Client handle of a [`{ident}`] server, generated by `#[gen_server]`.\n\n\
             Cheap to clone, `Send` and `Sync`. Each handler method sends one request \
             to the server; `id`, `is_alive`, `stop`, `kill` and `send_info` work as on \
             `ActorRef<{ident}>`."
        );
        let methods = self
            .server
            .handlers()
            .map(|(kind, m)| self.client_method(kind, m, false));
        let stubs = self
            .stubs()
            .map(|(kind, m)| self.client_method(kind, m, true));
        let whereis = (!self.checked.skipped.contains("whereis")).then(|| {
            let doc = format!(
                "The live `{ident}` registered under `name`, if any (OTP's `Process.whereis/1`, typed)."
            );
            quote! {
                #[doc = #doc]
                #vis fn whereis(name: &str) -> ::gen_server::__private::Option<Self> {
                    ::gen_server::__private::whereis::<#ident>(name)
                }
            }
        });
        quote! {
            #[doc = #doc]
            #[derive(Clone, PartialEq, Eq, Hash)]
            #[allow(unreachable_pub)]
            #vis struct #handle(#actor_ref);

            impl ::gen_server::__private::fmt::Debug for #handle {
                fn fmt(&self, f: &mut ::gen_server::__private::fmt::Formatter<'_>) -> ::gen_server::__private::fmt::Result {
                    ::gen_server::__private::fmt::Debug::fmt(&self.0, f)
                }
            }

            impl ::gen_server::__private::From<#actor_ref> for #handle {
                fn from(actor: #actor_ref) -> Self {
                    #handle(actor)
                }
            }

            impl ::gen_server::__private::ToPid for #handle {
                fn to_pid(&self) -> ::gen_server::__private::Pid {
                    ::gen_server::__private::ToPid::to_pid(&self.0)
                }
            }

            impl ::gen_server::__private::From<#handle> for #actor_ref {
                fn from(handle: #handle) -> Self {
                    handle.0
                }
            }

            #[allow(private_interfaces, unreachable_pub)]
            impl #handle {
                #(#methods)*
                #(#stubs)*
                #whereis
                ::gen_server::__private::handle_methods!(#vis, #ident);
            }
        }
    }

    /// The handlers validation rejected but still wants on the handle, so that
    /// code using them reports nothing beyond the handler's own error.
    fn stubs(&self) -> impl Iterator<Item = (Kind, &Method)> {
        self.server
            .methods
            .iter()
            .enumerate()
            .filter(|(position, _)| self.checked.stubs.contains(position))
            .filter_map(|(_, m)| match m.role {
                Role::Handler(kind) => Some((kind, m)),
                _ => None,
            })
    }

    /// The handle's method for a handler; a `stub` (for a handler that failed
    /// validation) has the same signature and an unreachable body.
    fn client_method(&self, kind: Kind, method: &Method, stub: bool) -> TokenStream {
        let Expander {
            ident: server,
            msg,
            vis,
            ..
        } = self;
        let name = method.ident();
        let span = name.span();
        let args: Vec<Ident> = method
            .values()
            .enumerate()
            .map(|(i, p)| arg_name(&p.pat, i))
            .collect();
        let tys = method.values().map(|p| self.concrete(&p.ty));
        let mut docs = method.docs.clone();
        if docs.is_empty() {
            let doc = match kind {
                Kind::Call => {
                    format!("Calls the server's `{name}` handler and waits for its reply.")
                }
                _ => format!("Sends a message to the server's `{name}` handler."),
            };
            docs.push(syn::parse_quote!(#[doc = #doc]));
        }
        if stub {
            let (generics, where_clause) =
                (&method.sig.generics, &method.sig.generics.where_clause);
            let ret = match kind {
                Kind::Call => {
                    let reply = self.reply_type(method);
                    quote!(::gen_server::__private::Call<'_, #server, #reply>)
                }
                Kind::Cast => quote!(::gen_server::__private::Cast<'_, #server>),
                Kind::Info => return TokenStream::new(),
            };
            return quote_spanned! {span=>
                #(#docs)*
                #[allow(unused_variables, clippy::diverging_sub_expression)]
                #vis fn #name #generics (&self, #(#args: #tys),*) -> #ret #where_clause {
                    ::core::unreachable!("`#[gen_server]` rejected this handler")
                }
            };
        }
        match kind {
            Kind::Call => {
                let reply = self.reply_type(method);
                let make = if args.is_empty() {
                    quote_spanned!(span=> #msg::#name)
                } else {
                    quote_spanned!(span=> move |__reply| #msg::#name(#(#args,)* __reply))
                };
                quote_spanned! {span=>
                    #(#docs)*
                    #vis fn #name(&self, #(#args: #tys),*) -> ::gen_server::__private::Call<'_, #server, #reply> {
                        ::gen_server::__private::Call::__new(&self.0, #make)
                    }
                }
            }
            Kind::Cast => quote_spanned! {span=>
                #(#docs)*
                #vis fn #name(&self, #(#args: #tys),*) -> ::gen_server::__private::Cast<'_, #server> {
                    ::gen_server::__private::Cast::new(&self.0, #msg::#name(#(#args),*))
                }
            },
            // Info messages are sent with `send_info`, not a method of their own.
            Kind::Info => TokenStream::new(),
        }
    }

    fn info_impls(&self) -> TokenStream {
        let Expander { ident, msg, .. } = self;
        let real = self
            .server
            .handlers()
            .map(|(kind, method)| (kind, method, false));
        let stubs = self.stubs().map(|(kind, method)| (kind, method, true));
        real.chain(stubs)
            .filter(|(kind, _, _)| *kind == Kind::Info)
            .filter_map(|(_, method, stub)| {
                let param = method.values().next()?;
                let ty = self.concrete(&param.ty);
                let name = method.ident();
                let body = if stub {
                    quote!(::core::unreachable!(
                        "`#[gen_server]` rejected this handler"
                    ))
                } else {
                    quote!(#msg::#name(msg))
                };
                Some(quote_spanned! {param.ty.span()=>
                    #[diagnostic::do_not_recommend]
                    impl ::gen_server::__private::Info<#ty> for #ident {
                        #[allow(unused_variables)]
                        fn __into_msg(msg: #ty) -> #msg {
                            #body
                        }
                    }
                })
            })
            .collect()
    }

    fn init(&self) -> Option<&Method> {
        self.server.with_role(Role::Init).next()
    }

    /// The method whose arguments `start` takes: `init`, or an `init` that
    /// failed validation for another reason than its arguments, so that calls
    /// to `start` still type-check while the user fixes it.
    fn args_source(&self) -> Option<&Method> {
        self.init().or_else(|| {
            self.server.methods.iter().find(|m| {
                m.role == Role::Init
                    && m.sig.generics.params.is_empty()
                    && m.values().all(|p| valid::not_owned(&p.ty).is_none())
            })
        })
    }

    fn start(&self) -> TokenStream {
        let Expander {
            ident, handle, vis, ..
        } = self;
        let init = self.init();
        let params: Vec<(Ident, Type)> = self
            .args_source()
            .map(|m| {
                m.values()
                    .enumerate()
                    .map(|(i, p)| (arg_name(&p.pat, i), p.ty.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let names: Vec<&Ident> = params.iter().map(|(n, _)| n).collect();
        let tys = params.iter().map(|(_, t)| t);
        let args = match &names[..] {
            [one] => quote!(#one),
            names => quote!((#(#names),*)),
        };
        let start_doc = format!(
            "Starts a new `{ident}` server: spawns it on the current tokio runtime, runs `init` \
             inside it, and returns its handle once `init` has finished.\n\n\
             Fails with `StartError` if `init` fails, panics or asks to be ignored. \
             If this future is dropped before it resolves, the half-started server is killed. \
             Use `{ident}::builder()` for a name, a bounded mailbox or an init timeout."
        );
        let init_docs = init.map(|m| m.docs.as_slice()).unwrap_or_default();
        let builder_doc = format!(
            "Options for starting a `{ident}` server: registered name, bounded mailbox, init timeout."
        );
        let start = (!self.checked.skipped.contains("start")).then(|| {
            quote! {
                #[doc = #start_doc]
                #[doc = ""]
                #(#init_docs)*
                #vis async fn start(#(#names: #tys),*) -> ::gen_server::__private::Result<
                    #handle,
                    ::gen_server::__private::StartError<<Self as ::gen_server::__private::GenServer>::InitError>,
                > {
                    ::gen_server::__private::Builder::<Self>::new().start(#args).await
                }
            }
        });
        let builder = (!self.checked.skipped.contains("builder")).then(|| {
            quote! {
                #[doc = #builder_doc]
                #vis fn builder() -> ::gen_server::__private::Builder<Self> {
                    ::gen_server::__private::Builder::new()
                }
            }
        });
        quote! {
            #[allow(private_interfaces, unreachable_pub)]
            impl #ident {
                #start
                #builder
            }
        }
    }

    fn gen_server_impl(&self) -> TokenStream {
        let Expander {
            self_ty,
            handle,
            msg,
            ..
        } = self;
        let (args_ty, init_error, init_body) = self.init_glue();
        let (continue_ty, continue_body) = self.continue_glue();
        let terminate_body = self.terminate_glue();
        let arms = self
            .server
            .handlers()
            .map(|(kind, method)| self.dispatch_arm(kind, method));
        // `Down` and `Exit` reach the server's `#[info]` handler for them, if
        // it has one: the runtime's `InfoProbe` finds out which.
        let down_and_exit = [("__down", "Down"), ("__exit", "Exit")].map(|(name, ty)| {
            let name = format_ident!("{}", name);
            let ty = format_ident!("{}", ty);
            quote! {
                #[allow(clippy::needless_borrow)]
                fn #name(msg: ::gen_server::__private::#ty) -> ::gen_server::__private::Option<Self::Msg> {
                    #[allow(unused_imports)]
                    use ::gen_server::__private::{NoInfo as _, ViaInfo as _};
                    (&&::gen_server::__private::InfoProbe::<Self, ::gen_server::__private::#ty>::new()).__to_msg(msg)
                }
            }
        });
        let down_and_exit = quote!(#(#down_and_exit)*);
        quote! {
            impl ::gen_server::__private::GenServer for #self_ty {
                type Args = #args_ty;
                type InitError = #init_error;
                type Ref = #handle;
                type Msg = #msg;
                type Continue = #continue_ty;

                #[allow(unused_variables, clippy::unused_unit)]
                fn __init(
                    __args: Self::Args,
                    __ctx: &mut ::gen_server::__private::Context<Self>,
                ) -> impl ::gen_server::__private::Future<
                    Output = ::gen_server::__private::Result<::gen_server::__private::Init<Self>, Self::InitError>,
                > + ::gen_server::__private::Send + '_ {
                    async move { #init_body }
                }

                #[allow(unused_variables)]
                fn __handle<'__a>(
                    &'__a mut self,
                    __msg: #msg,
                    __ctx: &'__a mut ::gen_server::__private::Context<Self>,
                ) -> impl ::gen_server::__private::Future<Output = ()> + ::gen_server::__private::Send + '__a {
                    async move {
                        match __msg {
                            #(#arms)*
                        }
                    }
                }

                #[allow(unused_variables)]
                fn __continue<'__a>(
                    &'__a mut self,
                    __arg: Self::Continue,
                    __ctx: &'__a mut ::gen_server::__private::Context<Self>,
                ) -> impl ::gen_server::__private::Future<Output = ()> + ::gen_server::__private::Send + '__a {
                    async move { #continue_body }
                }

                #down_and_exit

                #[allow(unused_variables)]
                fn __terminate<'__a>(
                    &'__a mut self,
                    __reason: &'__a ::gen_server::__private::ExitReason,
                    __ctx: &'__a mut ::gen_server::__private::Context<Self>,
                ) -> impl ::gen_server::__private::Future<Output = ()> + ::gen_server::__private::Send + '__a {
                    async move { #terminate_body }
                }
            }
        }
    }

    /// The arguments a generated call passes to a user method: values from
    /// the message, then the context and reply handle where the user put them.
    fn call_args(&self, method: &Method, values: &[Ident]) -> Vec<TokenStream> {
        let mut values = values.iter();
        method
            .params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Value => values
                    .next()
                    .expect("one binding per value")
                    .to_token_stream(),
                ParamKind::Context { mutable: true } => quote!(&mut *__ctx),
                ParamKind::Context { mutable: false } => quote!(&*__ctx),
                ParamKind::ReplyTo(_) => quote!(__reply),
            })
            .collect()
    }

    /// `Counter::add(self, __arg0, &mut *__ctx)` with `.await` if async,
    /// spanned at the user's method so type errors point there.
    fn invoke(&self, method: &Method, receiver: TokenStream, args: &[TokenStream]) -> TokenStream {
        let ident = &self.ident;
        let name = method.ident();
        let dot_await = method.is_async().then(|| quote!(.await));
        quote_spanned! {name.span()=>
            #ident::#name(#receiver #(#args),*) #dot_await
        }
    }

    fn dispatch_arm(&self, kind: Kind, method: &Method) -> TokenStream {
        let msg = &self.msg;
        let name = method.ident();
        let binds: Vec<Ident> = (0..method.values().count())
            .map(|i| format_ident!("__arg{}", i))
            .collect();
        let args = self.call_args(method, &binds);
        let invoke = self.invoke(method, quote!(self,), &args);
        match kind {
            Kind::Call if method.reply_to().is_some() => quote! {
                #msg::#name(#(#binds,)* __reply) => { #invoke; }
            },
            Kind::Call => quote! {
                #msg::#name(#(#binds,)* __reply) => {
                    let __value = #invoke;
                    __reply.send(__value);
                }
            },
            Kind::Cast | Kind::Info => quote! {
                #msg::#name(#(#binds),*) => { #invoke; }
            },
        }
    }

    fn init_glue(&self) -> (TokenStream, TokenStream, TokenStream) {
        let Some(init) = self.init() else {
            // No usable `init` (already reported): keep the rest compiling.
            let tys: Vec<Type> = self
                .args_source()
                .map(|m| m.values().map(|p| p.ty.clone()).collect())
                .unwrap_or_default();
            let args_ty = match &tys[..] {
                [ty] => quote!(#ty),
                tys => quote!((#(#tys),*)),
            };
            return (
                args_ty,
                quote!(::gen_server::__private::Infallible),
                quote!(::core::unreachable!("`init` failed to compile")),
            );
        };
        let binds: Vec<Ident> = (0..init.values().count())
            .map(|i| format_ident!("__arg{}", i))
            .collect();
        let tys: Vec<&Type> = init.values().map(|p| &p.ty).collect();
        let (args_ty, unpack) = match (&binds[..], &tys[..]) {
            ([bind], [ty]) => (quote!(#ty), quote!(let #bind = __args;)),
            _ => (quote!((#(#tys),*)), quote!(let (#(#binds),*) = __args;)),
        };
        let args = self.call_args(init, &binds);
        let invoke = self.invoke(init, TokenStream::new(), &args);
        let ReturnType::Type(_, ret) = &init.sig.output else {
            unreachable!("an `init` without a return type is invalid")
        };
        let private = quote!(::gen_server::__private);
        // The usual shapes are recognised here, so that the error type is
        // named directly and a wrong one is reported once, at the user's type.
        let (error, value) = match InitShape::of(ret, Some(&self.ident)) {
            InitShape::State => (
                quote!(#private::Infallible),
                quote!(#private::Ok(#private::Init::Ready(#invoke))),
            ),
            InitShape::Init => (quote!(#private::Infallible), quote!(#private::Ok(#invoke))),
            InitShape::Result(error) => {
                let error = self.concrete(error);
                (
                    error.to_token_stream(),
                    quote!(#private::Result::map(#invoke, #private::Init::Ready)),
                )
            }
            InitShape::ResultInit(error) => (self.concrete(error).to_token_stream(), invoke),
            // An alias, or a wrong type already reported.
            InitShape::Alias | InitShape::Wrong(..) => {
                let span = ret.span();
                (
                    quote_spanned!(span=> <#ret as #private::InitOutput<Self>>::Error),
                    quote_spanned!(span=> #private::InitOutput::<Self>::into_init(#invoke)),
                )
            }
        };
        (args_ty, error, quote!(#unpack #value))
    }

    fn continue_glue(&self) -> (TokenStream, TokenStream) {
        let Some(method) = self.server.with_role(Role::Continue).next() else {
            return (
                quote!(::gen_server::__private::NoContinue),
                quote!(match __arg {}),
            );
        };
        let bind = [format_ident!("__arg")];
        let args = self.call_args(method, &bind);
        let invoke = self.invoke(method, quote!(self,), &args);
        match method.values().next() {
            Some(param) => {
                let ty = &param.ty;
                (quote!(#ty), quote!(#invoke;))
            }
            None => (quote!(()), quote!(let () = __arg; #invoke;)),
        }
    }

    fn terminate_glue(&self) -> TokenStream {
        let Some(method) = self.server.with_role(Role::Terminate).next() else {
            return TokenStream::new();
        };
        let args = self.call_args(method, &[format_ident!("__reason")]);
        let invoke = self.invoke(method, quote!(self,), &args);
        quote!(#invoke;)
    }
}

/// The name a generated function gives the user's parameter: the user's own
/// when it is a plain identifier, so docs and IDEs show it.
fn arg_name(pat: &Pat, index: usize) -> Ident {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => p.ident.clone(),
        _ => format_ident!("arg{}", index, span = Span::call_site()),
    }
}

/// Replaces `Self` in a type by the server's name.
struct ReplaceSelf<'a>(&'a Ident);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if let Some(first) = path.segments.first_mut()
            && first.ident == "Self"
        {
            first.ident = Ident::new(&self.0.to_string(), first.ident.span());
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}
