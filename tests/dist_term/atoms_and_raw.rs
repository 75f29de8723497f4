//! `Atom` and `RawTerm`: through `to_term`/`from_term`, and through other
//! serde formats (JSON here).

use std::collections::HashMap;

use gen_server::dist::term::{Atom, RawTerm, Term, from_term, to_term};
use serde::{Deserialize, Serialize};

use crate::*;

#[test]
fn an_atom_is_an_atom_term() {
    both_ways(Atom::from("ok"), atom("ok"));
    both_ways(Atom::from("Elixir.Counter"), atom("Elixir.Counter"));
    both_ways(Atom::from("with space"), atom("with space"));
    both_ways(
        (Atom::from_static("error"), String::from("why")),
        tuple(vec![atom("error"), string("why")]),
    );
}

#[test]
fn atoms_as_map_keys() {
    both_ways(
        HashMap::from([(Atom::from("a"), 1), (Atom::from("b"), 2)]),
        map([(atom("a"), int(1)), (atom("b"), int(2))]),
    );
}

#[test]
fn atom_conversions_and_comparisons() {
    const OK: Atom = Atom::from_static("ok");
    assert_eq!(OK.as_str(), "ok");
    assert_eq!(OK.to_string(), "ok");
    assert_eq!(OK, "ok");
    assert_eq!(OK, Atom::from(String::from("ok")));
    assert_eq!(Atom::from(eetf::Atom::from("x")), Atom::from("x"));
    assert_eq!(Term::from(Atom::from("x")), atom("x"));
    assert_eq!(format!("{OK:?}"), r#"Atom("ok")"#);
    let counts = HashMap::from([(Atom::from("hits"), 3)]);
    assert_eq!(counts.get("hits"), Some(&3));
}

#[test]
fn an_atom_is_its_name_in_other_formats() {
    assert_eq!(serde_json::to_string(&Atom::from("ok")).unwrap(), r#""ok""#);
    assert_eq!(
        serde_json::from_str::<Atom>(r#""ok""#).unwrap(),
        Atom::from("ok")
    );
}

/// A message with terms that only a `RawTerm` can hold.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Envelope {
    from: RawTerm,
    reference: RawTerm,
    extra: Vec<RawTerm>,
    maybe: Option<RawTerm>,
}

#[test]
fn raw_terms_pass_through_verbatim() {
    let reference = Term::from(eetf::Reference::from(("node@host", vec![1, 2, 3])));
    let improper = Term::from(eetf::ImproperList::from((vec![int(1)], int(2))));
    let fun = Term::from(eetf::ExternalFun::from(("lists", "map", 2)));
    let port = Term::from(eetf::Port::from(("node@host", 5)));
    let bits = Term::from(eetf::BitBinary::from((vec![1, 2], 3)));
    let nested = map([(atom("k"), tuple(vec![pid(), float(1.5)]))]);
    both_ways(
        Envelope {
            from: RawTerm(pid()),
            reference: RawTerm(reference.clone()),
            extra: vec![
                RawTerm(improper.clone()),
                RawTerm(fun.clone()),
                RawTerm(port.clone()),
                RawTerm(bits.clone()),
                RawTerm(nested.clone()),
            ],
            maybe: Some(RawTerm(pid())),
        },
        map([
            (atom("from"), pid()),
            (atom("reference"), reference),
            (atom("extra"), list(vec![improper, fun, port, bits, nested])),
            (atom("maybe"), pid()),
        ]),
    );
}

#[test]
fn raw_terms_take_byte_list_elements_as_integers() {
    decodes(byte_list(&[1, 2]), vec![RawTerm(int(1)), RawTerm(int(2))]);
}

#[test]
fn a_raw_term_is_erlang_text_in_other_formats_and_is_not_read_back() {
    let json = serde_json::to_string(&RawTerm(pid())).unwrap();
    assert_eq!(json, r#""<'node@host'.88.0>""#);
    let error = serde_json::from_str::<RawTerm>(&json).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("a `RawTerm` is only read by `from_term`"),
        "{error}"
    );
    // Nothing is left behind for the next `RawTerm`.
    let other = Term::from(eetf::Pid::new("other@host", 1, 2, 3));
    assert_eq!(to_term(&RawTerm(other.clone())).unwrap(), other);
    assert_eq!(from_term::<RawTerm>(&int(5)).unwrap(), RawTerm(int(5)));
}

#[derive(Debug, Deserialize)]
struct Flattened {
    #[serde(flatten)]
    _rest: HashMap<String, RawTerm>,
}

#[test]
fn a_raw_term_inside_serde_buffering_is_an_error_not_a_panic() {
    let message = misfit::<Flattened>(map([(atom("a"), pid())]));
    assert!(message.contains("need `RawTerm`"), "{message}");
    let message = misfit::<Flattened>(map([(atom("a"), int(1))]));
    assert!(
        message.contains("a `RawTerm` is only read by `from_term`"),
        "{message}"
    );
}
