//! When to use both cores. Below `PARALLEL_MIN_ELEMENTS` a kernel stays on the calling thread:
//! handing work to another thread costs a few microseconds, more than a small op takes.

/// Element count from which elementwise kernels split work across threads.
pub const PARALLEL_MIN_ELEMENTS: usize = 1 << 15;

/// Chunk length for splitting `n` elements over the team (a multiple of 64 for SIMD tails).
pub fn chunk_len(n: usize) -> usize {
    let threads = super::team::threads();
    let per = n.div_ceil(threads * 4);
    per.div_ceil(64) * 64
}
