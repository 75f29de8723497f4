//! Terms that do not fit: each error says what was expected, what was found
//! and where, and nothing panics.

use std::collections::HashMap;

use gen_server::dist::term::{Atom, Term, TermError, from_term, to_term};
use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

use crate::*;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct User {
    name: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Reset,
    Add(i64),
    Move(i32, i32),
    Set { name: String },
}

#[test]
fn an_integer_out_of_range_names_the_rust_type() {
    assert_eq!(
        misfit::<u8>(int(300)),
        "expected an integer that fits `u8`, found 300"
    );
    assert_eq!(
        misfit::<i64>(big(i128::from(i64::MAX) + 1)),
        "expected an integer that fits `i64`, found 9223372036854775808"
    );
    assert_eq!(
        misfit::<u32>(int(-1)),
        "expected an integer that fits `u32`, found -1"
    );
    assert_eq!(
        misfit::<u8>(float(1.0)),
        "expected an integer that fits `u8`, found 1.0"
    );
}

#[test]
fn the_path_leads_to_the_misfit() {
    let user = tuple(vec![int(1), map([(atom("name"), int(3))])]);
    let error = from_term::<(i32, User)>(&user).unwrap_err();
    assert_eq!(error.to_string(), "expected a string, found 3 at .1.name");
    assert_eq!(error.path(), ".1.name");
    assert_eq!(
        misfit::<Vec<u8>>(list(vec![int(1), int(2), int(-3)])),
        "expected an integer that fits `u8`, found -3 at [2]"
    );
    assert_eq!(
        misfit::<HashMap<String, u8>>(map([(string("alice"), string("x"))])),
        r#"expected an integer that fits `u8`, found "x" at ["alice"]"#
    );
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("move"), int(1), atom("two")])),
        "expected an integer that fits `i32`, found :two at .2"
    );
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("set"), map([(atom("name"), int(1))])])),
        "expected a string, found 1 at .1.name"
    );
}

#[test]
fn a_tuple_of_the_wrong_arity() {
    assert_eq!(
        misfit::<(u8, u8)>(tuple(vec![int(1), int(2), int(3)])),
        "expected a tuple of 2 elements, found {1, 2, 3}"
    );
    assert_eq!(
        misfit::<[u8; 2]>(list(vec![int(1)])),
        "expected a tuple of 2 elements, found [1]"
    );
}

#[test]
fn a_missing_field_names_the_field_and_the_map() {
    let point = map([
        (atom("__struct__"), atom("Elixir.Point")),
        (atom("x"), int(1)),
    ]);
    assert_eq!(misfit::<Point>(point), "missing field `y` in %Point{x: 1}");
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("set"), map([])])),
        "missing field `name` in %{} at .1"
    );
    assert_eq!(
        misfit::<Point>(list(vec![])),
        "expected a map for struct `Point`, found []"
    );
}

#[test]
fn variants_that_do_not_fit() {
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("jump"), int(1)])),
        "unknown variant `jump`, expected one of `reset`, `add`, `move`, `set` in {:jump, 1}"
    );
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("reset"), int(1)])),
        "expected :reset or {:reset}, found {:reset, 1}"
    );
    assert_eq!(
        misfit::<Op>(atom("add")),
        "expected a tuple {:add, value}, found :add"
    );
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("move"), int(1)])),
        "expected a tuple {:move, _, _}, found {:move, 1}"
    );
    assert_eq!(
        misfit::<Op>(tuple(vec![atom("set"), int(1)])),
        "expected a tuple {:set, %{...}}, found {:set, 1}"
    );
    assert_eq!(
        misfit::<Op>(string("add")),
        r#"expected an atom or a tuple tagged with an atom for enum `Op`, found "add""#
    );
}

#[test]
fn an_atom_is_not_a_binary() {
    assert_eq!(
        misfit::<Atom>(string("ok")),
        r#"expected an atom (a binary is not an atom), found "ok""#
    );
    assert_eq!(misfit::<Atom>(int(1)), "expected an atom, found 1");
    // Nor is a binary a boolean or `:ok`.
    assert_eq!(
        misfit::<bool>(string("true")),
        r#"expected a boolean, found "true""#
    );
    assert_eq!(misfit::<()>(atom("nil")), "expected :ok, found nil");
}

