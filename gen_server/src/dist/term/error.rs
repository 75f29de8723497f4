//! [`TermError`]: why a value and a term do not fit.

use std::borrow::Cow;
use std::fmt;

use eetf::Term;

use super::render::{ELLIPSIS, render, render_bounded};

/// How many steps of a path an error message shows: the outermost and the
/// innermost half of them, with `…` between, when there are more.
pub(super) const MAX_PATH_SEGMENTS: usize = 16;

/// Why a term could not become a Rust value ([`from_term`](super::from_term)),
/// or a Rust value a term ([`to_term`](super::to_term)).
///
/// The message says what was expected, what was found (a short rendering of
/// the term in Elixir syntax) and where, as a path from the outer term:
/// `.1` is a tuple element, `[3]` a list element, `.name` a struct field and
/// `["key"]` a map value.
///
/// ```
/// use gen_server::dist::term::{from_term, to_term};
///
/// let term = to_term(&(1, vec![300])).unwrap();
/// let error = from_term::<(u8, Vec<u8>)>(&term).unwrap_err();
/// assert_eq!(error.to_string(), "expected an integer that fits `u8`, found 300 at .1[0]");
/// assert_eq!(error.path(), ".1[0]");
/// ```
///
/// The message is bounded whatever the term, so that a peer cannot make it
/// huge: the term is rendered up to 60 characters and any other text (a
/// message from a `Deserialize` implementation naming an unknown variant,
/// say) up to 240, then cut with `…`; a path shows at most
/// 16 steps, the outermost and innermost 8 around a `…`.
///
/// A `TermError` is `Send + Sync + 'static` and one allocation to build (plus
/// the rendering), so a node can answer a remote caller with it and carry on.
#[derive(Clone)]
pub struct TermError {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: Kind,
    /// Innermost segment first: errors collect their path on the way out.
    path: Vec<Segment>,
}

#[derive(Clone)]
enum Kind {
    /// A term of the wrong shape.
    Mismatch {
        expected: Cow<'static, str>,
        found: Found,
    },
    /// Anything else: a missing field, an unknown variant, a user's own
    /// `Deserialize` error. `context` is the term it was about, when known.
    Message {
        message: Cow<'static, str>,
        context: Option<String>,
    },
}

#[derive(Clone)]
enum Found {
    /// A rendering of the term itself.
    Term(String),
    /// serde's description (`integer \`3\``), until the deserializer replaces
    /// it with the term.
    Serde(String),
}

/// One step of the path to the term an error is about.
#[derive(Clone)]
pub(super) enum Segment {
    /// An element of a tuple: `.1`.
    Tuple(usize),
    /// An element of a list: `[1]`.
    List(usize),
    /// A struct field: `.name`.
    Field(Cow<'static, str>),
    /// The value under a map key, rendered: `["key"]`.
    Key(String),
}

impl TermError {
    /// A term of the wrong shape: `expected` is a phrase ("a string").
    pub(super) fn mismatch(expected: impl Into<Cow<'static, str>>, found: &Term) -> Self {
        Self::mismatch_rendered(expected, render(found))
    }

    /// As [`mismatch`](Self::mismatch), with the term already rendered.
    pub(super) fn mismatch_rendered(expected: impl Into<Cow<'static, str>>, found: String) -> Self {
        Self::new(Kind::Mismatch {
            expected: expected.into(),
            found: Found::Term(found),
        })
    }

    /// Any other error, in a lowercase sentence without a trailing period.
    pub(super) fn message(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Kind::Message {
            message: message.into(),
            context: None,
        })
    }

    fn new(kind: Kind) -> Self {
        TermError {
            inner: Box::new(Inner {
                kind,
                path: Vec::new(),
            }),
        }
    }

    /// Puts `segment` in front of the path: called by each enclosing term on
    /// the way out.
    pub(super) fn at(mut self, segment: Segment) -> Self {
        self.inner.path.push(segment);
        self
    }

