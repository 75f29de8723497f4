//! The trait `#[gen_server]` implements, and what `init` may return.

use std::convert::Infallible;
use std::future::Future;

use crate::{ActorRef, Context, Down, Exit, ExitReason, ToPid};

/// A server type: implemented by [`#[gen_server]`](macro@crate::gen_server) from an
/// `impl` block, not by hand.
///
/// The associated types are what the generated API is built from: `Args` is
/// what [`Builder::start`](crate::Builder::start) takes (the parameters of
/// `init`, as a tuple when there are several), `InitError` is the error `init`
/// can return ([`Infallible`] when it returns `Self`), and `Ref` is the
/// generated client handle.
///
/// The methods are the glue between the runtime and your handlers; they are
/// hidden from the docs and may change in any release.
pub trait GenServer: Sized + Send + 'static {
    /// What `init` takes: `()` for none, the value for one, a tuple for several.
    type Args: Send + 'static;
    /// What `init` can fail with.
    type InitError: Send + 'static;
    /// The generated client handle (for `struct Counter`, `CounterRef`).
    type Ref: From<ActorRef<Self>> + ToPid + Clone + Send + Sync + 'static;
    #[doc(hidden)]
    type Msg: Send + 'static;
    #[doc(hidden)]
    type Continue: Send + 'static;

    #[doc(hidden)]
    fn __init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Init<Self>, Self::InitError>> + Send + '_;

    #[doc(hidden)]
    fn __handle<'a>(
        &'a mut self,
        msg: Self::Msg,
        ctx: &'a mut Context<Self>,
    ) -> impl Future<Output = ()> + Send + 'a;

    #[doc(hidden)]
    fn __continue<'a>(
        &'a mut self,
        arg: Self::Continue,
        ctx: &'a mut Context<Self>,
    ) -> impl Future<Output = ()> + Send + 'a;

    /// The message for the `#[info]` handler of [`Down`], if the server has one.
    #[doc(hidden)]
    fn __down(down: Down) -> Option<Self::Msg> {
        let _ = down;
        None
    }

    /// The message for the `#[info]` handler of [`Exit`], if the server has one.
    #[doc(hidden)]
    fn __exit(exit: Exit) -> Option<Self::Msg> {
        let _ = exit;
        None
    }

    /// This server as a supervisor's child, started with
    /// `Self::builder().start_link(args)` and a clone of `args` at each
    /// restart, with OTP's defaults (permanent, 5 s shutdown, id = the
    /// type's name); see [`ChildSpec`](crate::supervisor::ChildSpec) to
    /// change them. `args` is what [`Builder::start`](crate::Builder::start)
    /// takes: a tuple when `init` has several parameters. A failed start
    /// keeps the `init` error in
    /// [`ChildStartError::Init`](crate::supervisor::ChildStartError::Init),
    /// hence `Debug + Sync`.
    fn child_spec(args: Self::Args) -> crate::supervisor::ChildSpec
    where
        Self::Args: Clone + Sync,
        Self::InitError: std::fmt::Debug + Sync,
    {
        crate::supervisor::ChildSpec::server::<Self>(args)
    }

    #[doc(hidden)]
    fn __terminate<'a>(
        &'a mut self,
        reason: &'a ExitReason,
        ctx: &'a mut Context<Self>,
    ) -> impl Future<Output = ()> + Send + 'a;
}

/// A server that has an `#[info]` handler for messages of type `M`, so that
/// [`ActorRef::send_info`] and the timers accept them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler for `{M}`",
    label = "no `#[info]` handler takes this message",
    note = "add `#[info] fn on_message(&mut self, msg: {M})` to the `#[gen_server]` impl of `{Self}`"
)]
pub trait Info<M>: GenServer {
    #[doc(hidden)]
    fn __into_msg(msg: M) -> Self::Msg;
}

