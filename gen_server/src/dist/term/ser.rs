//! The serializer behind [`to_term`](super::to_term): a Rust value into a
//! [`Term`], by the table in the [module documentation](super).

use std::collections::HashMap;

use eetf::{Atom, BigInteger, Binary, FixInteger, Float, List, Map, Term, Tuple};
use serde::ser::{self, Serialize};

use super::atom::ATOM_TOKEN;
use super::error::{Segment, TermError};
use super::raw::{self, RAW_TOKEN};
use super::render::{render, render_atom};

/// The most characters the BEAM allows in an atom.
const MAX_ATOM_CHARS: usize = 255;

/// The tag of `Ok`: `{:ok, value}`.
pub(super) const OK: &str = "ok";
/// The tag of `Err`: `{:error, reason}`.
pub(super) const ERROR: &str = "error";

/// The atom a variant of `Result` is tagged with: serde sees `Result` as an
/// enum named `Result` with the variants `Ok` and `Err`, and Elixir's idiom
/// is `{:ok, value}` and `{:error, reason}`.
pub(super) fn result_tag(name: &str, variant: &str) -> Option<&'static str> {
    match (name, variant) {
        ("Result", "Ok") => Some(OK),
        ("Result", "Err") => Some(ERROR),
        _ => None,
    }
}

/// Serializes into a [`Term`]; stateless.
pub(super) struct Serializer;

/// The atom `name`, if the BEAM accepts it.
pub(super) fn atom(name: impl Into<String>) -> Result<Term, TermError> {
    let name = name.into();
    // Bytes bound characters from above: count only long names.
    if name.len() > MAX_ATOM_CHARS {
        let chars = name.chars().count();
        if chars > MAX_ATOM_CHARS {
            return Err(TermError::message(format!(
                "an atom has at most {MAX_ATOM_CHARS} characters, found one of {chars}"
            )));
        }
    }
    Ok(Term::Atom(Atom { name }))
}

/// An atom known to be short enough: `true`, `nil`, `ok`.
fn known_atom(name: &str) -> Term {
    Term::Atom(Atom::from(name))
}

/// The smallest integer term holding `value`.
fn integer<T>(value: T) -> Term
where
    i32: TryFrom<T>,
    T: Copy + Into<i128>,
{
    match i32::try_from(value) {
        Ok(value) => Term::FixInteger(FixInteger { value }),
        Err(_) => big(value.into()),
    }
}

fn big(value: i128) -> Term {
    Term::BigInteger(BigInteger {
        value: From::from(value),
    })
}

/// A proper list of `elements`.
///
/// eetf writes a list whose elements are all integers below 256 as a byte
/// string, casting each to a byte, negative ones included: `[-1, 2]` would
/// arrive as `[255, 2]`. Holding one negative element as a big integer keeps
/// such a list out of that path; the receiver reads it as the same small
/// integer (the BEAM normalises big integers that fit).
fn list(mut elements: Vec<Term>) -> Term {
    keep_negatives(&mut elements);
    Term::List(List { elements })
}

/// Makes eetf write `elements` as a list of integers rather than a byte
/// string when one of them is negative (see [`list`]).
fn keep_negatives(elements: &mut [Term]) {
    let byte_sized = |term: &Term| matches!(term, Term::FixInteger(i) if i.value < 0x100);
    if elements.len() <= usize::from(u16::MAX) && elements.iter().all(byte_sized) {
        let negative = elements
            .iter_mut()
            .find(|term| matches!(term, Term::FixInteger(i) if i.value < 0));
        if let Some(negative) = negative
            && let Term::FixInteger(int) = negative
        {
            *negative = Term::BigInteger(BigInteger::from(int.value));
        }
    }
}

/// [`keep_negatives`] for every list in a term built by hand (a
/// [`RawTerm`](super::RawTerm)'s), however deep.
fn keep_negatives_within(term: &mut Term) {
    let mut pending = vec![term];
    while let Some(term) = pending.pop() {
        match term {
            Term::List(list) => {
                keep_negatives(&mut list.elements);
                pending.extend(list.elements.iter_mut());
            }
            Term::ImproperList(list) => {
                pending.extend(list.elements.iter_mut());
                pending.push(&mut list.last);
            }
            Term::Tuple(tuple) => pending.extend(tuple.elements.iter_mut()),
            // Map keys cannot be changed in place; a list key with a
            // negative small integer is left as it is.
            Term::Map(map) => pending.extend(map.map.values_mut()),
            _ => {}
        }
    }
}

