//! Typed conversion between Rust values and Erlang terms, through serde.
//!
//! [`to_term`] turns any `Serialize` value into a [`Term`], [`from_term`]
//! turns a term into any `Deserialize` type, so a message from Elixir such as
//! `{:add, 3}` or `%Point{x: 1, y: 2}` arrives as a Rust enum or struct, and a
//! reply goes back as the term Elixir code expects.
//!
//! ```
//! use gen_server::dist::term::{Term, from_term, to_term};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Request {
//!     Add(i64),                  // {:add, 3}
//!     Move(i32, i32),            // {:move, 1, 2}
//!     Rename { name: String },   // {:rename, %{name: "x"}}
//!     Reset,                     // :reset
//! }
//!
//! let term: Term = to_term(&Request::Add(3)).unwrap();
//! assert_eq!(term.to_string(), "{'add',3}");
//! assert_eq!(from_term::<Request>(&term).unwrap(), Request::Add(3));
//!
//! // A term that does not fit is an error, never a panic.
//! let error = from_term::<Request>(&to_term(&("add", 3)).unwrap()).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     r#"expected an atom or a tuple tagged with an atom for enum `Request`, found {"add", 3}"#,
//! );
//! ```
//!
//! Elixir's structs are maps with atom keys and a `:__struct__` key; they
//! decode into Rust structs with the same fields:
//!
//! ```
//! use gen_server::dist::term::{Term, eetf, from_term};
//! use serde::Deserialize;
//!
//! #[derive(Debug, PartialEq, Deserialize)]
//! struct Point { x: i32, y: i32 }
//!
//! // `%Point{x: 1, y: 2}`, as it arrives from Elixir.
//! let atom = |name: &str| Term::from(eetf::Atom::from(name));
//! let int = |n: i32| Term::from(eetf::FixInteger::from(n));
//! let point = Term::from(eetf::Map::from([
//!     (atom("__struct__"), atom("Elixir.Point")),
//!     (atom("x"), int(1)),
//!     (atom("y"), int(2)),
//! ]));
//! assert_eq!(from_term::<Point>(&point).unwrap(), Point { x: 1, y: 2 });
//! ```
//!
//! Such a struct goes back to Elixir as a plain map, `%{x: 1, y: 2}`. For an
//! Elixir struct both ways, keep the module in a field named `__struct__`:
//!
//! ```
//! use gen_server::dist::term::{Atom, from_term, to_term};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! struct Point {
//!     #[serde(rename = "__struct__")]
//!     module: Atom, // `Elixir.Point`
//!     x: i32,
//!     y: i32,
//! }
//!
//! let point = Point { module: Atom::from("Elixir.Point"), x: 1, y: 2 };
//! let term = to_term(&point).unwrap(); // `%Point{x: 1, y: 2}` in Elixir
//! assert_eq!(from_term::<Point>(&term).unwrap(), point);
//! ```
//!
//! # The mapping
//!
//! | Rust (serde) | Term written by [`to_term`] | Terms accepted by [`from_term`] |
//! |---|---|---|
//! | `bool` | `true`, `false` | the same |
//! | `i8` … `i128`, `u8` … `u128` | an integer (eetf's `FixInteger` within `i32`, else `BigInteger`) | any integer that fits the type |
//! | `f32`, `f64` | a float | a float, or an integer (Elixir often sends `1` for `1.0`) |
//! | `char` | a one-character binary | the same, a one-element charlist, or a code point (`?a`) |
//! | `String`, `&str` | a binary (Elixir's UTF-8 strings) | a UTF-8 binary, or a charlist (`'abc'`, eetf's `ByteList` included) |
//! | bytes (`serialize_bytes`, `serde_bytes`) | a binary | a binary, or a list of bytes |
//! | `Option<T>` | `None`: `nil`; `Some(x)`: `x` | `nil` or `:undefined` for `None` |
//! | `()` and unit structs | `:ok` | `:ok` |
//! | `Vec`, slices, sets, other sequences | a proper list | a proper list, eetf's `ByteList` and `[]` included |
//! | tuples, tuple structs | a tuple | a tuple of the same arity (`[T; N]` and tuples also from a list of `N`) |
//! | `HashMap`, `BTreeMap`, other maps | a map | a map; `String` keys may also be atoms |
//! | structs | a map with atom keys named after the fields | a map with atom or binary keys; other keys, such as `:__struct__`, are ignored |
//! | newtype structs | the inner value | the inner value |
//! | unit variant `Reset` | the atom `:Reset` | `:Reset` or `{:Reset}` |
//! | newtype variant `Add(3)` | `{:Add, 3}` | the same |
//! | tuple variant `Move(1, 2)` | `{:Move, 1, 2}` | the same |
//! | struct variant `Rename { name }` | `{:Rename, %{name: ...}}` | the same |
//! | `Result`: `Ok(v)`, `Err(e)` | `{:ok, v}`, `{:error, e}`; `Ok(())` is `:ok` | the same; `{:ok, :ok}` for `Ok(())` too |
//! | [`Atom`] | an atom | an atom only: `"ok"` is not `:ok` |
//! | [`RawTerm`] | its term, verbatim | any term |
//!
//! Notes on the choices:
//!
//! * **Variant names are used verbatim**, as serde gives them, so `Reset` is
//!   `:Reset`. Add `#[serde(rename_all = "snake_case")]` to the enum for the
//!   Elixir style (`:reset`, `{:add, 3}`). Renaming silently would surprise
//!   anyone who knows serde, and would make a type's atoms differ from its
//!   names in every other format; serde's attribute says it in the code.
//! * **`Result` is Elixir's `{:ok, value}` / `{:error, reason}`**, with
//!   lowercase tags (not `{:Ok, v}`, as the enum rule would give), and
//!   `Ok(())` is plain `:ok`, as in `:ok | {:error, reason}`: `:ok` alone
//!   decodes as `Ok` of whatever `:ok` decodes into. serde shows `Result` as
//!   an enum named `Result` with the variants `Ok` and `Err`, so a type of
//!   your own with that name and those variants is mapped the same way.
//! * **`()` is `:ok`**, so a call handler that returns `()` answers `:ok`, as
//!   Elixir code expects. Unit structs are `:ok` too: a unit struct has no
//!   data, and serde does not tell its name to most formats.
//! * **`nil` is `None`**, so `Some(None)` and `Some(())` are written `nil`
//!   and `:ok`; `Option<Option<T>>` cannot tell `Some(None)` from `None`.
//! * **Fixed-size arrays are tuples**: serde does not tell `[T; 3]` from a
//!   3-tuple. Use a `Vec` for a list.
//! * **Strings are binaries**; charlists are accepted when decoding because
//!   Erlang APIs still send them. A binary that is not UTF-8 is an error for
//!   a string; decode it as bytes instead.
//! * **Map keys**: decoding a struct accepts atom and binary keys
//!   (`%{"x" => 1}` as well as `%{x: 1}`), and a map with `String` keys
//!   accepts atom keys, since the two are used interchangeably in Elixir.
//!   Encoding writes atoms for struct fields and whatever the key serializes
//!   to otherwise (a `String` key is a binary). Two keys that become one term
//!   (`1u8` and `1i64` in one map) are an error, not a silent overwrite.
//! * **Floats are finite**: Erlang has no NaN or infinity, so encoding one is
//!   an error.
//! * Pids, references, ports, funs, improper lists and bit strings have no
//!   serde equivalent: only a [`RawTerm`] holds them; anywhere else they are
//!   an error naming what was expected.
//! * `deserialize_any` (used by untagged enums, `#[serde(flatten)]`, or
//!   `serde_json::Value`) sees `true`/`false` as booleans, `nil` as unit,
//!   other atoms as strings, binaries as strings (bytes if not UTF-8), lists
//!   and tuples as sequences and maps as maps.
//!
//! One encoding detail: `to_term` writes a list of small integers that holds
//! a negative one (`[-1, 2]`) with that element as eetf's `BigInteger`.
//! eetf 0.11 would otherwise encode such a list as a byte string and send
//! `[255, 2]`; the receiving node reads the big integer back as `-1`. Lists
//! whose elements are all in `0..=255` still go as byte strings (Erlang's
//! `STRING_EXT`, which the BEAM reads as the same list), others as lists.
//! Lists inside a [`RawTerm`] get the same treatment, except in map keys; a
//! [`Term`] sent as it is (`call_term`, `cast_term`) does not.
//!
//! # Errors
//!
//! A term that does not fit the type gives a [`TermError`] (and so does a
//! value with no term, such as a NaN): it says what was expected, what was
//! found and where (`expected a string, found 3 at .1.name`). Decoding never
//! panics, whatever the term, and skipping an unknown field does not even
//! look at its value. Error messages stay short whatever the term: a term
//! is rendered up to 60 characters, other text up to 240, then cut with `…`.
//!
//! Bytes are checked before they become a term: [`from_bytes`] (and a node,
//! for every message from a peer) refuses a header that declares more
//! elements than there are bytes left, nesting deeper than
//! [`MAX_TERM_DEPTH`], atom cache references and compressed terms, with a
//! [`MalformedTerm`]. A node logs such a message and drops it; the
//! connection and every process carry on.

