//! A check of bytes in the external term format before `eetf` decodes them.
//!
//! `eetf` trusts what the bytes declare: it reserves room for as many
//! elements as a list, tuple or map header claims (a header claiming 2³²
//! elements is a multi-gigabyte allocation, and an abort when it fails), it
//! recurses once per level of nesting (a term nested 100 000 deep overflows
//! the stack, which ends the whole process), and it panics on a few
//! encodings it does not support (atom cache references). Bytes from a peer
//! go through [`check_terms`] first: one pass over the bytes, without
//! recursing (and without allocating for terms up to 32 levels deep), that
//! refuses all of these with a
//! [`MalformedTerm`].
//!
//! A term that passes is whole: every element it declares is there, so
//! whatever `eetf` allocates is in proportion to the bytes received.

/// How deep terms from the wire may nest: a term inside this many tuples,
/// lists, maps or funs is refused (see [`from_bytes`](super::from_bytes)).
///
/// Decoding, converting and dropping a term each take stack space in
/// proportion to its depth (about 1 KiB a level in a debug build, to decode
/// a term and convert it into a `serde_json::Value`); at this depth all of
/// them fit in half the 2 MiB stack of a tokio worker thread. Terms that
/// real programs exchange nest a few dozen levels at most.
pub const MAX_TERM_DEPTH: usize = 512;

/// Levels of nesting the check tracks without allocating.
const SHALLOW_DEPTH: usize = 32;

/// The version byte that starts every term in the external format.
const VERSION: u8 = 131;

const COMPRESSED: u8 = 80;
const DISTRIBUTION_HEADER: u8 = 68;
const ATOM_CACHE_REF: u8 = 82;

const NEW_FLOAT_EXT: u8 = 70;
const BIT_BINARY_EXT: u8 = 77;
const NEW_PID_EXT: u8 = 88;
const NEW_PORT_EXT: u8 = 89;
const NEWER_REFERENCE_EXT: u8 = 90;
const SMALL_INTEGER_EXT: u8 = 97;
const INTEGER_EXT: u8 = 98;
const FLOAT_EXT: u8 = 99;
const ATOM_EXT: u8 = 100;
const REFERENCE_EXT: u8 = 101;
const PORT_EXT: u8 = 102;
const PID_EXT: u8 = 103;
const SMALL_TUPLE_EXT: u8 = 104;
const LARGE_TUPLE_EXT: u8 = 105;
const NIL_EXT: u8 = 106;
const STRING_EXT: u8 = 107;
const LIST_EXT: u8 = 108;
const BINARY_EXT: u8 = 109;
const SMALL_BIG_EXT: u8 = 110;
const LARGE_BIG_EXT: u8 = 111;
const NEW_FUN_EXT: u8 = 112;
const EXPORT_EXT: u8 = 113;
const NEW_REFERENCE_EXT: u8 = 114;
const SMALL_ATOM_EXT: u8 = 115;
const MAP_EXT: u8 = 116;
const FUN_EXT: u8 = 117;
const ATOM_UTF8_EXT: u8 = 118;
const SMALL_ATOM_UTF8_EXT: u8 = 119;
const V4_PORT_EXT: u8 = 120;

