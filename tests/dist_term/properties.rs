//! Property tests: no term makes decoding panic, and values of a
//! representative set of types survive `to_term`, the wire and `from_term`.

use std::collections::{BTreeMap, HashMap};

use gen_server::dist::term::{Atom, RawTerm, Term, TermError, from_term, to_term};
use proptest::collection::{btree_map, hash_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::*;

/// Names that make random terms hit struct fields and enum tags.
const NAMES: [&str; 14] = [
    "ok",
    "nil",
    "true",
    "false",
    "undefined",
    "open",
    "held",
    "moved",
    "closed",
    "name",
    "age",
    "email",
    "__struct__",
    "Elixir.Customer",
];

fn huge(base: i128, power: u32) -> Term {
    let mut big = eetf::BigInteger::from(0i64);
    big.value = From::from(base);
    let factor = big.value.clone();
    for _ in 0..power {
        big.value = &big.value * &factor;
    }
    Term::from(big)
}

fn leaf() -> impl Strategy<Value = Term> {
    prop_oneof![
        select(&NAMES[..]).prop_map(atom),
        "\\PC{0,8}".prop_map(|name| atom(&name)),
        any::<i32>().prop_map(int),
        any::<i128>().prop_map(big),
        (any::<i128>(), 1..6u32).prop_map(|(base, power)| huge(base, power)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(float),
        vec(any::<u8>(), 0..8).prop_map(|bytes| bin(&bytes)),
        "\\PC{0,8}".prop_map(|text| string(&text)),
        vec(any::<u8>(), 0..8).prop_map(|bytes| byte_list(&bytes)),
        Just(pid()),
        Just(Term::from(eetf::Reference::from(("node@host", vec![1, 2])))),
        Just(Term::from(eetf::Port::from(("node@host", 9)))),
        Just(Term::from(eetf::ExternalFun::from(("lists", "map", 2)))),
        (vec(any::<u8>(), 1..4), 1..=8u8).prop_map(|(mut bytes, tail)| {
            // eetf keeps the last byte's `tail` bits in its low bits.
            if let Some(last) = bytes.last_mut() {
                *last &= u8::MAX >> (8 - tail);
            }
            Term::from(eetf::BitBinary::from((bytes, tail)))
        }),
    ]
}

pub(crate) fn any_term() -> impl Strategy<Value = Term> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(list),
            vec(inner.clone(), 0..5).prop_map(tuple),
            (vec(inner.clone(), 1..3), inner.clone()).prop_map(|(elements, last)| {
                Term::from(eetf::ImproperList::from((elements, last)))
            }),
            vec((inner.clone(), inner.clone()), 0..4).prop_map(|entries| Term::from(
                eetf::Map::from(entries.into_iter().collect::<HashMap<_, _>>())
            )),
            // Tagged tuples and struct-like maps, to get past the first check.
            (select(&NAMES[..]), vec(inner.clone(), 0..3)).prop_map(|(tag, rest)| {
                tuple(std::iter::once(atom(tag)).chain(rest).collect())
            }),
            vec((select(&NAMES[..]), inner), 0..5).prop_map(|entries| {
                let entries = entries.into_iter().map(|(k, v)| (atom(k), v));
                Term::from(eetf::Map::from(entries.collect::<HashMap<_, _>>()))
            }),
        ]
    })
}

/// `term` with every big integer that fits `i32` as a small one.
fn small_ints(term: Term) -> Term {
    match term {
        Term::BigInteger(big) => match i32::try_from(&big.value) {
            Ok(value) => int(value),
            Err(_) => Term::BigInteger(big),
        },
        Term::List(l) => list(l.elements.into_iter().map(small_ints).collect()),
        Term::Tuple(t) => tuple(t.elements.into_iter().map(small_ints).collect()),
        Term::ImproperList(l) => Term::from(eetf::ImproperList::from((
            l.elements.into_iter().map(small_ints).collect::<Vec<_>>(),
            small_ints(*l.last),
        ))),
        Term::Map(m) => Term::from(eetf::Map::from(
            m.map
                .into_iter()
                .map(|(k, v)| (k, small_ints(v)))
                .collect::<HashMap<_, _>>(),
        )),
        other => other,
    }
}

/// Decoding `term` into `T` returns, and an error is a well-formed message.
fn returns<T: DeserializeOwned>(term: &Term) -> Result<(), TestCaseError> {
    if let Err(error) = from_term::<T>(term) {
        well_formed(&error)?;
    }
    Ok(())
}

