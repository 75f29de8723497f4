//! A counting global allocator: the system allocator, plus live bytes and
//! blocks counted while [`Counting::measure`] is active.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

/// Counts only while on, so that the timed workloads pay one relaxed load per
/// allocation and no shared counter bouncing between the cores.
static ON: AtomicBool = AtomicBool::new(false);
static BYTES: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

pub struct Counting;

// SAFETY: every call is forwarded to `System` unchanged; the counters have no
// effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        counted(unsafe { System.alloc(layout) }, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        counted(unsafe { System.alloc_zeroed(layout) }, layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ON.load(Relaxed) {
            BYTES.fetch_sub(layout.size() as isize, Relaxed);
            BLOCKS.fetch_sub(1, Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && ON.load(Relaxed) {
            BYTES.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        new
    }
}

/// Counts the block `ptr` of `layout` just handed out (none if null) and
/// returns it.
#[inline]
fn counted(ptr: *mut u8, layout: Layout) -> *mut u8 {
    if !ptr.is_null() && ON.load(Relaxed) {
        BYTES.fetch_add(layout.size() as isize, Relaxed);
        BLOCKS.fetch_add(1, Relaxed);
    }
    ptr
}

/// Live heap growth over a measured section.
#[derive(Clone, Copy, Debug)]
pub struct Growth {
    pub bytes: isize,
    pub blocks: isize,
}

impl Counting {
    /// Starts counting from zero.
    pub fn start() {
        BYTES.store(0, Relaxed);
        BLOCKS.store(0, Relaxed);
        ON.store(true, Relaxed);
    }

    /// Stops counting; the growth of the live heap since [`Counting::start`]
    /// (blocks freed in between that were allocated before it are subtracted
    /// too, so keep the section free of unrelated frees).
    pub fn stop() -> Growth {
        ON.store(false, Relaxed);
        Growth {
            bytes: BYTES.load(Relaxed),
            blocks: BLOCKS.load(Relaxed),
        }
    }
}
