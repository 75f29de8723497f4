//! The rules a `#[gen_server]` impl block must follow. Every broken rule is
//! reported (all of them at once), and the method that broke it is left out of
//! the generated code so that it causes no further errors.

use std::collections::HashSet;

use quote::ToTokens;
use syn::{ReturnType, Type};

use crate::ast::{Method, ParamKind, Role, Server};
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
        if !seen.insert(method.ident().to_string()) {
            errors.at(
                method.ident(),
                format_args!(
                    "duplicate method `{}`; each handler needs its own name",
                    method.ident()
                ),
            );
            method.valid = false;
            checked.dropped_items.insert(method.index);
        }
    }

    let mut info_types = HashSet::new();
    for method in &mut server.methods {
        if !method.valid {
            continue;
        }
        let ok = match method.role {
            Role::Init => check_init(method, errors),
            Role::Continue => check_continue(method, errors),
            Role::Terminate => check_terminate(method, errors),
            Role::Handler(kind) => check_handler(kind, method, &mut info_types, errors),
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
            }
        }
    }

    if !server.methods.iter().any(|m| m.role == Role::Init) {
        errors.push(syn::Error::new(
            server.span(),
            "missing `fn init`: add `fn init(...) -> Self` to build the server's state",
        ));
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
            format_args!("{what} cannot be generic: each message has one concrete type"),
        );
        ok = false;
    }
    if let Some(token) = &sig.unsafety {
        errors.at(token, format_args!("{what} cannot be `unsafe`"));
        ok = false;
    }
    if let Some(token) = &sig.constness {
        errors.at(token, format_args!("{what} cannot be `const`"));
        ok = false;
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi, format_args!("{what} cannot have an ABI"));
        ok = false;
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic, format_args!("{what} cannot be variadic"));
        ok = false;
    }
    let mut contexts = 0;
    for param in &method.params {
        match &param.kind {
            ParamKind::Context { .. } => {
                contexts += 1;
                if contexts > 1 {
                    errors.at(&param.ty, "only one `Context` parameter is allowed");
                    ok = false;
                }
            }
            ParamKind::ReplyTo(_) => {}
            ParamKind::Value if owned_values => ok &= check_owned(&param.ty, errors),
            ParamKind::Value => {}
        }
    }
    ok
}

/// Message arguments travel to another task: they must own their data.
fn check_owned(ty: &Type, errors: &mut Errors) -> bool {
    match ty {
        Type::Reference(r) if r.lifetime.as_ref().is_none_or(|l| l.ident != "static") => {
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
            errors.at(
                ty,
                format_args!(
                    "handler arguments are sent to the server's task, so they must be owned: {hint}"
                ),
            );
            false
        }
        Type::ImplTrait(_) => {
            errors.at(
                ty,
                "handler arguments cannot be `impl Trait`: each message has one concrete type",
            );
            false
        }
        _ => true,
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
                format_args!("`ReplyTo` belongs to a `#[call]` handler; {what} has no caller waiting for a reply"),
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

fn check_init(method: &Method, errors: &mut Errors) -> bool {
    let mut ok = check_common(method, "`init`", errors);
    if let Some(r) = &method.receiver {
        errors.at(
            r,
            "`init` builds the server's state, so it takes no `self`; remove this parameter",
        );
        ok = false;
    }
    ok &= reject_reply_to(method, "`init`", errors);
    if let ReturnType::Default = method.sig.output {
        errors.at(
            &method.sig,
            "`init` must return the server's state: `-> Self`, `-> Result<Self, E>` or `-> Init<Self>`",
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
            "`handle_continue` takes at most one argument, the value given to `ctx.continue_with`",
        );
        ok = false;
    }
    ok & reject_output(method, "`handle_continue` returns nothing", errors)
}

fn check_terminate(method: &Method, errors: &mut Errors) -> bool {
    let what = "`terminate`";
    let mut ok =
        check_signature(method, what, false, errors) & check_receiver(method, what, errors);
    ok &= reject_reply_to(method, what, errors);
    let values: Vec<_> = method.values().collect();
    let takes_reason = match values[..] {
        [param] => matches!(&param.ty, Type::Reference(r)
            if r.mutability.is_none()
                && matches!(&*r.elem, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "ExitReason"))),
        _ => false,
    };
    if !takes_reason {
        errors.at(
            &method.sig.inputs,
            "`terminate` takes `&mut self, reason: &ExitReason` (and optionally `ctx: &mut Context<Self>`)",
        );
        ok = false;
    }
    ok & reject_output(method, "`terminate` returns nothing", errors)
}

fn check_handler(
    kind: Kind,
    method: &Method,
    info_types: &mut HashSet<String>,
    errors: &mut Errors,
) -> bool {
    let marker = kind.marker();
    let what = format!("a `{marker}` handler");
    let mut ok = true;
    for extra in &method.markers[1..] {
        errors.push(syn::Error::new(
            extra.span,
            format_args!(
                "a method is only one of `#[call]`, `#[cast]` and `#[info]`; it is already `{marker}`"
            ),
        ));
    }
    if let Some(role) = ["init", "handle_continue", "terminate"]
        .iter()
        .find(|name| method.ident() == *name)
    {
        errors.push(syn::Error::new(
            method.markers[0].span,
            format_args!("`{role}` is a lifecycle callback, not a handler; remove `{marker}`"),
        ));
        return false;
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
                errors.at(&second.ty, "a call is answered once: take one `ReplyTo`");
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
                ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)) => {
                    errors.at(
                        ty,
                        "a `#[call]` cannot return `impl Trait`: the reply is sent to another task, so name its type",
                    );
                    ok = false;
                }
                _ => {}
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
                        "an `#[info]` handler takes the message as a parameter: `fn on_tick(&mut self, msg: Tick)`",
                    );
                    ok = false;
                }
                [msg] => {
                    let key = msg.ty.to_token_stream().to_string();
                    if !info_types.insert(key) {
                        errors.at(
                            &msg.ty,
                            format_args!(
                                "another `#[info]` handler already takes `{}`; one handler per message type",
                                msg.ty.to_token_stream()
                            ),
                        );
                        ok = false;
                    }
                }
                [_, second, ..] => {
                    errors.at(
                        &second.pat,
                        "an `#[info]` handler takes exactly one message parameter; put several values in one type",
                    );
                    ok = false;
                }
            }
        }
    }
    ok
}
