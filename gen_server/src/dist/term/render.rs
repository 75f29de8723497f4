//! A short rendering of a term in Elixir syntax, for error messages.
//!
//! The output is bounded ([`LIMIT`] characters, then `…`), so an error about
//! a huge term stays small and cheap to build whatever a peer sent, and
//! recursion ends early on deeply nested terms: every level writes at least
//! one character. [`render_bounded`] bounds any other text put in an error
//! or a log line the same way, with a larger limit.

use std::cmp::Ordering;
use std::fmt::{self, Display, Write};

use eetf::Term;

/// How many characters of a term's rendering an error message carries.
pub(super) const LIMIT: usize = 60;

/// How many characters of other text ([`render_bounded`]) an error message
/// or a log line carries.
pub(crate) const TEXT_LIMIT: usize = 240;

/// What ends a rendering that was cut.
pub(super) const ELLIPSIS: char = '…';

/// Integers longer than this are described by their size, not their digits:
/// printing a megabyte-long bignum sent by a peer would be slow.
const MAX_PRINTED_BITS: u64 = 256;

/// Maps up to this size are printed in key order (as the BEAM prints them);
/// larger ones in storage order.
const MAX_SORTED_MAP: usize = 32;

/// Renders `term` in Elixir syntax, cut after [`LIMIT`] characters.
pub(super) fn render(term: &Term) -> String {
    let mut out = Bounded::new(LIMIT);
    // An error only means the output is full.
    let _ = write_term(&mut out, term);
    out.finish()
}

/// Renders an atom name as Elixir writes the atom: `:ok`, `nil`, `Foo.Bar`,
/// `:"with space"`; cut after [`LIMIT`] characters.
pub(super) fn render_atom(name: &str) -> String {
    let mut out = Bounded::new(LIMIT);
    let _ = write_atom(&mut out, name);
    out.finish()
}

/// `value`'s `Display`, cut after [`TEXT_LIMIT`] characters: for text that
/// may hold a peer's data (an `eetf` error naming a term, an exit reason in
/// Erlang syntax). Formatting stops as soon as the limit is reached.
pub(crate) fn render_bounded(value: &dyn Display) -> String {
    let mut out = Bounded::new(TEXT_LIMIT);
    let _ = write!(out, "{value}");
    out.finish()
}

/// A string that refuses to grow past `limit` characters: the first write
/// that crosses it keeps what fits and fails, which stops the rendering.
struct Bounded {
    buf: String,
    /// How many more characters fit.
    room: usize,
    over: bool,
}

impl Bounded {
    fn new(limit: usize) -> Self {
        Bounded {
            buf: String::new(),
            room: limit,
            over: false,
        }
    }

    fn finish(mut self) -> String {
        if self.over {
            self.buf.push(ELLIPSIS);
        }
        self.buf
    }
}

impl Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.over {
            return Err(fmt::Error);
        }
        // Counts characters only as far as the room left: a huge `s` costs
        // no more than a short one.
        match s.char_indices().nth(self.room) {
            None => {
                self.room -= s.chars().count();
                self.buf.push_str(s);
                Ok(())
            }
            Some((end, _)) => {
                self.buf.push_str(&s[..end]);
                self.room = 0;
                self.over = true;
                Err(fmt::Error)
            }
        }
    }
}

fn write_term(out: &mut Bounded, term: &Term) -> fmt::Result {
    match term {
        Term::Atom(atom) => write_atom(out, &atom.name),
        Term::FixInteger(int) => write!(out, "{}", int.value),
        Term::BigInteger(big) => {
            let bits = big.value.bits();
            if bits > MAX_PRINTED_BITS {
                write!(out, "<a {bits}-bit integer>")
            } else {
                write!(out, "{}", big.value)
            }
        }
        Term::Float(float) => write_float(out, float.value),
        Term::Pid(pid) => write!(out, "#PID<{}.{}.{}>", pid.node.name, pid.id, pid.serial),
        Term::Port(port) => write!(out, "#Port<{}.{}>", port.node.name, port.id),
        Term::Reference(reference) => {
            write!(out, "#Reference<{}", reference.node.name)?;
            for id in &reference.id {
                write!(out, ".{id}")?;
            }
            out.write_str(">")
        }
        Term::ExternalFun(fun) => {
            out.write_str("&")?;
            write_module(out, &fun.module.name)?;
            write!(out, ".{}/{}", fun.function.name, fun.arity)
        }
        Term::InternalFun(fun) => {
            let module = match &**fun {
                eetf::InternalFun::Old { module, .. } | eetf::InternalFun::New { module, .. } => {
                    module
                }
            };
            out.write_str("#Function<")?;
            write_module(out, &module.name)?;
            out.write_str(">")
        }
        Term::Binary(binary) => write_binary(out, &binary.bytes),
        Term::BitBinary(bits) => {
            out.write_str("<<")?;
            let last = bits.bytes.len().saturating_sub(1);
            for (i, byte) in bits.bytes.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write!(out, "{byte}")?;
                if i == last && bits.tail_bits_size != 8 {
                    write!(out, "::size({})", bits.tail_bits_size)?;
                }
            }
            out.write_str(">>")
        }
        Term::ByteList(list) => {
            out.write_str("[")?;
            for (i, byte) in list.bytes.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write!(out, "{byte}")?;
            }
            out.write_str("]")
        }
        Term::List(list) => {
            out.write_str("[")?;
            write_elements(out, &list.elements)?;
            out.write_str("]")
        }
        Term::ImproperList(list) => {
            out.write_str("[")?;
            write_elements(out, &list.elements)?;
            out.write_str(" | ")?;
            write_term(out, &list.last)?;
            out.write_str("]")
        }
        Term::Tuple(tuple) => {
            out.write_str("{")?;
            write_elements(out, &tuple.elements)?;
            out.write_str("}")
        }
        Term::Map(map) => write_map(out, map),
    }
}