fn tuple(elements: Vec<Term>) -> Term {
    Term::Tuple(Tuple { elements })
}

fn binary(bytes: impl Into<Vec<u8>>) -> Term {
    Term::Binary(Binary {
        bytes: bytes.into(),
    })
}

fn float(value: f64) -> Result<Term, TermError> {
    if value.is_finite() {
        Ok(Term::Float(Float { value }))
    } else {
        Err(TermError::message(format!(
            "expected a finite float (Erlang has no NaN or infinity), found {value}"
        )))
    }
}

impl ser::Serializer for Serializer {
    type Ok = Term;
    type Error = TermError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = TupleBuilder;
    type SerializeTupleStruct = TupleBuilder;
    type SerializeTupleVariant = TupleBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = StructBuilder;

    fn serialize_bool(self, value: bool) -> Result<Term, TermError> {
        Ok(known_atom(if value { "true" } else { "false" }))
    }

    fn serialize_i8(self, value: i8) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_i16(self, value: i16) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_i32(self, value: i32) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_i64(self, value: i64) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_i128(self, value: i128) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_u8(self, value: u8) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_u16(self, value: u16) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_u32(self, value: u32) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_u64(self, value: u64) -> Result<Term, TermError> {
        Ok(integer(value))
    }

    fn serialize_u128(self, value: u128) -> Result<Term, TermError> {
        Ok(match i128::try_from(value) {
            Ok(value) => integer(value),
            Err(_) => Term::BigInteger(BigInteger {
                value: From::from(value),
            }),
        })
    }

    fn serialize_f32(self, value: f32) -> Result<Term, TermError> {
        float(f64::from(value))
    }

    fn serialize_f64(self, value: f64) -> Result<Term, TermError> {
        float(value)
    }

    fn serialize_char(self, value: char) -> Result<Term, TermError> {
        let mut buf = [0; 4];
        Ok(binary(value.encode_utf8(&mut buf).as_bytes()))
    }

