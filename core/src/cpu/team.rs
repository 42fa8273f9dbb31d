//! The fork-join team that runs the engine's hot parallel loops (GEMM, GEMV, elementwise
//! kernels, optimizer updates): the calling thread works on the pieces itself, and the helper
//! threads spin for a short while between jobs before they sleep.
//!
//! Why not rayon's pool for these loops: a parallel call from outside rayon's pool hands the
//! work to a pool thread and puts the caller to sleep until it is done, so every op pays two
//! cross-core wake-ups (tens of microseconds on a virtual machine), and a worker that has gone
//! to sleep delays the whole op while it wakes. Here the caller starts on the pieces at once,
//! a helper that is slow to wake just finds fewer pieces left, and a helper that finished the
//! previous op of a training step microseconds ago is still spinning when the next one comes.
//! Pieces are claimed one at a time, so on a busy machine the caller waits at most for the
//! pieces a helper had already claimed.
//!
//! Nested calls (from inside a piece, from a rayon worker, or while another thread owns the
//! team) run on the calling thread alone.

use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a helper keeps looking for the next job before it sleeps: longer than the gaps
/// between the ops of a training step, short enough to cost little CPU when work stops.
const SPIN: Duration = Duration::from_micros(300);

/// Busy-wait iterations (with the pause hint) between yields of the CPU to other threads.
const SPINS_PER_YIELD: u32 = 256;

/// One parallel loop: pieces claimed from `next`, counted in `done` once finished.
struct Job {
    next: AtomicUsize,
    done: AtomicUsize,
    pieces: usize,
    panicked: AtomicBool,
    /// The caller's closure with its lifetime erased. Called only for pieces claimed below
    /// `pieces`, and the caller returns only after every such piece has finished, so the
    /// closure outlives each call (a helper that still holds the job afterwards claims nothing).
    f: *const (dyn Fn(usize) + Sync),
}

// SAFETY: `f` points to a `Sync` closure, called under the protocol described on the field.
unsafe impl Send for Job {}
unsafe impl Sync for Job {}

impl Job {
    /// Claims and runs pieces until none are left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.pieces {
                return;
            }
            // SAFETY: i < pieces, so the caller is still waiting and the closure alive.
            let f = unsafe { &*self.f };
            if catch_unwind(AssertUnwindSafe(|| f(i))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

struct Team {
    helpers: usize,
    /// Bumped (under `current`'s lock) each time a job is published.
    epoch: AtomicUsize,
    current: Mutex<Option<Arc<Job>>>,
    wake: Condvar,
    sleeping: AtomicUsize,
    /// Held by the thread whose job the team runs.
    busy: AtomicBool,
}

thread_local! {
    /// True on the helpers and on a caller while its job runs: nested loops run serially.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

fn team() -> &'static Team {
    static TEAM: OnceLock<&'static Team> = OnceLock::new();
    TEAM.get_or_init(|| {
        // Same thread count as rayon's pool (RAYON_NUM_THREADS, else the machine's cores).
        let helpers = rayon::current_num_threads().max(1) - 1;
        let team: &'static Team = Box::leak(Box::new(Team {
            helpers,
            epoch: AtomicUsize::new(0),
            current: Mutex::new(None),
            wake: Condvar::new(),
            sleeping: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
        }));
        for k in 0..helpers {
            let spawned = std::thread::Builder::new().name(format!("lamina-team-{k}")).spawn(move || helper_loop(team));
            if spawned.is_err() {
                // Fewer helpers than planned only means less parallelism: the caller claims
                // every piece nobody else takes.
                break;
            }
        }
        team
    })
}

/// Threads a parallel loop can use (the caller plus the helpers).
pub fn threads() -> usize {
    team().helpers + 1
}

fn helper_loop(team: &'static Team) {
    INSIDE.with(|c| c.set(true));
    let mut seen = team.epoch.load(Ordering::Acquire);
    loop {
        wait_for_job(team, &mut seen);
        let job = team.current.lock().map(|g| g.clone()).unwrap_or(None);
        if let Some(job) = job {
            job.work();
        }
    }
}

