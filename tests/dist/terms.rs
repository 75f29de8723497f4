//! Building and reading raw terms in the tests.

use gen_server::dist::Term;
use gen_server::dist::eetf;

pub fn atom(name: &str) -> Term {
    Term::from(eetf::Atom::from(name))
}

pub fn int(n: i32) -> Term {
    Term::from(eetf::FixInteger::from(n))
}

pub fn bin(text: &str) -> Term {
    Term::from(eetf::Binary::from(text.as_bytes()))
}

pub fn tuple(elements: Vec<Term>) -> Term {
    Term::from(eetf::Tuple::from(elements))
}

/// `{:tag, args…}`.
pub fn tagged(tag: &str, args: Vec<Term>) -> Term {
    let mut elements = vec![atom(tag)];
    elements.extend(args);
    tuple(elements)
}

/// The integer in `term`.
pub fn as_int(term: &Term) -> Option<i64> {
    match term {
        Term::FixInteger(i) => Some(i64::from(i.value)),
        _ => None,
    }
}
