//! The arguments of `#[gen_server(...)]` and the handler markers.

use proc_macro2::TokenStream;
use syn::{Attribute, Ident, Meta, Visibility};

use crate::errors::Errors;

/// `#[gen_server(handle = Name, vis = pub(crate), remote)]`.
#[derive(Default)]
pub(crate) struct ServerArgs {
    pub(crate) handle: Option<Ident>,
    pub(crate) vis: Option<Visibility>,
    /// `remote`: the handlers can be called from other nodes; its token, for
    /// spans.
    pub(crate) remote: Option<Ident>,
}

pub(crate) fn parse_server_args(tokens: TokenStream, errors: &mut Errors) -> ServerArgs {
    let mut args = ServerArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("handle") {
            if args.handle.is_some() {
                return Err(meta.error("`handle` is given twice; keep one"));
            }
            args.handle = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("vis") {
            if args.vis.is_some() {
                return Err(meta.error("`vis` is given twice; keep one"));
            }
            args.vis = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("remote") {
            if args.remote.is_some() {
                return Err(meta.error("`remote` is given twice; keep one"));
            }
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(meta.error("`remote` takes no value; write `remote`"));
            }
            args.remote = meta.path.get_ident().cloned();
        } else {
            return Err(meta.error(
                "unknown `gen_server` argument; expected `handle = Name`, `vis = pub(crate)` or `remote`",
            ));
        }
        Ok(())
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(error);
    }
    args
}

/// Which kind of handler a marker attribute declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Call,
    Cast,
    Info,
}

impl Kind {
    pub(crate) fn marker(self) -> &'static str {
        match self {
            Kind::Call => "#[call]",
            Kind::Cast => "#[cast]",
            Kind::Info => "#[info]",
        }
    }
}

/// A `#[call]`, `#[cast]` or `#[info]` found on a method.
pub(crate) struct Marker {
    pub(crate) kind: Kind,
    /// The whole attribute, so that errors about it underline all of it.
    pub(crate) attr: Attribute,
}

fn marker_kind(attr: &Attribute) -> Option<Kind> {
    let path = attr.path();
    let last = path.segments.last()?;
    let prefix_ok = match path.segments.len() {
        1 => path.leading_colon.is_none(),
        2 => path.segments[0].ident == "gen_server",
        _ => false,
    };
    if !prefix_ok {
        return None;
    }
    match last.ident.to_string().as_str() {
        "call" => Some(Kind::Call),
        "cast" => Some(Kind::Cast),
        "info" => Some(Kind::Info),
        _ => None,
    }
}

/// Removes the handler markers from `attrs` and returns them, checking that
/// each is a bare path.
pub(crate) fn take_markers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Vec<Marker> {
    let mut markers = Vec::new();
    attrs.retain(|attr| {
        let Some(kind) = marker_kind(attr) else {
            return true;
        };
        if !matches!(attr.meta, Meta::Path(_)) {
            errors.at(
                &attr.meta,
                format_args!(
                    "`{}` takes no arguments; write `{}`",
                    kind.marker(),
                    kind.marker()
                ),
            );
        }
        markers.push(Marker {
            kind,
            attr: attr.clone(),
        });
        false
    });
    markers
}

/// The `#[doc]` attributes of a method, to copy onto generated items.
pub(crate) fn docs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}
