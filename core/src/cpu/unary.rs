//! Unary elementwise kernels: out[i] = f(x[i]) into a contiguous output.

use rayon::prelude::*;

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::try_vec;

use super::parallel::{chunk_len, PARALLEL_MIN_ELEMENTS};
use super::strided::for_each_row;

pub fn map1<A, O>(x: &[A], l: &Layout, f: impl Fn(A) -> O + Sync) -> Result<Vec<O>>
where
    A: Copy + Sync,
    O: Copy + Default + Send,
{
    let n = l.numel();
    let mut out = try_vec(n, O::default())?;
    if let Some(off) = l.contiguous_offset() {
        let x = &x[off..off + n];
        if n >= PARALLEL_MIN_ELEMENTS {
            let c = chunk_len(n);
            out.par_chunks_mut(c).zip(x.par_chunks(c)).for_each(|(o, x)| {
                for (o, &v) in o.iter_mut().zip(x) {
                    *o = f(v);
                }
            });
        } else {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = f(v);
            }
        }
        return Ok(out);
    }
    for_each_row(l.shape(), [l.strides()], [l.offset()], |row, [b], len, [s]| {
        let o = &mut out[row * len..(row + 1) * len];
        let mut i = b;
        for o in o.iter_mut() {
            *o = f(x[i as usize]);
            i += s;
        }
    });
    Ok(out)
}
