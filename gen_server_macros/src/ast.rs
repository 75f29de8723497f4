//! The user's `impl` block, read into typed pieces that keep their tokens (and
//! so their spans) for error messages and generated code.

use syn::{
    Attribute, FnArg, GenericArgument, Ident, ImplItem, ItemImpl, Pat, PathArguments, Receiver,
    Signature, Type,
};

use crate::attr::{self, Kind, Marker};
use crate::errors::Errors;

pub(crate) struct Server {
    /// The user's impl block, markers removed; emitted as the user wrote it.
    pub(crate) item: ItemImpl,
    /// The server type's name (`Counter` in `impl Counter`), if it is a path.
    pub(crate) ident: Option<Ident>,
    pub(crate) methods: Vec<Method>,
}

/// What a method is to the server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Init,
    Continue,
    Terminate,
    Handler(Kind),
    /// A helper method the macro leaves alone.
    Plain,
}

pub(crate) struct Method {
    /// Position in `Server::item.items`.
    pub(crate) index: usize,
    pub(crate) role: Role,
    pub(crate) sig: Signature,
    pub(crate) docs: Vec<Attribute>,
    pub(crate) markers: Vec<Marker>,
    pub(crate) receiver: Option<Receiver>,
    pub(crate) params: Vec<Param>,
    /// Cleared by validation when the method cannot be expanded.
    pub(crate) valid: bool,
}

pub(crate) struct Param {
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
    pub(crate) kind: ParamKind,
}

pub(crate) enum ParamKind {
    /// `ctx: &mut Context<Self>` or `&Context<Self>`.
    Context { mutable: bool },
    /// `reply: ReplyTo<T>`, with `T`.
    ReplyTo(Box<Type>),
    /// A message argument.
    Value,
}

impl Server {
    pub(crate) fn from_impl(mut item: ItemImpl, errors: &mut Errors) -> Self {
        let ident = match &*item.self_ty {
            Type::Path(path) if path.qself.is_none() => {
                path.path.segments.last().map(|s| s.ident.clone())
            }
            _ => None,
        };
        let mut methods = Vec::new();
        for (index, impl_item) in item.items.iter_mut().enumerate() {
            let ImplItem::Fn(f) = impl_item else { continue };
            let markers = attr::take_markers(&mut f.attrs, errors);
            methods.push(Method::new(index, &f.attrs, &f.sig, markers));
        }
        Server {
            item,
            ident,
            methods,
        }
    }

    pub(crate) fn with_role(&self, role: Role) -> impl Iterator<Item = &Method> {
        self.methods
            .iter()
            .filter(move |m| m.role == role && m.valid)
    }

    pub(crate) fn handlers(&self) -> impl Iterator<Item = (Kind, &Method)> {
        self.methods
            .iter()
            .filter(|m| m.valid)
            .filter_map(|m| match m.role {
                Role::Handler(kind) => Some((kind, m)),
                _ => None,
            })
    }
}

impl Method {
    fn new(index: usize, attrs: &[Attribute], sig: &Signature, markers: Vec<Marker>) -> Self {
        // The lifecycle names win over a marker, which validation reports.
        let role = match (sig.ident.to_string().as_str(), markers.first()) {
            ("init", _) => Role::Init,
            ("handle_continue", _) => Role::Continue,
            ("terminate", _) => Role::Terminate,
            (_, Some(marker)) => Role::Handler(marker.kind),
            (_, None) => Role::Plain,
        };
        let mut receiver = None;
        let mut params = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) => receiver = Some(r.clone()),
                FnArg::Typed(typed) => params.push(Param {
                    pat: (*typed.pat).clone(),
                    ty: (*typed.ty).clone(),
                    kind: ParamKind::of(&typed.ty),
                }),
            }
        }
        Method {
            index,
            role,
            sig: sig.clone(),
            docs: attr::docs(attrs),
            markers,
            receiver,
            params,
            valid: true,
        }
    }

    pub(crate) fn ident(&self) -> &Ident {
        &self.sig.ident
    }

    pub(crate) fn is_async(&self) -> bool {
        self.sig.asyncness.is_some()
    }

    /// The message arguments, in order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Value))
    }

    pub(crate) fn reply_to(&self) -> Option<&Type> {
        self.params.iter().find_map(|p| match &p.kind {
            ParamKind::ReplyTo(ty) => Some(ty.as_ref()),
            _ => None,
        })
    }
}

