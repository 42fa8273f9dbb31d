//! Unary elementwise kernels: out[i] = f(x[i]) into a contiguous output, for any layout.
//!
//! Every kernel here is a *run kernel*: a function from a contiguous run of inputs to the same
//! number of outputs (usually a SIMD loop from `simd::levels`). `map_layout` feeds it whole
//! contiguous tensors (split over threads above `PARALLEL_MIN_ELEMENTS`), or, for strided
//! views, each innermost row (stride-1 rows directly, other rows gathered into a scratch run).
//! `Rows` is the strided row walker shared with the binary kernels.

pub mod kernels;

use std::mem::MaybeUninit;


use crate::error::Result;
use crate::layout::Layout;
use crate::storage::try_with_capacity;

use super::parallel::{chunk_len, PARALLEL_MIN_ELEMENTS};
use super::simd::levels::each;
use super::strided::coalesce;

/// Length of the scratch runs strided rows are gathered into.
pub(crate) const SCRATCH: usize = 512;

/// A vector of `n` elements written by `fill`.
///
/// # Safety
/// `fill` must initialise every element of the slice it is given.
pub(crate) unsafe fn alloc_with<O>(n: usize, fill: impl FnOnce(&mut [MaybeUninit<O>])) -> Result<Vec<O>> {
    let mut v: Vec<O> = try_with_capacity(n)?;
    fill(&mut v.spare_capacity_mut()[..n]);
    v.set_len(n);
    Ok(v)
}

/// The innermost rows of a shape walked by N strided operands (after merging axes that all
/// operands traverse as one), addressable by row number so threads can take ranges of rows.
pub(crate) struct Rows<const N: usize> {
    outer: Vec<usize>,
    outer_strides: [Vec<isize>; N],
    offsets: [isize; N],
    pub len: usize,
    pub strides: [isize; N],
    pub count: usize,
}

impl<const N: usize> Rows<N> {
    pub fn new(shape: &[usize], strides: [&[isize]; N], offsets: [usize; N]) -> Rows<N> {
        let (mut shape, mut st) = coalesce(shape, &strides);
        let offsets = offsets.map(|o| o as isize);
        if shape.is_empty() {
            // a single element
            shape.push(1);
            st.iter_mut().for_each(|s| s.push(0));
        }
        let last = shape.len() - 1;
        let len = shape[last];
        let inner: [isize; N] = std::array::from_fn(|k| st[k][last]);
        let outer = shape[..last].to_vec();
        let outer_strides: [Vec<isize>; N] = std::array::from_fn(|k| st[k][..last].to_vec());
        let count = if len == 0 { 0 } else { outer.iter().product() };
        Rows { outer, outer_strides, offsets, len, strides: inner, count }
    }

    /// Calls `f(row, bases, out_range)` for rows `start..end` in C order.
    pub fn walk(&self, start: usize, end: usize, mut f: impl FnMut(usize, [isize; N])) {
        if start >= end {
            return;
        }
        let d = self.outer.len();
        // Unravel the starting row into a multi-index and base offsets.
        let mut idx = vec![0usize; d];
        let mut r = start;
        for ax in (0..d).rev() {
            idx[ax] = r % self.outer[ax];
            r /= self.outer[ax];
        }
        let mut bases = self.offsets;
        for k in 0..N {
            for ax in 0..d {
                bases[k] += idx[ax] as isize * self.outer_strides[k][ax];
            }
        }
        for row in start..end {
            f(row, bases);
            let mut ax = d;
            while ax > 0 {
                ax -= 1;
                idx[ax] += 1;
                for k in 0..N {
                    bases[k] += self.outer_strides[k][ax];
                }
                if idx[ax] < self.outer[ax] {
                    break;
                }
                for k in 0..N {
                    bases[k] -= self.outer_strides[k][ax] * self.outer[ax] as isize;
                }
                idx[ax] = 0;
            }
        }
    }

    /// Splits the rows into ranges of about `chunk_len(total)` elements for the thread pool.
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let total = self.count * self.len;
        let per = (chunk_len(total) / self.len.max(1)).max(1);
        (0..self.count).step_by(per).map(|s| (s, (s + per).min(self.count))).collect()
    }
}

/// Copies `n` elements starting at `base` with `stride` into `dst`.
#[inline]
pub(crate) fn gather<T: Copy>(src: &[T], base: isize, stride: isize, dst: &mut [T]) {
    let mut i = base;
    for d in dst.iter_mut() {
        *d = src[i as usize];
        i += stride;
    }
}

