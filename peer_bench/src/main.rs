//! gen_server side by side with the hand-written tokio actor (task + mpsc +
//! oneshot), ractor, kameo and actix: the same counter server in each
//! (`add(n) -> total`, `bump(n)`, `get()`; see `counter.rs`), the same
//! workloads (`workloads.rs`), and for gen_server alone, tasks, monitors and
//! supervisors beside their hand-written equivalents (`gs_only.rs`).
//!
//! ```sh
//! cargo run --release -p peer_bench                 # everything, ~1-2 min on 2 cores
//! cargo run --release -p peer_bench -- --quick      # smaller sizes, 2 repetitions: a smoke test
//! ```
//!
//! Every workload runs `--reps` times (11 by default) in this one process,
//! the implementations taking turns within each repetition (in a rotating
//! order), and the table shows each one's median and its ratio to the
//! hand-written actor's median. Options:
//!
//! * `--reps N`: repetitions per workload;
//! * `--only WORD[,WORD…]`: only the workloads whose key contains a word
//!   (`call`, `cast`, `fan_in`, `spawn`, `memory`, `tasks`, `down`,
//!   `restart`);
//! * `--libs NAME[,NAME…]`: only these implementations (`hand`,
//!   `gen_server`, `ractor`, `kameo`, `actix`, `hand_await`), and
//!   `--flavors current|multi`: only that runtime (for profiling);
//! * `--tsv PATH`: also write the medians as TSV;
//! * `--combine A.tsv B.tsv …`: measure nothing; print the table of the
//!   median of those runs' medians, and draw its chart;
//! * `--svg PATH`: where the chart goes (default `peer_bench/ratios.svg`);
//!   `--no-svg`: no chart.
//!
//! Runtimes: gen_server, the hand-written actor, ractor and kameo run on
//! tokio's current-thread runtime and on its multi-thread runtime with 2
//! workers, the measuring task spawned on the runtime. Actix needs its own:
//! the "current-thread" figures run on an `actix_rt::System` (one thread),
//! the "2 workers" ones put the servers on one `Arbiter` (a second thread)
//! and the callers on the `System` thread.

mod alloc;
mod counter;
mod gs_only;
mod report;
mod workloads;

#[path = "../../benches/common/mod.rs"]
mod common;

use std::future::Future;
use std::path::PathBuf;
use std::time::Instant;

use common::tasks::hand::Style;
use counter::{Counter, act, kam, rac};
use report::{Flavor, Lib, Results, Row, Sizes};
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// The runtimes, alive for the whole run.
struct Runtimes {
    current: Runtime,
    multi: Runtime,
    actix: actix_rt::SystemRunner,
    arbiter: actix_rt::Arbiter,
}

impl Runtimes {
    fn new() -> Self {
        let [(_, current), (_, multi)] = common::runtimes();
        let actix = actix_rt::System::new();
        let arbiter = actix_rt::Arbiter::new();
        Runtimes {
            current,
            multi,
            actix,
            arbiter,
        }
    }

    /// Runs `fut` as a task of the runtime for `flavor` (actix's own for
    /// `Lib::Actix`) and returns its output.
    fn run<T: Send + 'static>(
        &self,
        flavor: Flavor,
        lib: Lib,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> T {
        if lib == Lib::Actix {
            act::set_target(match flavor {
                Flavor::Current => None,
                Flavor::Multi => Some(self.arbiter.handle()),
            });
            let out = self
                .actix
                .block_on(async move { actix_rt::spawn(fut).await.expect("benchmark task") });
            act::set_target(None);
            out
        } else {
            let rt = match flavor {
                Flavor::Current => &self.current,
                Flavor::Multi => &self.multi,
            };
            rt.block_on(rt.spawn(fut)).expect("benchmark task")
        }
    }

    fn stop(self) {
        self.arbiter.stop();
        let _ = self.arbiter.join();
    }
}

/// A peer workload.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    Call,
    Cast,
    FanIn,
    Spawn,
    Memory,
}