#[test]
fn strings_must_be_text() {
    assert_eq!(
        misfit::<String>(bin(&[255, 0])),
        "expected a UTF-8 string, found <<255, 0>>"
    );
    assert_eq!(
        misfit::<String>(list(vec![int(104), int(-1)])),
        "expected a Unicode code point, found -1 at [1]"
    );
    // Atoms are not strings, except as map keys.
    assert_eq!(misfit::<String>(atom("ok")), "expected a string, found :ok");
    assert_eq!(
        misfit::<char>(string("ab")),
        r#"expected a single character, found "ab""#
    );
}

#[test]
fn floats_must_fit() {
    assert_eq!(
        misfit::<f32>(float(1e300)),
        "expected a float that fits `f32`, found 1.0e300"
    );
    assert_eq!(
        misfit::<f64>(atom("nan")),
        "expected a float that fits `f64`, found :nan"
    );
}

#[test]
fn terms_without_a_serde_equivalent_need_raw_term() {
    assert_eq!(
        misfit::<String>(pid()),
        "expected a string, found #PID<node@host.88.0>"
    );
    let improper = Term::from(eetf::ImproperList::from((vec![int(1)], int(2))));
    assert_eq!(
        misfit::<Vec<i32>>(improper),
        "expected a list, found [1 | 2]"
    );
    assert_eq!(
        misfit::<serde_json::Value>(list(vec![pid()])),
        "expected a term with a serde equivalent (pids, references, ports, funs, \
         improper lists and bit strings need `RawTerm`), found #PID<node@host.88.0> at [0]"
    );
}

#[test]
fn values_without_a_term_are_errors() {
    assert_eq!(
        to_term(&vec![1.0, f64::NAN]).unwrap_err().to_string(),
        "expected a finite float (Erlang has no NaN or infinity), found NaN at [1]"
    );
    assert_eq!(
        to_term(&Atom::from("a".repeat(256)))
            .unwrap_err()
            .to_string(),
        "an atom has at most 255 characters, found one of 256"
    );
    // 255 characters of two bytes each are fine.
    assert!(to_term(&Atom::from("é".repeat(255))).is_ok());
}

/// Two keys that serialize to the same term: `1` either way.
#[derive(Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
enum Key {
    Small(u8),
    Large(i64),
}

#[test]
fn two_keys_that_become_one_term_are_an_error() {
    let clash = HashMap::from([(Key::Small(1), "a"), (Key::Large(1), "b")]);
    assert_eq!(
        to_term(&clash).unwrap_err().to_string(),
        "duplicate map key 1"
    );
}

#[test]
fn errors_are_sendable_and_messages_are_lowercase_without_a_period() {
    fn sendable<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let error: TermError = from_term::<u8>(&atom("ok")).unwrap_err();
    sendable(&error);
    assert_eq!(
        format!("{error:?}"),
        "TermError(expected an integer that fits `u8`, found :ok)"
    );
}

/// A server whose call handler takes any term and decodes it, as the node
/// code will for a remote caller.
struct Adder {
    total: i64,
}

#[gen_server]
impl Adder {
    fn init(total: i64) -> Self {
        Adder { total }
    }

    /// Decodes `request` as an `Op`, or says why it does not fit.
    #[call]
    fn handle(&mut self, request: Term) -> Result<i64, String> {
        match from_term::<Op>(&request).map_err(|e| e.to_string())? {
            Op::Add(n) => self.total += n,
            Op::Reset => self.total = 0,
            Op::Move(..) | Op::Set { .. } => {}
        }
        Ok(self.total)
    }
}

