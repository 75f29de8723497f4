//! The mapping checked against the real BEAM: terms made by Elixir's
//! `:erlang.term_to_binary/1` decode into the expected Rust values, and terms
//! from `to_term` read back in Elixir as the expected Elixir values.
//!
//! Each test runs one `elixir` (well under a second); without one it
//! prints "skipped: elixir not on PATH" and passes.

use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::process::Command;

use gen_server::dist::term::{Atom, RawTerm, Term, eetf, from_bytes, from_term, to_term};
use serde::{Deserialize, Serialize};

use crate::*;

/// Runs `elixir -e script args...` and returns its output lines, or `None`
/// when `elixir` is not installed.
fn elixir(script: &str, args: &[String]) -> Option<Vec<String>> {
    let output = match Command::new("elixir")
        .arg("-e")
        .arg(script)
        .args(args)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            // Straight to stderr, past the test harness's capture, so that
            // the skip shows in a plain `cargo test`.
            let _ = writeln!(std::io::stderr(), "skipped: elixir not on PATH");
            return None;
        }
        Err(e) => panic!("could not run elixir: {e}"),
    };
    assert!(
        output.status.success(),
        "elixir failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("elixir prints UTF-8");
    Some(stdout.lines().map(str::to_owned).collect())
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from elixir"))
        .collect()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

/// A Rust struct that is an Elixir struct both ways: it keeps the module.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct ElixirPoint {
    #[serde(rename = "__struct__")]
    module: Atom,
    x: i32,
    y: i32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Reset,
    Add(i64),
    Move(i32, i32),
    SetName { name: String, loud: bool },
}

const ELIXIR_TERMS: &str = r#"
defmodule Point do
  defstruct [:x, :y]
end

terms = [
  struct(Point, x: 1, y: 2),
  {:add, 3},
  {:move, 1, 2},
  {:set_name, %{name: "x", loud: true}},
  :reset,
  {:reset},
  String.to_charlist("hello"),
  [104, 233, 0x1F600],
  123456789012345678901234567890,
  -123456789012345678901234567890,
  1.5,
  1,
  %{"name" => "ada", "age" => 36},
  "héllo",
  nil,
  :ok,
  [-1, 300, 2],
  [1, 2, 3],
  {1, "a", true},
  %{a: 1, b: [true, false]},
  :"Elixir.Point",
  {:ok, 1},
  {:error, "enoent"},
  :ok
]

for term <- terms, do: IO.puts(Base.encode16(:erlang.term_to_binary(term)))
"#;

#[test]
fn terms_from_elixir_decode_into_rust_values() {
    let Some(lines) = elixir(ELIXIR_TERMS, &[]) else {
        return;
    };
    let terms: Vec<Term> = lines
        .iter()
        .map(|line| from_bytes(&from_hex(line)).expect("a term from elixir"))
        .collect();
    assert_eq!(terms.len(), 24, "{lines:?}");
    let mut terms = terms.iter();
    let mut next = || terms.next().unwrap();

    let point = next();
    assert_eq!(from_term::<Point>(point).unwrap(), Point { x: 1, y: 2 });
    assert_eq!(
        from_term::<ElixirPoint>(point).unwrap(),
        ElixirPoint {
            module: Atom::from("Elixir.Point"),
            x: 1,
            y: 2
        }
    );
    assert_eq!(from_term::<Op>(next()).unwrap(), Op::Add(3));
    assert_eq!(from_term::<Op>(next()).unwrap(), Op::Move(1, 2));
    assert_eq!(
        from_term::<Op>(next()).unwrap(),
        Op::SetName {
            name: "x".into(),
            loud: true
        }
    );
    assert_eq!(from_term::<Op>(next()).unwrap(), Op::Reset);
    assert_eq!(from_term::<Op>(next()).unwrap(), Op::Reset);
    assert_eq!(from_term::<String>(next()).unwrap(), "hello");
    assert_eq!(from_term::<String>(next()).unwrap(), "hé😀");
    assert_eq!(
        from_term::<i128>(next()).unwrap(),
        123_456_789_012_345_678_901_234_567_890
    );
    assert_eq!(
        from_term::<i128>(next()).unwrap(),
        -123_456_789_012_345_678_901_234_567_890
    );
    assert_eq!(from_term::<f64>(next()).unwrap(), 1.5);
    assert_eq!(from_term::<f64>(next()).unwrap(), 1.0);
    assert_eq!(
        from_term::<HashMap<String, RawAge>>(next()).unwrap(),
        HashMap::from([
            ("name".into(), RawAge::Name("ada".into())),
            ("age".into(), RawAge::Age(36))
        ])
    );
    assert_eq!(from_term::<String>(next()).unwrap(), "héllo");
    assert_eq!(from_term::<Option<u8>>(next()).unwrap(), None);
    from_term::<()>(next()).unwrap();
    assert_eq!(from_term::<Vec<i32>>(next()).unwrap(), vec![-1, 300, 2]);
    assert_eq!(from_term::<Vec<u8>>(next()).unwrap(), vec![1, 2, 3]);
    assert_eq!(
        from_term::<(u8, String, bool)>(next()).unwrap(),
        (1, "a".into(), true)
    );
    assert_eq!(
        from_term::<HashMap<String, RawAge>>(next()).unwrap(),
        HashMap::from([
            ("a".into(), RawAge::Age(1)),
            ("b".into(), RawAge::Flags(vec![true, false]))
        ])
    );
    assert_eq!(
        from_term::<Atom>(next()).unwrap(),
        Atom::from("Elixir.Point")
    );
    assert_eq!(from_term::<Result<u8, String>>(next()).unwrap(), Ok(1));
    assert_eq!(
        from_term::<Result<u8, String>>(next()).unwrap(),
        Err("enoent".into())
    );
    assert_eq!(from_term::<Result<(), String>>(next()).unwrap(), Ok(()));
}