mod atom;
mod de;
mod error;
mod raw;
mod render;
mod scan;
mod ser;

pub use atom::Atom;
pub use error::TermError;
pub use raw::RawTerm;
pub use scan::{MAX_TERM_DEPTH, MalformedTerm};

pub(crate) use render::render_bounded;
pub(crate) use scan::check_terms;

/// An Erlang term, as the [`eetf`](https://docs.rs/eetf) crate defines it
/// (and as it is read from and written to the wire).
pub use eetf::Term;

/// The `eetf` crate, for building and inspecting [`Term`]s (pids,
/// references, big integers) without depending on it yourself.
pub use eetf;

/// Converts `value` into an Erlang term, by the [mapping](self#the-mapping).
///
/// ```
/// use gen_server::dist::term::to_term;
///
/// assert_eq!(to_term(&(true, "hi", vec![1, 2])).unwrap().to_string(), "{'true',<<104,105>>,[1,2]}");
/// assert_eq!(to_term(&None::<u8>).unwrap().to_string(), "'nil'");
/// ```
///
/// # Errors
///
/// When `value` has no term: a float that is NaN or infinite, an atom longer
/// than 255 characters, two map keys that become the same term, or an error
/// from `value`'s own `Serialize` implementation.
pub fn to_term<T: serde::Serialize + ?Sized>(value: &T) -> Result<Term, TermError> {
    value.serialize(ser::Serializer)
}

