//! The deserializer behind [`from_term`](super::from_term): a [`Term`] into a
//! Rust value, by the table in the [module documentation](super).
//!
//! It works on a borrowed term and never panics: every term that does not
//! fit the requested type is a [`TermError`] naming the expected shape, the
//! term found and its path.

use std::collections::HashMap;
use std::str;

use eetf::{BigInteger, FixInteger, Term};
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};

use super::atom::ATOM_TOKEN;
use super::error::{Segment, TermError};
use super::raw::{self, RAW_TOKEN};
use super::render::{render, render_atom};
use super::ser::{ERROR, OK};

type Result<T> = std::result::Result<T, TermError>;

/// What a `Result` decodes from, for errors.
const RESULT_SHAPES: &str = "`{:ok, value}`, `{:error, reason}` or `:ok` for `Result`";

/// What is being decoded: a term, or one element of a byte list (eetf keeps
/// `[104, 105]` as bytes, not as integer terms).
#[derive(Clone, Copy)]
enum View<'de> {
    Term(&'de Term),
    Byte(u8),
}

/// The parts of a term the mapping looks at.
enum Shape<'de> {
    Int(i32),
    Big(&'de BigInteger),
    Float(f64),
    Atom(&'de str),
    Binary(&'de [u8]),
    /// A list of small non-negative integers, kept as bytes.
    Bytes(&'de [u8]),
    List(&'de [Term]),
    Tuple(&'de [Term]),
    Map(&'de HashMap<Term, Term>),
    /// Pids, references, ports, funs, improper lists, bit strings: only a
    /// `RawTerm` takes them.
    Other,
}

/// An integer at most 128 bits wide.
enum Wide {
    Signed(i128),
    Unsigned(u128),
}

fn wide(big: &BigInteger) -> Option<Wide> {
    if let Ok(value) = i128::try_from(&big.value) {
        return Some(Wide::Signed(value));
    }
    u128::try_from(&big.value).ok().map(Wide::Unsigned)
}

/// The nearest `f64`, if finite.
fn big_to_f64(big: &BigInteger) -> Option<f64> {
    match wide(big) {
        Some(Wide::Signed(value)) => Some(value as f64),
        Some(Wide::Unsigned(value)) => Some(value as f64),
        // `f64::MAX` is below 2^1024: do not print longer integers.
        None if big.value.bits() > 1024 => None,
        None => big
            .value
            .to_string()
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite()),
    }
}

fn code_point(term: &Term) -> Option<char> {
    match term {
        Term::FixInteger(int) => u32::try_from(int.value).ok().and_then(char::from_u32),
        _ => None,
    }
}

/// A charlist as a string: every element must be a Unicode code point.
fn charlist(elements: &[Term]) -> Result<String> {
    elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            code_point(element).ok_or_else(|| {
                TermError::mismatch("a Unicode code point", element).at(Segment::List(i))
            })
        })
        .collect()
}

/// "1 element", "2 elements".
fn elements(n: usize) -> String {
    match n {
        1 => "1 element".to_owned(),
        n => format!("{n} elements"),
    }
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// Decodes one term (or byte-list element); `Copy`, so errors can name the
/// term after a visitor consumed the deserializer.
#[derive(Clone, Copy)]
pub(super) struct Deserializer<'de> {
    view: View<'de>,
    /// A map key: strings may then also be atoms (`%{a: 1}` decodes into a
    /// `HashMap<String, i32>`).
    key: bool,
}

impl<'de> Deserializer<'de> {
    pub(super) fn new(term: &'de Term) -> Self {
        Deserializer {
            view: View::Term(term),
            key: false,
        }
    }

    fn key(term: &'de Term) -> Self {
        Deserializer {
            view: View::Term(term),
            key: true,
        }
    }

    fn shape(&self) -> Shape<'de> {
        let term = match self.view {
            View::Term(term) => term,
            View::Byte(byte) => return Shape::Int(i32::from(byte)),
        };
        match term {
            Term::FixInteger(int) => Shape::Int(int.value),
            Term::BigInteger(big) => Shape::Big(big),
            Term::Float(float) => Shape::Float(float.value),
            Term::Atom(atom) => Shape::Atom(&atom.name),
            Term::Binary(binary) => Shape::Binary(&binary.bytes),
            Term::ByteList(list) => Shape::Bytes(&list.bytes),
            Term::List(list) => Shape::List(&list.elements),
            Term::Tuple(tuple) => Shape::Tuple(&tuple.elements),
            Term::Map(map) => Shape::Map(&map.map),
            Term::Pid(_)
            | Term::Port(_)
            | Term::Reference(_)
            | Term::ExternalFun(_)
            | Term::InternalFun(_)
            | Term::BitBinary(_)
            | Term::ImproperList(_) => Shape::Other,
        }
    }

    fn render(&self) -> String {
        match self.view {
            View::Term(term) => render(term),
            View::Byte(byte) => byte.to_string(),
        }
    }

    fn mismatch(&self, expected: impl Into<std::borrow::Cow<'static, str>>) -> TermError {
        TermError::mismatch_rendered(expected, self.render())
    }

    /// Names this term in errors the visitor raised about it.
    fn about<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|e| e.about(|| self.render()))
    }

    /// A `Result`: `{:ok, value}` is `Ok`, `{:error, reason}` is `Err`, and
    /// `:ok` alone is `Ok` of what `:ok` decodes into (`Ok(())`).
    fn result<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (tag, payload) = match (self.view, self.shape()) {
            (View::Term(term), Shape::Atom(OK)) => ("Ok", std::slice::from_ref(term)),
            (_, Shape::Tuple([Term::Atom(tag), payload @ ..])) => match tag.name.as_str() {
                OK => ("Ok", payload),
                ERROR => ("Err", payload),
                _ => return Err(self.mismatch(RESULT_SHAPES)),
            },
            _ => return Err(self.mismatch(RESULT_SHAPES)),
        };
        if payload.len() != 1 {
            return Err(self.mismatch(RESULT_SHAPES));
        }
        self.about(visitor.visit_enum(Variant {
            tag,
            payload,
            term: self,
        }))
    }

    fn int<T: TryFrom<i128> + TryFrom<u128>>(&self, type_name: &'static str) -> Result<T> {
        let value = match self.shape() {
            Shape::Int(value) => T::try_from(i128::from(value)).ok(),
            Shape::Big(big) => match wide(big) {
                Some(Wide::Signed(value)) => T::try_from(value).ok(),
                Some(Wide::Unsigned(value)) => T::try_from(value).ok(),
                None => None,
            },
            _ => None,
        };
        value.ok_or_else(|| self.mismatch(format!("an integer that fits `{type_name}`")))
    }

    fn float(&self, type_name: &'static str) -> Result<f64> {
        let value = match self.shape() {
            Shape::Float(value) => Some(value),
            Shape::Int(value) => Some(f64::from(value)),
            Shape::Big(big) => big_to_f64(big),
            _ => None,
        };
        value.ok_or_else(|| self.mismatch(format!("a float that fits `{type_name}`")))
    }

    fn seq<V: Visitor<'de>>(&self, visitor: V, mut seq: Seq<'de>) -> Result<V::Value> {
        let value = self.about(visitor.visit_seq(&mut seq))?;
        // A visitor that stopped early would drop the rest unseen.
        if seq.items.len() > 0 {
            return Err(self.mismatch(elements(seq.next)));
        }
        Ok(value)
    }
}