fn write_elements(out: &mut Bounded, elements: &[Term]) -> fmt::Result {
    for (i, element) in elements.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_term(out, element)?;
    }
    Ok(())
}

/// Elixir prints `1.0e20` where Rust prints `1e20`.
fn write_float(out: &mut Bounded, value: f64) -> fmt::Result {
    let text = format!("{value:?}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => {
            write!(out, "{mantissa}.0e{exponent}")
        }
        _ => out.write_str(&text),
    }
}

/// A printable UTF-8 binary as a string literal, anything else as bytes.
fn write_binary(out: &mut Bounded, bytes: &[u8]) -> fmt::Result {
    if let Ok(text) = std::str::from_utf8(bytes)
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
    {
        return write_string(out, text);
    }
    out.write_str("<<")?;
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{byte}")?;
    }
    out.write_str(">>")
}

fn write_string(out: &mut Bounded, text: &str) -> fmt::Result {
    out.write_str("\"")?;
    let mut rest = text;
    while let Some(at) = rest.find(['"', '\\', '\n', '\t', '\r', '#']) {
        out.write_str(&rest[..at])?;
        let c = rest[at..].chars().next().unwrap_or('"');
        let after = &rest[at + c.len_utf8()..];
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            // `#{` would start an interpolation.
            _ if after.starts_with('{') => out.write_str("\\#")?,
            _ => out.write_str("#")?,
        }
        rest = after;
    }
    out.write_str(rest)?;
    out.write_str("\"")
}

fn write_atom(out: &mut Bounded, name: &str) -> fmt::Result {
    if matches!(name, "nil" | "true" | "false") {
        return out.write_str(name);
    }
    if let Some(alias) = elixir_alias(name) {
        return out.write_str(alias);
    }
    if is_identifier(name) {
        return write!(out, ":{name}");
    }
    out.write_str(":")?;
    write_string(out, name)
}

/// A module name as Elixir writes it: `Enum` or `:lists`.
fn write_module(out: &mut Bounded, name: &str) -> fmt::Result {
    match elixir_alias(name) {
        Some(alias) => out.write_str(alias),
        None => write_atom(out, name),
    }
}

/// `Elixir.Foo.Bar` is written `Foo.Bar`.
fn elixir_alias(name: &str) -> Option<&str> {
    let alias = name.strip_prefix("Elixir.")?;
    let valid = alias.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    valid.then_some(alias)
}

/// Whether `:name` is valid Elixir without quotes (ASCII identifiers only:
/// anything else is quoted, which is always valid).
fn is_identifier(name: &str) -> bool {
    let body = name.strip_suffix(['?', '!']).unwrap_or(name);
    let mut chars = body.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
}

fn write_map(out: &mut Bounded, map: &eetf::Map) -> fmt::Result {
    let struct_key = Term::Atom(eetf::Atom::from("__struct__"));
    let module = match map.map.get(&struct_key) {
        Some(Term::Atom(module)) => elixir_alias(&module.name),
        _ => None,
    };
    let shown = |key: &Term| module.is_none() || *key != struct_key;
    // Stops at the first key that is not an identifier atom.
    let keyword = map
        .map
        .keys()
        .filter(|key| shown(key))
        .all(|key| matches!(key, Term::Atom(a) if is_identifier(&a.name)));
    match module {
        Some(module) => write!(out, "%{module}{{")?,
        None => out.write_str("%{")?,
    }
    let entries = map.map.iter().filter(|(key, _)| shown(key));
    if map.map.len() <= MAX_SORTED_MAP {
        let mut sorted: Vec<_> = entries.collect();
        sorted.sort_by(|a, b| term_order(a.0, b.0));
        write_entries(out, sorted.into_iter(), keyword)?;
    } else {
        // The output fills up after a few entries: no need to look at all.
        write_entries(out, entries, keyword)?;
    }
    out.write_str("}")
}

