//! The user's `impl` block, read into typed pieces that keep their tokens (and
//! so their spans) for error messages and generated code.

use proc_macro2::Span;
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

    pub(crate) fn span(&self) -> Span {
        syn::spanned::Spanned::span(&self.item.self_ty)
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
        let role = match (markers.first(), sig.ident.to_string().as_str()) {
            (Some(marker), _) => Role::Handler(marker.kind),
            (None, "init") => Role::Init,
            (None, "handle_continue") => Role::Continue,
            (None, "terminate") => Role::Terminate,
            (None, _) => Role::Plain,
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
