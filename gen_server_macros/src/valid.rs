//! The rules a `#[gen_server]` impl block must follow. Every broken rule is
//! reported (all of them at once), and the method that broke it is left out of
//! the generated code so that it causes no further errors.

use std::collections::HashSet;

use quote::ToTokens;
use syn::{GenericArgument, Ident, PathArguments, ReturnType, Type};

use crate::ast::{InitShape, Method, ParamKind, Role, Server};
use crate::attr::Kind;
use crate::errors::Errors;

/// Names `#[gen_server]` generates on the server type or its handle.
pub(crate) const GENERATED_ON_SERVER: &[&str] = &["start", "builder"];
pub(crate) const GENERATED_ON_HANDLE: &[&str] = &[
    "whereis",
    "id",
    "name",
    "is_alive",
    "exit_reason",
    "stop",
    "kill",
    "send_info",
    "pid",
    "actor_ref",
];

/// What validation decided beyond the errors.
#[derive(Default)]
pub(crate) struct Checked {
    /// Items of the user's impl to leave out of the output (duplicates that
    /// would only repeat an error already reported).
    pub(crate) dropped_items: HashSet<usize>,
    /// Generated functions not to emit, because a user method has the name.
    pub(crate) skipped: HashSet<&'static str>,
    /// Invalid handlers (by index into `Server::methods`) that still get a
    /// stand-in on the handle, so that code calling them reports nothing more.
    pub(crate) stubs: HashSet<usize>,
}

pub(crate) fn check(server: &mut Server, errors: &mut Errors) -> Checked {
    let mut checked = Checked::default();
    let generics = &server.item.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.at(
            generics,
            "`#[gen_server]` does not support generic server types yet; implement it for a concrete type",
        );
    }

    // Duplicate names: Rust would reject them too, with a less helpful message.
    let mut seen = HashSet::new();
    for method in &mut server.methods {
        let name = method.ident().to_string();
        if !seen.insert(name.clone()) {
            let message = match method.role {
                Role::Init | Role::Continue | Role::Terminate => format!(
                    "`{name}` is already defined above; a server has one `{name}`, so merge the two"
                ),
                _ => format!(
                    "a method named `{name}` is already defined above; give this one another name"
                ),
            };
            errors.at(method.ident(), message);
            method.valid = false;
            checked.dropped_items.insert(method.index);
        }
    }

    let mut info_types = HashSet::new();
    let server_ident = server.ident.clone();
    for (position, method) in server.methods.iter_mut().enumerate() {
        if !method.valid {
            continue;
        }
        let mut stub = true;
        if let (Role::Init | Role::Continue | Role::Terminate, Some(marker)) =
            (method.role, method.markers.first())
        {
            // Reported, and otherwise ignored: the method is still expanded.
            errors.at(
                &marker.attr,
                format_args!(
                    "`{}` is a lifecycle callback, not a handler; remove `{}`",
                    method.ident(),
                    marker.kind.marker()
                ),
            );
        }
        let ok = match method.role {
            Role::Init => check_init(method, server_ident.as_ref(), errors),
            Role::Continue => check_continue(method, errors),
            Role::Terminate => check_terminate(method, errors),
            Role::Handler(kind) => check_handler(kind, method, &mut info_types, &mut stub, errors),
            Role::Plain => true,
        };
        method.valid &= ok;
        let name = method.ident().to_string();
        let is_handler = matches!(method.role, Role::Handler(_));
        let on_handle: &[&'static str] = if is_handler { GENERATED_ON_HANDLE } else { &[] };
        let clash = GENERATED_ON_SERVER
            .iter()
            .chain(on_handle)
            .find(|g| **g == name);
        if let Some(&generated) = clash {
            let place = if GENERATED_ON_SERVER.contains(&generated) {
                "on the server type"
            } else {
                "on the handle"
            };
            errors.at(
                method.ident(),
                format_args!("`#[gen_server]` generates `{generated}` {place}; rename this method"),
            );
            checked.skipped.insert(generated);
            if is_handler {
                method.valid = false;
                stub = false;
            }
        }
        if is_handler && !method.valid && stub {
            checked.stubs.insert(position);
        }
    }

    if !server.methods.iter().any(|m| m.role == Role::Init) {
        errors.at(
            &server.item.self_ty,
            "missing `fn init`: add `fn init(...) -> Self` to build the server's state",
        );
    }
    checked
}

fn check_common(method: &Method, what: &str, errors: &mut Errors) -> bool {
    check_signature(method, what, true, errors)
}

