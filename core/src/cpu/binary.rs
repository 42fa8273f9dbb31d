//! Binary elementwise kernels with numpy broadcasting: both operands are walked through their
//! (possibly stride-0) layouts into a contiguous output.

use rayon::prelude::*;

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::try_vec;

use super::parallel::{chunk_len, PARALLEL_MIN_ELEMENTS};
use super::strided::for_each_row;

/// out[i] = f(a[i], b[i]) over `shape`, with `la`/`lb` already broadcast to `shape`.
pub fn map2<A, B, O>(a: &[A], la: &Layout, b: &[B], lb: &Layout, shape: &[usize], f: impl Fn(A, B) -> O + Sync) -> Result<Vec<O>>
where
    A: Copy + Sync,
    B: Copy + Sync,
    O: Copy + Default + Send,
{
    let n: usize = shape.iter().product();
    let mut out = try_vec(n, O::default())?;
    if let (Some(oa), Some(ob)) = (la.contiguous_offset(), lb.contiguous_offset()) {
        let (a, b) = (&a[oa..oa + n], &b[ob..ob + n]);
        if n >= PARALLEL_MIN_ELEMENTS {
            let c = chunk_len(n);
            out.par_chunks_mut(c).zip(a.par_chunks(c)).zip(b.par_chunks(c)).for_each(|((o, a), b)| {
                for ((o, &x), &y) in o.iter_mut().zip(a).zip(b) {
                    *o = f(x, y);
                }
            });
        } else {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        }
        return Ok(out);
    }
    for_each_row(shape, [la.strides(), lb.strides()], [la.offset(), lb.offset()], |row, [ba, bb], len, [sa, sb]| {
        let o = &mut out[row * len..(row + 1) * len];
        let (ba, bb) = (ba as usize, bb as usize);
        match (sa, sb) {
            (1, 1) => {
                for ((o, &x), &y) in o.iter_mut().zip(&a[ba..ba + len]).zip(&b[bb..bb + len]) {
                    *o = f(x, y);
                }
            }
            (1, 0) => {
                let y = b[bb];
                for (o, &x) in o.iter_mut().zip(&a[ba..ba + len]) {
                    *o = f(x, y);
                }
            }
            (0, 1) => {
                let x = a[ba];
                for (o, &y) in o.iter_mut().zip(&b[bb..bb + len]) {
                    *o = f(x, y);
                }
            }
            _ => {
                let (mut ia, mut ib) = (ba as isize, bb as isize);
                for o in o.iter_mut() {
                    *o = f(a[ia as usize], b[ib as usize]);
                    ia += sa;
                    ib += sb;
                }
            }
        }
    });
    Ok(out)
}
