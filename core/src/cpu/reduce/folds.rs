//! The folds: sum, prod, max/min, argmax/argmin and count-nonzero (which also answers any/all).
//! Contiguous runs are folded into `LANES` independent accumulators — a shape LLVM vectorises
//! and that hides add latency — and float sums combine blocks pairwise (`cascade`), so the
//! error of a float32 sum grows with log(n) rather than n.

use crate::cpu::num::Num;
use crate::dtype::Element;

use super::fold::Fold;

/// Independent accumulators per run: 4 AVX2 / 2 AVX-512 registers of f32.
pub const LANES: usize = 32;
/// Elements summed directly (8 per lane) before blocks are combined pairwise.
pub const SUM_BLOCK: usize = LANES * 8;
/// Most pending blocks `cascade` can hold: 2^48 blocks.
const CASCADE_DEPTH: usize = 48;

/// What max/min/argmax need beyond ordering: whether a value is NaN (never, for ints/bools).
pub trait MaybeNan: Element {
    fn is_nan(self) -> bool;
}
macro_rules! never_nan {
    ($($t:ty),*) => {$(impl MaybeNan for $t { #[inline(always)] fn is_nan(self) -> bool { false } })*};
}
never_nan!(u8, i32, i64);
impl MaybeNan for f32 {
    #[inline(always)]
    fn is_nan(self) -> bool {
        self != self
    }
}
impl MaybeNan for f64 {
    #[inline(always)]
    fn is_nan(self) -> bool {
        self != self
    }
}

/// Pairwise combination of `lanes` in a tree (keeps the lane sums' rounding balanced).
#[inline(always)]
pub fn tree<A: Copy>(mut lanes: [A; LANES], op: impl Fn(A, A) -> A) -> A {
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            lanes[j] = op(lanes[j], lanes[j + w]);
        }
    }
    lanes[0]
}

/// Folds `x` block by block with `block` and combines the block results pairwise, like a
/// binary counter (no recursion, so it inlines into the multiversioned drivers). `x` must be
/// non-empty.
#[inline(always)]
pub fn cascade<T, A: Copy>(x: &[T], block_len: usize, block: impl Fn(&[T]) -> A, merge: impl Fn(A, A) -> A) -> A {
    use std::mem::MaybeUninit;
    // Uninitialised: a run of a few blocks must not pay for clearing the whole stack.
    let mut stack = [const { MaybeUninit::<A>::uninit() }; CASCADE_DEPTH];
    let mut levels = [0u32; CASCADE_DEPTH];
    let mut sp = 0usize;
    for chunk in x.chunks(block_len) {
        let mut s = block(chunk);
        let mut lvl = 0u32;
        while sp > 0 && levels[sp - 1] == lvl {
            // SAFETY: every slot below `sp` was written before `sp` moved past it.
            s = merge(unsafe { stack[sp - 1].assume_init() }, s);
            sp -= 1;
            lvl += 1;
        }
        stack[sp].write(s);
        levels[sp] = lvl;
        sp += 1;
    }
    // SAFETY: as above; `x` is non-empty so `sp >= 1`.
    let mut acc = unsafe { stack[sp - 1].assume_init() };
    for i in (0..sp - 1).rev() {
        acc = merge(unsafe { stack[i].assume_init() }, acc);
    }
    acc
}

/// Sums `f(x)` of a block into LANES accumulators.
#[inline(always)]
pub fn lane_sums<T: Num>(x: &[T], f: impl Fn(T) -> T) -> [T; LANES] {
    let mut acc = [T::zero(); LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            acc[j] = acc[j] + f(c[j]);
        }
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        acc[j] = acc[j] + f(v);
    }
    acc
}

/// Accurate sum of `f(x)` over a run: each lane sums 8 elements of a block, the blocks' lanes
/// combine pairwise, the lanes in a tree. Error grows with log(n), as numpy's pairwise sum.
#[inline(always)]
pub fn pairwise_sum<T: Num>(x: &[T], f: impl Fn(T) -> T) -> T {
    if x.len() <= SUM_BLOCK {
        return tree(lane_sums(x, &f), |a, b| a + b);
    }
    let lanes = cascade(x, SUM_BLOCK, |b| lane_sums(b, &f), |mut a, b| {
        for j in 0..LANES {
            a[j] = a[j] + b[j];
        }
        a
    });
    tree(lanes, |a, b| a + b)
}

/// Accurate sum of a contiguous run.
#[inline(always)]
pub fn sum_run<T: Num>(x: &[T]) -> T {
    pairwise_sum(x, |v| v)
}

pub struct Sum;
impl<T: Num> Fold<T> for Sum {
    type Acc = T;
    #[inline(always)]
    fn run(&self, x: &[T], _: usize) -> T {
        sum_run(x)
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        acc.copy_from_slice(row);
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = *a + v;
        }
    }
    #[inline(always)]
    fn merge(&self, a: T, b: T) -> T {
        a + b
    }
}

