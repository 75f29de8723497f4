//! Registered names: unique, typed lookup, freed when the actor ends.

use gen_server::StartError;
use gen_server::prelude::*;
use tokio::sync::mpsc;

use crate::probe::{Probe, ProbeRef};

/// A different server type, to check that lookups are typed.
struct Other;

#[gen_server]
impl Other {
    fn init() -> Self {
        Other
    }
}

#[tokio::test]
async fn a_registered_server_is_found_by_name_with_its_type() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let probe = Probe::builder()
        .name("names-found")
        .start((4, tx))
        .await
        .unwrap();
    assert_eq!(probe.name(), Some("names-found"));
    let found = ProbeRef::whereis("names-found").expect("registered");
    assert_eq!(found, probe);
    assert_eq!(found.get().await, Ok(4));
    assert_eq!(gen_server::whereis("names-found"), Some(probe.id()));
    // The same name looked up as another server type finds nothing.
    assert!(OtherRef::whereis("names-found").is_none());
    assert!(ProbeRef::whereis("names-nobody").is_none());
}

#[tokio::test]
async fn a_taken_name_is_an_error_naming_the_holder() {
    let holder = Other::builder()
        .name("names-taken")
        .start(())
        .await
        .unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    match Probe::builder().name("names-taken").start((0, tx)).await {
        Err(StartError::AlreadyStarted { name, holder: id }) => {
            assert_eq!(name, "names-taken");
            assert_eq!(id, holder.id());
        }
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }
}

#[tokio::test]
async fn a_name_is_freed_when_its_server_ends() {
    let first = Other::builder()
        .name("names-freed")
        .start(())
        .await
        .unwrap();
    first.stop(ExitReason::Normal).await.unwrap();
    assert!(OtherRef::whereis("names-freed").is_none());
    assert_eq!(gen_server::whereis("names-freed"), None);
    let second = Other::builder()
        .name("names-freed")
        .start(())
        .await
        .unwrap();
    assert_ne!(second.id(), first.id());
    assert_eq!(OtherRef::whereis("names-freed"), Some(second));
}

#[tokio::test]
async fn a_crashed_server_frees_its_name() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let probe = Probe::builder()
        .name("names-crashed")
        .start((0, tx))
        .await
        .unwrap();
    let _ = probe.crash("bye".into()).await;
    let (tx, _rx) = mpsc::unbounded_channel();
    let again = Probe::builder().name("names-crashed").start((0, tx)).await;
    assert!(again.is_ok(), "{again:?}");
}
