//! [`RawTerm`]: any term carried through serde untouched.

use std::cell::Cell;
use std::fmt;

use eetf::Term;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

/// The newtype name by which [`to_term`](super::to_term) and
/// [`from_term`](super::from_term) recognise a [`RawTerm`].
pub(super) const RAW_TOKEN: &str = "$gen_server::dist::term::RawTerm";

thread_local! {
    /// serde's data model has no place for a [`Term`], so a `RawTerm` hands
    /// its term over on the side: [`RawTerm::serialize`] leaves a copy here
    /// just before it calls the serializer with [`RAW_TOKEN`], and this
    /// module's serializer takes it at once; [`from_term`](super::from_term)
    /// leaves the term here just before it calls the `RawTerm` visitor, which
    /// takes it. Nothing runs in between, so the slot is empty outside those
    /// two calls.
    static HANDOFF: Cell<Option<Term>> = const { Cell::new(None) };
}

/// Leaves `term` for the next [`take`].
pub(super) fn hand_over(term: Term) {
    HANDOFF.with(|slot| slot.set(Some(term)));
}

/// Takes the term left by [`hand_over`], if any.
pub(super) fn take() -> Option<Term> {
    HANDOFF.with(Cell::take)
}

/// Any Erlang term, carried verbatim through serde: a pid, a reference, a
/// fun, an improper list, or a part of a message you want to look at later.
///
/// [`to_term`](super::to_term) puts the term in place as it is, and
/// [`from_term`](super::from_term) takes whatever term is in its place.
///
/// ```
/// use gen_server::dist::term::{Atom, RawTerm, Term, eetf, from_term, to_term};
///
/// let pid = Term::from(eetf::Pid::new("node@host", 88, 0, 1));
/// let term = to_term(&(Atom::from("reply_to"), RawTerm(pid.clone()))).unwrap();
/// let (_, from): (Atom, RawTerm) = from_term(&term).unwrap();
/// assert_eq!(from.0, pid);
/// ```
///
/// The term travels on the side of serde's data model, so only `to_term` and
/// `from_term` see it whole. With any other serializer a `RawTerm` is a
/// string in Erlang syntax (for a log line), and no other deserializer can
/// produce one: it fails with an error. For the same reason a `RawTerm`
/// cannot be decoded inside serde's buffered forms: `#[serde(flatten)]`
/// fields, untagged and internally tagged enums.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawTerm(pub Term);

impl From<Term> for RawTerm {
    fn from(term: Term) -> Self {
        RawTerm(term)
    }
}

impl From<RawTerm> for Term {
    fn from(raw: RawTerm) -> Self {
        raw.0
    }
}

impl serde::Serialize for RawTerm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        hand_over(self.0.clone());
        serializer.serialize_newtype_struct(RAW_TOKEN, &Foreign(&self.0))
    }
}

/// What another serializer sees of a `RawTerm`: its Erlang syntax.
struct Foreign<'a>(&'a Term);

impl serde::Serialize for Foreign<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Reached only by a serializer that did not take the copy.
        drop(take());
        serializer.collect_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for RawTerm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_TOKEN, RawVisitor)
    }
}

/// Receives the term from [`from_term`](super::from_term), which calls
/// `visit_unit` right after [`hand_over`]; any other call is another format.
struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawTerm;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an Erlang term (a `RawTerm` is only read by `from_term`)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawTerm, E> {
        take()
            .map(RawTerm)
            .ok_or_else(|| E::invalid_type(de::Unexpected::Unit, &self))
    }
}
