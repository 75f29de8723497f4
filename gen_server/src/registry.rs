//! Registered names: unique, typed lookup, freed when the actor ends.
//!
//! One process-wide map, locked only to register, unregister and look up a
//! name, never on the message path.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use crate::cell::Cell;
use crate::process::Process;
use crate::{ActorId, ActorRef, GenServer};

type Names = HashMap<Box<str>, Arc<dyn Process>>;

static NAMES: LazyLock<Mutex<Names>> = LazyLock::new(Default::default);

fn names() -> MutexGuard<'static, Names> {
    // The map is never left half-updated by a panic (no user code runs under
    // the lock), so a poisoned lock is safe to use.
    NAMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `cell` under its name. Fails with the holder's id if a live actor
/// already holds it.
pub(crate) fn register<A: GenServer>(name: &str, cell: &Arc<Cell<A>>) -> Result<(), ActorId> {
    register_process(name, &(Arc::clone(cell) as Arc<dyn Process>))
}

/// Registers any process under `name`; fails with the holder's id if a live
/// process already holds it.
pub(crate) fn register_process(name: &str, process: &Arc<dyn Process>) -> Result<(), ActorId> {
    let mut names = names();
    if let Some(holder) = names.get(name)
        && holder.is_alive()
    {
        return Err(holder.core().id);
    }
    names.insert(name.into(), Arc::clone(process));
    Ok(())
}

/// Frees `name` if `id` still holds it.
pub(crate) fn unregister(name: &str, id: ActorId) {
    let mut names = names();
    if names.get(name).is_some_and(|holder| holder.core().id == id) {
        names.remove(name);
    }
}

/// The live actor of type `A` registered under `name`.
pub(crate) fn lookup<A: GenServer>(name: &str) -> Option<ActorRef<A>> {
    let cell = lookup_as::<Cell<A>>(name)?;
    Some(ActorRef { cell })
}

/// The live process registered under `name`, if it is a `P`.
pub(crate) fn lookup_as<P: Process>(name: &str) -> Option<Arc<P>> {
    let holder = names().get(name).filter(|h| h.is_alive()).cloned()?;
    holder.as_any().downcast::<P>().ok()
}

/// The id of the live actor registered under `name`, whatever its type (OTP's
/// `Process.whereis/1`).
///
/// For a typed handle, use the generated `whereis` (`CounterRef::whereis`).
pub fn whereis(name: &str) -> Option<ActorId> {
    names()
        .get(name)
        .filter(|holder| holder.is_alive())
        .map(|holder| holder.core().id)
}
