//! [`Atom`]: an Erlang atom as a Rust value.

use std::borrow::{Borrow, Cow};
use std::fmt;

use eetf::Term;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

/// The newtype name by which [`to_term`](super::to_term) and
/// [`from_term`](super::from_term) recognise an [`Atom`].
pub(super) const ATOM_TOKEN: &str = "$gen_server::dist::term::Atom";

/// An Erlang atom: `:ok`, `:error`, a module name (`Elixir.Counter`), a tag.
///
/// Through [`to_term`](super::to_term) and [`from_term`](super::from_term) an
/// `Atom` is an atom term, never a binary: decoding an `Atom` from `"ok"` is an
/// error, since Erlang code that matches `:ok` does not match `"ok"`. Use it
/// for fields whose values are atoms from an open set; an enum of unit
/// variants is the typed choice for a closed one.
///
/// ```
/// use gen_server::dist::term::{Atom, Term, from_term, to_term};
///
/// const OK: Atom = Atom::from_static("ok");
///
/// let term: Term = to_term(&(OK, 3)).unwrap();
/// assert_eq!(term.to_string(), "{'ok',3}");
/// let (tag, n): (Atom, u32) = from_term(&term).unwrap();
/// assert_eq!((tag.as_str(), n), ("ok", 3));
/// ```
///
/// With any other serde format (JSON for a log line, say) an `Atom` is its
/// name as a string, and reads back from one.
///
/// The BEAM allows at most 255 characters in an atom: [`to_term`](super::to_term)
/// refuses longer ones.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atom(Cow<'static, str>);

impl Atom {
    /// The atom named `name`, without allocating: usable in a `const`.
    ///
    /// ```
    /// use gen_server::dist::term::Atom;
    ///
    /// const UNDEFINED: Atom = Atom::from_static("undefined");
    /// assert_eq!(UNDEFINED, "undefined");
    /// ```
    pub const fn from_static(name: &'static str) -> Self {
        Atom(Cow::Borrowed(name))
    }

    /// The atom's name, as Erlang's `atom_to_binary/1` gives it.
    ///
    /// ```
    /// use gen_server::dist::term::Atom;
    ///
    /// assert_eq!(Atom::from("Elixir.Counter").as_str(), "Elixir.Counter");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Atom").field(&self.as_str()).finish()
    }
}

/// The atom's name, as Elixir's `to_string/1` gives it (`ok` for `:ok`).
impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Atom {
    fn from(name: &str) -> Self {
        Atom(Cow::Owned(name.to_owned()))
    }
}

impl From<String> for Atom {
    fn from(name: String) -> Self {
        Atom(Cow::Owned(name))
    }
}

impl From<eetf::Atom> for Atom {
    fn from(atom: eetf::Atom) -> Self {
        Atom(Cow::Owned(atom.name))
    }
}

impl From<Atom> for eetf::Atom {
    fn from(atom: Atom) -> Self {
        eetf::Atom::from(atom.0.into_owned())
    }
}

impl From<Atom> for Term {
    fn from(atom: Atom) -> Self {
        Term::Atom(atom.into())
    }
}

impl AsRef<str> for Atom {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Lets a `HashMap<Atom, _>` be searched by `&str`.
impl Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Atom {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Atom {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Atom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(ATOM_TOKEN, self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(ATOM_TOKEN, AtomVisitor)
    }
}

/// Takes the name: from [`from_term`](super::from_term) only out of an atom
/// term, from other formats out of any string.
struct AtomVisitor;

impl<'de> Visitor<'de> for AtomVisitor {
    type Value = Atom;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an atom")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Atom, E> {
        Ok(Atom::from(name))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<Atom, E> {
        Ok(Atom::from(name))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Atom, D::Error> {
        inner.deserialize_string(self)
    }
}
