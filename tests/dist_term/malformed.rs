//! `from_bytes`: bytes in the external term format are checked before eetf
//! decodes them, so that no header, nesting or encoding a peer sends can
//! make decoding allocate without bound, overflow the stack or panic.

use gen_server::dist::term::{MAX_TERM_DEPTH, MalformedTerm, RawTerm, Term, from_bytes, from_term};
use proptest::prelude::*;

use crate::properties::any_term;
use crate::*;

const VERSION: u8 = 131;
const SMALL_TUPLE: u8 = 104;
const LARGE_TUPLE: u8 = 105;
const NIL: u8 = 106;
const LIST: u8 = 108;
const BINARY: u8 = 109;
const MAP: u8 = 116;

/// `{{...{[]}...}}`: `[]` inside `depth` one-element tuples.
fn nested_tuples(depth: usize) -> Vec<u8> {
    let mut bytes = vec![VERSION];
    for _ in 0..depth {
        bytes.extend_from_slice(&[SMALL_TUPLE, 1]);
    }
    bytes.push(NIL);
    bytes
}

fn encode(term: &Term) -> Vec<u8> {
    let mut bytes = Vec::new();
    term.encode(&mut bytes).unwrap();
    bytes
}

#[test]
fn a_header_declaring_more_than_the_bytes_hold_is_refused() {
    for (tag, header) in [
        (LIST, &[0xFF, 0xFF, 0xFF, 0xFF][..]),
        (MAP, &[0xFF, 0xFF, 0xFF, 0xFF][..]),
        (LARGE_TUPLE, &[0xFF, 0xFF, 0xFF, 0xFF][..]),
        (BINARY, &[0xFF, 0xFF, 0xFF, 0xFF][..]),
    ] {
        // Followed by a few real elements, far fewer than declared.
        let mut bytes = vec![VERSION, tag];
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[NIL; 8]);
        assert!(
            matches!(
                from_bytes(&bytes),
                Err(MalformedTerm::Implausible { at: 1, left: 8, .. })
            ),
            "tag {tag}: {:?}",
            from_bytes(&bytes)
        );
    }
    // A map's entries take two terms each: 4 entries need 8 bytes at least.
    let error = from_bytes(&[VERSION, MAP, 0, 0, 0, 4, NIL, NIL, NIL, NIL, NIL, NIL, NIL]);
    assert_eq!(
        error.unwrap_err(),
        MalformedTerm::Implausible {
            at: 1,
            declared: 8,
            left: 7
        }
    );
}

