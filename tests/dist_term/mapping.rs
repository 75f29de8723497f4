//! Every row of the mapping table, both ways.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use gen_server::dist::term::{Atom, RawTerm, from_term, to_term};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::*;

#[test]
fn booleans_are_the_atoms_true_and_false() {
    both_ways(true, atom("true"));
    both_ways(false, atom("false"));
}

#[test]
fn integers_within_i32_are_small_integers() {
    both_ways(0u8, int(0));
    both_ways(u8::MAX, int(255));
    both_ways(i8::MIN, int(-128));
    both_ways(u16::MAX, int(65_535));
    both_ways(i16::MIN, int(-32_768));
    both_ways(i32::MIN, int(i32::MIN));
    both_ways(i32::MAX, int(i32::MAX));
    both_ways(-5i64, int(-5));
    both_ways(7u64, int(7));
    both_ways(-7i128, int(-7));
    both_ways(7u128, int(7));
}

#[test]
fn wider_integers_are_big_integers() {
    both_ways(u32::MAX, big(i128::from(u32::MAX)));
    both_ways(i64::MIN, big(i128::from(i64::MIN)));
    both_ways(i64::MAX, big(i128::from(i64::MAX)));
    both_ways(u64::MAX, big(i128::from(u64::MAX)));
    both_ways(i128::MIN, big(i128::MIN));
    both_ways(i128::MAX, big(i128::MAX));
    let mut u128_max = eetf::BigInteger::from(0i64);
    u128_max.value = From::from(u128::MAX);
    both_ways(u128::MAX, Term::from(u128_max));
}

#[test]
fn any_integer_term_decodes_into_a_type_it_fits() {
    // A big integer that fits (a peer may send one) and a small one that
    // fits a wide type.
    decodes(big(200), 200u8);
    decodes(big(-3), -3i8);
    decodes(int(5), 5u128);
    decodes(int(-5), -5i128);
}

#[test]
fn floats_are_floats_and_decode_from_integers_too() {
    both_ways(1.5f64, float(1.5));
    both_ways(-0.25f32, float(-0.25));
    both_ways(f64::MAX, float(f64::MAX));
    decodes(int(1), 1.0f64);
    decodes(int(-2), -2.0f32);
    decodes(big(1 << 70), 2f64.powi(70));
}

#[test]
fn strings_are_binaries() {
    both_ways(String::from("héllo"), string("héllo"));
    both_ways(String::new(), string(""));
    assert_eq!(to_term("borrowed").unwrap(), string("borrowed"));
    both_ways('é', string("é"));
}

#[test]
fn strings_decode_from_charlists() {
    // `'hi'`, as Erlang sends it (bytes), and as a list of code points.
    decodes(byte_list(b"hi"), String::from("hi"));
    decodes(list(vec![int(104), int(105)]), String::from("hi"));
    // Each byte of a byte list is a code point: 233 is `é`.
    decodes(byte_list(&[233]), String::from("é"));
    decodes(list(vec![int(0x1F600)]), String::from("😀"));
    decodes(list(vec![]), String::new());
}

#[test]
fn chars_decode_from_a_charlist_or_a_code_point() {
    decodes(int(97), 'a');
    decodes(byte_list(b"a"), 'a');
    decodes(list(vec![int(0x1F600)]), '😀');
}

/// Bytes through `serialize_bytes` and `deserialize_byte_buf`, as
/// `serde_bytes` does.
#[derive(Debug, PartialEq)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
        }
        deserializer.deserialize_byte_buf(BytesVisitor)
    }
}

#[test]
fn bytes_are_binaries() {
    both_ways(Bytes(vec![0, 255, 7]), bin(&[0, 255, 7]));
    decodes(byte_list(&[1, 2]), Bytes(vec![1, 2]));
    decodes(list(vec![int(1), int(2)]), Bytes(vec![1, 2]));
}

