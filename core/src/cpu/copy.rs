//! Strided copies: materialising views, and block copies into regions of a contiguous output
//! (concatenate, pad, slice_update). Rows whose source and destination are both dense are
//! copied with `copy_from_slice` (a memcpy); large outputs are split over the thread pool
//! along their leading axis, which gives each thread a disjoint slice of the output.

use rayon::prelude::*;

use crate::error::Result;
use crate::layout::Layout;
use crate::storage::{try_vec, try_with_capacity, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::with_buffer;

use super::parallel::PARALLEL_MIN_ELEMENTS;
use super::strided::for_each_row;

/// Copies the elements of `src` seen through `sl` into `dst` seen through `dl` (same shape).
/// `dl` must not map two elements to one place (views made by slicing never do).
pub fn copy_strided<T: Copy>(dst: &mut [T], dl: &Layout, src: &[T], sl: &Layout) {
    debug_assert_eq!(dl.shape(), sl.shape());
    for_each_row(dl.shape(), [dl.strides(), sl.strides()], [dl.offset(), sl.offset()], |_, [bd, bs], n, [sd, ss]| {
        let (bd, bs) = (bd as usize, bs as usize);
        match (sd, ss) {
            (1, 1) => dst[bd..bd + n].copy_from_slice(&src[bs..bs + n]),
            (1, 0) => dst[bd..bd + n].fill(src[bs]),
            _ => {
                let (mut d, mut s) = (bd as isize, bs as isize);
                for _ in 0..n {
                    dst[d as usize] = src[s as usize];
                    d += sd;
                    s += ss;
                }
            }
        }
    });
}

/// Splits a contiguous output of `shape` into chunks of whole slabs along its leading axis and
/// calls `f(chunk, first_slab, slab_count)` for each, on the pool when the output is large.
/// Leading size-1 axes are skipped by the caller's layouts (`leading_split_axis`).
pub fn par_slabs<T: Send>(out: &mut [T], slabs: usize, f: impl Fn(&mut [T], usize, usize) + Sync) {
    let n = out.len();
    if n == 0 || slabs == 0 {
        return;
    }
    let slab = n / slabs;
    if n < PARALLEL_MIN_ELEMENTS || slabs < 2 || slab == 0 {
        f(out, 0, slabs);
        return;
    }
    let threads = rayon::current_num_threads().max(1);
    let per_chunk = slabs.div_ceil(threads * 4).max(1);
    out.par_chunks_mut(per_chunk * slab).enumerate().for_each(|(i, chunk)| {
        f(chunk, i * per_chunk, chunk.len() / slab);
    });
}

/// The first axis of `shape` with more than one element (the one to split work along), or None
/// when the shape has at most one element per axis.
pub fn leading_split_axis(shape: &[usize]) -> Option<usize> {
    shape.iter().position(|&d| d > 1)
}

/// The elements of `data` seen through `layout`, in C order (single-threaded).
pub fn gather_strided<T: Copy>(data: &[T], layout: &Layout) -> Result<Vec<T>> {
    let mut out: Vec<T> = try_with_capacity(layout.numel())?;
    for_each_row(layout.shape(), [layout.strides()], [layout.offset()], |_, [base], n, [s]| {
        if s == 1 {
            out.extend_from_slice(&data[base as usize..base as usize + n]);
        } else {
            let mut o = base;
            for _ in 0..n {
                out.push(data[o as usize]);
                o += s;
            }
        }
    });
    Ok(out)
}

/// `gather_strided` split over the thread pool for large views.
pub fn par_gather_strided<T: Copy + Send + Sync + Default>(data: &[T], layout: &Layout) -> Result<Vec<T>> {
    if layout.numel() < PARALLEL_MIN_ELEMENTS {
        return gather_strided(data, layout);
    }
    let mut out: Vec<T> = try_vec(layout.numel(), T::default())?;
    fill_from_strided(&mut out, data, layout);
    Ok(out)
}

/// Writes the elements of `data` seen through `layout` into the contiguous `out`.
pub fn fill_from_strided<T: Copy + Send + Sync>(out: &mut [T], data: &[T], layout: &Layout) {
    let shape = layout.shape();
    let Some(ax) = leading_split_axis(shape) else {
        // At most one element.
        if let Some(o) = out.first_mut() {
            *o = data[layout.offset()];
        }
        return;
    };
    // Drop the leading size-1 axes so the split axis comes first.
    let lead: Vec<usize> = (0..ax).collect();
    let src = layout.remove_axes(&lead);
    let rest: Vec<usize> = src.shape()[1..].to_vec();
    par_slabs(out, src.shape()[0], |chunk, first, count| {
        let mut dshape = vec![count];
        dshape.extend_from_slice(&rest);
        copy_strided(chunk, &Layout::contiguous(&dshape), data, &src.slice_axis(0, first, count, 1));
    });
}

/// A contiguous copy of any host tensor.
pub fn contiguous_copy(t: &Tensor) -> Result<Tensor> {
    let buf = t.cpu_buffer()?;
    let out: CpuBuffer = with_buffer!(buf, v => BufferElement::wrap(par_gather_strided(v, t.layout())?));
    Tensor::from_buffer(out, t.shape())
}

/// Copies `src` (seen through `sl`) into the block of the contiguous `out` (of `out_shape`)
/// whose first element is at `start` and whose shape is `sl`'s; split over the pool along the
/// block's leading axis (each thread writes whole rows of the output).
pub fn copy_into_block<T: Copy + Send + Sync>(out: &mut [T], out_shape: &[usize], start: &[usize], src: &[T], sl: &Layout) {
    if sl.numel() == 0 {
        return;
    }
    // Leading axes of size 1 in the output are fixed at 0; drop them so the split axis is first.
    let lead = out_shape.iter().take_while(|&&d| d == 1).count().min(out_shape.len().saturating_sub(1));
    let (out_shape, start) = (&out_shape[lead..], &start[lead..]);
    let sl = sl.remove_axes(&(0..lead).collect::<Vec<_>>());
    if out_shape.is_empty() {
        out[0] = src[sl.offset()];
        return;
    }
    let slab: usize = out_shape[1..].iter().product();
    let rows = sl.shape()[0];
    let region = &mut out[start[0] * slab..(start[0] + rows) * slab];
    par_slabs(region, rows, |chunk, first, count| {
        let mut shape = out_shape.to_vec();
        shape[0] = count;
        let mut dl = Layout::contiguous(&shape);
        for a in 1..shape.len() {
            dl = dl.slice_axis(a, start[a], sl.shape()[a], 1);
        }
        copy_strided(chunk, &dl, src, &sl.slice_axis(0, first, count, 1));
    });
}

/// Writes `parts` (each a strided view of its own data) side by side along `axis` into the
/// contiguous `out` of `out_shape`; `parts[i]` has `out_shape` with `axis` replaced by its size.
pub fn concat_into<T: Copy + Send + Sync>(out: &mut [T], out_shape: &[usize], axis: usize, parts: &[(&[T], &Layout)]) {
    let starts: Vec<usize> = parts
        .iter()
        .scan(0usize, |acc, (_, l)| {
            let s = *acc;
            *acc += l.shape()[axis];
            Some(s)
        })
        .collect();
    let split = out_shape[..axis].iter().position(|&d| d > 1);
    match split {
        // Every axis before `axis` has size 1: each part fills one dense span of the output.
        None => {
            let span_unit: usize = out_shape[axis + 1..].iter().product();
            for ((data, l), &s) in parts.iter().zip(&starts) {
                let len = l.shape()[axis] * span_unit;
                fill_from_strided(&mut out[s * span_unit..s * span_unit + len], data, l);
            }
        }
        // Split the output along an earlier axis; each chunk takes its rows from every part.
        Some(ax) => {
            let lead: Vec<usize> = (0..ax).collect();
            let oshape = Layout::contiguous(out_shape).remove_axes(&lead);
            let srcs: Vec<Layout> = parts.iter().map(|(_, l)| l.remove_axes(&lead)).collect();
            let k = axis - ax;
            par_slabs(out, oshape.shape()[0], |chunk, first, count| {
                let mut cshape = oshape.shape().to_vec();
                cshape[0] = count;
                let chunk_layout = Layout::contiguous(&cshape);
                for (((data, _), sl), &s) in parts.iter().zip(&srcs).zip(&starts) {
                    let d = sl.shape()[k];
                    copy_strided(chunk, &chunk_layout.slice_axis(k, s, d, 1), data, &sl.slice_axis(0, first, count, 1));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_and_serial_gather_agree() {
        let n = 300 * 257;
        let data: Vec<i64> = (0..n as i64).collect();
        let l = Layout::contiguous(&[300, 257]).permute(&[1, 0]).unwrap();
        let got = par_gather_strided(&data, &l).unwrap();
        assert_eq!(got, gather_strided(&data, &l).unwrap());
        let mut want = Vec::new();
        l.for_each_offset(|o| want.push(data[o]));
        assert_eq!(got, want);
    }

    #[test]
    fn concat_along_inner_axis_in_parallel() {
        let (r, a, b) = (400, 70, 90);
        let x: Vec<i32> = (0..(r * a) as i32).collect();
        let y: Vec<i32> = (0..(r * b) as i32).map(|v| -v).collect();
        let (lx, ly) = (Layout::contiguous(&[r, a]), Layout::contiguous(&[r, b]));
        let mut out = vec![0; r * (a + b)];
        concat_into(&mut out, &[r, a + b], 1, &[(&x, &lx), (&y, &ly)]);
        for i in 0..r {
            assert_eq!(&out[i * (a + b)..i * (a + b) + a], &x[i * a..(i + 1) * a]);
            assert_eq!(&out[i * (a + b) + a..(i + 1) * (a + b)], &y[i * b..(i + 1) * b]);
        }
    }

    #[test]
    fn block_copy_into_the_middle() {
        let (r, c) = (600, 80);
        let src: Vec<f64> = (0..(r * c)).map(|v| v as f64).collect();
        let mut out = vec![-1.0; (r + 3) * (c + 2)];
        copy_into_block(&mut out, &[r + 3, c + 2], &[2, 1], &src, &Layout::contiguous(&[r, c]));
        assert_eq!(out[0], -1.0);
        assert_eq!(out[2 * (c + 2) + 1], 0.0);
        assert_eq!(out[(r + 1) * (c + 2) + c], (r * c - 1) as f64);
        assert_eq!(out.iter().filter(|&&v| v == -1.0).count(), (r + 3) * (c + 2) - r * c);
    }

    #[test]
    fn concat_with_leading_unit_axes() {
        let x = vec![1.0f32, 2.0];
        let y = vec![3.0f32];
        let mut out = vec![0.0; 3];
        concat_into(&mut out, &[1, 3], 1, &[(&x, &Layout::contiguous(&[1, 2])), (&y, &Layout::contiguous(&[1, 1]))]);
        assert_eq!(out, vec![1.0, 2.0, 3.0]);
    }
}