    /// Names the term an error raised at this level is about, unless the
    /// error already names one or comes from a nested term.
    pub(super) fn about(mut self, render: impl FnOnce() -> String) -> Self {
        if !self.inner.path.is_empty() {
            return self;
        }
        match &mut self.inner.kind {
            Kind::Mismatch { found, .. } => {
                if let Found::Serde(_) = found {
                    *found = Found::Term(render());
                }
            }
            Kind::Message { context, .. } => {
                if context.is_none() {
                    *context = Some(render());
                }
            }
        }
        self
    }

    /// Where in the term the error is, as a path from the outer term (`.1`: a
    /// tuple element, `[3]`: a list element, `.name`: a struct field,
    /// `["key"]`: a map value); empty when it is the outer term itself. A
    /// path of more than 16 steps shows its first and last 8 around a `…`.
    ///
    /// ```
    /// use gen_server::dist::term::{from_term, to_term};
    ///
    /// let term = to_term(&("a", 1)).unwrap();
    /// assert_eq!(from_term::<(String, bool)>(&term).unwrap_err().path(), ".1");
    /// assert_eq!(from_term::<u8>(&term).unwrap_err().path(), "");
    /// ```
    pub fn path(&self) -> String {
        let mut path = String::new();
        // Writing to a `String` cannot fail.
        let _ = self.write_path(&mut path);
        path
    }

    /// Writes the path, outermost segment first, eliding the middle of a
    /// long one.
    fn write_path(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let path = &self.inner.path;
        let half = MAX_PATH_SEGMENTS / 2;
        for (i, segment) in path.iter().rev().enumerate() {
            if path.len() > MAX_PATH_SEGMENTS && (half..path.len() - half).contains(&i) {
                if i == half {
                    out.write_char(ELLIPSIS)?;
                }
                continue;
            }
            write!(out, "{segment}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Tuple(index) => write!(f, ".{index}"),
            Segment::List(index) => write!(f, "[{index}]"),
            Segment::Field(name) => write!(f, ".{name}"),
            Segment::Key(key) => write!(f, "[{key}]"),
        }
    }
}

impl fmt::Display for TermError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.kind {
            Kind::Mismatch { expected, found } => {
                let (Found::Term(found) | Found::Serde(found)) = found;
                write!(f, "expected {expected}, found {found}")?;
            }
            Kind::Message { message, context } => {
                f.write_str(message)?;
                if let Some(context) = context {
                    write!(f, " in {context}")?;
                }
            }
        }
        if !self.inner.path.is_empty() {
            f.write_str(" at ")?;
            self.write_path(f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for TermError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TermError")
            .field(&format_args!("{self}"))
            .finish()
    }
}

impl std::error::Error for TermError {}

impl serde::ser::Error for TermError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        TermError::message(render_bounded(&message))
    }
}

impl serde::de::Error for TermError {
    /// The message is cut after 240 characters: it may quote the term
    /// (serde's `unknown variant` names the atom a peer sent).
    fn custom<T: fmt::Display>(message: T) -> Self {
        TermError::message(render_bounded(&message))
    }

    fn invalid_type(
        unexpected: serde::de::Unexpected<'_>,
        expected: &dyn serde::de::Expected,
    ) -> Self {
        TermError::new(Kind::Mismatch {
            expected: render_bounded(&format_args!("{expected}")).into(),
            found: Found::Serde(render_bounded(&unexpected)),
        })
    }

    fn invalid_value(
        unexpected: serde::de::Unexpected<'_>,
        expected: &dyn serde::de::Expected,
    ) -> Self {
        Self::invalid_type(unexpected, expected)
    }

    fn invalid_length(len: usize, expected: &dyn serde::de::Expected) -> Self {
        TermError::new(Kind::Mismatch {
            expected: render_bounded(&format_args!("{expected}")).into(),
            found: Found::Serde(format!("{len} elements")),
        })
    }
}
