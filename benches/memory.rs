//! Memory benchmark: what an idle actor costs, for a `#[gen_server]` counter and
//! for the same counter written by hand as a tokio actor (a task looping over
//! an unbounded mpsc channel, replies over oneshot channels).
//!
//! Run with `cargo bench --bench memory`. A counting global allocator tracks
//! live heap bytes and blocks (as requested from the allocator: malloc's own
//! per-block overhead is not included). For each kind of actor it starts
//! [`ACTORS`] of them on a current-thread runtime, lets them settle (started,
//! `init` done, waiting on an empty mailbox), and reports the growth of the
//! live heap divided by the number of actors, then the same after one and after
//! two calls to each actor. It then lists the live blocks of one actor, as
//! traced from its start.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

/// Actors started per measurement.
const ACTORS: usize = 10_000;

mod common;

use common::{gs, hand};

// ---------------------------------------------------------------------------
// The counting allocator.

struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);
/// Calls to `alloc`, `alloc_zeroed` and `realloc`.
static ALLOC_CALLS: AtomicUsize = AtomicUsize::new(0);

/// While set, every block allocated is recorded in `TRACE_*` (address and size,
/// the address cleared when it is freed), up to `TRACE_CAP` blocks.
static TRACING: AtomicBool = AtomicBool::new(false);
const TRACE_CAP: usize = 256;
static TRACE_LEN: AtomicUsize = AtomicUsize::new(0);
static TRACE_ADDR: [AtomicUsize; TRACE_CAP] = [const { AtomicUsize::new(0) }; TRACE_CAP];
static TRACE_SIZE: [AtomicUsize; TRACE_CAP] = [const { AtomicUsize::new(0) }; TRACE_CAP];

fn on_alloc(ptr: *mut u8, size: usize) {
    if ptr.is_null() {
        return;
    }
    LIVE_BYTES.fetch_add(size, Relaxed);
    LIVE_BLOCKS.fetch_add(1, Relaxed);
    ALLOC_CALLS.fetch_add(1, Relaxed);
    if TRACING.load(Relaxed) {
        let i = TRACE_LEN.fetch_add(1, Relaxed);
        if i < TRACE_CAP {
            TRACE_ADDR[i].store(ptr as usize, Relaxed);
            TRACE_SIZE[i].store(size, Relaxed);
        }
    }
}