#[test]
fn a_header_inside_a_term_is_checked_against_the_bytes_left() {
    // `{[], <<...>>}` where the binary claims a kilobyte.
    let bytes = [VERSION, SMALL_TUPLE, 2, NIL, BINARY, 0, 0, 4, 0, 1, 2, 3];
    let error = from_bytes(&bytes).unwrap_err();
    assert_eq!(
        error,
        MalformedTerm::Implausible {
            at: 4,
            declared: 1024,
            left: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "a header at byte 4 declares 1024 elements or bytes, more than the 3 bytes left"
    );
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_without_overflowing_the_stack() {
    let error = from_bytes(&nested_tuples(100_000)).unwrap_err();
    // The tuple one level too deep starts after the version byte and
    // `MAX_TERM_DEPTH` two-byte tuple headers.
    assert_eq!(
        error,
        MalformedTerm::TooDeep {
            at: 1 + 2 * MAX_TERM_DEPTH
        }
    );
    assert!(matches!(
        from_bytes(&nested_tuples(MAX_TERM_DEPTH + 1)),
        Err(MalformedTerm::TooDeep { .. })
    ));
    // Lists nest through their tails as well as their elements.
    let mut tails = vec![VERSION];
    for _ in 0..100_000 {
        tails.extend_from_slice(&[LIST, 0, 0, 0, 1, NIL]);
    }
    tails.push(NIL);
    assert!(matches!(
        from_bytes(&tails),
        Err(MalformedTerm::TooDeep { .. })
    ));
}

/// A term at the deepest nesting allowed decodes, converts, renders and
/// drops within the stack of a tokio worker thread (2 MiB), in the build
/// the tests run in.
#[test]
fn a_term_at_the_depth_limit_is_handled_on_a_worker_sized_stack() {
    let bytes = nested_tuples(MAX_TERM_DEPTH);
    let handled = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let term = from_bytes(&bytes).expect("a term at the limit is accepted");
            let raw: RawTerm = from_term(&term).unwrap();
            // A mismatch renders the term into the error.
            let error = from_term::<u8>(&term).unwrap_err().to_string();
            let value: serde_json::Value = from_term(&term).unwrap();
            drop((raw, value, term));
            error
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(
        handled.starts_with("expected an integer that fits `u8`, found {{{"),
        "{handled}"
    );
}

#[test]
fn a_term_cut_short_is_refused() {
    let whole = encode(&tuple(vec![atom("add"), int(3), string("text")]));
    for end in 0..whole.len() {
        // Cut inside a header or an element, or inside the bytes of an atom
        // or a binary (which are then fewer than its header declares).
        assert!(
            matches!(
                from_bytes(&whole[..end]),
                Err(MalformedTerm::Truncated { at }) if at == end
            ) || matches!(
                from_bytes(&whole[..end]),
                Err(MalformedTerm::Implausible { .. })
            ),
            "cut at {end}: {:?}",
            from_bytes(&whole[..end])
        );
    }
    assert_eq!(
        from_bytes(&whole[..2]).unwrap_err().to_string(),
        "the term is cut short at byte 2"
    );
}

#[test]
fn bytes_after_the_term_are_refused() {
    let mut bytes = encode(&int(1));
    bytes.extend_from_slice(&[NIL, NIL]);
    assert_eq!(
        from_bytes(&bytes).unwrap_err(),
        MalformedTerm::Trailing { at: 3, left: 2 }
    );
}

#[test]
fn atom_cache_references_are_refused() {
    // `{ATOM_CACHE_REF 0}`, and a pid whose node is one.
    assert_eq!(
        from_bytes(&[VERSION, SMALL_TUPLE, 1, 82, 0]).unwrap_err(),
        MalformedTerm::AtomCacheRef { at: 3 }
    );
    let pid = [VERSION, 88, 82, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(
        from_bytes(&pid).unwrap_err(),
        MalformedTerm::AtomCacheRef { at: 2 }
    );
}

#[test]
fn unsupported_encodings_are_refused() {
    // A compressed term, a distribution header, an unknown tag, no version.
    assert_eq!(
        from_bytes(&[VERSION, 80, 0, 0, 0, 1, 0x78, 0x9C]).unwrap_err(),
        MalformedTerm::UnsupportedTag { at: 1, tag: 80 }
    );
    assert_eq!(
        from_bytes(&[VERSION, 68, 0]).unwrap_err(),
        MalformedTerm::UnsupportedTag { at: 1, tag: 68 }
    );
    assert_eq!(
        from_bytes(&[VERSION, SMALL_TUPLE, 1, 200]).unwrap_err(),
        MalformedTerm::UnsupportedTag { at: 3, tag: 200 }
    );
    assert_eq!(
        from_bytes(&[130, NIL]).unwrap_err(),
        MalformedTerm::Version { at: 0, found: 130 }
    );
    // A bit string whose last byte holds 0 bits (eetf would shift by 8).
    assert_eq!(
        from_bytes(&[VERSION, 77, 0, 0, 0, 1, 0, 0xFF]).unwrap_err(),
        MalformedTerm::Invalid {
            at: 6,
            what: "bit count of a bit string"
        }
    );
    // A pid whose node is not an atom.
    let pid = [VERSION, 88, NIL, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
    assert!(matches!(
        from_bytes(&pid),
        Err(MalformedTerm::Invalid { at: 2, .. })
    ));
}

#[test]
fn a_term_eetf_refuses_after_the_check_is_an_error() {
    // An atom that is not UTF-8.
    let error = from_bytes(&[VERSION, 119, 1, 0xFF]).unwrap_err();
    assert!(matches!(error, MalformedTerm::Undecodable(_)), "{error:?}");
}

proptest! {
    /// Whatever eetf writes passes the check.
    #[test]
    fn every_encoded_term_is_accepted(term in any_term()) {
        let bytes = encode(&term);
        prop_assert!(from_bytes(&bytes).is_ok(), "{:?}", from_bytes(&bytes));
    }

    /// No prefix of a term is accepted, and no byte changed in one panics.
    #[test]
    fn broken_terms_never_panic(term in any_term(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode(&term);
        let end = at.index(bytes.len());
        prop_assert!(from_bytes(&bytes[..end]).is_err());
        bytes[end] = byte;
        let _ = from_bytes(&bytes);
    }
}
