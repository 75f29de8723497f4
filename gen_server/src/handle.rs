//! The methods every generated client handle has besides its handlers.
//!
//! They are written once here and stamped into each handle by
//! `#[gen_server]`, instead of a `Deref` to [`ActorRef`](crate::ActorRef):
//! a `Deref` impl would have to name the server type, which must then be
//! exactly as visible as the handle.

/// Expands, inside `impl CounterRef { ... }`, to the forwarding methods.
#[doc(hidden)]
#[macro_export]
macro_rules! __handle_methods {
    ($vis:vis, $server:ty) => {
        /// The server's id (an Erlang pid's analogue): printable, hashable, usable as a key.
        $vis fn id(&self) -> $crate::ActorId {
            self.0.id()
        }

        /// The name the server was registered under, if any.
        $vis fn name(&self) -> ::core::option::Option<&str> {
            self.0.name()
        }

        /// Whether the server is still running (it is while it runs `terminate`).
        $vis fn is_alive(&self) -> bool {
            self.0.is_alive()
        }

        /// Why the server ended, or is ending; `None` while it runs normally.
        $vis fn exit_reason(&self) -> ::core::option::Option<$crate::ExitReason> {
            self.0.exit_reason()
        }

        /// Stops the server with `reason` and waits until it has ended, after
        /// its `terminate` (OTP's `GenServer.stop/2`). See `ActorRef::stop`.
        ///
        /// # Errors
        /// `StopError::NoProc` if it was not running, `StopError::Exited` if it
        /// ended some other way first.
        ///
        /// # Cancellation
        /// Dropping the future after its first poll does not withdraw the request.
        $vis async fn stop(&self, reason: $crate::ExitReason) -> ::core::result::Result<(), $crate::StopError> {
            self.0.stop(reason).await
        }

        /// Kills the server at once, without `terminate` (OTP's
        /// `Process.exit(pid, :kill)`). Returns false if it had already ended.
        $vis fn kill(&self) -> bool {
            self.0.kill()
        }

        /// Sends `msg` to the server's `#[info]` handler for its type. Await the
        /// result, or call `try_send` on it.
        $vis fn send_info<M>(&self, msg: M) -> $crate::Cast<'_, $server>
        where
            M: $crate::InfoFor<$server>,
        {
            self.0.send_info(msg)
        }

        /// A type-erased handle to the server, for links, monitors and signals.
        $vis fn pid(&self) -> $crate::Pid {
            self.0.pid()
        }

        /// The untyped-by-handler handle underneath.
        $vis fn actor_ref(&self) -> &$crate::ActorRef<$server> {
            &self.0
        }
    };
}