/// Runs `kernel` over one strided row of `len` elements into `out`, in scratch-sized runs.
#[inline]
fn strided_row<A: Copy + Default, O>(x: &[A], base: isize, stride: isize, out: &mut [MaybeUninit<O>], scratch: &mut [A],
                                     kernel: &impl Fn(&[A], &mut [MaybeUninit<O>])) {
    if stride == 1 {
        let b = base as usize;
        kernel(&x[b..b + out.len()], out);
        return;
    }
    let mut start = 0;
    for o in out.chunks_mut(scratch.len()) {
        let s = &mut scratch[..o.len()];
        gather(x, base + start as isize * stride, stride, s);
        kernel(s, o);
        start += o.len();
    }
}

/// The elements of `x` seen through `l`, mapped by the run kernel, in C order.
pub fn map_layout<A, O>(x: &[A], l: &Layout, kernel: impl Fn(&[A], &mut [MaybeUninit<O>]) + Sync) -> Result<Vec<O>>
where
    A: Copy + Default + Send + Sync,
    O: Send,
{
    let n = l.numel();
    if let Some(off) = l.contiguous_offset() {
        let x = &x[off..off + n];
        // SAFETY: the kernel writes one output per input, and the runs cover all n.
        return unsafe {
            alloc_with(n, |out| {
                if n >= PARALLEL_MIN_ELEMENTS {
                    let c = chunk_len(n);
                    crate::cpu::team::chunks_mut(out, c, |i, o| kernel(&x[i * c..i * c + o.len()], o));
                } else {
                    kernel(x, out);
                }
            })
        };
    }
    let rows = Rows::new(l.shape(), [l.strides()], [l.offset()]);
    let (len, [stride]) = (rows.len, rows.strides);
    let scratch_len = len.min(SCRATCH);
    // SAFETY: every row of the output is written by strided_row.
    unsafe {
        alloc_with(n, |out| {
            if n >= PARALLEL_MIN_ELEMENTS && rows.count > 1 {
                let ranges = rows.ranges();
                let spans: Vec<(usize, usize)> = ranges.iter().map(|&(s, e)| (s * len, e * len)).collect();
                crate::cpu::team::spans_mut(out, &spans, |k, part| {
                    let (s, e) = ranges[k];
                    let mut scratch = vec![A::default(); scratch_len];
                    rows.walk(s, e, |row, [b]| {
                        let o = &mut part[(row - s) * len..(row - s + 1) * len];
                        strided_row(x, b, stride, o, &mut scratch, &kernel);
                    });
                });
            } else {
                let mut scratch = vec![A::default(); scratch_len];
                rows.walk(0, rows.count, |row, [b]| {
                    strided_row(x, b, stride, &mut out[row * len..(row + 1) * len], &mut scratch, &kernel);
                });
            }
        })
    }
}

/// out[i] = f(x[i]) over any layout (the generic entry point other op families use).
pub fn map1<A, O>(x: &[A], l: &Layout, f: impl Fn(A) -> O + Sync) -> Result<Vec<O>>
where
    A: Copy + Default + Send + Sync,
    O: Copy + Default + Send,
{
    map_layout(x, l, |s, o| each(s, o, &f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_layout_matches_gather_for_views() {
        let data: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let l = Layout::contiguous(&[2, 3, 4]).permute(&[2, 0, 1]).unwrap();
        let got = map1(&data, &l, |v: f32| v * 2.0).unwrap();
        let mut want = vec![];
        l.for_each_offset(|o| want.push(data[o] * 2.0));
        assert_eq!(got, want);
        // reversed + broadcast rows
        let r = Layout::contiguous(&[4]).slice_axis(0, 3, 4, -1).broadcast_to(&[3, 4], "t").unwrap();
        let got = map1(&data, &r, |v: f32| v).unwrap();
        assert_eq!(got, vec![3.0, 2.0, 1.0, 0.0, 3.0, 2.0, 1.0, 0.0, 3.0, 2.0, 1.0, 0.0]);
    }

    #[test]
    fn parallel_strided_rows_cover_everything() {
        let n = 300 * 400;
        let data: Vec<i64> = (0..n as i64).collect();
        let l = Layout::contiguous(&[300, 400]).permute(&[1, 0]).unwrap();
        let got = map1(&data, &l, |v: i64| v + 1).unwrap();
        let mut want = vec![];
        l.for_each_offset(|o| want.push(data[o] + 1));
        assert_eq!(got, want);
    }

    #[test]
    fn empty_and_scalar_layouts() {
        let data = [5i32];
        assert_eq!(map1(&data, &Layout::contiguous(&[]), |v: i32| v * 3).unwrap(), vec![15]);
        assert!(map1(&data, &Layout::contiguous(&[0, 3]), |v: i32| v).unwrap().is_empty());
        let b = Layout::contiguous(&[]).broadcast_to(&[2, 0], "t").unwrap();
        assert!(map1(&data, &b, |v: i32| v).unwrap().is_empty());
    }
}