/// Checks shared by every method the macro calls; `owned_values` is false only
/// for `terminate`, whose one argument is a borrowed reason.
fn check_signature(method: &Method, what: &str, owned_values: bool, errors: &mut Errors) -> bool {
    let mut ok = true;
    let sig = &method.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            format_args!(
                "{what} cannot be generic: each message has one concrete type; remove the type parameters and name the types"
            ),
        );
        ok = false;
    }
    if let Some(token) = &sig.unsafety {
        errors.at(
            token,
            format_args!("{what} cannot be `unsafe`; remove `unsafe`"),
        );
        ok = false;
    }
    if let Some(token) = &sig.constness {
        errors.at(
            token,
            format_args!("{what} cannot be `const`; remove `const`"),
        );
        ok = false;
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi, format_args!("{what} cannot have an ABI; remove it"));
        ok = false;
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic, format_args!("{what} cannot be variadic"));
        ok = false;
    }
    let arguments = if method.role == Role::Init {
        Sent::InitArguments
    } else {
        Sent::HandlerArguments
    };
    let mut contexts = 0;
    for param in &method.params {
        match &param.kind {
            ParamKind::Context { .. } => {
                contexts += 1;
                if contexts > 1 {
                    errors.at(
                        &param.ty,
                        "a method takes at most one `Context` parameter; use the first one and remove this one",
                    );
                    ok = false;
                }
            }
            ParamKind::ReplyTo(inner) => {
                ok &= check_owned(inner, Sent::Reply, errors);
            }
            ParamKind::Value if is_context_by_value(&param.ty) => {
                errors.at(
                    &param.ty,
                    "the context is lent to the method, not given: take `ctx: &mut Context<Self>`",
                );
                ok = false;
            }
            ParamKind::Value if owned_values => ok &= check_owned(&param.ty, arguments, errors),
            ParamKind::Value => {}
        }
    }
    ok
}

/// `Context<...>` taken by value, which the macro would otherwise take for a
/// message argument.
fn is_context_by_value(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s|
        s.ident == "Context" && matches!(s.arguments, PathArguments::AngleBracketed(_))))
}

/// What a type checked by [`check_owned`] carries to another task.
#[derive(Clone, Copy)]
enum Sent {
    HandlerArguments,
    InitArguments,
    Reply,
}

impl Sent {
    fn subject(self) -> &'static str {
        match self {
            Sent::HandlerArguments => "handler arguments",
            Sent::InitArguments => "`init` arguments",
            Sent::Reply => "a reply",
        }
    }

    fn must_own(self) -> &'static str {
        match self {
            Sent::HandlerArguments => {
                "handler arguments are sent to the server's task, so they must own their data"
            }
            Sent::InitArguments => {
                "`init` arguments are sent to the server's task, so they must own their data"
            }
            Sent::Reply => "a reply is sent to the caller's task, so it must own its data",
        }
    }
}

/// Messages and replies travel between tasks, so they must own their data.
/// Reports the first part of `ty` that does not.
fn check_owned(ty: &Type, sent: Sent, errors: &mut Errors) -> bool {
    match not_owned(ty) {
        None => return true,
        Some(NotOwned::Borrowed(r)) => {
            let hint = match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => "use `String` instead of `&str`".into(),
                Type::Slice(s) => format!(
                    "use `Vec<{}>` instead of `&[{0}]`",
                    s.elem.to_token_stream()
                ),
                elem => format!(
                    "use `{}` instead of a reference to it",
                    elem.to_token_stream()
                ),
            };
            errors.at(r, format_args!("{}: {hint}", sent.must_own()));
        }
        Some(NotOwned::Lifetime(lifetime)) => errors.at(
            lifetime,
            format_args!(
                "{}: use an owned type, or `'static` instead of `{lifetime}`",
                sent.must_own()
            ),
        ),
        Some(NotOwned::ImplTrait(it)) => errors.at(
            it,
            format_args!(
                "{} cannot be `impl Trait`: each message has one concrete type; name the type",
                sent.subject()
            ),
        ),
    }
    false
}

