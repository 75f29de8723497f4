//! The errors of supervisors: why a child did not start, and why a request
//! about a child was refused.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::error::StartError;
use crate::{ActorId, ExitReason};

/// Why a supervisor did not do what was asked about a child.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChildError {
    /// The child's start failed: `init` returned an error, panicked, timed
    /// out, or its name was taken. The supervisor's start fails with this
    /// when one of its first children does not start.
    #[error("child `{id}` did not start: {error}")]
    Start {
        /// The child's id.
        id: String,
        /// What its start returned.
        #[source]
        error: ChildStartError,
    },
    /// A static supervisor already has a child with this id.
    #[error("a child with id `{0}` already exists")]
    DuplicateId(String),
    /// The supervisor already has its maximum of children.
    #[error("the supervisor already has its maximum of {0} children")]
    MaxChildren(usize),
    /// No child has this id or process.
    #[error("no child {0}")]
    NotFound(String),
    /// The child is running (for `restart_child`, `delete_child`).
    #[error("the child is running as {0}")]
    Running(ActorId),
    /// The child's restart failed and is waiting to be tried again (for
    /// `restart_child`, `delete_child`; OTP's `{:error, :restarting}`).
    #[error("the child `{0}` is being restarted")]
    Restarting(String),
}

/// Why a child's start failed: the child's [`StartError`], with the type of
/// its `init` error erased (children of one supervisor have different
/// `init` error types) but the error itself kept in
/// [`ChildStartError::Init`].
///
/// `Init::Ignore` is not an error here: a child that asks to be ignored is
/// reported as started with no process (see
/// [`SupervisorRef::start_child`](super::SupervisorRef::start_child)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChildStartError {
    /// `init` returned this error.
    #[error("init failed: {0}")]
    Init(ChildInitError),
    /// `init` panicked; the panic's message.
    #[error("init panicked: {0}")]
    Panicked(String),
    /// The child's registered name is held by another live actor; `init`
    /// did not run.
    #[error("name `{name}` is already registered to {holder}")]
    AlreadyStarted {
        /// The name that was asked for.
        name: String,
        /// The actor that holds it.
        holder: ActorId,
    },
    /// `init` did not finish within the child's init timeout.
    #[error("init timed out")]
    Timeout,
    /// The child ended during `init` for another reason.
    #[error("exited during init: {0}")]
    Exited(ExitReason),
}

impl ChildStartError {
    /// The typed form of `error`, with `init` errors kept by their `Debug`
    /// form for display; `None` for [`StartError::Ignored`], which is not a
    /// failure.
    pub fn from_start_error<E>(error: StartError<E>) -> Option<Self>
    where
        E: fmt::Debug + Send + Sync + 'static,
    {
        Self::convert(error, ChildInitError::new)
    }

    /// Converts with `init` for the `init` error.
    pub(crate) fn convert<E>(
        error: StartError<E>,
        init: impl FnOnce(E) -> ChildInitError,
    ) -> Option<Self> {
        Some(match error {
            StartError::Init(error) => ChildStartError::Init(init(error)),
            StartError::Panicked(message) => ChildStartError::Panicked(message),
            StartError::Ignored => return None,
            StartError::AlreadyStarted { name, holder } => {
                ChildStartError::AlreadyStarted { name, holder }
            }
            StartError::Timeout => ChildStartError::Timeout,
            StartError::Exited(reason) => ChildStartError::Exited(reason),
        })
    }
}

/// The error a child's `init` returned, whatever its type: displayable, and
/// recoverable by [`downcast_ref`](Self::downcast_ref).
///
/// `init` errors need only be `Debug`, so by default the error is shown by
/// its `Debug` form (a `String` error shows quoted); an error built with
/// [`from_error`](Self::from_error) is shown by its `Display` form and
/// keeps its `source`. Clones share the error; two `ChildInitError`s are
/// equal when they are clones of one another (the same failure).
///
/// ```
/// use gen_server::supervisor::ChildInitError;
///
/// let error = ChildInitError::new(String::from("no database"));
/// assert_eq!(error.downcast_ref::<String>().map(String::as_str), Some("no database"));
/// assert_eq!(error.to_string(), "\"no database\"");
/// ```
#[derive(Clone)]
pub struct ChildInitError(Arc<dyn Erased>);

