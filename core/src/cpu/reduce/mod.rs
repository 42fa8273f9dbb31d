//! Reduction kernels. `plan` maps a tensor and its reduced axes onto a dense `[m, k, n]`
//! block; `fold` drives the fold-shaped reductions over such a block (rows, columns, threads);
//! `folds` holds the folds themselves (sum, prod, max/min, argmax/argmin, count) and
//! `moments` the two-pass mean/variance. `simd` picks the instruction set at run time.
//! `reduce` below is the generic strided fold, kept for callers that need an arbitrary
//! accumulator over any layout.

pub mod fold;
pub mod folds;
pub mod grad;
pub mod moments;
pub mod plan;
pub mod simd;

pub use fold::{fold_mkn, Fold};
pub use folds::{ArgExtremum, CountNonzero, Extremum, MaybeNan, Prod, Sum};
pub use moments::moments_mkn;
pub use plan::Plan;

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::try_with_capacity;

use super::strided::for_each_row;

/// Splits `l` into the kept axes (outer) and the reduced axes (inner).
fn split(l: &Layout, axes: &[usize]) -> (Layout, Layout) {
    let keep: Vec<usize> = (0..l.rank()).filter(|a| !axes.contains(a)).collect();
    let pick = |ax: &[usize]| {
        Layout::new(ax.iter().map(|&a| l.shape()[a]).collect(), ax.iter().map(|&a| l.strides()[a]).collect(), 0)
    };
    (pick(&keep), pick(axes))
}

/// For each output element (kept axes in C order), folds the reduced elements with `fold`
/// starting from `init`, then maps the accumulator through `finish`.
pub fn reduce<T: Copy, A: Copy, O>(
    data: &[T],
    l: &Layout,
    axes: &[usize],
    init: A,
    fold: impl Fn(A, T) -> A,
    finish: impl Fn(A) -> O,
) -> Result<Vec<O>> {
    let (outer, inner) = split(l, axes);
    let mut out = try_with_capacity(outer.numel())?;
    for_each_row(outer.shape(), [outer.strides()], [l.offset()], |_, [ob], on, [os]| {
        let mut base = ob;
        for _ in 0..on {
            let mut acc = init;
            for_each_row(inner.shape(), [inner.strides()], [base as usize], |_, [ib], n, [is]| {
                if is == 1 {
                    for &v in &data[ib as usize..ib as usize + n] {
                        acc = fold(acc, v);
                    }
                } else {
                    let mut i = ib;
                    for _ in 0..n {
                        acc = fold(acc, data[i as usize]);
                        i += is;
                    }
                }
            });
            out.push(finish(acc));
            base += os;
        }
    });
    Ok(out)
}