/// The values of the maps above.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(untagged)]
enum RawAge {
    Age(i64),
    Name(String),
    Flags(Vec<bool>),
}

/// Terms of every kind the BEAM writes, pids, references, ports and funs
/// included, each with a tag to tell them apart.
const ELIXIR_EXOTIC_TERMS: &str = r#"
port = Port.open({:spawn, "true"}, [])
deep = Enum.reduce(1..100, [], fn i, acc -> {i, acc} end)
terms = [
  self(),
  make_ref(),
  port,
  fn x -> x + 1 end,
  &Enum.map/2,
  <<1, 2, 3::size(3)>>,
  2 ** 2000,
  -(2 ** 70),
  3.25,
  :"with space",
  String.duplicate("x", 70_000),
  deep,
  [1, 2 | 3],
  %{{1, 2} => [%{}], "k" => <<>>},
  List.duplicate(7, 70_000)
]
for term <- terms, do: IO.puts(Base.encode16(:erlang.term_to_binary(term)))
"#;

#[test]
fn every_kind_of_term_from_elixir_passes_the_check() {
    let Some(lines) = elixir(ELIXIR_EXOTIC_TERMS, &[]) else {
        return;
    };
    assert_eq!(lines.len(), 15, "{lines:?}");
    for line in &lines {
        let bytes = from_hex(line);
        let term = from_bytes(&bytes).unwrap_or_else(|e| panic!("{e} in {line:.80}"));
        assert_eq!(term, Term::decode(&bytes[..]).unwrap(), "{line:.80}");
    }
}

const INSPECT_ARGS: &str = r#"
defmodule Point do
  defstruct [:x, :y]
end

for hex <- System.argv() do
  term = :erlang.binary_to_term(Base.decode16!(hex))
  IO.puts(inspect(term, charlists: :as_lists, limit: :infinity))
end
"#;

#[test]
fn terms_from_rust_read_back_in_elixir() {
    let cases: Vec<(Term, &str)> = vec![
        (to_term(&Point { x: 1, y: 2 }).unwrap(), "%{x: 1, y: 2}"),
        (
            to_term(&ElixirPoint {
                module: Atom::from("Elixir.Point"),
                x: 1,
                y: 2,
            })
            .unwrap(),
            "%Point{x: 1, y: 2}",
        ),
        (to_term(&Op::Add(3)).unwrap(), "{:add, 3}"),
        (to_term(&Op::Move(1, 2)).unwrap(), "{:move, 1, 2}"),
        (
            to_term(&Op::SetName {
                name: "x".into(),
                loud: true,
            })
            .unwrap(),
            r#"{:set_name, %{loud: true, name: "x"}}"#,
        ),
        (to_term(&Op::Reset).unwrap(), ":reset"),
        (to_term("héllo").unwrap(), r#""héllo""#),
        (to_term(&Ok::<i32, String>(3)).unwrap(), "{:ok, 3}"),
        (
            to_term(&Err::<i32, String>("nope".into())).unwrap(),
            r#"{:error, "nope"}"#,
        ),
        (to_term(&Ok::<(), String>(())).unwrap(), ":ok"),
        (to_term(&vec![-1, 2]).unwrap(), "[-1, 2]"),
        (to_term(&vec![300, 1]).unwrap(), "[300, 1]"),
        (to_term(&vec![0u8, 255]).unwrap(), "[0, 255]"),
        (to_term(&vec![-1i8, -128, 127]).unwrap(), "[-1, -128, 127]"),
        (to_term(&vec![i32::MIN, 0]).unwrap(), "[-2147483648, 0]"),
        (to_term(&Vec::<i32>::new()).unwrap(), "[]"),
        (
            to_term(&RawTerm(Term::from(eetf::List::from(vec![
                Term::from(eetf::FixInteger::from(-1)),
                Term::from(eetf::FixInteger::from(2)),
            ]))))
            .unwrap(),
            "[-1, 2]",
        ),
        (to_term(&vec![104u8, 105]).unwrap(), "[104, 105]"),
        (to_term(&Vec::<String>::new()).unwrap(), "[]"),
        (
            to_term(&u128::MAX).unwrap(),
            "340282366920938463463374607431768211455",
        ),
        (to_term(&i64::MIN).unwrap(), "-9223372036854775808"),
        (to_term(&1.5).unwrap(), "1.5"),
        (to_term(&None::<u8>).unwrap(), "nil"),
        (to_term(&()).unwrap(), ":ok"),
        (
            to_term(&HashMap::from([("a", 1)])).unwrap(),
            r#"%{"a" => 1}"#,
        ),
        (
            to_term(&(true, 'x', Atom::from("Elixir.Point"))).unwrap(),
            r#"{true, "x", Point}"#,
        ),
        (
            to_term(&Some(Atom::from("with space"))).unwrap(),
            r#":"with space""#,
        ),
    ];
    let hexes: Vec<String> = cases
        .iter()
        .map(|(term, _)| {
            let mut bytes = Vec::new();
            term.encode(&mut bytes).unwrap();
            to_hex(&bytes)
        })
        .collect();
    let Some(lines) = elixir(INSPECT_ARGS, &hexes) else {
        return;
    };
    let expected: Vec<&str> = cases.iter().map(|(_, text)| *text).collect();
    assert_eq!(lines, expected);
}