/// One repetition of `work` for counter `C`, recorded in `results`.
fn measure<C: Counter>(
    rts: &Runtimes,
    sizes: &Sizes,
    results: &mut Results,
    work: Work,
    flavor: Flavor,
    lib: Lib,
) {
    let s = sizes.clone();
    match work {
        Work::Call => {
            let v = rts.run(flavor, lib, workloads::call_round_trip::<C>(s.calls));
            results.add(Row::Call, flavor, lib, v);
        }
        Work::Cast => {
            let v = rts.run(flavor, lib, workloads::cast_throughput::<C>(s.casts));
            results.add(Row::Cast, flavor, lib, v);
        }
        Work::FanIn => {
            let v = rts.run(
                flavor,
                lib,
                workloads::fan_in::<C>(s.fan_callers, s.fan_calls),
            );
            results.add(Row::FanIn, flavor, lib, v);
        }
        Work::Spawn => {
            let (start, stop) = rts.run(flavor, lib, workloads::spawn_stop::<C>(s.spawn));
            results.add(Row::Start, flavor, lib, start);
            results.add(Row::Stop, flavor, lib, stop);
        }
        Work::Memory => {
            let (bytes, blocks) = rts.run(flavor, lib, workloads::memory::<C>(s.memory));
            results.add(Row::Memory, flavor, lib, bytes);
            results.add(Row::Blocks, flavor, lib, blocks);
        }
    }
}

/// [`measure`] for the counter of `lib`.
fn measure_for(lib: Lib) -> fn(&Runtimes, &Sizes, &mut Results, Work, Flavor, Lib) {
    match lib {
        Lib::Hand => measure::<common::hand::Counter>,
        Lib::GenServer => measure::<common::gs::CounterRef>,
        Lib::Ractor => measure::<rac::Counter>,
        Lib::Kameo => measure::<kam::Counter>,
        Lib::Actix => measure::<act::Counter>,
        Lib::HandAwait => unreachable!("not a counter"),
    }
}

/// A gen_server-only workload.
#[derive(Clone, Copy)]
enum Solo {
    Tasks,
    Down,
    Restart,
}

fn measure_solo(
    rts: &Runtimes,
    sizes: &Sizes,
    results: &mut Results,
    work: Solo,
    flavor: Flavor,
    lib: Lib,
) {
    let s = sizes.clone();
    let (tasks, down) = (s.tasks as usize, s.down as usize);
    let v = match (work, lib) {
        (Solo::Tasks, Lib::GenServer) => rts.run(flavor, lib, gs_only::tasks_gen_server(tasks)),
        (Solo::Tasks, Lib::Hand) => {
            rts.run(flavor, lib, gs_only::tasks_hand(tasks, Style::Mailbox))
        }
        (Solo::Tasks, Lib::HandAwait) => {
            rts.run(flavor, lib, gs_only::tasks_hand(tasks, Style::Await))
        }
        (Solo::Down, Lib::GenServer) => rts.run(flavor, lib, gs_only::down_gen_server(down)),
        (Solo::Down, Lib::Hand) => rts.run(flavor, lib, gs_only::down_hand(down)),
        (Solo::Restart, Lib::GenServer) => {
            rts.run(flavor, lib, gs_only::restart_gen_server(s.restarts))
        }
        (Solo::Restart, Lib::Hand) => rts.run(flavor, lib, gs_only::restart_hand(s.restarts)),
        _ => unreachable!("no such pair"),
    };
    let row = match work {
        Solo::Tasks => Row::Tasks,
        Solo::Down => Row::Down,
        Solo::Restart => Row::Restart,
    };
    results.add(row, flavor, lib, v);
}

struct Options {
    reps: usize,
    sizes: Sizes,
    quick: bool,
    only: Vec<String>,
    libs: Option<Vec<Lib>>,
    flavors: Vec<Flavor>,
    tsv: Option<PathBuf>,
    svg: Option<PathBuf>,
    combine: Vec<PathBuf>,
}

fn usage(error: &str) -> ! {
    eprintln!("{error}");
    eprintln!(
        "usage: peer_bench [--quick] [--reps N] [--only WORD,…] [--libs NAME,…] [--flavors current|multi] [--tsv PATH] [--svg PATH | --no-svg] [--combine A.tsv B.tsv …]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        reps: 11,
        sizes: Sizes::full(),
        quick: false,
        only: Vec::new(),
        libs: None,
        flavors: Flavor::ALL.to_vec(),
        tsv: None,
        svg: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ratios.svg")),
        combine: Vec::new(),
    };
    let mut reps = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--quick" => {
                o.quick = true;
                o.sizes = Sizes::quick();
            }
            "--reps" => {
                let n = value("--reps")
                    .parse()
                    .unwrap_or_else(|_| usage("--reps takes a number"));
                reps = Some(n);
            }
            "--only" => {
                o.only = value("--only").split(',').map(str::to_string).collect();
            }
            "--libs" => {
                let names = value("--libs");
                let libs = names.split(',').map(|n| {
                    Lib::by_key(n).unwrap_or_else(|| usage(&format!("unknown library {n}")))
                });
                o.libs = Some(libs.collect());
            }
            "--flavors" => {
                let names = value("--flavors");
                let flavors = names.split(',').map(|n| {
                    Flavor::by_key(n).unwrap_or_else(|| usage(&format!("unknown runtime {n}")))
                });
                o.flavors = flavors.collect();
            }
            "--tsv" => o.tsv = Some(value("--tsv").into()),
            "--svg" => o.svg = Some(value("--svg").into()),
            "--no-svg" => o.svg = None,
            "--combine" => {
                o.combine.extend(args.by_ref().map(PathBuf::from));
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    o.reps = reps.unwrap_or(if o.quick { 2 } else { 11 });
    if o.reps == 0 {
        usage("--reps must be at least 1");
    }
    o
}

