//! The folds: sum, prod, max/min, argmax/argmin and count-nonzero (which also answers any/all).
//! Contiguous runs are folded into `LANES` independent accumulators — a shape LLVM vectorises
//! and that hides add latency — and float sums combine blocks pairwise (`pairwise_sum`), so the
//! error of a float32 sum grows with log(n) rather than n.

use crate::cpu::num::Num;
use crate::dtype::Element;

use super::fold::Fold;

/// Independent accumulators per run: 8 AVX2 / 4 AVX-512 registers of f32, enough chains to
/// hide the add latency (measured: 32 lanes ran row sums ~40% slower).
pub const LANES: usize = 64;
/// Elements summed directly (8 per lane) before blocks are combined pairwise.
pub const SUM_BLOCK: usize = LANES * 8;
/// Most pending blocks `pairwise_sum` can hold: 2^48 blocks.
const CASCADE_DEPTH: usize = 48;

/// What max/min/argmax need beyond ordering: whether a value is NaN (never, for ints/bools).
pub trait MaybeNan: Element {
    const HAS_NAN: bool;
    fn is_nan(self) -> bool;
    /// `self + (v - v)`: turns NaN once `v` is NaN or infinite (floats; ints never call it).
    fn nan_probe(self, v: Self) -> Self;
}
macro_rules! never_nan {
    ($($t:ty),*) => {$(impl MaybeNan for $t {
        const HAS_NAN: bool = false;
        #[inline(always)]
        fn is_nan(self) -> bool { false }
        #[inline(always)]
        fn nan_probe(self, _: Self) -> Self { self }
    })*};
}
never_nan!(u8, i32, i64);
macro_rules! float_nan {
    ($($t:ty),*) => {$(impl MaybeNan for $t {
        const HAS_NAN: bool = true;
        #[inline(always)]
        fn is_nan(self) -> bool { self != self }
        #[inline(always)]
        fn nan_probe(self, v: Self) -> Self { self + (v - v) }
    })*};
}
float_nan!(f32, f64);

/// Sum of the lanes in a tree (keeps the lane sums' rounding balanced).
#[inline(always)]
pub fn tree_sum<T: Num>(mut lanes: [T; LANES]) -> T {
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            lanes[j] = lanes[j] + lanes[j + w];
        }
    }
    lanes[0]
}

/// A per-element transform summed by `pairwise_sum`. A trait rather than a closure: closures
/// are separate functions that may not inline into the multiversioned kernels, and then run
/// without the wide instruction sets.
pub trait Term<T>: Copy {
    fn term(self, v: T) -> T;
}

/// The element itself.
#[derive(Clone, Copy)]
pub struct Plain;
impl<T> Term<T> for Plain {
    #[inline(always)]
    fn term(self, v: T) -> T {
        v
    }
}

/// The squared deviation from a center.
#[derive(Clone, Copy)]
pub struct SquaredDev<T>(pub T);
impl<T: Num> Term<T> for SquaredDev<T> {
    #[inline(always)]
    fn term(self, v: T) -> T {
        let d = v - self.0;
        d * d
    }
}

/// Sums `f(x)` of a block into LANES accumulators.
#[inline(always)]
pub fn lane_sums<T: Num, F: Term<T>>(x: &[T], f: F) -> [T; LANES] {
    let mut acc = [T::zero(); LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            acc[j] = acc[j] + f.term(c[j]);
        }
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        acc[j] = acc[j] + f.term(v);
    }
    acc
}