/// Why bytes are not a term that can be decoded safely, and where (`at`:
/// the offset of the offending byte from the start of the bytes given).
///
/// Returned by [`from_bytes`](super::from_bytes); a node drops a message
/// from a peer for the same reasons, with a warning, and keeps the
/// connection.
///
/// ```
/// use gen_server::dist::term::{MalformedTerm, from_bytes};
///
/// // A list header that claims 4 294 967 295 elements, in a 6-byte term.
/// let error = from_bytes(&[131, 108, 255, 255, 255, 255]).unwrap_err();
/// assert_eq!(
///     error,
///     // The elements and the list's tail.
///     MalformedTerm::Implausible { at: 1, declared: 4_294_967_296, left: 0 }
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedTerm {
    /// The bytes end inside a term.
    #[error("the term is cut short at byte {at}")]
    Truncated {
        /// Where more bytes were needed.
        at: usize,
    },
    /// A header declares more elements or bytes than there are bytes left
    /// (every element takes at least one byte).
    #[error(
        "a header at byte {at} declares {declared} elements or bytes, more than the {left} bytes left"
    )]
    Implausible {
        /// Where the header starts.
        at: usize,
        /// The terms or bytes it declares: a map entry counts as two terms,
        /// a list's tail as one more.
        declared: u64,
        /// How many bytes follow it.
        left: usize,
    },
    /// Terms nest deeper than [`MAX_TERM_DEPTH`].
    #[error("terms nest deeper than {MAX_TERM_DEPTH} levels at byte {at}")]
    TooDeep {
        /// Where the term one level too deep starts.
        at: usize,
    },
    /// An atom cache reference: this library does not negotiate the atom
    /// cache, so a peer that sends one is broken.
    #[error("an atom cache reference at byte {at}, but no atom cache was negotiated")]
    AtomCacheRef {
        /// Where the reference starts.
        at: usize,
    },
    /// A tag this decoder does not support: an unknown one, a compressed
    /// term (its size cannot be checked before inflating it; OTP does not
    /// compress distribution messages) or a distribution header inside a
    /// message.
    #[error("unsupported term tag {tag} at byte {at}")]
    UnsupportedTag {
        /// Where the tag is.
        at: usize,
        /// The tag.
        tag: u8,
    },
    /// A term that does not start with the version byte 131.
    #[error("expected the version byte 131 at byte {at}, found {found}")]
    Version {
        /// Where the version byte should be.
        at: usize,
        /// The byte found instead.
        found: u8,
    },
    /// A field with a value the format does not allow, such as a pid whose
    /// node is not an atom.
    #[error("invalid {what} at byte {at}")]
    Invalid {
        /// Where the field is.
        at: usize,
        /// What the field is, in words.
        what: &'static str,
    },
    /// Bytes left over after the term.
    #[error("{left} bytes after the term, from byte {at}")]
    Trailing {
        /// Where the term ends.
        at: usize,
        /// How many bytes follow it.
        left: usize,
    },
    /// The check passed but `eetf` refused the term (an atom that is not
    /// valid UTF-8, a float that is not finite, and the like).
    #[error("undecodable term: {0}")]
    Undecodable(String),
}

/// Checks that `bytes` are one or more whole terms, each with its version
/// byte, one after another (a distribution message: the control message
/// and its payload).
pub(crate) fn check_terms(bytes: &[u8]) -> Result<(), MalformedTerm> {
    let mut at = 0;
    loop {
        at = check_term(bytes, at)?;
        if at == bytes.len() {
            return Ok(());
        }
    }
}

/// Checks the term with its version byte at `start` in `bytes`; returns
/// where it ends.
pub(super) fn check_term(bytes: &[u8], start: usize) -> Result<usize, MalformedTerm> {
    let mut cursor = Cursor { bytes, at: start };
    let version = cursor.u8()?;
    if version != VERSION {
        return Err(MalformedTerm::Version {
            at: start,
            found: version,
        });
    }
    if let Some(&tag @ (COMPRESSED | DISTRIBUTION_HEADER)) = bytes.get(cursor.at) {
        return Err(MalformedTerm::UnsupportedTag { at: cursor.at, tag });
    }
    // The elements still to read at each enclosing level, outermost first.
    // Shallow levels live in a small array, so that the usual term (a
    // control message, a call's request) allocates nothing and does not
    // clear a `MAX_TERM_DEPTH`-long one; deeper levels go to the heap.
    let mut shallow = [0u64; SHALLOW_DEPTH];
    let mut deep: Vec<u64> = Vec::new();
    let mut depth = 0;
    // The elements still to read at this level.
    let mut left: u64 = 1;
    loop {
        if left == 0 {
            if depth == 0 {
                return Ok(cursor.at);
            }
            depth -= 1;
            left = match shallow.get(depth) {
                Some(&left) => left,
                None => deep
                    .pop()
                    .expect("a level deeper than the array was pushed"),
            };
            continue;
        }
        left -= 1;
        let at = cursor.at;
        let elements = cursor.term()?;
        if elements > 0 {
            if depth == MAX_TERM_DEPTH {
                return Err(MalformedTerm::TooDeep { at });
            }
            cursor.plausible(at, elements)?;
            match shallow.get_mut(depth) {
                Some(slot) => *slot = left,
                None => deep.push(left),
            }
            depth += 1;
            left = elements;
        }
    }
}