#[tokio::test]
async fn a_server_answers_a_misfit_with_an_error_and_keeps_running() {
    let adder = Adder::start(1).await.unwrap();
    let add = |n: i64| to_term(&Op::Add(n)).unwrap();
    assert_eq!(adder.handle(add(2)).await, Ok(Ok(3)));
    let bad = tuple(vec![atom("add"), string("three")]);
    assert_eq!(
        adder.handle(bad).await,
        Ok(Err(
            r#"expected an integer that fits `i64`, found "three" at .1"#.to_string()
        ))
    );
    assert!(adder.is_alive());
    assert_eq!(adder.handle(add(4)).await, Ok(Ok(7)));
}

/// Reads the first element of a list and stops.
#[derive(Debug)]
struct First(#[allow(dead_code)] u8);

impl<'de> Deserialize<'de> for First {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FirstVisitor;
        impl<'de> serde::de::Visitor<'de> for FirstVisitor {
            type Value = First;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<First, A::Error> {
                let first = seq.next_element()?;
                first
                    .map(First)
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))
            }
        }
        deserializer.deserialize_seq(FirstVisitor)
    }
}

#[test]
fn elements_a_visitor_leaves_unread_are_an_error() {
    assert_eq!(
        misfit::<First>(list(vec![int(1), int(2)])),
        "expected 1 element, found [1, 2]"
    );
    // serde's own messages name the term too.
    assert_eq!(misfit::<First>(list(vec![])), "expected a list, found []");
}

/// The most characters an error message may have: what was expected (a
/// phrase of this crate or serde's), a term (60 characters and `…`), up to
/// 16 path steps of at most 63 characters each, and words between.
const MAX_MESSAGE: usize = 240 + 61 + 16 * 63 + 20;

#[test]
fn an_error_about_a_huge_term_is_short() {
    let long = list((0..100_000).map(int).collect());
    let message = misfit::<u8>(long);
    assert!(
        message.starts_with("expected an integer that fits `u8`, found [0, 1, 2, "),
        "{message}"
    );
    assert!(message.ends_with('…'), "{message}");
    assert_eq!(
        message.chars().count(),
        "expected an integer that fits `u8`, found ".len() + 61
    );

    // A single huge binary, and a huge atom: cut too.
    let message = misfit::<u8>(string(&"x".repeat(1 << 20)));
    assert!(message.ends_with("xxx…"), "{}", &message[..80]);
    assert!(message.len() < 200, "{}", &message[..80]);
    let message = misfit::<u8>(atom(&"y".repeat(65_535)));
    assert!(message.len() < 200, "{}", &message[..80]);
}

#[test]
fn an_error_about_a_deep_term_renders_a_few_levels() {
    let mut deep = int(1);
    for _ in 0..5_000 {
        deep = tuple(vec![deep]);
    }
    let message = misfit::<u8>(deep);
    assert_eq!(
        message,
        format!(
            "expected an integer that fits `u8`, found {}…",
            "{".repeat(60)
        )
    );
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Nest {
    Leaf(u8),
    Node(Box<Nest>),
}

#[test]
fn a_message_quoting_a_peers_atom_is_cut() {
    // serde's own message names the unknown variant.
    let tag = "z".repeat(65_535);
    let message = misfit::<Nest>(tuple(vec![atom(&tag), int(1)]));
    assert!(
        message.starts_with("unknown variant `zzz"),
        "{}",
        &message[..80]
    );
    assert!(message.chars().count() <= MAX_MESSAGE, "{}", message.len());
    assert!(message.contains('…'), "{}", &message[..80]);
}

#[test]
fn a_deep_path_shows_its_ends() {
    let mut deep = tuple(vec![atom("Leaf"), string("x")]);
    for _ in 0..100 {
        deep = tuple(vec![atom("Node"), deep]);
    }
    let error = from_term::<Nest>(&deep).unwrap_err();
    let path = format!("{}…{}", ".1".repeat(8), ".1".repeat(8));
    assert_eq!(error.path(), path);
    assert_eq!(
        error.to_string(),
        format!("expected an integer that fits `u8`, found \"x\" at {path}")
    );
    assert!(error.to_string().chars().count() <= MAX_MESSAGE);
}