/// Accurate sum of `f(x)` over a run: each lane sums 8 elements of a block, the blocks' lanes
/// combine pairwise like a binary counter (no recursion, so it inlines), the lanes in a tree.
/// The error grows with log(n), as numpy's pairwise sum.
#[inline(always)]
pub fn pairwise_sum<T: Num, F: Term<T>>(x: &[T], f: F) -> T {
    use std::mem::MaybeUninit;
    if x.len() < LANES {
        let mut s = T::zero();
        for &v in x {
            s = s + f.term(v);
        }
        return s;
    }
    if x.len() <= SUM_BLOCK {
        return tree_sum(lane_sums(x, f));
    }
    // Uninitialised: a run of a few blocks must not pay for clearing the whole stack.
    let mut stack = [const { MaybeUninit::<[T; LANES]>::uninit() }; CASCADE_DEPTH];
    let mut levels = [0u32; CASCADE_DEPTH];
    let mut sp = 0usize;
    for chunk in x.chunks(SUM_BLOCK) {
        let mut s = lane_sums(chunk, f);
        let mut lvl = 0u32;
        while sp > 0 && levels[sp - 1] == lvl {
            // SAFETY: every slot below `sp` was written before `sp` moved past it.
            let below = unsafe { stack[sp - 1].assume_init() };
            for j in 0..LANES {
                s[j] = below[j] + s[j];
            }
            sp -= 1;
            lvl += 1;
        }
        stack[sp].write(s);
        levels[sp] = lvl;
        sp += 1;
    }
    // SAFETY: as above; x is longer than a block, so sp >= 1.
    let mut acc = unsafe { stack[sp - 1].assume_init() };
    for i in (0..sp - 1).rev() {
        let below = unsafe { stack[i].assume_init() };
        for j in 0..LANES {
            acc[j] = below[j] + acc[j];
        }
    }
    tree_sum(acc)
}

/// Accurate sum of a contiguous run.
#[inline(always)]
pub fn sum_run<T: Num>(x: &[T]) -> T {
    pairwise_sum(x, Plain)
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
        let mut w = LANES;
        while w > 1 {
            w /= 2;
            for j in 0..w {
                acc[j] = acc[j] * acc[j + w];
            }
        }
        acc[0]
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
    if x.len() < LANES {
        let mut a = x[0];
        for &v in &x[1..] {
            if better::<T, MAX>(v, a) {
                a = v;
            }
        }
        return a;
    }
    // Lanes of plain max/min (one vmaxps each), and beside them a sum of `v - v`, which turns
    // NaN if any element is NaN (or infinite): cheaper than tracking NaN per lane with masks.
    let mut acc = [x[0]; LANES];
    let mut probe = [x[0].nan_probe(x[0]); LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            let v = c[j];
            let take = if MAX { v > acc[j] } else { v < acc[j] };
            acc[j] = if take { v } else { acc[j] };
            if T::HAS_NAN {
                probe[j] = probe[j].nan_probe(v);
            }
        }
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        let take = if MAX { v > acc[j] } else { v < acc[j] };
        acc[j] = if take { v } else { acc[j] };
        if T::HAS_NAN {
            probe[j] = probe[j].nan_probe(v);
        }
    }
    if T::HAS_NAN && probe.iter().any(|p| p.is_nan()) {
        // The first NaN of the input (keeps its payload, like numpy); none: infinities only.
        if let Some(&v) = x.iter().find(|v| v.is_nan()) {
            return v;
        }
    }
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            if better::<T, MAX>(acc[j + w], acc[j]) {
                acc[j] = acc[j + w];
            }
        }
    }
    acc[0]
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
        if x.len() < LANES {
            let mut best = (x[0], 0);
            for (i, &v) in x.iter().enumerate().skip(1) {
                if better::<T, MAX>(v, best.0) {
                    best = (v, i);
                }
            }
            return (best.0, base + best.1);
        }
        // Two passes, both vectorised: the extremum, then the first chunk holding it (the
        // second pass reads from cache what the first just streamed in).
        let target = extremum_run::<T, MAX>(x);
        if target.is_nan() {
            let p = x.iter().position(|v| v.is_nan()).unwrap_or(0);
            return (target, base + p);
        }
        let mut start = 0;
        for c in x.chunks(LANES) {
            let mut hits = 0u32;
            for &v in c {
                hits += (v == target) as u32;
            }
            if hits > 0 {
                let p = c.iter().position(|&v| v == target).unwrap_or(0);
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
        let mut total = 0u64;
        // u32 lanes per block cannot overflow; blocks add into a u64.
        for b in x.chunks(SUM_BLOCK) {
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
            total += acc.iter().map(|&c| c as u64).sum::<u64>();
        }
        total
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