impl ParamKind {
    fn of(ty: &Type) -> Self {
        if let Type::Reference(r) = ty
            && last_segment_args(&r.elem, "Context").is_some()
        {
            return ParamKind::Context {
                mutable: r.mutability.is_some(),
            };
        }
        if let Some(PathArguments::AngleBracketed(args)) = last_segment_args(ty, "ReplyTo")
            && let [GenericArgument::Type(inner)] = args.args.iter().collect::<Vec<_>>()[..]
        {
            return ParamKind::ReplyTo(Box::new(inner.clone()));
        }
        ParamKind::Value
    }
}

/// The generic arguments of `ty` if it is a path ending in `name`.
fn last_segment_args<'a>(ty: &'a Type, name: &str) -> Option<&'a PathArguments> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    (last.ident == name).then_some(&last.arguments)
}

/// What `init` returns, read from its signature.
pub(crate) enum InitShape<'a> {
    /// `Self`
    State,
    /// `Init<Self>`
    Init,
    /// `Result<Self, E>`, with `E`
    Result(&'a Type),
    /// `Result<Init<Self>, E>`, with `E`
    ResultInit(&'a Type),
    /// A type the macro cannot see into (an alias such as `anyhow::Result<Self>`),
    /// left to the `InitOutput` trait.
    Alias,
    /// A type that cannot be right: the part that is wrong and what to write.
    Wrong(&'a Type, &'static str),
}

const WRONG_INIT: &str = "`init` must return the server's state: `-> Self`, `-> Result<Self, E>`, `-> Init<Self>` or `-> Result<Init<Self>, E>`";

impl<'a> InitShape<'a> {
    /// `server` is the server type's name, also accepted for `Self`.
    pub(crate) fn of(ret: &'a Type, server: Option<&Ident>) -> Self {
        let is_state = |ty: &Type| {
            let Type::Path(p) = ty else { return false };
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            p.qself.is_none()
                && last.arguments.is_none()
                && (p.path.is_ident("Self") || server.is_some_and(|s| last.ident == *s))
        };
        // `Init<T>`: `Some(Ok)` when `T` is the state, `Some(Err(T))` when not.
        let init_of = |ty: &'a Type| match type_args(ty, "Init")?[..] {
            [state] if is_state(state) => Some(Ok(())),
            [other] => Some(Err(other)),
            _ => None,
        };
        match ret {
            Type::Group(g) => return Self::of(&g.elem, server),
            Type::Paren(p) => return Self::of(&p.elem, server),
            Type::Path(_) => {}
            Type::ImplTrait(_) => {
                return InitShape::Wrong(
                    ret,
                    "`init` cannot return `impl Trait`; to await inside it, write `async fn init(...) -> Self`",
                );
            }
            Type::Macro(_) | Type::Verbatim(_) => return InitShape::Alias,
            _ => return InitShape::Wrong(ret, WRONG_INIT),
        }
        if is_state(ret) {
            return InitShape::State;
        }
        match init_of(ret) {
            Some(Ok(())) => return InitShape::Init,
            Some(Err(other)) => {
                return InitShape::Wrong(other, "`Init` holds the server's state: `Init<Self>`");
            }
            None => {}
        }
        if let Some(args) = type_args(ret, "Result") {
            return match args[..] {
                [ok, error] if is_state(ok) => InitShape::Result(error),
                [ok, error] => match init_of(ok) {
                    Some(Ok(())) => InitShape::ResultInit(error),
                    Some(Err(other)) => {
                        InitShape::Wrong(other, "`Init` holds the server's state: `Init<Self>`")
                    }
                    None => InitShape::Wrong(
                        ok,
                        "`init` returns the server's state in `Ok`: `Result<Self, E>` (or `Result<Init<Self>, E>`)",
                    ),
                },
                // `io::Result<Self>` and the like.
                _ => InitShape::Alias,
            };
        }
        if type_args(ret, "Option").is_some() {
            return InitShape::Wrong(
                ret,
                "`init` cannot return `Option`: return `Init<Self>`, with `Init::Ignore` in place of `None`",
            );
        }
        const NOT_STATE: &[&str] = &[
            "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
            "i64", "i128", "isize", "f32", "f64", "String", "Vec", "Box", "Rc", "Arc", "Cow",
        ];
        let Type::Path(p) = ret else {
            return InitShape::Alias;
        };
        match p.path.segments.last() {
            Some(last) if NOT_STATE.iter().any(|name| last.ident == name) => {
                InitShape::Wrong(ret, WRONG_INIT)
            }
            _ => InitShape::Alias,
        }
    }
}

/// The type arguments of `ty` if it is a path ending in `name` (none if it has
/// no angle brackets).
fn type_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != name {
        return None;
    }
    Some(match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}
