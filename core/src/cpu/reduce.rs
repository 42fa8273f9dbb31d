//! Reductions over a set of axes: every output element folds the elements of the reduced
//! sub-layout that sits under it.

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