fn on_dealloc(ptr: *mut u8, size: usize) {
    LIVE_BYTES.fetch_sub(size, Relaxed);
    LIVE_BLOCKS.fetch_sub(1, Relaxed);
    if TRACING.load(Relaxed) {
        let len = TRACE_LEN.load(Relaxed).min(TRACE_CAP);
        for addr in &TRACE_ADDR[..len] {
            if addr.load(Relaxed) == ptr as usize {
                addr.store(0, Relaxed);
                break;
            }
        }
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping
// neither allocates nor touches the blocks.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc(layout) };
        on_alloc(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        on_alloc(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_dealloc(ptr, layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            on_dealloc(ptr, layout.size());
            on_alloc(new, new_size);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy)]
struct Snapshot {
    bytes: usize,
    blocks: usize,
    calls: usize,
}

fn snapshot() -> Snapshot {
    Snapshot {
        bytes: LIVE_BYTES.load(Relaxed),
        blocks: LIVE_BLOCKS.load(Relaxed),
        calls: ALLOC_CALLS.load(Relaxed),
    }
}

/// Growth from `before` to `after`, per actor.
struct PerActor {
    bytes: f64,
    blocks: f64,
    calls: f64,
}

fn per_actor(before: Snapshot, after: Snapshot) -> PerActor {
    let n = ACTORS as f64;
    PerActor {
        bytes: (after.bytes as f64 - before.bytes as f64) / n,
        blocks: (after.blocks as f64 - before.blocks as f64) / n,
        calls: (after.calls - before.calls) as f64 / n,
    }
}

/// Lets every runnable task of the current-thread runtime run until it waits.
async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}

/// Runs `fut` with allocation tracing on and returns the sizes of the blocks it
/// allocated that are still live afterwards, and how many blocks it allocated.
async fn trace<T>(fut: impl Future<Output = T>) -> (T, Vec<usize>, usize) {
    TRACE_LEN.store(0, Relaxed);
    TRACING.store(true, Relaxed);
    let out = fut.await;
    settle().await;
    TRACING.store(false, Relaxed);
    let len = TRACE_LEN.load(Relaxed);
    let live = (0..len.min(TRACE_CAP))
        .filter(|&i| TRACE_ADDR[i].load(Relaxed) != 0)
        .map(|i| TRACE_SIZE[i].load(Relaxed))
        .collect();
    (out, live, len)
}

struct Row {
    name: &'static str,
    m: PerActor,
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to configure.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    let mut traces = Vec::new();
    rt.block_on(async {
        // Warm up whatever the runtime and the libraries allocate once.
        let server = gs::Counter::start(0).await.expect("start");
        server.add(1).await.expect("add");
        server.bump(1).await.expect("bump");
        assert_eq!(server.get().await.expect("get"), 2);
        server
            .stop(gen_server::ExitReason::Normal)
            .await
            .expect("stop");
        let (actor, task) = hand::Counter::start(0).await;
        actor.add(1).await.expect("add");
        actor.bump(1).expect("bump");
        assert_eq!(actor.get().await.expect("get"), 2);
        drop(actor);
        task.await.expect("task");
        settle().await;

        // gen_server.
        let mut servers = Vec::with_capacity(ACTORS);
        let before = snapshot();
        for i in 0..ACTORS as u64 {
            servers.push(gs::Counter::start(i).await.expect("start"));
        }
        settle().await;
        let idle = snapshot();
        rows.push(Row {
            name: "gen_server, idle",
            m: per_actor(before, idle),
        });
        for (i, server) in (0..).zip(&servers) {
            assert_eq!(server.add(1).await.expect("add"), i + 1);
        }
        settle().await;
        rows.push(Row {
            name: "gen_server, after 1 call",
            m: per_actor(before, snapshot()),
        });
        for (i, server) in (0..).zip(&servers) {
            assert_eq!(server.add(1).await.expect("add"), i + 2);
        }
        settle().await;
        rows.push(Row {
            name: "gen_server, after 2 calls",
            m: per_actor(before, snapshot()),
        });
        for server in servers.drain(..) {
            server
                .stop(gen_server::ExitReason::Normal)
                .await
                .expect("stop");
        }
        settle().await;
        rows.push(Row {
            name: "gen_server, all stopped (leak check)",
            m: per_actor(before, snapshot()),
        });

        // The hand-written actor.
        let mut actors = Vec::with_capacity(ACTORS);
        let before = snapshot();
        for i in 0..ACTORS as u64 {
            actors.push(hand::Counter::start(i).await);
        }
        settle().await;
        rows.push(Row {
            name: "hand-written, idle",
            m: per_actor(before, snapshot()),
        });
        for (i, (actor, _)) in (0..).zip(&actors) {
            assert_eq!(actor.add(1).await.expect("add"), i + 1);
        }
        settle().await;
        rows.push(Row {
            name: "hand-written, after 1 call",
            m: per_actor(before, snapshot()),
        });
        for (i, (actor, _)) in (0..).zip(&actors) {
            assert_eq!(actor.add(1).await.expect("add"), i + 2);
        }
        settle().await;
        rows.push(Row {
            name: "hand-written, after 2 calls",
            m: per_actor(before, snapshot()),
        });
        for (i, (actor, task)) in (0..).zip(actors.drain(..)) {
            drop(actor);
            assert_eq!(task.await.expect("task"), i + 2);
        }
        settle().await;
        rows.push(Row {
            name: "hand-written, all stopped (leak check)",
            m: per_actor(before, snapshot()),
        });

        // One actor of each kind, block by block.
        let (server, live, all) = trace(gs::Counter::start(1)).await;
        let server = server.expect("start");
        traces.push(("gen_server, idle", live, all));
        let ((), live, all) = trace(async {
            server.add(1).await.expect("add");
        })
        .await;
        traces.push(("gen_server, 1st call", live, all));
        let ((), live, all) = trace(async {
            server.add(1).await.expect("add");
        })
        .await;
        traces.push(("gen_server, 2nd call", live, all));
        server
            .stop(gen_server::ExitReason::Normal)
            .await
            .expect("stop");

        let ((actor, task), live, all) = trace(hand::Counter::start(1)).await;
        traces.push(("hand-written, idle", live, all));
        let ((), live, all) = trace(async {
            actor.add(1).await.expect("add");
        })
        .await;
        traces.push(("hand-written, 1st call", live, all));
        drop(actor);
        task.await.expect("task");
    });

    println!(
        "Heap per actor, {ACTORS} actors, current-thread runtime \
         (live = growth of the live heap since before the first start, / {ACTORS}; \
         calls = allocator calls since then, / {ACTORS})"
    );
    println!();
    println!("| actor | live bytes | live blocks | allocator calls (cumulative) |");
    println!("|---|---:|---:|---:|");
    for Row { name, m } in &rows {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} |",
            m.bytes, m.blocks, m.calls
        );
    }
    println!();
    println!("Blocks of one actor (requested sizes in bytes, still live after the step):");
    println!();
    println!("| step | live blocks | blocks allocated in the step |");
    println!("|---|---|---:|");
    for (name, live, all) in &traces {
        let total: usize = live.iter().sum();
        println!("| {name} | {live:?} = {total} B | {all} |");
    }
    println!();
    println!(
        "size_of: hand-written message {} B, gen_server handle {} B",
        std::mem::size_of::<hand::Msg>(),
        std::mem::size_of::<gs::CounterRef>(),
    );
}