/// A position in the bytes being checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], MalformedTerm> {
        let taken = self
            .bytes
            .get(self.at..)
            .and_then(|rest| rest.first_chunk::<N>())
            .ok_or(MalformedTerm::Truncated {
                at: self.bytes.len(),
            })?;
        self.at += N;
        Ok(*taken)
    }

    fn u8(&mut self) -> Result<u8, MalformedTerm> {
        Ok(self.take::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, MalformedTerm> {
        Ok(u16::from_be_bytes(self.take()?))
    }

    fn u32(&mut self) -> Result<u32, MalformedTerm> {
        Ok(u32::from_be_bytes(self.take()?))
    }

    /// Fails unless `declared` elements of at least a byte each fit in the
    /// bytes left; `header` is where their header starts.
    fn plausible(&self, header: usize, declared: u64) -> Result<(), MalformedTerm> {
        let left = self.left();
        if declared > left as u64 {
            return Err(MalformedTerm::Implausible {
                at: header,
                declared,
                left,
            });
        }
        Ok(())
    }

    /// Skips `len` bytes declared by the header at `header`.
    fn skip(&mut self, header: usize, len: u64) -> Result<(), MalformedTerm> {
        self.plausible(header, len)?;
        // `len` is at most the bytes left, so it fits a `usize`.
        self.at += len as usize;
        Ok(())
    }

    /// Reads one term's tag and everything up to its elements; returns how
    /// many elements (terms of their own) follow.
    fn term(&mut self) -> Result<u64, MalformedTerm> {
        let at = self.at;
        let tag = self.u8()?;
        match tag {
            SMALL_INTEGER_EXT => self.skip(at, 1)?,
            INTEGER_EXT => self.skip(at, 4)?,
            NEW_FLOAT_EXT => self.skip(at, 8)?,
            FLOAT_EXT => self.skip(at, 31)?,
            NIL_EXT => {}
            ATOM_EXT | ATOM_UTF8_EXT | STRING_EXT => {
                let len = self.u16()?;
                self.skip(at, len.into())?;
            }
            SMALL_ATOM_EXT | SMALL_ATOM_UTF8_EXT => {
                let len = self.u8()?;
                self.skip(at, len.into())?;
            }
            BINARY_EXT => {
                let len = self.u32()?;
                self.skip(at, len.into())?;
            }
            BIT_BINARY_EXT => {
                let len = self.u32()?;
                let bits = self.u8()?;
                // eetf shifts the last byte by `8 - bits`.
                if len > 0 && !(1..=8).contains(&bits) {
                    return Err(MalformedTerm::Invalid {
                        at: at + 5,
                        what: "bit count of a bit string",
                    });
                }
                self.skip(at, len.into())?;
            }
            SMALL_BIG_EXT => {
                let len = self.u8()?;
                self.skip(at, 1 + u64::from(len))?;
            }
            LARGE_BIG_EXT => {
                let len = self.u32()?;
                self.skip(at, 1 + u64::from(len))?;
            }
            PID_EXT => self.with_node(at, 9)?,
            NEW_PID_EXT => self.with_node(at, 12)?,
            PORT_EXT | REFERENCE_EXT => self.with_node(at, 5)?,
            NEW_PORT_EXT => self.with_node(at, 8)?,
            V4_PORT_EXT => self.with_node(at, 12)?,
            NEW_REFERENCE_EXT => {
                let words = self.u16()?;
                self.with_node(at, 1 + 4 * u64::from(words))?;
            }
            NEWER_REFERENCE_EXT => {
                let words = self.u16()?;
                self.with_node(at, 4 + 4 * u64::from(words))?;
            }
            SMALL_TUPLE_EXT => return Ok(self.u8()?.into()),
            LARGE_TUPLE_EXT => return Ok(self.u32()?.into()),
            // The elements, then the tail (`[]` for a proper list).
            LIST_EXT => return Ok(u64::from(self.u32()?) + 1),
            MAP_EXT => return Ok(2 * u64::from(self.u32()?)),
            // Module, function, arity.
            EXPORT_EXT => return Ok(3),
            // Pid, module, index and uniq, then the free variables.
            FUN_EXT => return Ok(4 + u64::from(self.u32()?)),
            NEW_FUN_EXT => {
                // Size, arity, uniq, index.
                self.skip(at, 4 + 1 + 16 + 4)?;
                let free = self.u32()?;
                // Module, old index, old uniq and pid, then the free variables.
                return Ok(4 + u64::from(free));
            }
            ATOM_CACHE_REF => return Err(MalformedTerm::AtomCacheRef { at }),
            tag => return Err(MalformedTerm::UnsupportedTag { at, tag }),
        }
        Ok(0)
    }

    /// Reads the node atom of a pid, port or reference, then `rest` bytes.
    fn with_node(&mut self, header: usize, rest: u64) -> Result<(), MalformedTerm> {
        let at = self.at;
        match self.u8()? {
            ATOM_EXT | ATOM_UTF8_EXT => {
                let len = self.u16()?;
                self.skip(at, len.into())?;
            }
            SMALL_ATOM_EXT | SMALL_ATOM_UTF8_EXT => {
                let len = self.u8()?;
                self.skip(at, len.into())?;
            }
            ATOM_CACHE_REF => return Err(MalformedTerm::AtomCacheRef { at }),
            _ => {
                return Err(MalformedTerm::Invalid {
                    at,
                    what: "node (not an atom) of a pid, port or reference",
                });
            }
        }
        self.skip(header, rest)
    }
}
