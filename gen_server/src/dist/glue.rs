//! What the code `#[gen_server(remote)]` generates calls: the shape of a
//! request term, and the term codec for handler arguments and replies, with
//! errors that say what was expected. Not public API.

use eetf::Term;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::term;

/// The handler a request names and how many arguments it carries: `:get` is
/// `("get", 0)`, `{:add, 3}` is `("add", 1)`.
pub fn request_shape(request: &Term) -> Option<(&str, usize)> {
    match request {
        Term::Atom(a) => Some((&a.name, 0)),
        Term::Tuple(t) => match t.elements.first() {
            Some(Term::Atom(a)) => Some((&a.name, t.elements.len() - 1)),
            _ => None,
        },
        _ => None,
    }
}

/// Why `request` matches no handler, naming the shapes that would.
pub fn unknown_request(request: &Term, expected: &[&str]) -> String {
    match expected {
        [] => format!("this server takes no such requests from other nodes, got {request}"),
        [one] => format!("expected {one}, got {request}"),
        many => format!("expected one of {}, got {request}", many.join(", ")),
    }
}

/// A type a remote handler can take: one the term codec decodes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a handler called from other nodes",
    label = "the term codec cannot decode this type",
    note = "derive `serde::Deserialize` for it (`#[derive(Deserialize)]`), or remove `remote` from `#[gen_server(remote)]`"
)]
pub trait RemoteArg: DeserializeOwned {}

impl<T: DeserializeOwned> RemoteArg for T {}

/// A type a remote call can reply with: one the term codec encodes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the reply of a handler called from other nodes",
    label = "the term codec cannot encode this type",
    note = "derive `serde::Serialize` for it (`#[derive(Serialize)]`), or remove `remote` from `#[gen_server(remote)]`"
)]
pub trait RemoteValue: Serialize + Send + 'static {}

impl<T: Serialize + Send + 'static> RemoteValue for T {}

/// Decodes argument `position` (1 for the first) of a `{:handler, …}` request.
pub fn arg<T: RemoteArg>(request: &Term, position: usize, handler: &str) -> Result<T, String> {
    let Term::Tuple(t) = request else {
        unreachable!("a request with arguments is a tuple")
    };
    term::from_term(&t.elements[position])
        .map_err(|e| format!("argument {position} of `{handler}`: {e}"))
}

/// Encodes a reply.
pub fn encode<R: RemoteValue>(value: R) -> Result<Term, String> {
    term::to_term(&value).map_err(|e| e.to_string())
}