/// Converts an Erlang term into a `T`, by the [mapping](self#the-mapping).
///
/// ```
/// use gen_server::dist::term::{Term, eetf, from_term};
///
/// // `'hello'` (a charlist, which Erlang sends as bytes) and `<<"hello">>`
/// // both decode into a `String`.
/// let charlist = Term::from(eetf::ByteList::from("hello"));
/// assert_eq!(from_term::<String>(&charlist).unwrap(), "hello");
/// let binary = Term::from(eetf::Binary::from(&b"hello"[..]));
/// assert_eq!(from_term::<String>(&binary).unwrap(), "hello");
///
/// let big = Term::from(eetf::FixInteger::from(300));
/// assert_eq!(
///     from_term::<u8>(&big).unwrap_err().to_string(),
///     "expected an integer that fits `u8`, found 300",
/// );
/// ```
///
/// # Errors
///
/// When `term` does not fit `T`: the [`TermError`] says what was expected,
/// what was found and where. Never panics.
pub fn from_term<T: serde::de::DeserializeOwned>(term: &Term) -> Result<T, TermError> {
    T::deserialize(de::Deserializer::new(term))
}

/// Decodes one term in the external term format (the bytes of
/// `:erlang.term_to_binary/1`), refusing bytes that would be unsafe to hand
/// to `eetf` as they are.
///
/// The bytes are checked first, in one pass that does not recurse (nor
/// allocate, for terms up to 32 levels deep): every count and length a header declares must fit in the bytes
/// left, terms may nest at most [`MAX_TERM_DEPTH`] levels, and atom cache
/// references and compressed terms are refused. Messages from other nodes
/// go through the same check.
///
/// ```
/// use gen_server::dist::term::{Atom, MalformedTerm, from_bytes, from_term};
///
/// // `:erlang.term_to_binary({:add, 3})`
/// let term = from_bytes(&[131, 104, 2, 119, 3, b'a', b'd', b'd', 97, 3]).unwrap();
/// assert_eq!(from_term::<(Atom, u8)>(&term).unwrap(), (Atom::from("add"), 3));
///
/// // The same term, cut short.
/// let error = from_bytes(&[131, 104, 2, 119, 3, b'a', b'd', b'd']).unwrap_err();
/// assert_eq!(error, MalformedTerm::Truncated { at: 8 });
/// ```
///
/// # Errors
///
/// A [`MalformedTerm`] when the bytes are not exactly one whole term (cut
/// short, or followed by more bytes), declare more than they hold, nest
/// deeper than [`MAX_TERM_DEPTH`], use an encoding this decoder does not
/// support, or hold a value `eetf` refuses (an atom that is not UTF-8).
/// Never panics.
pub fn from_bytes(bytes: &[u8]) -> Result<Term, MalformedTerm> {
    let end = scan::check_term(bytes, 0)?;
    if end != bytes.len() {
        return Err(MalformedTerm::Trailing {
            at: end,
            left: bytes.len() - end,
        });
    }
    Term::decode(bytes).map_err(|e| MalformedTerm::Undecodable(render_bounded(&e)))
}