impl Options {
    /// The implementations of `all` that `--libs` keeps.
    fn pick(&self, all: &[Lib]) -> Vec<Lib> {
        all.iter()
            .copied()
            .filter(|lib| self.libs.as_ref().is_none_or(|keep| keep.contains(lib)))
            .collect()
    }
}

/// Runs `reps` repetitions of workload `key` on `flavor`, the implementations
/// of `libs` taking turns within each in a rotating order (`measure` records
/// one), and reports how long they took.
fn take_turns(key: &str, flavor: Flavor, reps: usize, libs: &[Lib], mut measure: impl FnMut(Lib)) {
    let started = Instant::now();
    for rep in 0..reps {
        for i in 0..libs.len() {
            measure(libs[(i + rep) % libs.len()]);
        }
    }
    eprintln!(
        "{key} / {flavor:?}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn wanted(only: &[String], key: &str) -> bool {
    only.is_empty() || only.iter().any(|w| key.contains(w.as_str()))
}

fn main() {
    let o = options();
    let mut results = Results::default();
    let t0 = Instant::now();
    let subtitle = if o.combine.is_empty() {
        let rts = Runtimes::new();
        let peers = [
            (Work::Call, "call"),
            (Work::Cast, "cast"),
            (Work::FanIn, "fan_in"),
            (Work::Spawn, "spawn"),
            (Work::Memory, "memory"),
        ];
        for (work, key) in peers {
            if !wanted(&o.only, key) {
                continue;
            }
            let (flavors, reps): (&[Flavor], usize) = if work == Work::Memory {
                (&[Flavor::Current], 1)
            } else {
                (&o.flavors, o.reps)
            };
            let libs = o.pick(&Lib::PEERS);
            for &flavor in flavors {
                take_turns(key, flavor, reps, &libs, |lib| {
                    measure_for(lib)(&rts, &o.sizes, &mut results, work, flavor, lib);
                });
            }
        }
        // The panics of the restart workload are the workload: do not print them.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let solos = [
            (
                Solo::Tasks,
                "tasks",
                &[Lib::Hand, Lib::GenServer, Lib::HandAwait][..],
            ),
            (Solo::Down, "down", &[Lib::Hand, Lib::GenServer][..]),
            (Solo::Restart, "restart", &[Lib::Hand, Lib::GenServer][..]),
        ];
        for (work, key, libs) in solos {
            if !wanted(&o.only, key) {
                continue;
            }
            let libs = o.pick(libs);
            for &flavor in &o.flavors {
                take_turns(key, flavor, o.reps, &libs, |lib| {
                    measure_solo(&rts, &o.sizes, &mut results, work, flavor, lib);
                });
            }
        }
        std::panic::set_hook(hook);
        rts.stop();
        format!(
            "medians of {} repetitions{}; 2 vCPUs; actix on its own runtime (System; System + 1 Arbiter for \"2 workers\")",
            o.reps,
            if o.quick { ", --quick sizes" } else { "" }
        )
    } else {
        for path in &o.combine {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| usage(&format!("{}: {e}", path.display())));
            results
                .add_tsv(&text)
                .unwrap_or_else(|e| usage(&format!("{}: {e}", path.display())));
        }
        format!(
            "median of {} runs' medians (11 repetitions each); 2 vCPUs; actix on its own runtime (System; System + 1 Arbiter for \"2 workers\")",
            o.combine.len()
        )
    };

    println!("{}", results.table(&o.sizes));
    println!(
        "Ratios: the figure ÷ the hand-written actor's (lower is better). Actix runs on its own runtime: \
         an actix_rt::System (\"current-thread\"), or the System thread for the callers and one Arbiter \
         thread for the servers (\"2 workers\")."
    );
    println!("\nTargets:\n{}", results.targets());
    if let Some(path) = &o.tsv {
        std::fs::write(path, results.to_tsv()).expect("write the TSV");
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &o.svg {
        results.chart(path, &subtitle).expect("draw the chart");
        eprintln!("wrote {}", path.display());
    }
    if o.combine.is_empty() {
        eprintln!("total: {:.1} s", t0.elapsed().as_secs_f64());
    }
}