/// Returns once the epoch differs from `seen` (and records it): spinning first, then asleep.
fn wait_for_job(team: &Team, seen: &mut usize) {
    let start = Instant::now();
    let mut spins = 0u32;
    loop {
        let e = team.epoch.load(Ordering::Acquire);
        if e != *seen {
            *seen = e;
            return;
        }
        spins += 1;
        if spins % SPINS_PER_YIELD == 0 {
            if start.elapsed() > SPIN {
                break;
            }
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    let Ok(mut guard) = team.current.lock() else { return };
    team.sleeping.fetch_add(1, Ordering::SeqCst);
    // The epoch changes only under this lock, so checking it here cannot miss a notify.
    while team.epoch.load(Ordering::SeqCst) == *seen {
        guard = match team.wake.wait(guard) {
            Ok(g) => g,
            Err(_) => break,
        };
    }
    team.sleeping.fetch_sub(1, Ordering::SeqCst);
    *seen = team.epoch.load(Ordering::Acquire);
}

/// Runs `f(0)`, ..., `f(pieces - 1)`, each exactly once, on the calling thread and the team's
/// helpers, and returns when all have finished. A panic in a piece is re-raised here after
/// every piece has finished.
pub fn for_each(pieces: usize, f: impl Fn(usize) + Sync) {
    let serial = || (0..pieces).for_each(&f);
    if pieces <= 1 {
        return serial();
    }
    let team = team();
    if team.helpers == 0 || INSIDE.with(|c| c.get()) || rayon::current_thread_index().is_some() {
        return serial();
    }
    if team.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        return serial();
    }
    let f_ref: &(dyn Fn(usize) + Sync) = &f;
    // SAFETY: only the lifetime is erased; see `Job::f`.
    let f_ptr: *const (dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(f_ref as *const (dyn Fn(usize) + Sync)) };
    let job = Arc::new(Job { next: AtomicUsize::new(0), done: AtomicUsize::new(0), pieces, panicked: AtomicBool::new(false), f: f_ptr });
    if let Ok(mut cur) = team.current.lock() {
        *cur = Some(job.clone());
        team.epoch.fetch_add(1, Ordering::SeqCst);
    }
    if team.sleeping.load(Ordering::SeqCst) > 0 {
        team.wake.notify_all();
    }
    INSIDE.with(|c| c.set(true));
    job.work();
    INSIDE.with(|c| c.set(false));
    // Wait for the pieces the helpers claimed.
    let mut spins = 0u32;
    while job.done.load(Ordering::Acquire) < pieces {
        spins += 1;
        if spins % SPINS_PER_YIELD == 0 {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    if let Ok(mut cur) = team.current.lock() {
        *cur = None;
    }
    team.busy.store(false, Ordering::Release);
    if job.panicked.load(Ordering::Relaxed) {
        resume_unwind(Box::new("a parallel piece of an engine kernel panicked"));
    }
}

/// Splits `out` into chunks of `chunk` elements (the last may be shorter) and runs
/// `f(index, chunk)` on each, in parallel as `for_each`.
pub fn chunks_mut<T: Send>(out: &mut [T], chunk: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let n = out.len();
    let chunk = chunk.max(1);
    let base = SharedMut(out.as_mut_ptr());
    for_each(n.div_ceil(chunk), |i| {
        let start = i * chunk;
        let len = chunk.min(n - start);
        // SAFETY: the chunks are disjoint ranges of `out`, each handed to exactly one call.
        let part = unsafe { std::slice::from_raw_parts_mut(base.get().add(start), len) };
        f(i, part)
    });
}

/// Runs `f(k, &mut out[s..e])` for each `(s, e)` of `spans` (sorted, disjoint, inside `out`),
/// in parallel as `for_each`.
pub fn spans_mut<T: Send>(out: &mut [T], spans: &[(usize, usize)], f: impl Fn(usize, &mut [T]) + Sync) {
    let disjoint = spans.iter().all(|&(s, e)| s <= e) && spans.windows(2).all(|w| w[0].1 <= w[1].0);
    assert!(disjoint && spans.last().is_none_or(|&(_, e)| e <= out.len()), "team::spans_mut: spans must be sorted, disjoint and inside the slice");
    let base = SharedMut(out.as_mut_ptr());
    for_each(spans.len(), |k| {
        let (s, e) = spans[k];
        // SAFETY: the spans are disjoint ranges of `out` (checked above), one per call.
        let part = unsafe { std::slice::from_raw_parts_mut(base.get().add(s), e - s) };
        f(k, part)
    });
}

/// A raw pointer shared with the team (each piece touches a disjoint part).
pub struct SharedMut<T>(pub *mut T);
impl<T> Clone for SharedMut<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedMut<T> {}
unsafe impl<T> Send for SharedMut<T> {}
unsafe impl<T> Sync for SharedMut<T> {}
impl<T> SharedMut<T> {
    #[inline]
    pub fn get(self) -> *mut T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_runs_once() {
        for pieces in [0, 1, 2, 7, 64, 1000] {
            let hits: Vec<AtomicUsize> = (0..pieces).map(|_| AtomicUsize::new(0)).collect();
            for_each(pieces, |i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "pieces {pieces}");
        }
    }

    #[test]
    fn chunks_cover_the_slice_and_nested_calls_run() {
        let mut v = vec![0usize; 1003];
        chunks_mut(&mut v, 100, |i, part| {
            // a nested loop runs serially on this thread
            chunks_mut(part, 7, |j, p| p.iter_mut().for_each(|x| *x = i * 1000 + j));
        });
        for (k, x) in v.iter().enumerate() {
            assert_eq!(*x, (k / 100) * 1000 + (k % 100) / 7);
        }
    }

    #[test]
    fn concurrent_callers_and_panics() {
        std::thread::scope(|s| {
            for t in 0..4 {
                s.spawn(move || {
                    for _ in 0..200 {
                        let sum = AtomicUsize::new(0);
                        for_each(16, |i| {
                            sum.fetch_add(i + t, Ordering::Relaxed);
                        });
                        assert_eq!(sum.load(Ordering::Relaxed), 120 + 16 * t);
                    }
                });
            }
        });
        let r = catch_unwind(|| for_each(8, |i| assert!(i != 5, "piece 5")));
        assert!(r.is_err());
        // the team still works afterwards
        let sum = AtomicUsize::new(0);
        for_each(8, |i| {
            sum.fetch_add(i, Ordering::Relaxed);
        });
        assert_eq!(sum.load(Ordering::Relaxed), 28);
    }
}