    fn serialize_str(self, value: &str) -> Result<Term, TermError> {
        Ok(binary(value))
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<Term, TermError> {
        Ok(binary(value))
    }

    fn serialize_none(self) -> Result<Term, TermError> {
        Ok(known_atom("nil"))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Term, TermError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Term, TermError> {
        Ok(known_atom("ok"))
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Term, TermError> {
        Ok(known_atom("ok"))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Term, TermError> {
        atom(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Term, TermError> {
        if name == ATOM_TOKEN {
            // `Atom` serializes its name as a string: turn that binary into
            // an atom.
            return match value.serialize(self)? {
                Term::Binary(Binary { bytes }) => match String::from_utf8(bytes) {
                    Ok(name) => atom(name),
                    Err(_) => Err(TermError::message("an atom name must be UTF-8")),
                },
                other => Err(TermError::mismatch("an atom name", &other)),
            };
        }
        if name == RAW_TOKEN {
            let mut term = raw::take().ok_or_else(|| {
                TermError::message("a `RawTerm` lost its term on the way to `to_term`")
            })?;
            keep_negatives_within(&mut term);
            return Ok(term);
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Term, TermError> {
        let result_tag = result_tag(name, variant);
        let tag = match result_tag {
            Some(tag) => known_atom(tag),
            None => atom(variant)?,
        };
        let value = value.serialize(self).map_err(|e| e.at(Segment::Tuple(1)))?;
        // `Ok(())` is `:ok`, as Elixir writes it (`:ok | {:error, reason}`).
        if result_tag == Some(OK) && matches!(&value, Term::Atom(a) if a.name == OK) {
            return Ok(value);
        }
        Ok(tuple(vec![tag, value]))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, TermError> {
        Ok(SeqBuilder {
            elements: Vec::with_capacity(len.unwrap_or(0)),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<TupleBuilder, TermError> {
        Ok(TupleBuilder {
            elements: Vec::with_capacity(len),
        })
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<TupleBuilder, TermError> {
        self.serialize_tuple(len)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TupleBuilder, TermError> {
        let mut elements = Vec::with_capacity(len + 1);
        elements.push(atom(variant)?);
        Ok(TupleBuilder { elements })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, TermError> {
        Ok(MapBuilder {
            map: HashMap::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<StructBuilder, TermError> {
        Ok(StructBuilder {
            map: HashMap::with_capacity(len),
            tag: None,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<StructBuilder, TermError> {
        Ok(StructBuilder {
            map: HashMap::with_capacity(len),
            tag: Some(atom(variant)?),
        })
    }
}

/// A list in the making.
pub(super) struct SeqBuilder {
    elements: Vec<Term>,
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        let index = self.elements.len();
        let element = value
            .serialize(Serializer)
            .map_err(|e| e.at(Segment::List(index)))?;
        self.elements.push(element);
        Ok(())
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(list(self.elements))
    }
}

/// A tuple in the making; for a variant, its tag is already in place.
pub(super) struct TupleBuilder {
    elements: Vec<Term>,
}

impl TupleBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        let index = self.elements.len();
        let element = value
            .serialize(Serializer)
            .map_err(|e| e.at(Segment::Tuple(index)))?;
        self.elements.push(element);
        Ok(())
    }
}

impl ser::SerializeTuple for TupleBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        self.push(value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(tuple(self.elements))
    }
}

impl ser::SerializeTupleStruct for TupleBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        self.push(value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(tuple(self.elements))
    }
}

impl ser::SerializeTupleVariant for TupleBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        self.push(value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(tuple(self.elements))
    }
}

/// A map in the making.
pub(super) struct MapBuilder {
    map: HashMap<Term, Term>,
    /// The key whose value comes next.
    key: Option<Term>,
}

impl MapBuilder {
    fn insert(&mut self, key: Term, value: Term) -> Result<(), TermError> {
        // Two Rust keys can become one term (`1u8` and `1i64`): keeping
        // either would lose data silently.
        if self.map.contains_key(&key) {
            return Err(TermError::message(format!(
                "duplicate map key {}",
                render(&key)
            )));
        }
        self.map.insert(key, value);
        Ok(())
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TermError> {
        self.key = Some(key.serialize(Serializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TermError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| TermError::message("a map value came before its key"))?;
        let value = value
            .serialize(Serializer)
            .map_err(|e| e.at(Segment::Key(render(&key))))?;
        self.insert(key, value)
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), TermError> {
        let key = key.serialize(Serializer)?;
        let value = value
            .serialize(Serializer)
            .map_err(|e| e.at(Segment::Key(render(&key))))?;
        self.insert(key, value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(Term::Map(Map { map: self.map }))
    }
}

/// A struct's map with atom keys; for a struct variant, with its tag.
pub(super) struct StructBuilder {
    map: HashMap<Term, Term>,
    tag: Option<Term>,
}

impl StructBuilder {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), TermError> {
        let value = value.serialize(Serializer).map_err(|e| {
            let e = e.at(Segment::Field(name.into()));
            // A struct variant's map is the second element of its tuple.
            match self.tag {
                Some(_) => e.at(Segment::Tuple(1)),
                None => e,
            }
        })?;
        let key = atom(name)?;
        if self.map.insert(key, value).is_some() {
            return Err(TermError::message(format!(
                "duplicate field {}",
                render_atom(name)
            )));
        }
        Ok(())
    }

    fn finish(self) -> Term {
        let map = Term::Map(Map { map: self.map });
        match self.tag {
            Some(tag) => tuple(vec![tag, map]),
            None => map,
        }
    }
}

impl ser::SerializeStruct for StructBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), TermError> {
        self.field(name, value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for StructBuilder {
    type Ok = Term;
    type Error = TermError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), TermError> {
        self.field(name, value)
    }

    fn end(self) -> Result<Term, TermError> {
        Ok(self.finish())
    }
}