/// What keeps a type from being sent to another task as it is.
pub(crate) enum NotOwned<'a> {
    Borrowed(&'a syn::TypeReference),
    Lifetime(&'a syn::Lifetime),
    ImplTrait(&'a syn::TypeImplTrait),
}

/// The first part of `ty` that borrows or is `impl Trait`, if any. Function
/// pointers and trait objects are not looked into: their lifetimes are
/// usually higher-ranked, and `Send`/`'static` checks catch the rest.
pub(crate) fn not_owned(ty: &Type) -> Option<NotOwned<'_>> {
    match ty {
        Type::Reference(r) => {
            if r.lifetime.as_ref().is_some_and(|l| l.ident == "static") {
                not_owned(&r.elem)
            } else {
                Some(NotOwned::Borrowed(r))
            }
        }
        Type::ImplTrait(it) => Some(NotOwned::ImplTrait(it)),
        Type::Array(a) => not_owned(&a.elem),
        Type::Slice(s) => not_owned(&s.elem),
        Type::Paren(p) => not_owned(&p.elem),
        Type::Group(g) => not_owned(&g.elem),
        Type::Tuple(t) => t.elems.iter().find_map(not_owned),
        Type::Path(p) => {
            if let Some(found) = p.qself.as_ref().and_then(|q| not_owned(&q.ty)) {
                return Some(found);
            }
            p.path.segments.iter().find_map(|segment| {
                let PathArguments::AngleBracketed(args) = &segment.arguments else {
                    return None;
                };
                args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(ty) => not_owned(ty),
                    GenericArgument::Lifetime(l) if l.ident != "static" => {
                        Some(NotOwned::Lifetime(l))
                    }
                    GenericArgument::AssocType(assoc) => not_owned(&assoc.ty),
                    _ => None,
                })
            })
        }
        _ => None,
    }
}

fn check_receiver(method: &Method, what: &str, errors: &mut Errors) -> bool {
    match &method.receiver {
        Some(r) if r.reference.is_some() && r.colon_token.is_none() => true,
        Some(r) => {
            errors.at(
                r,
                format_args!("{what} borrows the server's state: take `&self` or `&mut self`"),
            );
            false
        }
        None => {
            errors.at(
                method.ident(),
                format_args!("{what} needs `&self` or `&mut self` as its first parameter"),
            );
            false
        }
    }
}

fn reject_reply_to(method: &Method, what: &str, errors: &mut Errors) -> bool {
    let mut ok = true;
    for param in &method.params {
        if let ParamKind::ReplyTo(_) = param.kind {
            errors.at(
                &param.ty,
                format_args!(
                    "`ReplyTo` belongs to a `#[call]` handler; {what} has no caller waiting for a reply, so remove this parameter"
                ),
            );
            ok = false;
        }
    }
    ok
}

fn reject_output(method: &Method, message: &str, errors: &mut Errors) -> bool {
    match &method.sig.output {
        ReturnType::Default => true,
        ReturnType::Type(..) => {
            errors.at(&method.sig.output, message);
            false
        }
    }
}

fn check_init(method: &Method, server: Option<&Ident>, errors: &mut Errors) -> bool {
    let mut ok = check_common(method, "`init`", errors);
    if let Some(r) = &method.receiver {
        errors.at(
            r,
            "`init` builds the server's state, so it takes no `self`; remove this parameter",
        );
        ok = false;
    }
    ok &= reject_reply_to(method, "`init`", errors);
    if let ReturnType::Type(_, ret) = &method.sig.output
        && let InitShape::Wrong(at, message) = InitShape::of(ret, server)
    {
        errors.at(at, message);
        ok = false;
    }
    if let ReturnType::Default = method.sig.output {
        let sig = &method.sig;
        let (ident, paren) = (&sig.ident, &sig.paren_token);
        let mut head = ident.to_token_stream();
        paren.surround(&mut head, |tokens| sig.inputs.to_tokens(tokens));
        errors.at(
            head,
            "`init` must return the server's state: add `-> Self` (or `-> Result<Self, E>`, `-> Init<Self>`)",
        );
        ok = false;
    }
    ok
}

fn check_continue(method: &Method, errors: &mut Errors) -> bool {
    let what = "`handle_continue`";
    let mut ok = check_common(method, what, errors) & check_receiver(method, what, errors);
    ok &= reject_reply_to(method, what, errors);
    if let Some(extra) = method.values().nth(1) {
        errors.at(
            &extra.pat,
            "`handle_continue` takes at most one argument, the value given to `ctx.continue_with`; put several values in one type",
        );
        ok = false;
    }
    ok & reject_output(
        method,
        "`handle_continue` returns nothing; remove the return type",
        errors,
    )
}

