//! Property tests: random crash schedules against the intensity rule, and
//! random exits (with random restart types and failing restarts) against
//! each strategy's restart set, computed from OTP's rules.
//!
//! Each case runs a real supervisor on a current-thread runtime with a
//! paused clock, so "seconds" pass exactly as the schedule says.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use gen_server::prelude::*;
use gen_server::supervisor::{ChildState, Restart, Strategy, SupervisorRef, SupervisorSpec};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use tokio::sync::mpsc;

use crate::member::{Behaviour, Event, MemberRef, Step, crash_and_settle, drain, settle, spec};
use crate::within;

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

/// No child is ever left unsupervised: every child a live supervisor lists
/// as running is alive, and every instance in `before` that is not a
/// current child (it was replaced, stopped or forgotten) is dead. When the
/// supervisor is gone, so is every instance.
async fn check_supervised(sup: &SupervisorRef, before: &[MemberRef]) {
    match sup.which_children().await {
        Ok(children) => {
            let mut current = HashSet::new();
            for child in children {
                match (child.state, &child.pid) {
                    (ChildState::Running, Some(pid)) => {
                        assert!(
                            pid.is_alive(),
                            "child {} is dead but listed as running",
                            child.id
                        );
                        current.insert(pid.id());
                    }
                    (ChildState::Running, None) => {
                        panic!("child {} runs without a process", child.id)
                    }
                    (_, Some(_)) => panic!("child {} has a process but is not running", child.id),
                    (_, None) => {}
                }
            }
            for old in before.iter().filter(|m| !current.contains(&m.id())) {
                assert!(
                    !old.is_alive(),
                    "{} was replaced or stopped but still runs",
                    old.id()
                );
            }
        }
        Err(_) => assert!(before.iter().all(|m| !m.is_alive())),
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

/// How a child ends in one turn.
#[derive(Clone, Copy, Debug)]
enum End {
    Normal,
    Shutdown,
    Crash,
}

impl End {
    fn reason(self, name: &str) -> ExitReason {
        match self {
            End::Normal => ExitReason::Normal,
            End::Shutdown => ExitReason::Shutdown,
            End::Crash => ExitReason::Panic(format!("{name} crashed")),
        }
    }
}

/// One turn: the child to end (an index into the running ones), how, and
/// optionally a child whose next `init` fails.
#[derive(Clone, Debug)]
struct Turn {
    victim: usize,
    end: End,
    fail_next: Option<usize>,
}

fn turn() -> impl proptest::strategy::Strategy<Value = Turn> {
    (
        0usize..5,
        prop_oneof![Just(End::Normal), Just(End::Shutdown), Just(End::Crash)],
        proptest::option::of(0usize..5),
    )
        .prop_map(|(victim, end, fail_next)| Turn {
            victim,
            end,
            fail_next,
        })
}

fn restart_type() -> impl proptest::strategy::Strategy<Value = Restart> {
    prop_oneof![
        Just(Restart::Permanent),
        Just(Restart::Transient),
        Just(Restart::Temporary),
    ]
}

/// OTP's restart rule, written out here rather than taken from the code
/// under test: permanent always, transient unless `normal`, `shutdown` or
/// `{:shutdown, _}`, temporary never.
fn restarted_after(restart: Restart, reason: &ExitReason) -> bool {
    match restart {
        Restart::Permanent => true,
        Restart::Transient => !matches!(
            reason,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        ),
        Restart::Temporary => false,
    }
}

/// A child as OTP's rules say it should be.
#[derive(Clone, Debug)]
struct Modelled {
    /// Index into `NAMES`.
    name: usize,
    restart: Restart,
    running: bool,
    /// How many of its next starts fail.
    fails: usize,
}

/// The supervisor as OTP's rules say it should be: the children in start
/// order (a forgotten one removed).
struct Model {
    strategy: Strategy,
    children: Vec<Modelled>,
}

impl Model {
    fn position(&self, name: usize) -> Option<usize> {
        self.children.iter().position(|c| c.name == name)
    }

    /// Child `name` ended with `reason`; returns the children started again.
    fn ended(&mut self, name: usize, reason: &ExitReason) -> HashSet<usize> {
        let i = self.position(name).unwrap();
        self.children[i].running = false;
        if !restarted_after(self.children[i].restart, reason) {
            if self.children[i].restart == Restart::Temporary {
                self.children.remove(i);
            }
            return HashSet::new();
        }
        let mut started = HashSet::new();
        let mut key = name;
        // Each pass is one restart: the first, then one per failed start
        // (OTP's `try_again`), from the child that failed.
        'restart: loop {
            let i = self.position(key).unwrap();
            let last = self.children.len() - 1;
            let set: Vec<usize> = match self.strategy {
                Strategy::OneForOne => i..=i,
                Strategy::OneForAll => 0..=last,
                Strategy::RestForOne => i..=last,
            }
            .map(|j| self.children[j].name)
            .collect();
            for child in self.children.iter_mut().filter(|c| set.contains(&c.name)) {
                child.running = false;
            }
            // Temporary children stopped for a sibling are forgotten.
            self.children.retain(|c| {
                c.name == key || c.restart != Restart::Temporary || !set.contains(&c.name)
            });
            for k in set {
                let Some(j) = self.position(k) else { continue };
                let child = &mut self.children[j];
                if child.fails > 0 {
                    child.fails -= 1;
                    key = k;
                    continue 'restart;
                }
                child.running = true;
                started.insert(k);
            }
            return started;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random crash times never get more restarts than allowed in any
    /// window (counted from the `Started` events the children log), every
    /// allowed one happens, and the supervisor gives up exactly at the first
    /// crash over the limit.
    #[test]
    fn restarts_never_exceed_the_intensity(
        max in 0usize..4,
        window in 1u64..6,
        gaps in proptest::collection::vec(0u64..4, 1..12),
    ) {
        let times: Vec<u64> = gaps.iter().scan(0, |t, g| { *t += g; Some(*t) }).collect();
        let expected = expected_give_up(&times, max, window);
        runtime().block_on(async {
            let (log, mut events) = mpsc::unbounded_channel();
            let sup = SupervisorSpec::new(Strategy::OneForOne)
                .max_restarts(max)
                .max_seconds(window)
                .children(CRASHERS.iter().map(|n| spec(n, &log, Behaviour::default())))
                .start()
                .await
                .unwrap();
            drain(&mut events);
            let sup_down = gen_server::monitor(&sup);
            let mut now = 0;
            let mut gave_up = None;
            // When each restart happened, from the events.
            let mut restarts = Vec::new();
            for (k, &t) in times.iter().enumerate() {
                tokio::time::advance(Duration::from_secs(t - now)).await;
                now = t;
                let members: Vec<_> = CRASHERS.iter().filter_map(|n| MemberRef::whereis(n)).collect();
                crash_and_settle(&members[0], &sup).await;
                check_supervised(&sup, &members).await;
                let started = drain(&mut events)
                    .iter()
                    .filter(|e| matches!(e, Event::Started(_)))
                    .count();
                restarts.extend(std::iter::repeat_n(t, started));
                if !sup.is_alive() {
                    assert_eq!(started, 0, "no restart when giving up");
                    gave_up = Some(k);
                    break;
                }
                assert_eq!(started, 1, "crash {k} at {t} s is restarted");
            }
            for &t in &restarts {
                let in_window = restarts.iter().filter(|&&r| r <= t && t - r <= window).count();
                assert!(in_window <= max, "{in_window} restarts in the {window} s up to {t} s, max {max}");
            }
            assert_eq!(restarts.len(), expected.unwrap_or(times.len()), "crash times {times:?}, max {max} in {window} s");
            assert_eq!(gave_up, expected, "crash times {times:?}, max {max} in {window} s");
            if gave_up.is_some() {
                assert_eq!(within(sup_down).await, ExitReason::Shutdown);
            }
        });
    }

    /// Random exits (normal, shutdown, crash) of children with random
    /// restart types, with random failing restarts, restart exactly the set
    /// each strategy names, as OTP's rules compute it; the children then
    /// listed are the ones the rules keep, running or not as they say.
    #[test]
    fn each_strategy_restarts_exactly_its_set(
        strategy in prop_oneof![
            Just(Strategy::OneForOne),
            Just(Strategy::OneForAll),
            Just(Strategy::RestForOne),
        ],
        restarts in proptest::collection::vec(restart_type(), 2..=5),
        turns in proptest::collection::vec(turn(), 1..8),
    ) {
        let n = restarts.len();
        runtime().block_on(async {
            let (log, _events) = mpsc::unbounded_channel();
            let behaviours: Vec<Behaviour> = (0..n).map(|_| Behaviour::default()).collect();
            let sup = SupervisorSpec::new(strategy)
                .max_restarts(1000)
                .children((0..n).map(|i| spec(NAMES[i], &log, behaviours[i].clone()).restart(restarts[i])))
                .start()
                .await
                .unwrap();
            let mut model = Model {
                strategy,
                children: (0..n)
                    .map(|name| Modelled { name, restart: restarts[name], running: true, fails: 0 })
                    .collect(),
            };
            for turn in &turns {
                let running: Vec<usize> = model.children.iter().filter(|c| c.running).map(|c| c.name).collect();
                if running.is_empty() {
                    break;
                }
                if let Some(j) = turn.fail_next.map(|j| j % n)
                    && let Some(k) = model.position(j)
                {
                    behaviours[j].script.push(Step::Fail);
                    model.children[k].fails += 1;
                }
                let victim = running[turn.victim % running.len()];
                let reason = turn.end.reason(NAMES[victim]);
                let before: HashMap<usize, MemberRef> = running
                    .iter()
                    .map(|&i| (i, MemberRef::whereis(NAMES[i]).expect("a running child is registered")))
                    .collect();

                let target = &before[&victim];
                let down = gen_server::monitor(target);
                match turn.end {
                    End::Crash => target.crash().await.unwrap(),
                    End::Normal | End::Shutdown => target.finish(reason.clone()).await.unwrap(),
                }
                assert_eq!(within(down).await, reason);
                let children = settle(&sup).await;
                let old: Vec<MemberRef> = before.values().cloned().collect();
                check_supervised(&sup, &old).await;

                let expected = model.ended(victim, &reason);
                let context = format!("{strategy:?}, restarts {restarts:?}, turn {turn:?}");
                let listed: Vec<(String, ChildState)> =
                    children.iter().map(|c| (c.id.clone(), c.state)).collect();
                let modelled: Vec<(String, ChildState)> = model
                    .children
                    .iter()
                    .map(|c| {
                        let state = if c.running { ChildState::Running } else { ChildState::Stopped };
                        (NAMES[c.name].to_string(), state)
                    })
                    .collect();
                assert_eq!(listed, modelled, "{context}");
                let restarted: HashSet<usize> = children
                    .iter()
                    .filter_map(|c| {
                        let name = NAMES.iter().position(|n| *n == c.id).unwrap();
                        let pid = c.pid.as_ref()?;
                        let new = before.get(&name).is_none_or(|old| old.id() != pid.id());
                        new.then_some(name)
                    })
                    .collect();
                assert_eq!(restarted, expected, "{context}");
                for c in &children {
                    let registered = MemberRef::whereis(&c.id).map(|m| m.id());
                    assert_eq!(registered, c.pid.as_ref().map(|p| p.id()), "{context}: name of {}", c.id);
                }
            }
            sup.stop(ExitReason::Shutdown).await.unwrap();
        });
    }
}