/// A message type some `#[info]` handler of `A` takes: the bound of
/// [`ActorRef::send_info`] and the timers. Implemented for every `M` with
/// `A: Info<M>`; it exists so that a message nobody handles is reported as
/// such, naming both types.
#[diagnostic::on_unimplemented(
    message = "`{A}` has no `#[info]` handler for `{Self}`",
    label = "no `#[info]` handler of `{A}` takes this message",
    note = "add `#[info] fn on_message(&mut self, msg: {Self})` to the `#[gen_server]` impl of `{A}`"
)]
pub trait InfoFor<A: GenServer> {
    #[doc(hidden)]
    fn __into_msg(self) -> A::Msg;
}

impl<A: Info<M>, M> InfoFor<A> for M {
    fn __into_msg(self) -> A::Msg {
        A::__into_msg(self)
    }
}

/// What `init` may return besides `Self`: OTP's `{:ok, state}` or `:ignore`.
///
/// `init` may return `Self`, `Result<Self, E>`, `Init<Self>` or
/// `Result<Init<Self>, E>`.
///
/// ```
/// use gen_server::prelude::*;
///
/// struct Optional;
///
/// #[gen_server]
/// impl Optional {
///     fn init(enabled: bool) -> Init<Self> {
///         if enabled { Init::Ready(Optional) } else { Init::Ignore }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert!(matches!(Optional::start(false).await, Err(StartError::Ignored)));
/// # }
/// ```
#[derive(Debug)]
pub enum Init<A> {
    /// Run with this state.
    Ready(A),
    /// Do not run: [`start`](crate::Builder::start) fails with
    /// [`StartError::Ignored`](crate::StartError::Ignored) (OTP's `:ignore`).
    Ignore,
}

/// The return types `init` may have, other than `Self`.
#[diagnostic::on_unimplemented(
    message = "`init` must return `Self`, `Result<Self, E>`, `Init<Self>` or `Result<Init<Self>, E>`",
    label = "`init` returns `{Self}`"
)]
pub trait InitOutput<A> {
    /// The error `start` reports when `init` fails.
    type Error: Send + 'static;
    /// Converts to the one shape the runtime uses.
    fn into_init(self) -> Result<Init<A>, Self::Error>;
}

impl<A, E: Send + 'static> InitOutput<A> for Result<A, E> {
    type Error = E;
    fn into_init(self) -> Result<Init<A>, E> {
        self.map(Init::Ready)
    }
}

impl<A> InitOutput<A> for Init<A> {
    type Error = Infallible;
    fn into_init(self) -> Result<Init<A>, Infallible> {
        Ok(self)
    }
}

impl<A, E: Send + 'static> InitOutput<A> for Result<Init<A>, E> {
    type Error = E;
    fn into_init(self) -> Result<Init<A>, E> {
        self
    }
}

/// The `Continue` type of a server without `handle_continue`: it has no
/// values, so [`Context::continue_with`] cannot be called.
#[derive(Debug)]
pub enum NoContinue {}

/// Finds a server's `#[info]` handler for `M` if it has one: the generated
/// `__down`/`__exit` call `(&&InfoProbe::<Self, M>::new()).__to_msg(msg)`, which
/// resolves to [`ViaInfo`] when `Self: Info<M>` and to [`NoInfo`] otherwise
/// (method resolution tries `&&InfoProbe` before `&InfoProbe`; this works on
/// the concrete types the macro names, without specialization).
#[doc(hidden)]
#[derive(Debug)]
pub struct InfoProbe<A, M>(std::marker::PhantomData<fn() -> (A, M)>);

impl<A, M> InfoProbe<A, M> {
    #[doc(hidden)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        InfoProbe(std::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait ViaInfo<A: GenServer, M> {
    fn __to_msg(&self, msg: M) -> Option<A::Msg>;
}

impl<A: Info<M>, M> ViaInfo<A, M> for &InfoProbe<A, M> {
    fn __to_msg(&self, msg: M) -> Option<A::Msg> {
        Some(A::__into_msg(msg))
    }
}

#[doc(hidden)]
pub trait NoInfo<A: GenServer, M> {
    fn __to_msg(&self, msg: M) -> Option<A::Msg>;
}

impl<A: GenServer, M> NoInfo<A, M> for InfoProbe<A, M> {
    fn __to_msg(&self, _msg: M) -> Option<A::Msg> {
        None
    }
}