fn write_entries<'a>(
    out: &mut Bounded,
    entries: impl Iterator<Item = (&'a Term, &'a Term)>,
    keyword: bool,
) -> fmt::Result {
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        match key {
            Term::Atom(atom) if keyword => write!(out, "{}: ", atom.name)?,
            _ => {
                write_term(out, key)?;
                out.write_str(" => ")?;
            }
        }
        write_term(out, value)?;
    }
    Ok(())
}

/// Enough of Erlang's term order to print small maps as the BEAM does:
/// numbers < atoms < ... < tuples < maps < lists < binaries, with atoms,
/// small integers and binaries compared by value.
fn term_order(a: &Term, b: &Term) -> Ordering {
    fn rank(term: &Term) -> u8 {
        match term {
            Term::FixInteger(_) | Term::BigInteger(_) | Term::Float(_) => 0,
            Term::Atom(_) => 1,
            Term::Reference(_) => 2,
            Term::ExternalFun(_) | Term::InternalFun(_) => 3,
            Term::Port(_) => 4,
            Term::Pid(_) => 5,
            Term::Tuple(_) => 6,
            Term::Map(_) => 7,
            Term::List(_) | Term::ByteList(_) | Term::ImproperList(_) => 8,
            Term::Binary(_) | Term::BitBinary(_) => 9,
        }
    }
    match (a, b) {
        (Term::Atom(a), Term::Atom(b)) => a.name.cmp(&b.name),
        (Term::FixInteger(a), Term::FixInteger(b)) => a.value.cmp(&b.value),
        (Term::Binary(a), Term::Binary(b)) => a.bytes.cmp(&b.bytes),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eetf::{Atom, BigInteger, Binary, FixInteger, Float, List, Map, Tuple};

    fn atom(name: &str) -> Term {
        Term::from(Atom::from(name))
    }

    fn int(value: i32) -> Term {
        Term::from(FixInteger::from(value))
    }

    #[test]
    fn atoms_are_written_as_elixir_writes_them() {
        assert_eq!(render(&atom("ok")), ":ok");
        assert_eq!(render(&atom("nil")), "nil");
        assert_eq!(render(&atom("valid?")), ":valid?");
        assert_eq!(render(&atom("Elixir.Foo.Bar")), "Foo.Bar");
        assert_eq!(render(&atom("with space")), ":\"with space\"");
        assert_eq!(render(&atom("")), ":\"\"");
    }

    #[test]
    fn binaries_are_strings_when_printable() {
        let text = Term::from(Binary::from("say \"hi\"\n#{x}".as_bytes()));
        assert_eq!(render(&text), r##""say \"hi\"\n\#{x}""##);
        let bytes = Term::from(Binary::from(&[255u8, 0][..]));
        assert_eq!(render(&bytes), "<<255, 0>>");
    }

    #[test]
    fn containers_and_numbers() {
        let term = Term::from(Tuple::from(vec![
            atom("add"),
            Term::from(List::from(vec![int(1), int(-2)])),
            Term::from(Float { value: 1e20 }),
        ]));
        assert_eq!(render(&term), "{:add, [1, -2], 1.0e20}");
    }

    #[test]
    fn maps_are_sorted_and_structs_named() {
        let point = Term::from(Map::from([
            (atom("y"), int(2)),
            (atom("__struct__"), atom("Elixir.Point")),
            (atom("x"), int(1)),
        ]));
        assert_eq!(render(&point), "%Point{x: 1, y: 2}");
        let mixed = Term::from(Map::from([
            (Term::from(Binary::from(&b"b"[..])), int(2)),
            (atom("a"), int(1)),
        ]));
        assert_eq!(render(&mixed), "%{:a => 1, \"b\" => 2}");
    }

    #[test]
    fn long_terms_are_cut() {
        let long = Term::from(List::from((0..1000).map(int).collect::<Vec<_>>()));
        let text = render(&long);
        assert_eq!(text.chars().count(), LIMIT + 1, "{text}");
        assert!(
            text.starts_with("[0, 1, 2") && text.ends_with(ELLIPSIS),
            "{text}"
        );
    }

    #[test]
    fn large_maps_are_cut_without_sorting() {
        let entries = (0..10_000).map(|i| (int(i), int(i)));
        let map = Term::from(Map::from(
            entries.collect::<std::collections::HashMap<_, _>>(),
        ));
        let text = render(&map);
        assert!(text.starts_with("%{") && text.ends_with(ELLIPSIS), "{text}");
    }

    #[test]
    fn huge_integers_are_described() {
        let mut big = BigInteger::from(1u64 << 63);
        for _ in 0..5 {
            big.value = &big.value * &big.value;
        }
        assert_eq!(render(&Term::from(big)), "<a 2017-bit integer>");
    }
}