pub struct Prod;
impl<T: Num> Fold<T> for Prod {
    type Acc = T;
    #[inline(always)]
    fn run(&self, x: &[T], _: usize) -> T {
        let mut acc = [T::one(); LANES];
        let mut chunks = x.chunks_exact(LANES);
        for c in &mut chunks {
            for j in 0..LANES {
                acc[j] = acc[j] * c[j];
            }
        }
        for (j, &v) in chunks.remainder().iter().enumerate() {
            acc[j] = acc[j] * v;
        }
        tree(acc, |a, b| a * b)
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        acc.copy_from_slice(row);
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = *a * v;
        }
    }
    #[inline(always)]
    fn merge(&self, a: T, b: T) -> T {
        a * b
    }
}

/// `b` replaces `a` as the running maximum (`MAX`) or minimum: NaN wins over everything and
/// the first NaN stays.
#[inline(always)]
pub fn better<T: MaybeNan, const MAX: bool>(b: T, a: T) -> bool {
    let strictly = if MAX { b > a } else { b < a };
    strictly || (b.is_nan() && !a.is_nan())
}

/// Max (or min) of a non-empty run, NaN if any element is NaN.
#[inline(always)]
pub fn extremum_run<T: MaybeNan, const MAX: bool>(x: &[T]) -> T {
    let mut acc = [x[0]; LANES];
    let mut nan = [false; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            let v = c[j];
            let take = if MAX { v > acc[j] } else { v < acc[j] };
            acc[j] = if take { v } else { acc[j] };
            nan[j] |= v.is_nan();
        }
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        let take = if MAX { v > acc[j] } else { v < acc[j] };
        acc[j] = if take { v } else { acc[j] };
        nan[j] |= v.is_nan();
    }
    if nan.iter().any(|&b| b) {
        // The first NaN of the input (keeps its payload, like numpy).
        if let Some(&v) = x.iter().find(|v| v.is_nan()) {
            return v;
        }
    }
    tree(acc, |a, b| if better::<T, MAX>(b, a) { b } else { a })
}

pub struct Extremum<const MAX: bool>;
impl<T: MaybeNan, const MAX: bool> Fold<T> for Extremum<MAX> {
    type Acc = T;
    #[inline(always)]
    fn run(&self, x: &[T], _: usize) -> T {
        extremum_run::<T, MAX>(x)
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        acc.copy_from_slice(row);
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], _: usize, acc: &mut [T]) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = if better::<T, MAX>(v, *a) { v } else { *a };
        }
    }
    #[inline(always)]
    fn merge(&self, a: T, b: T) -> T {
        if better::<T, MAX>(b, a) {
            b
        } else {
            a
        }
    }
}

/// Position of the first maximum (or minimum), the first NaN if there is one (numpy's rule).
pub struct ArgExtremum<const MAX: bool>;
impl<T: MaybeNan, const MAX: bool> Fold<T> for ArgExtremum<MAX> {
    type Acc = (T, usize);
    #[inline(always)]
    fn run(&self, x: &[T], base: usize) -> (T, usize) {
        let target = extremum_run::<T, MAX>(x);
        let hit = |v: T| if target.is_nan() { v.is_nan() } else { v == target };
        let mut start = 0;
        for c in x.chunks(LANES) {
            let mut any = false;
            for &v in c {
                any |= hit(v);
            }
            if any {
                let p = c.iter().position(|&v| hit(v)).unwrap_or(0);
                return (target, base + start + p);
            }
            start += c.len();
        }
        (target, base)
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], idx: usize, acc: &mut [(T, usize)]) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = (v, idx);
        }
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], idx: usize, acc: &mut [(T, usize)]) {
        for (a, &v) in acc.iter_mut().zip(row) {
            if better::<T, MAX>(v, a.0) {
                *a = (v, idx);
            }
        }
    }
    #[inline(always)]
    fn merge(&self, a: (T, usize), b: (T, usize)) -> (T, usize) {
        if better::<T, MAX>(b.0, a.0) {
            b
        } else {
            a
        }
    }
}

/// Number of non-zero elements (NaN counts as non-zero, -0.0 does not), as numpy counts.
pub struct CountNonzero;
impl<T: Element> Fold<T> for CountNonzero {
    type Acc = u64;
    #[inline(always)]
    fn run(&self, x: &[T], _: usize) -> u64 {
        let zero = T::default();
        cascade(
            x,
            SUM_BLOCK,
            |b| {
                let mut acc = [0u32; LANES];
                let mut chunks = b.chunks_exact(LANES);
                for c in &mut chunks {
                    for j in 0..LANES {
                        acc[j] += (c[j] != zero) as u32;
                    }
                }
                for (j, &v) in chunks.remainder().iter().enumerate() {
                    acc[j] += (v != zero) as u32;
                }
                acc.iter().map(|&c| c as u64).sum::<u64>()
            },
            |a, b| a + b,
        )
    }
    #[inline(always)]
    fn first_row(&self, row: &[T], _: usize, acc: &mut [u64]) {
        let zero = T::default();
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = (v != zero) as u64;
        }
    }
    #[inline(always)]
    fn next_row(&self, row: &[T], _: usize, acc: &mut [u64]) {
        let zero = T::default();
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += (v != zero) as u64;
        }
    }
    #[inline(always)]
    fn merge(&self, a: u64, b: u64) -> u64 {
        a + b
    }
}