fn check_terminate(method: &Method, errors: &mut Errors) -> bool {
    let what = "`terminate`";
    let mut ok =
        check_signature(method, what, false, errors) & check_receiver(method, what, errors);
    ok &= reject_reply_to(method, what, errors);
    let values: Vec<_> = method.values().collect();
    let is_reason = |ty: &Type| matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "ExitReason"));
    match values[..] {
        [param] => match &param.ty {
            Type::Reference(r) if r.mutability.is_none() && is_reason(&r.elem) => {}
            ty if is_reason(ty) => {
                errors.at(
                    ty,
                    "`terminate` borrows the exit reason: take `reason: &ExitReason`",
                );
                ok = false;
            }
            ty => {
                errors.at(
                    ty,
                    "`terminate` takes the exit reason: `reason: &ExitReason`",
                );
                ok = false;
            }
        },
        [] => {
            errors.at(
                &method.sig.inputs,
                "`terminate` takes the exit reason: `fn terminate(&mut self, reason: &ExitReason)`",
            );
            ok = false;
        }
        [_, extra, ..] => {
            errors.at(
                &extra.pat,
                "`terminate` takes one argument, `reason: &ExitReason` (and optionally `ctx: &mut Context<Self>`); remove this one",
            );
            ok = false;
        }
    }
    ok & reject_output(
        method,
        "`terminate` returns nothing; remove the return type",
        errors,
    )
}

fn check_handler(
    kind: Kind,
    method: &Method,
    info_types: &mut HashSet<String>,
    stub: &mut bool,
    errors: &mut Errors,
) -> bool {
    let marker = kind.marker();
    let what = format!("a `{marker}` handler");
    let mut ok = true;
    for extra in &method.markers[1..] {
        let extra_marker = extra.kind.marker();
        errors.at(
            &extra.attr,
            format_args!(
                "a method is only one of `#[call]`, `#[cast]` and `#[info]`, and this one is already `{marker}`; remove `{extra_marker}`"
            ),
        );
        ok = false;
    }
    ok &= check_common(method, &what, errors);
    ok &= check_receiver(method, &what, errors);
    match kind {
        Kind::Call => {
            let replies: Vec<_> = method
                .params
                .iter()
                .filter(|p| matches!(p.kind, ParamKind::ReplyTo(_)))
                .collect();
            if let Some(second) = replies.get(1) {
                errors.at(
                    &second.ty,
                    "a call is answered once: take one `ReplyTo` and remove this one",
                );
                ok = false;
            }
            match &method.sig.output {
                ReturnType::Type(_, ty) if !replies.is_empty() => {
                    errors.at(
                        ty,
                        "a `#[call]` that takes `ReplyTo` replies through it, so it returns nothing; remove the return type",
                    );
                    ok = false;
                }
                ReturnType::Type(_, ty) => match not_owned(ty) {
                    Some(NotOwned::ImplTrait(it)) => {
                        errors.at(
                            it,
                            "a `#[call]` cannot return `impl Trait`: the reply is sent to another task, so name its type",
                        );
                        *stub = false;
                        ok = false;
                    }
                    _ => ok &= check_owned(ty, Sent::Reply, errors),
                },
                ReturnType::Default => {}
            }
        }
        Kind::Cast => {
            ok &= reject_reply_to(method, "a `#[cast]`", errors);
            ok &= reject_output(
                method,
                "a `#[cast]` cannot return a value: nobody waits for it; remove the return type, or use `#[call]` to reply",
                errors,
            );
        }
        Kind::Info => {
            ok &= reject_reply_to(method, "an `#[info]` handler", errors);
            ok &= reject_output(
                method,
                "an `#[info]` handler cannot return a value: nobody waits for it; remove the return type",
                errors,
            );
            let values: Vec<_> = method.values().collect();
            match values[..] {
                [] => {
                    errors.at(
                        &method.sig.inputs,
                        format_args!(
                            "an `#[info]` handler takes the message as a parameter: `fn {}(&mut self, msg: Tick)`",
                            method.ident()
                        ),
                    );
                    *stub = false;
                    ok = false;
                }
                [msg] => {
                    let key = msg.ty.to_token_stream().to_string();
                    if !info_types.insert(key) {
                        errors.at(
                            &msg.ty,
                            format_args!(
                                "another `#[info]` handler already takes `{}`; one handler per message type, so merge the two",
                                msg.ty.to_token_stream()
                            ),
                        );
                        *stub = false;
                        ok = false;
                    }
                    if not_owned(&msg.ty).is_some() || !method.sig.generics.params.is_empty() {
                        *stub = false;
                    }
                }
                [_, second, ..] => {
                    errors.at(
                        &second.pat,
                        "an `#[info]` handler takes exactly one message parameter; put several values in one type",
                    );
                    *stub = false;
                    ok = false;
                }
            }
        }
    }
    ok
}
