//! Gather/scatter kernels for indexing with integer arrays (take, take_along_axis, advanced
//! `__getitem__`, scatter). A `GatherPlan` says where each block of the result comes from;
//! the gather copies blocks (a memcpy when a block is dense), the scatter writes them back.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::try_with_capacity;

use super::copy::{copy_strided, fill_new_vec, COPY_PARALLEL_MIN_ELEMENTS};

/// The result of an indexing gather is laid out as (outer axes, index positions, inner axes):
/// element (o, b, i) is read from `outer(o) + offsets[b] + inner(i)` in the source storage,
/// where `outer` and `inner` are strided walks over the axes that were not indexed.
#[derive(Clone, Debug)]
pub struct GatherPlan {
    /// The non-indexed axes before the index block (its offset is the view's start).
    pub outer: Layout,
    /// Storage offset contributed by each (broadcast) index position.
    pub offsets: Vec<isize>,
    /// The non-indexed axes after the index block (offset 0).
    pub inner: Layout,
}

/// How the elements of one block are laid out in the source.
enum Block {
    /// One element.
    Single,
    /// `n` consecutive elements.
    Dense(usize),
    /// Anything else.
    Strided,
}

impl GatherPlan {
    /// Number of elements the plan reads.
    pub fn numel(&self) -> usize {
        self.outer.numel() * self.offsets.len() * self.inner.numel()
    }

    /// The start of every block, in output order.
    fn starts(&self) -> Result<Vec<isize>> {
        let mut v: Vec<isize> = try_with_capacity(self.outer.numel() * self.offsets.len())?;
        self.outer.for_each_offset(|o| v.extend(self.offsets.iter().map(|&b| o as isize + b)));
        Ok(v)
    }

    fn block(&self) -> Block {
        let n = self.inner.numel();
        if n == 1 {
            Block::Single
        } else if self.inner.is_contiguous() {
            Block::Dense(n)
        } else {
            Block::Strided
        }
    }
}

/// The elements selected by `plan` from `data`, in output order.
pub fn gather<T: Copy + Send + Sync>(data: &[T], plan: &GatherPlan) -> Result<Vec<T>> {
    let inner_n = plan.inner.numel();
    if plan.numel() == 0 {
        return Ok(Vec::new());
    }
    let starts = plan.starts()?;
    let block = plan.block();
    let dense_inner = Layout::contiguous(plan.inner.shape());
    // Each call writes every element of `out`: one block of `inner_n` per start.
    let copy_blocks = |out: &mut [MaybeUninit<T>], starts: &[isize]| match block {
        Block::Single => {
            for (o, &s) in out.iter_mut().zip(starts) {
                o.write(data[s as usize]);
            }
        }
        Block::Dense(n) => {
            for (o, &s) in out.chunks_exact_mut(n).zip(starts) {
                o.write_copy_of_slice(&data[s as usize..s as usize + n]);
            }
        }
        Block::Strided => {
            for (o, &s) in out.chunks_exact_mut(inner_n).zip(starts) {
                copy_strided(o, &dense_inner, data, &plan.inner.clone().with_offset(s as usize));
            }
        }
    };
    let fill = |out: &mut [MaybeUninit<T>]| {
        if out.len() >= COPY_PARALLEL_MIN_ELEMENTS && starts.len() > 1 {
            let threads = rayon::current_num_threads().max(1);
            let per = starts.len().div_ceil(threads * 4).max(1);
            out.par_chunks_mut(per * inner_n).zip(starts.par_chunks(per)).for_each(|(o, s)| copy_blocks(o, s));
        } else {
            copy_blocks(out, &starts);
        }
    };
    // SAFETY: `starts` has one entry per block and the output holds exactly one block of
    // `inner_n` elements per entry, so `fill` writes every element.
    unsafe { fill_new_vec(plan.numel(), fill) }
}

/// Writes `src` (contiguous, in the plan's output order) back through `plan` into `dst`,
/// combining each element with `combine(&mut dst_elem, src_elem)`. Single-threaded: index
/// arrays may repeat, and repeated positions must accumulate in a fixed order.
pub fn scatter<T: Copy>(dst: &mut [T], plan: &GatherPlan, src: &[T], combine: impl Fn(&mut T, T)) -> Result<()> {
    if plan.numel() == 0 {
        return Ok(());
    }
    let inner_n = plan.inner.numel();
    let starts = plan.starts()?;
    match plan.block() {
        Block::Single => {
            for (&v, &s) in src.iter().zip(&starts) {
                combine(&mut dst[s as usize], v);
            }
        }
        Block::Dense(n) => {
            for (v, &s) in src.chunks_exact(n).zip(&starts) {
                for (d, &x) in dst[s as usize..s as usize + n].iter_mut().zip(v) {
                    combine(d, x);
                }
            }
        }
        Block::Strided => {
            for (v, &s) in src.chunks_exact(inner_n).zip(&starts) {
                let mut k = 0;
                plan.inner.clone().with_offset(s as usize).for_each_offset(|o| {
                    combine(&mut dst[o], v[k]);
                    k += 1;
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_rows(rows: &[isize], cols: usize) -> GatherPlan {
        GatherPlan {
            outer: Layout::contiguous(&[]),
            offsets: rows.iter().map(|&r| r * cols as isize).collect(),
            inner: Layout::contiguous(&[cols]),
        }
    }

    #[test]
    fn gather_rows_and_scatter_add_repeats() {
        let data: Vec<f64> = (0..12).map(|v| v as f64).collect(); // [4, 3]
        let plan = plan_rows(&[2, 0, 2], 3);
        let got = gather(&data, &plan).unwrap();
        assert_eq!(got, vec![6.0, 7.0, 8.0, 0.0, 1.0, 2.0, 6.0, 7.0, 8.0]);
        let mut acc = vec![0.0; 12];
        scatter(&mut acc, &plan, &[1.0; 9], |d, v| *d += v).unwrap();
        assert_eq!(acc, vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn parallel_gather_matches_serial_order() {
        // Column gather of a large matrix: blocks are single elements with a strided outer walk.
        let (r, c) = (100_000, 60);
        let data: Vec<i64> = (0..(r * c) as i64).collect();
        let plan = GatherPlan { outer: Layout::contiguous(&[r, c]).select(1, 0), offsets: vec![5, 1, 5], inner: Layout::contiguous(&[]) };
        let got = gather(&data, &plan).unwrap();
        assert_eq!(got.len(), r * 3);
        for i in 0..r {
            assert_eq!(&got[i * 3..i * 3 + 3], &[(i * c + 5) as i64, (i * c + 1) as i64, (i * c + 5) as i64]);
        }
    }
}