macro_rules! integers {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let value: $ty = self.int(stringify!($ty))?;
            self.about(visitor.$visit(value))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Deserializer<'de> {
    type Error = TermError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match self.shape() {
            Shape::Atom("true") => visitor.visit_bool(true),
            Shape::Atom("false") => visitor.visit_bool(false),
            Shape::Atom("nil") => visitor.visit_unit(),
            Shape::Atom(name) => visitor.visit_borrowed_str(name),
            Shape::Int(value) => visitor.visit_i64(i64::from(value)),
            Shape::Big(big) => match wide(big) {
                Some(Wide::Signed(value)) => match i64::try_from(value) {
                    Ok(value) => visitor.visit_i64(value),
                    Err(_) => visitor.visit_i128(value),
                },
                Some(Wide::Unsigned(value)) => match u64::try_from(value) {
                    Ok(value) => visitor.visit_u64(value),
                    Err(_) => visitor.visit_u128(value),
                },
                None => return Err(self.mismatch("an integer of at most 128 bits")),
            },
            Shape::Float(value) => visitor.visit_f64(value),
            Shape::Binary(bytes) => match str::from_utf8(bytes) {
                Ok(text) => visitor.visit_borrowed_str(text),
                Err(_) => visitor.visit_borrowed_bytes(bytes),
            },
            Shape::Bytes(bytes) => return self.seq(visitor, Seq::bytes(bytes)),
            Shape::List(elements) => return self.seq(visitor, Seq::list(elements)),
            Shape::Tuple(elements) => return self.seq(visitor, Seq::tuple(elements, 0)),
            Shape::Map(map) => visitor.visit_map(MapEntries::new(map)),
            Shape::Other => {
                return Err(self.mismatch(
                    "a term with a serde equivalent (pids, references, ports, funs, \
                     improper lists and bit strings need `RawTerm`)",
                ));
            }
        };
        self.about(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::Atom("true") => self.about(visitor.visit_bool(true)),
            Shape::Atom("false") => self.about(visitor.visit_bool(false)),
            _ => Err(self.mismatch("a boolean")),
        }
    }

    integers! {
        deserialize_i8 => visit_i8(i8),
        deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128),
        deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16),
        deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64),
        deserialize_u128 => visit_u128(u128),
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.float("f32")? as f32;
        if !value.is_finite() {
            return Err(self.mismatch("a float that fits `f32`"));
        }
        self.about(visitor.visit_f32(value))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.float("f64")?;
        self.about(visitor.visit_f64(value))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = match self.shape() {
            Shape::Binary(bytes) => str::from_utf8(bytes).ok().and_then(single_char),
            Shape::Bytes(&[byte]) => Some(char::from(byte)),
            Shape::List([element]) => code_point(element),
            Shape::Int(value) => u32::try_from(value).ok().and_then(char::from_u32),
            _ => None,
        };
        match value {
            Some(value) => self.about(visitor.visit_char(value)),
            None => Err(self.mismatch("a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match self.shape() {
            Shape::Binary(bytes) => match str::from_utf8(bytes) {
                Ok(text) => visitor.visit_borrowed_str(text),
                Err(_) => return Err(self.mismatch("a UTF-8 string")),
            },
            // A charlist of Latin-1 code points; ASCII is valid UTF-8 as is.
            Shape::Bytes(bytes) => match str::from_utf8(bytes) {
                Ok(text) if bytes.is_ascii() => visitor.visit_borrowed_str(text),
                _ => visitor.visit_string(bytes.iter().copied().map(char::from).collect()),
            },
            Shape::List(elements) => {
                let text = charlist(elements)?;
                visitor.visit_string(text)
            }
            Shape::Atom(name) if self.key => visitor.visit_borrowed_str(name),
            _ => return Err(self.mismatch("a string")),
        };
        self.about(result)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match self.shape() {
            Shape::Binary(bytes) | Shape::Bytes(bytes) => visitor.visit_borrowed_bytes(bytes),
            Shape::List(elements) => {
                let bytes = elements
                    .iter()
                    .enumerate()
                    .map(|(i, element)| {
                        match element {
                            Term::FixInteger(FixInteger { value }) => u8::try_from(*value).ok(),
                            _ => None,
                        }
                        .ok_or_else(|| TermError::mismatch("a byte", element).at(Segment::List(i)))
                    })
                    .collect::<Result<Vec<u8>>>()?;
                visitor.visit_byte_buf(bytes)
            }
            _ => return Err(self.mismatch("a binary")),
        };
        self.about(result)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::Atom("nil" | "undefined") => self.about(visitor.visit_none()),
            _ => self.about(visitor.visit_some(self)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::Atom("ok") => self.about(visitor.visit_unit()),
            _ => Err(self.mismatch(":ok")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match self.shape() {
            Shape::Atom("ok") => self.about(visitor.visit_unit()),
            _ => Err(self.mismatch(format!(":ok for the unit struct `{name}`"))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == ATOM_TOKEN {
            return match self.shape() {
                Shape::Atom(name) => self.about(visitor.visit_borrowed_str(name)),
                Shape::Binary(_) => Err(self.mismatch("an atom (a binary is not an atom)")),
                _ => Err(self.mismatch("an atom")),
            };
        }
        if name == RAW_TOKEN {
            let term = match self.view {
                View::Term(term) => term.clone(),
                View::Byte(byte) => Term::FixInteger(FixInteger::from(byte)),
            };
            raw::hand_over(term);
            let result = visitor.visit_unit();
            // Empty the slot if the visitor was not `RawTerm`'s.
            drop(raw::take());
            return self.about(result);
        }
        self.about(visitor.visit_newtype_struct(self))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::List(elements) => self.seq(visitor, Seq::list(elements)),
            Shape::Bytes(bytes) => self.seq(visitor, Seq::bytes(bytes)),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::Tuple(elements) if elements.len() == len => {
                self.seq(visitor, Seq::tuple(elements, 0))
            }
            // `[T; N]` is a tuple to serde: let it come from a list too.
            Shape::List(elements) if elements.len() == len => {
                self.seq(visitor, Seq::list(elements))
            }
            Shape::Bytes(bytes) if bytes.len() == len => self.seq(visitor, Seq::bytes(bytes)),
            _ => Err(self.mismatch(format!("a tuple of {}", elements(len)))),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        match self.shape() {
            Shape::Tuple(elements) if elements.len() == len => {
                self.seq(visitor, Seq::tuple(elements, 0))
            }
            _ => Err(self.mismatch(format!("a tuple of {} for `{name}`", elements(len)))),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.shape() {
            Shape::Map(map) => self.about(visitor.visit_map(MapEntries::new(map))),
            _ => Err(self.mismatch("a map")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.shape() {
            Shape::Map(map) => self.about(visitor.visit_map(StructFields::new(map, fields))),
            _ => Err(self.mismatch(format!("a map for struct `{name}`"))),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if name == "Result" && variants == ["Ok", "Err"] {
            return self.result(visitor);
        }
        let (tag, payload) = match self.shape() {
            Shape::Atom(tag) => (tag, &[][..]),
            Shape::Tuple([Term::Atom(tag), payload @ ..]) => (tag.name.as_str(), payload),
            _ => {
                return Err(self.mismatch(format!(
                    "an atom or a tuple tagged with an atom for enum `{name}`"
                )));
            }
        };
        self.about(visitor.visit_enum(Variant {
            tag,
            payload,
            term: self,
        }))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match self.shape() {
            Shape::Atom(name) => visitor.visit_borrowed_str(name),
            Shape::Binary(bytes) => match str::from_utf8(bytes) {
                Ok(name) => visitor.visit_borrowed_str(name),
                Err(_) => return Err(self.mismatch("an identifier (an atom)")),
            },
            Shape::Int(index) if index >= 0 => visitor.visit_u64(index.unsigned_abs().into()),
            _ => return Err(self.mismatch("an identifier (an atom)")),
        };
        self.about(result)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Nothing to look at: skipping a term costs nothing, however big.
        visitor.visit_unit()
    }
}

/// The elements of a list, tuple or byte list.
struct Seq<'de> {
    items: Items<'de>,
    /// How many elements were taken.
    next: usize,
    /// Where the first element sits, for paths: a tuple variant's fields
    /// start after its tag.
    offset: usize,
    tuple: bool,
}

enum Items<'de> {
    Terms(std::slice::Iter<'de, Term>),
    Bytes(std::slice::Iter<'de, u8>),
}

impl Items<'_> {
    fn len(&self) -> usize {
        match self {
            Items::Terms(iter) => iter.len(),
            Items::Bytes(iter) => iter.len(),
        }
    }
}

impl<'de> Seq<'de> {
    fn list(elements: &'de [Term]) -> Self {
        Seq {
            items: Items::Terms(elements.iter()),
            next: 0,
            offset: 0,
            tuple: false,
        }
    }

    fn bytes(bytes: &'de [u8]) -> Self {
        Seq {
            items: Items::Bytes(bytes.iter()),
            next: 0,
            offset: 0,
            tuple: false,
        }
    }

    fn tuple(elements: &'de [Term], offset: usize) -> Self {
        Seq {
            items: Items::Terms(elements.iter()),
            next: 0,
            offset,
            tuple: true,
        }
    }
}

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = TermError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let view = match &mut self.items {
            Items::Terms(iter) => iter.next().map(View::Term),
            Items::Bytes(iter) => iter.next().copied().map(View::Byte),
        };
        let Some(view) = view else {
            return Ok(None);
        };
        let index = self.offset + self.next;
        self.next += 1;
        let element = Deserializer { view, key: false };
        seed.deserialize(element).map(Some).map_err(|e| {
            e.at(if self.tuple {
                Segment::Tuple(index)
            } else {
                Segment::List(index)
            })
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a map decoded as a map.
struct MapEntries<'de> {
    iter: std::collections::hash_map::Iter<'de, Term, Term>,
    /// The entry whose key was just decoded.
    entry: Option<(&'de Term, &'de Term)>,
}

impl<'de> MapEntries<'de> {
    fn new(map: &'de HashMap<Term, Term>) -> Self {
        MapEntries {
            iter: map.iter(),
            entry: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapEntries<'de> {
    type Error = TermError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.entry = Some((key, value));
        seed.deserialize(Deserializer::key(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, value) = self
            .entry
            .take()
            .ok_or_else(|| TermError::message("a map value was asked for before its key"))?;
        seed.deserialize(Deserializer::new(value))
            .map_err(|e| e.at(Segment::Key(render(key))))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The entries of a map decoded as a struct: only keys that can name a field
/// (atoms and UTF-8 binaries) are offered, and Elixir's `:__struct__` is
/// skipped unless the struct has such a field.
struct StructFields<'de> {
    iter: std::collections::hash_map::Iter<'de, Term, Term>,
    fields: &'static [&'static str],
    /// The field whose name was just decoded, and its value.
    entry: Option<(&'de str, &'de Term)>,
}

impl<'de> StructFields<'de> {
    fn new(map: &'de HashMap<Term, Term>, fields: &'static [&'static str]) -> Self {
        StructFields {
            iter: map.iter(),
            fields,
            entry: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for StructFields<'de> {
    type Error = TermError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        for (key, value) in self.iter.by_ref() {
            let name = match key {
                Term::Atom(atom) => atom.name.as_str(),
                Term::Binary(binary) => match str::from_utf8(&binary.bytes) {
                    Ok(name) => name,
                    Err(_) => continue,
                },
                _ => continue,
            };
            if name == "__struct__" && !self.fields.contains(&name) {
                continue;
            }
            self.entry = Some((name, value));
            return seed
                .deserialize(BorrowedStrDeserializer::<TermError>::new(name))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (name, value) = self
            .entry
            .take()
            .ok_or_else(|| TermError::message("a field value was asked for before its name"))?;
        seed.deserialize(Deserializer::new(value))
            .map_err(|e| e.at(Segment::Field(name.to_owned().into())))
    }
}

/// A variant: its tag and the tuple elements after it.
struct Variant<'de> {
    tag: &'de str,
    payload: &'de [Term],
    /// The whole term, for errors.
    term: Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = TermError;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self)> {
        let tag = seed.deserialize(BorrowedStrDeserializer::<TermError>::new(self.tag))?;
        Ok((tag, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'de> {
    type Error = TermError;

    fn unit_variant(self) -> Result<()> {
        if self.payload.is_empty() {
            return Ok(());
        }
        let tag = render_atom(self.tag);
        Err(self.term.mismatch(format!("{tag} or {{{tag}}}")))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.payload {
            [value] => seed
                .deserialize(Deserializer::new(value))
                .map_err(|e| e.at(Segment::Tuple(1))),
            _ => {
                let tag = render_atom(self.tag);
                Err(self.term.mismatch(format!("a tuple {{{tag}, value}}")))
            }
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if self.payload.len() == len {
            return self.term.seq(visitor, Seq::tuple(self.payload, 1));
        }
        let tag = render_atom(self.tag);
        let holes = ", _".repeat(len.min(8));
        let more = if len > 8 { ", ..." } else { "" };
        Err(self
            .term
            .mismatch(format!("a tuple {{{tag}{holes}{more}}}")))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.payload {
            [map_term @ Term::Map(map)] => visitor
                .visit_map(StructFields::new(&map.map, fields))
                .map_err(|e| e.about(|| render(map_term)).at(Segment::Tuple(1))),
            _ => {
                let tag = render_atom(self.tag);
                Err(self.term.mismatch(format!("a tuple {{{tag}, %{{...}}}}")))
            }
        }
    }
}