impl ChildInitError {
    /// Keeps `error`, shown by its `Debug` form.
    pub fn new<E: fmt::Debug + Send + Sync + 'static>(error: E) -> Self {
        ChildInitError(Arc::new(ByDebug(error)))
    }

    /// Keeps `error`, shown by its `Display` form, with its `source`.
    pub fn from_error<E: Error + Send + Sync + 'static>(error: E) -> Self {
        ChildInitError(Arc::new(ByError(error)))
    }

    /// The error, if it is an `E`.
    pub fn downcast_ref<E: 'static>(&self) -> Option<&E> {
        self.0.as_any().downcast_ref()
    }

    /// Whether the error is an `E`.
    pub fn is<E: 'static>(&self) -> bool {
        self.0.as_any().is::<E>()
    }
}

impl fmt::Display for ChildInitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.display(f)
    }
}

impl fmt::Debug for ChildInitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChildInitError(")?;
        self.0.debug(f)?;
        f.write_str(")")
    }
}

impl Error for ChildInitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for ChildInitError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ChildInitError {}

/// An `init` error with its type erased.
trait Erased: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn source(&self) -> Option<&(dyn Error + 'static)>;
}

struct ByDebug<E>(E);

impl<E: fmt::Debug + Send + Sync + 'static> Erased for ByDebug<E> {
    fn as_any(&self) -> &dyn Any {
        &self.0
    }
    fn display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        None
    }
}

struct ByError<E>(E);

impl<E: Error + Send + Sync + 'static> Erased for ByError<E> {
    fn as_any(&self) -> &dyn Any {
        &self.0
    }
    fn display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the disk is full")]
    struct DiskFull;

    #[test]
    fn an_init_error_is_kept_and_shown() {
        let error = ChildStartError::from_start_error(StartError::Init(7u32)).unwrap();
        let ChildStartError::Init(init) = &error else {
            panic!("expected Init, got {error:?}");
        };
        assert_eq!(init.downcast_ref::<u32>(), Some(&7));
        assert!(!init.is::<String>());
        assert_eq!(error.to_string(), "init failed: 7");
        assert_eq!(error, error.clone());
        let other = ChildStartError::from_start_error(StartError::Init(7u32)).unwrap();
        assert_ne!(error, other, "a different failure");
    }

    #[test]
    fn an_error_type_is_shown_by_display_with_its_source() {
        let error =
            ChildStartError::convert(StartError::Init(DiskFull), ChildInitError::from_error)
                .unwrap();
        assert_eq!(error.to_string(), "init failed: the disk is full");
        let ChildStartError::Init(init) = error else {
            unreachable!()
        };
        assert!(init.is::<DiskFull>());
        assert!(init.source().is_none());
    }

    #[test]
    fn every_start_error_has_its_variant_and_ignore_is_none() {
        let e = |error: StartError<()>| ChildStartError::from_start_error(error);
        assert_eq!(e(StartError::Ignored), None);
        assert_eq!(
            e(StartError::Panicked("boom".into())),
            Some(ChildStartError::Panicked("boom".into()))
        );
        assert_eq!(e(StartError::Timeout), Some(ChildStartError::Timeout));
        assert_eq!(
            e(StartError::Exited(ExitReason::Killed)),
            Some(ChildStartError::Exited(ExitReason::Killed))
        );
        let holder = ActorId::OUTSIDE;
        assert_eq!(
            e(StartError::AlreadyStarted {
                name: "db".into(),
                holder
            }),
            Some(ChildStartError::AlreadyStarted {
                name: "db".into(),
                holder
            })
        );
        let shown = ChildError::Start {
            id: "db".into(),
            error: ChildStartError::Timeout,
        };
        assert_eq!(
            shown.to_string(),
            "child `db` did not start: init timed out"
        );
    }
}