#[test]
fn options_are_nil_or_the_value() {
    both_ways(None::<u8>, atom("nil"));
    both_ways(Some(3u8), int(3));
    both_ways(Some(String::from("x")), string("x"));
    decodes(atom("undefined"), None::<u8>);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Done;

#[test]
fn unit_and_unit_structs_are_ok() {
    both_ways((), atom("ok"));
    both_ways(Done, atom("ok"));
}

#[test]
fn sequences_are_proper_lists() {
    both_ways(vec![1000, 2000], list(vec![int(1000), int(2000)]));
    both_ways(Vec::<String>::new(), list(vec![]));
    both_ways(BTreeSet::from([3u8, 1]), list(vec![int(1), int(3)]));
    assert_eq!(
        to_term(&["a", "b"][..]).unwrap(),
        list(vec![string("a"), string("b")])
    );
}

#[test]
fn lists_decode_from_byte_lists() {
    decodes(byte_list(&[1, 2, 3]), vec![1u8, 2, 3]);
    decodes(byte_list(&[1, 2]), vec![1i64, 2]);
    decodes(byte_list(&[]), Vec::<u8>::new());
}

#[test]
fn small_integer_lists_with_a_negative_survive_the_wire() {
    // eetf would send `[-1, 2]` as the byte string `[255, 2]`.
    let term = to_term(&vec![-1i32, 2]).unwrap();
    let wire = over_the_wire(&term);
    assert_eq!(from_term::<Vec<i32>>(&wire).unwrap(), vec![-1, 2]);
    // Lists eetf can send as bytes still go as bytes.
    assert_eq!(
        over_the_wire(&to_term(&vec![1u8, 2]).unwrap()),
        byte_list(&[1, 2])
    );
}

#[test]
fn integer_lists_keep_their_values_over_the_wire() {
    fn survives<T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug>(value: T) {
        let wire = over_the_wire(&to_term(&value).unwrap());
        assert_eq!(from_term::<T>(&wire).unwrap(), value, "{wire}");
    }
    survives(vec![-1i32, 2]);
    survives(vec![300, 1]);
    survives(vec![0u8, 255]);
    survives(vec![-1i8, -128, 127]);
    survives(vec![i32::MIN, 0, 255]);
    survives(Vec::<i64>::new());
    survives(vec![vec![-1i16], vec![1, -1]]);
    // `Vec<u8>` is a list, the serde_bytes kind of bytes a binary.
    assert_eq!(
        over_the_wire(&to_term(&vec![0u8, 255]).unwrap()),
        byte_list(&[0, 255])
    );
    assert_eq!(to_term(&Bytes(vec![0, 255])).unwrap(), bin(&[0, 255]));
}

#[test]
fn integer_lists_built_by_hand_in_a_raw_term_keep_their_values() {
    let by_hand = tuple(vec![
        list(vec![int(-1), int(2)]),
        map([(atom("k"), list(vec![int(3), int(-4)]))]),
    ]);
    let wire = over_the_wire(&to_term(&RawTerm(by_hand)).unwrap());
    let (first, rest): (Vec<i32>, HashMap<String, Vec<i32>>) = from_term(&wire).unwrap();
    assert_eq!(first, vec![-1, 2]);
    assert_eq!(rest["k"], vec![3, -4]);
}

#[test]
fn results_are_ok_and_error_tuples() {
    both_ways(Ok::<i32, String>(3), tuple(vec![atom("ok"), int(3)]));
    both_ways(
        Err::<i32, String>("nope".into()),
        tuple(vec![atom("error"), string("nope")]),
    );
    // `Ok(())` is `:ok`, Elixir's `:ok | {:error, reason}`.
    both_ways(Ok::<(), Atom>(()), atom("ok"));
    both_ways(
        Err::<(), Atom>(Atom::from("enoent")),
        tuple(vec![atom("error"), atom("enoent")]),
    );
    decodes(tuple(vec![atom("ok"), atom("ok")]), Ok::<(), Atom>(()));
    // Nested, and inside other terms.
    both_ways(
        vec![Ok::<Result<u8, u8>, u8>(Err(1)), Err(2)],
        list(vec![
            tuple(vec![atom("ok"), tuple(vec![atom("error"), int(1)])]),
            tuple(vec![atom("error"), int(2)]),
        ]),
    );
}

#[test]
fn a_result_decodes_only_from_ok_and_error() {
    for term in [
        tuple(vec![atom("Ok"), int(1)]),
        tuple(vec![atom("Err"), int(1)]),
        tuple(vec![atom("ok"), int(1), int(2)]),
        tuple(vec![atom("error")]),
        atom("error"),
        int(1),
    ] {
        let rendered = term.to_string();
        assert!(
            misfit::<Result<u8, u8>>(term).starts_with(
                "expected `{:ok, value}`, `{:error, reason}` or `:ok` for `Result`, found "
            ),
            "{rendered}"
        );
    }
    assert_eq!(
        misfit::<Result<u8, u8>>(tuple(vec![atom("ok"), int(300)])),
        "expected an integer that fits `u8`, found 300 at .1"
    );
    // `:ok` alone is `Ok` only of a type that `:ok` decodes into.
    assert_eq!(
        misfit::<Result<u8, u8>>(atom("ok")),
        "expected an integer that fits `u8`, found :ok at .1"
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Pair(i32, String);

#[test]
fn tuples_and_tuple_structs_are_tuples() {
    both_ways(
        (1u8, String::from("a"), true),
        tuple(vec![int(1), string("a"), atom("true")]),
    );
    both_ways(Pair(1, "b".into()), tuple(vec![int(1), string("b")]));
    both_ways((7u8,), tuple(vec![int(7)]));
}

#[test]
fn arrays_are_tuples_and_decode_from_lists_too() {
    both_ways([1u8, 2, 3], tuple(vec![int(1), int(2), int(3)]));
    decodes(list(vec![int(1), int(2), int(3)]), [1u8, 2, 3]);
    decodes(byte_list(&[1, 2, 3]), [1u8, 2, 3]);
}

#[test]
fn maps_are_maps() {
    both_ways(
        HashMap::from([(String::from("alice"), 1), (String::from("bob"), 2)]),
        map([(string("alice"), int(1)), (string("bob"), int(2))]),
    );
    both_ways(
        BTreeMap::from([(1i32, true), (-1, false)]),
        map([(int(1), atom("true")), (int(-1), atom("false"))]),
    );
    both_ways(HashMap::<u8, u8>::new(), map([]));
}

#[test]
fn string_keys_decode_from_atoms_too() {
    decodes(
        map([(atom("a"), int(1)), (string("b"), int(2))]),
        HashMap::from([(String::from("a"), 1), (String::from("b"), 2)]),
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Shape {
    name: String,
    corners: Vec<Point>,
    parent: Option<Box<Shape>>,
}

#[test]
fn structs_are_maps_with_atom_keys() {
    both_ways(
        Point { x: 1, y: 2 },
        map([(atom("x"), int(1)), (atom("y"), int(2))]),
    );
    both_ways(
        Shape {
            name: "tri".into(),
            corners: vec![Point { x: 0, y: 1 }],
            parent: None,
        },
        map([
            (atom("name"), string("tri")),
            (
                atom("corners"),
                list(vec![map([(atom("x"), int(0)), (atom("y"), int(1))])]),
            ),
            (atom("parent"), atom("nil")),
        ]),
    );
}

#[test]
fn structs_decode_from_elixir_structs_ignoring_unknown_keys() {
    // `%Point{x: 1, y: 2}` plus keys the Rust struct does not have.
    decodes(
        map([
            (atom("__struct__"), atom("Elixir.Point")),
            (atom("x"), int(1)),
            (atom("y"), int(2)),
            (atom("z"), pid()),
            (int(7), int(8)),
        ]),
        Point { x: 1, y: 2 },
    );
}

#[test]
fn structs_decode_from_binary_keys() {
    decodes(
        map([(string("x"), int(1)), (atom("y"), int(2))]),
        Point { x: 1, y: 2 },
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    x: i32,
}

#[test]
fn struct_keys_are_skipped_even_with_deny_unknown_fields() {
    decodes(
        map([
            (atom("__struct__"), atom("Elixir.Strict")),
            (atom("x"), int(1)),
        ]),
        Strict { x: 1 },
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(u32);

#[test]
fn newtype_structs_are_their_inner_value() {
    both_ways(Meters(5), int(5));
    both_ways(vec![Meters(1)], list(vec![int(1)]));
}

/// Names verbatim, as serde gives them.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Verbatim {
    Reset,
    Add(i64),
}

#[test]
fn variant_names_are_used_verbatim() {
    both_ways(Verbatim::Reset, atom("Reset"));
    both_ways(Verbatim::Add(3), tuple(vec![atom("Add"), int(3)]));
}

/// The Elixir style.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Reset,
    Add(i64),
    Move(i32, i32),
    SetName { name: String, loud: bool },
}

#[test]
fn enums_are_atoms_and_tagged_tuples() {
    both_ways(Op::Reset, atom("reset"));
    both_ways(Op::Add(3), tuple(vec![atom("add"), int(3)]));
    both_ways(Op::Move(1, 2), tuple(vec![atom("move"), int(1), int(2)]));
    both_ways(
        Op::SetName {
            name: "x".into(),
            loud: true,
        },
        tuple(vec![
            atom("set_name"),
            map([(atom("name"), string("x")), (atom("loud"), atom("true"))]),
        ]),
    );
}

#[test]
fn unit_variants_decode_from_one_tuples_too() {
    decodes(tuple(vec![atom("reset")]), Op::Reset);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Loose {
    Number(i64),
    Text(String),
    Flag(bool),
}

#[test]
fn untagged_enums_see_terms_through_deserialize_any() {
    decodes(int(3), Loose::Number(3));
    decodes(string("a"), Loose::Text("a".into()));
    decodes(atom("true"), Loose::Flag(true));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    Joined { user: String },
    Left { user: String },
}

#[test]
fn internally_tagged_enums_are_maps_with_the_tag() {
    both_ways(
        Event::Joined { user: "ada".into() },
        map([
            (atom("type"), string("joined")),
            (atom("user"), string("ada")),
        ]),
    );
}

#[test]
fn json_values_decode_from_any_serde_like_term() {
    let term = map([
        (atom("n"), int(1)),
        (atom("s"), string("x")),
        (atom("l"), byte_list(&[1, 2])),
        (atom("t"), tuple(vec![atom("ok"), atom("nil")])),
    ]);
    let value: serde_json::Value = from_term(&term).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"n": 1, "s": "x", "l": [1, 2], "t": ["ok", null]})
    );
}
