//! Reuse of the large per-sequence buffers (projections, saved gates, gradients) across calls.
//! A training loop runs the same shapes every step; taking those megabytes fresh from the
//! system each time costs page faults and kernel page clearing comparable to the GEMMs. The pool
//! keeps a few freed buffers per element type, bounded in count and bytes.

use std::sync::Mutex;

use crate::error::Result;
use crate::storage::try_vec;

/// Buffers kept at most, per element type, and their total size.
const MAX_BUFFERS: usize = 16;
const MAX_BYTES: usize = 64 << 20;
/// Smaller buffers are cheap to allocate and not worth pooling.
const MIN_LEN: usize = 4096;

pub struct Pool<T> {
    free: Mutex<Vec<Vec<T>>>,
}

impl<T: Copy> Pool<T> {
    pub const fn new() -> Pool<T> {
        Pool { free: Mutex::new(Vec::new()) }
    }

    /// A buffer of `n` copies of `value`: a pooled one when one is large enough (the smallest
    /// such), else a new allocation.
    pub fn take(&self, n: usize, value: T) -> Result<Vec<T>> {
        self.take_impl(n, value, true)
    }

    /// A buffer of `n` elements for a caller that overwrites every one of them: a pooled buffer
    /// keeps its stale (initialized) values instead of being cleared first.
    pub fn take_for_overwrite(&self, n: usize, value: T) -> Result<Vec<T>> {
        self.take_impl(n, value, false)
    }

    fn take_impl(&self, n: usize, value: T, fill: bool) -> Result<Vec<T>> {
        if n >= MIN_LEN {
            if let Ok(mut free) = self.free.lock() {
                let best = free.iter().enumerate().filter(|(_, v)| v.capacity() >= n).min_by_key(|(_, v)| v.capacity()).map(|(i, _)| i);
                if let Some(i) = best {
                    let mut v = free.swap_remove(i);
                    drop(free);
                    if fill {
                        v.clear();
                    } else {
                        v.truncate(n);
                    }
                    v.resize(n, value);
                    return Ok(v);
                }
            }
        }
        try_vec(n, value)
    }

    /// Hands a buffer back for reuse (dropped when the pool is full).
    pub fn give(&self, v: Vec<T>) {
        if v.capacity() < MIN_LEN {
            return;
        }
        if let Ok(mut free) = self.free.lock() {
            let bytes: usize = free.iter().map(|b| b.capacity()).sum::<usize>() * std::mem::size_of::<T>();
            if free.len() < MAX_BUFFERS && bytes + v.capacity() * std::mem::size_of::<T>() <= MAX_BYTES {
                free.push(v);
            }
        }
    }
}

impl<T: Copy> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

pub static POOL_F32: Pool<f32> = Pool::new();
pub static POOL_F64: Pool<f64> = Pool::new();
