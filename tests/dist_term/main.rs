//! Integration tests of the term codec, `gen_server::dist::term`: every row
//! of the mapping both ways, the errors, `Atom` and `RawTerm`, the check of
//! hostile bytes before decoding (`from_bytes`), property tests
//! (no panic on any term; values survive `to_term`, the wire and
//! `from_term`), and a check against the real BEAM when `elixir` is on PATH.

mod atoms_and_raw;
mod beam;
mod errors;
mod malformed;
mod mapping;
mod properties;

use std::fmt::Debug;

use gen_server::dist::term::{Term, eetf, from_term, to_term};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) fn atom(name: &str) -> Term {
    Term::from(eetf::Atom::from(name))
}

pub(crate) fn int(value: i32) -> Term {
    Term::from(eetf::FixInteger::from(value))
}

/// A big integer term, whatever its size (eetf keeps it as `BigInteger`).
pub(crate) fn big(value: i128) -> Term {
    let mut big = eetf::BigInteger::from(0i64);
    big.value = From::from(value);
    Term::from(big)
}

pub(crate) fn float(value: f64) -> Term {
    Term::from(eetf::Float { value })
}

pub(crate) fn bin(bytes: &[u8]) -> Term {
    Term::from(eetf::Binary::from(bytes))
}

pub(crate) fn string(text: &str) -> Term {
    bin(text.as_bytes())
}

/// A list of small non-negative integers as eetf decodes it from the wire
/// (`STRING_EXT`).
pub(crate) fn byte_list(bytes: &[u8]) -> Term {
    Term::from(eetf::ByteList::from(bytes.to_vec()))
}

pub(crate) fn list(elements: Vec<Term>) -> Term {
    Term::from(eetf::List::from(elements))
}

pub(crate) fn tuple(elements: Vec<Term>) -> Term {
    Term::from(eetf::Tuple::from(elements))
}

pub(crate) fn map<const N: usize>(entries: [(Term, Term); N]) -> Term {
    Term::from(eetf::Map::from(entries))
}

pub(crate) fn pid() -> Term {
    Term::from(eetf::Pid::new("node@host", 88, 0, 1))
}

/// One row of the mapping, both ways: `value` encodes to exactly `term`, and
/// `term` decodes to `value`.
#[track_caller]
pub(crate) fn both_ways<T>(value: T, term: Term)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    assert_eq!(to_term(&value).unwrap(), term, "encoding {value:?}");
    assert_eq!(from_term::<T>(&term).unwrap(), value, "decoding {term}");
}

/// `term` decodes into `T` as `expected`.
#[track_caller]
pub(crate) fn decodes<T>(term: Term, expected: T)
where
    T: DeserializeOwned + PartialEq + Debug,
{
    assert_eq!(from_term::<T>(&term).unwrap(), expected, "decoding {term}");
}

/// `term` does not decode into `T`; the error's message.
#[track_caller]
pub(crate) fn misfit<T: DeserializeOwned + Debug>(term: Term) -> String {
    match from_term::<T>(&term) {
        Ok(value) => panic!("{term} decoded into {value:?}"),
        Err(e) => e.to_string(),
    }
}

/// The term after a trip over the wire: eetf's encoding and decoding.
pub(crate) fn over_the_wire(term: &Term) -> Term {
    let mut bytes = Vec::new();
    term.encode(&mut bytes).unwrap();
    Term::decode(&bytes[..]).unwrap()
}