fn well_formed(error: &TermError) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(
        message.starts_with(|c: char| c.is_ascii_lowercase()),
        "{}",
        message
    );
    // A rendering cut short ends in `…`, which is no full stop.
    prop_assert!(!message.ends_with('.'), "{}", message);
    prop_assert!(message.ends_with(&error.path()), "{}", message);
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customer {
    name: String,
    email: Option<String>,
    age: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
    price: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cents(i64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Marker;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Open,
    Held(String),
    Moved(i32, i64),
    Closed { at: i64, reason: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer: Customer,
    lines: Vec<Line>,
    note: Option<String>,
    totals: BTreeMap<String, i128>,
    by_code: HashMap<u16, Vec<i8>>,
    status: Status,
    history: Vec<Status>,
    flags: (bool, char, f64, u128),
    bytes: Vec<u8>,
    tag: Atom,
    discount: Option<Cents>,
    marker: Marker,
    origin: RawTerm,
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        "\\PC{0,12}",
        proptest::option::of("\\PC{0,12}"),
        any::<u8>(),
    )
        .prop_map(|(name, email, age)| Customer { name, email, age })
}

fn line() -> impl Strategy<Value = Line> {
    ("[A-Z0-9]{0,6}", any::<u32>(), finite()).prop_map(|(sku, quantity, price)| Line {
        sku,
        quantity,
        price,
    })
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Open),
        "\\PC{0,8}".prop_map(Status::Held),
        (any::<i32>(), any::<i64>()).prop_map(|(a, b)| Status::Moved(a, b)),
        (any::<i64>(), proptest::option::of("\\PC{0,8}"))
            .prop_map(|(at, reason)| Status::Closed { at, reason }),
    ]
}

fn order() -> impl Strategy<Value = Order> {
    (
        (
            any::<u64>(),
            customer(),
            vec(line(), 0..4),
            proptest::option::of("\\PC{0,12}"),
            btree_map("\\PC{0,6}", any::<i128>(), 0..4),
            hash_map(any::<u16>(), vec(any::<i8>(), 0..5), 0..4),
            status(),
        ),
        (
            vec(status(), 0..4),
            (any::<bool>(), any::<char>(), finite(), any::<u128>()),
            vec(any::<u8>(), 0..8),
            "\\PC{0,20}",
            proptest::option::of(any::<i64>().prop_map(Cents)),
            leaf(),
        ),
    )
        .prop_map(
            |(
                (id, customer, lines, note, totals, by_code, status),
                (history, flags, bytes, tag, discount, origin),
            )| Order {
                id,
                customer,
                lines,
                note,
                totals,
                by_code,
                status,
                history,
                flags,
                bytes,
                tag: Atom::from(tag),
                discount,
                marker: Marker,
                origin: RawTerm(origin),
            },
        )
}

proptest! {
    #[test]
    fn no_term_makes_decoding_panic(term in any_term()) {
        returns::<u8>(&term)?;
        returns::<i128>(&term)?;
        returns::<f32>(&term)?;
        returns::<char>(&term)?;
        returns::<String>(&term)?;
        returns::<Vec<u8>>(&term)?;
        returns::<(u8, String)>(&term)?;
        returns::<[i64; 2]>(&term)?;
        returns::<()>(&term)?;
        returns::<Option<Customer>>(&term)?;
        returns::<Status>(&term)?;
        returns::<Order>(&term)?;
        returns::<HashMap<String, i64>>(&term)?;
        returns::<BTreeMap<i32, Vec<Option<bool>>>>(&term)?;
        returns::<Atom>(&term)?;
        // serde_json words some errors itself ("JSON number out of range"):
        // only check that it returns.
        let _ = from_term::<serde_json::Value>(&term);
        prop_assert_eq!(from_term::<RawTerm>(&term).unwrap(), RawTerm(term.clone()));
        // Verbatim, but for a negative element of a list of small integers
        // held as a big integer (so that eetf does not send it as a byte).
        prop_assert_eq!(small_ints(to_term(&RawTerm(term.clone())).unwrap()), small_ints(term));
    }

    #[test]
    fn values_survive_to_term_the_wire_and_from_term(order in order()) {
        let term = to_term(&order).unwrap();
        prop_assert_eq!(&from_term::<Order>(&term).unwrap(), &order);
        prop_assert_eq!(from_term::<Order>(&over_the_wire(&term)).unwrap(), order);
    }

    #[test]
    fn integers_survive_the_wire(small in any::<i64>(), wide in any::<u128>(), list in vec(-300..300i32, 0..6)) {
        let value = (small, wide, list);
        let term = over_the_wire(&to_term(&value).unwrap());
        prop_assert_eq!(from_term::<(i64, u128, Vec<i32>)>(&term).unwrap(), value);
    }

    /// Any list of integers reads back as the same integers after the
    /// wire, built by `to_term` or by hand in a `RawTerm`.
    #[test]
    fn integer_lists_survive_the_wire(values in vec(-300i32..300, 0..12)) {
        let typed = over_the_wire(&to_term(&values).unwrap());
        prop_assert_eq!(from_term::<Vec<i32>>(&typed).unwrap(), values.clone());
        let by_hand = RawTerm(list(values.iter().copied().map(int).collect()));
        let raw = over_the_wire(&to_term(&by_hand).unwrap());
        prop_assert_eq!(from_term::<Vec<i32>>(&raw).unwrap(), values);
    }
}
