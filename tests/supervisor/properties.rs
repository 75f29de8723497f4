//! Property tests: random crash schedules against the intensity rule, and
//! random crashes against each strategy's restart set.
//!
//! Each case runs a real supervisor on a current-thread runtime with a
//! paused clock, so "seconds" pass exactly as the schedule says.

use std::collections::HashSet;
use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{Strategy, SupervisorRef, SupervisorSpec};
use proptest::prelude::*;
use tokio::sync::mpsc;

use crate::member::{Behaviour, MemberRef, crash_and_settle, spec};

/// Registered names, one set per property: the two run at the same time.
const CRASHERS: [&str; 2] = ["pi0", "pi1"];
const NAMES: [&str; 5] = ["ps0", "ps1", "ps2", "ps3", "ps4"];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Every child of a live supervisor is running; when the supervisor is
/// gone, so is every child. (No child is ever left unsupervised.)
async fn check_supervised(sup: &SupervisorRef, members: &[MemberRef]) {
    match sup.which_children().await {
        Ok(children) => {
            for child in children {
                let pid = child.pid.expect("a permanent child is always running");
                assert!(
                    pid.is_alive(),
                    "child {} is dead but still listed",
                    child.id
                );
            }
        }
        Err(_) => assert!(members.iter().all(|m| !m.is_alive())),
    }
}

/// The OTP rule, written out naively: the crash at `times[k]` gives up if
/// more than `max` crashes (this one included) happened within `window`
/// before it.
fn expected_give_up(times: &[u64], max: usize, window: u64) -> Option<usize> {
    (0..times.len()).find(|&k| {
        let recent = times[..=k]
            .iter()
            .filter(|&&t| times[k] - t <= window)
            .count();
        recent > max
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random crash times never get more restarts than allowed, and the
    /// supervisor gives up exactly at the first crash over the limit.
    #[test]
    fn restarts_never_exceed_the_intensity(
        max in 0usize..4,
        window in 1u64..6,
        gaps in proptest::collection::vec(0u64..4, 1..12),
    ) {
        let times: Vec<u64> = gaps.iter().scan(0, |t, g| { *t += g; Some(*t) }).collect();
        let expected = expected_give_up(&times, max, window);
        runtime().block_on(async {
            let (log, _events) = mpsc::unbounded_channel();
            let sup = SupervisorSpec::new(Strategy::OneForOne)
                .max_restarts(max)
                .max_seconds(window)
                .children(CRASHERS.iter().map(|n| spec(n, &log, Behaviour::default())))
                .start()
                .await
                .unwrap();
            let sup_down = gen_server::monitor(&sup);
            let mut now = 0;
            let mut gave_up = None;
            for (k, &t) in times.iter().enumerate() {
                tokio::time::advance(Duration::from_secs(t - now)).await;
                now = t;
                let members: Vec<_> = CRASHERS.iter().filter_map(|n| MemberRef::whereis(n)).collect();
                crash_and_settle(&members[0], &sup).await;
                check_supervised(&sup, &members).await;
                if !sup.is_alive() {
                    gave_up = Some(k);
                    break;
                }
            }
            assert_eq!(gave_up, expected, "crash times {times:?}, max {max} in {window} s");
            if gave_up.is_some() {
                assert_eq!(sup_down.await, ExitReason::Shutdown);
            }
        });
    }

    /// Random crashes restart exactly the set each strategy names.
    #[test]
    fn each_strategy_restarts_exactly_its_set(
        strategy in prop_oneof![
            Just(Strategy::OneForOne),
            Just(Strategy::OneForAll),
            Just(Strategy::RestForOne),
        ],
        n in 2usize..=5,
        crashes in proptest::collection::vec(0usize..5, 1..8),
    ) {
        runtime().block_on(async {
            let (log, _events) = mpsc::unbounded_channel();
            let sup = SupervisorSpec::new(strategy)
                .max_restarts(100)
                .children(NAMES[..n].iter().map(|name| spec(name, &log, Behaviour::default())))
                .start()
                .await
                .unwrap();
            for &c in &crashes {
                let victim = c % n;
                let before: Vec<_> = NAMES[..n].iter().map(|name| MemberRef::whereis(name).unwrap()).collect();
                crash_and_settle(&before[victim], &sup).await;
                check_supervised(&sup, &before).await;
                let after: Vec<_> = NAMES[..n].iter().map(|name| MemberRef::whereis(name).unwrap()).collect();
                let restarted: HashSet<usize> =
                    (0..n).filter(|&i| after[i].id() != before[i].id()).collect();
                let expected: HashSet<usize> = match strategy {
                    Strategy::OneForOne => [victim].into(),
                    Strategy::OneForAll => (0..n).collect(),
                    Strategy::RestForOne => (victim..n).collect(),
                };
                assert_eq!(restarted, expected, "{strategy:?}, {n} children, crash of {victim}");
            }
            sup.stop(ExitReason::Shutdown).await.unwrap();
        });
    }
}
