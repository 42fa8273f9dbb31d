//! Strided copies: materialising views, and block copies into regions of a contiguous output
//! (concatenate, pad, slice_update). Rows whose source and destination are both dense are
//! copied with `copy_from_slice` (a memcpy); large outputs are split over the thread pool
//! along their leading axis, which gives each thread a disjoint slice of the output.

use std::mem::MaybeUninit;


use crate::error::Result;
use crate::layout::Layout;
use crate::storage::{try_with_capacity, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::with_buffer;

use super::strided::{coalesce, for_each_row};

/// Element count from which copies split over the pool. Higher than the elementwise
/// threshold: a copy does so little per element that below this waking the pool costs more
/// than it saves.
pub const COPY_PARALLEL_MIN_ELEMENTS: usize = 1 << 18;

/// A destination element: an initialised `T`, or a `MaybeUninit<T>` of a fresh output that
/// the kernel fills completely (which saves zeroing it first).
pub trait Slot<T: Copy>: Send {
    fn put(&mut self, v: T);
    fn put_row(dst: &mut [Self], src: &[T])
    where
        Self: Sized;
}

impl<T: Copy + Send> Slot<T> for T {
    #[inline(always)]
    fn put(&mut self, v: T) {
        *self = v;
    }
    #[inline(always)]
    fn put_row(dst: &mut [T], src: &[T]) {
        dst.copy_from_slice(src);
    }
}

impl<T: Copy + Send> Slot<T> for MaybeUninit<T> {
    #[inline(always)]
    fn put(&mut self, v: T) {
        self.write(v);
    }
    #[inline(always)]
    fn put_row(dst: &mut [MaybeUninit<T>], src: &[T]) {
        dst.write_copy_of_slice(src);
    }
}

/// A vector of `n` elements produced by `fill`, without zeroing it first.
///
/// # Safety
/// `fill` must write every element of the slice it is given.
pub unsafe fn fill_new_vec<T: Copy>(n: usize, fill: impl FnOnce(&mut [MaybeUninit<T>])) -> Result<Vec<T>> {
    let mut v: Vec<MaybeUninit<T>> = try_with_capacity(n)?;
    // SAFETY: MaybeUninit needs no initialisation; the capacity is at least n.
    unsafe { v.set_len(n) };
    fill(&mut v);
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: the caller guarantees every element was written; MaybeUninit<T> has the layout
    // of T, so the allocation is a valid Vec<T> of the same length and capacity.
    Ok(unsafe { Vec::from_raw_parts(v.as_mut_ptr() as *mut T, v.len(), v.capacity()) })
}

/// Copies the elements of `src` seen through `sl` into `dst` seen through `dl` (same shape).
/// `dl` must not map two elements to one place (views made by slicing never do).
pub fn copy_strided<T: Copy, D: Slot<T>>(dst: &mut [D], dl: &Layout, src: &[T], sl: &Layout) {
    debug_assert_eq!(dl.shape(), sl.shape());
    if dl.numel() >= TILE * TILE && copy_transposed(dst, dl, src, sl) {
        return;
    }
    if dl.numel() >= 64 && copy_short_rows(dst, dl, src, sl) {
        return;
    }
    for_each_row(dl.shape(), [dl.strides(), sl.strides()], [dl.offset(), sl.offset()], |_, [bd, bs], n, [sd, ss]| {
        let (bd, bs) = (bd as usize, bs as usize);
        match (sd, ss) {
            (1, 1) => D::put_row(&mut dst[bd..bd + n], &src[bs..bs + n]),
            (1, 0) => {
                let v = src[bs];
                dst[bd..bd + n].iter_mut().for_each(|d| d.put(v));
            }
            _ => {
                let (mut d, mut s) = (bd as isize, bs as isize);
                for _ in 0..n {
                    dst[d as usize].put(src[s as usize]);
                    d += sd;
                    s += ss;
                }
            }
        }
    });
}

/// Rows this short or shorter are copied two axes at a time (`copy_short_rows`).
const SHORT_ROW: usize = 8;

/// When the innermost axis (after merging) is only a few elements long, as when repeating or
/// broadcasting the last axis, walks the two innermost axes in one loop instead of paying the
/// per-row cost for every few elements. Returns false when the layouts are not of that kind.
fn copy_short_rows<T: Copy, D: Slot<T>>(dst: &mut [D], dl: &Layout, src: &[T], sl: &Layout) -> bool {
    let (shape, strides) = coalesce(dl.shape(), &[dl.strides(), sl.strides()]);
    let r = shape.len();
    if r < 2 || shape[r - 1] > SHORT_ROW {
        return false;
    }
    let (k, inner) = (r - 1, shape[r - 1]);
    let (di, si) = (strides[0][k], strides[1][k]);
    for_each_row(&shape[..k], [&strides[0][..k], &strides[1][..k]], [dl.offset(), sl.offset()], |_, [bd, bs], n, [sd, ss]| {
        let (mut d, mut s) = (bd, bs);
        for _ in 0..n {
            for j in 0..inner as isize {
                dst[(d + j * di) as usize].put(src[(s + j * si) as usize]);
            }
            d += sd;
            s += ss;
        }
    });
    true
}

/// Side of the square tiles of a transposing copy: a 32 x 32 tile of 4- or 8-byte elements
/// keeps both the cache lines it reads and those it writes in L1.
const TILE: usize = 32;

/// The copy of a transposed view: the destination is dense along its last axis while the
/// source is dense along another axis `k`. Copying the (k, last) plane tile by tile uses each
/// cache line read for a whole tile instead of one element. Returns false (copying nothing)
/// when the layouts are not of that kind.
fn copy_transposed<T: Copy, D: Slot<T>>(dst: &mut [D], dl: &Layout, src: &[T], sl: &Layout) -> bool {
    let (shape, strides) = coalesce(dl.shape(), &[dl.strides(), sl.strides()]);
    let r = shape.len();
    if r < 2 {
        return false;
    }
    let (ds, ss) = (&strides[0], &strides[1]);
    let last = r - 1;
    if ds[last] != 1 || ss[last] == 1 || ss[last] == 0 || shape[last] < TILE / 2 {
        return false;
    }
    let Some(k) = (0..last).find(|&a| ss[a] == 1 && shape[a] >= TILE / 2) else {
        return false;
    };
    let outer: Vec<usize> = (0..last).filter(|&a| a != k).collect();
    let pick = |st: &[isize], off: usize| Layout::new(outer.iter().map(|&a| shape[a]).collect(), outer.iter().map(|&a| st[a]).collect(), off);
    let mut dbases: Vec<usize> = Vec::with_capacity(outer.iter().map(|&a| shape[a]).product());
    pick(ds, dl.offset()).for_each_offset(|o| dbases.push(o));
    let (nk, nl, dk, sj) = (shape[k], shape[last], ds[k], ss[last]);
    let mut bases = dbases.into_iter();
    pick(ss, sl.offset()).for_each_offset(|sb| {
        let Some(db) = bases.next() else { return };
        for i0 in (0..nk).step_by(TILE) {
            for j0 in (0..nl).step_by(TILE) {
                let jn = (j0 + TILE).min(nl);
                for i in i0..(i0 + TILE).min(nk) {
                    let drow = (db as isize + i as isize * dk) as usize;
                    let srow = sb as isize + i as isize;
                    for (j, d) in dst[drow + j0..drow + jn].iter_mut().enumerate() {
                        d.put(src[(srow + (j0 + j) as isize * sj) as usize]);
                    }
                }
            }
        }
    });
    true
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
    if n < COPY_PARALLEL_MIN_ELEMENTS || slabs < 2 || slab == 0 {
        f(out, 0, slabs);
        return;
    }
    let per_chunk = slabs.div_ceil(crate::cpu::team::threads() * 4).max(1);
    crate::cpu::team::chunks_mut(out, per_chunk * slab, |i, chunk| f(chunk, i * per_chunk, chunk.len() / slab));
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
pub fn par_gather_strided<T: Copy + Send + Sync>(data: &[T], layout: &Layout) -> Result<Vec<T>> {
    if layout.numel() < COPY_PARALLEL_MIN_ELEMENTS {
        return gather_strided(data, layout);
    }
    // SAFETY: fill_from_strided writes every element of a contiguous output of the layout's size.
    unsafe { fill_new_vec(layout.numel(), |out| fill_from_strided(out, data, layout)) }
}

/// Writes the elements of `data` seen through `layout` into the contiguous `out`.
pub fn fill_from_strided<T: Copy + Send + Sync, D: Slot<T>>(out: &mut [D], data: &[T], layout: &Layout) {
    let shape = layout.shape();
    let Some(ax) = leading_split_axis(shape) else {
        // At most one element.
        if let (Some(o), true) = (out.first_mut(), layout.numel() == 1) {
            o.put(data[layout.offset()]);
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
pub fn copy_into_block<T: Copy + Send + Sync, D: Slot<T>>(out: &mut [D], out_shape: &[usize], start: &[usize], src: &[T], sl: &Layout) {
    if sl.numel() == 0 {
        return;
    }
    // Leading axes of size 1 in the output are fixed at 0; drop them so the split axis is first.
    let lead = out_shape.iter().take_while(|&&d| d == 1).count().min(out_shape.len().saturating_sub(1));
    let (out_shape, start) = (&out_shape[lead..], &start[lead..]);
    let sl = sl.remove_axes(&(0..lead).collect::<Vec<_>>());
    if out_shape.is_empty() {
        out[0].put(src[sl.offset()]);
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

/// Where output position `i` of a padded axis reads from: `None` for the constant fill.
/// `mirror` is 0 for constant padding, 1 for reflect (edge not repeated), 2 for symmetric.
#[inline]
pub fn pad_source(i: usize, before: usize, d: usize, mirror: u8) -> Option<usize> {
    let j = i as isize - before as isize;
    let d = d as isize;
    let m = match mirror {
        _ if (0..d).contains(&j) => j,
        1 if j < 0 => -j,
        1 => 2 * (d - 1) - j,
        2 if j < 0 => -j - 1,
        2 => 2 * d - 1 - j,
        _ => return None,
    };
    (0..d).contains(&m).then_some(m as usize)
}

/// Fills the contiguous `out` (of `out_shape`) with `src` (seen through `sl`) padded by
/// `pads[a] = (before, after)` on each axis: with `fill` (mirror 0) or mirrored edges (1:
/// reflect, 2: symmetric). One pass writes every output element once: the axes after the
/// last padded one form dense runs, copied whole.
#[allow(clippy::too_many_arguments)]
pub fn pad_into<T: Copy + Send + Sync, D: Slot<T>>(out: &mut [D], out_shape: &[usize], pads: &[(usize, usize)], src: &[T], sl: &Layout, fill: T, mirror: u8) {
    let r = out_shape.len();
    let Some(p) = (0..r).rev().find(|&a| pads[a] != (0, 0)) else {
        fill_from_strided(out, src, sl);
        return;
    };
    let inner: usize = out_shape[p + 1..].iter().product();
    let row_len = out_shape[p] * inner;
    let in_shape = sl.shape();
    // The source block of one output row: axis p and the unpadded axes after it.
    let block = Layout::new(in_shape[p..].to_vec(), sl.strides()[p..].to_vec(), 0);
    let unit = Layout::new(in_shape[p + 1..].to_vec(), sl.strides()[p + 1..].to_vec(), 0);
    let dense_unit = Layout::contiguous(&in_shape[p + 1..]);
    let unit_is_dense = unit.is_contiguous();
    let (before, d) = (pads[p].0, in_shape[p]);
    let interior_end = before + d;
    let put_unit = |dst: &mut [D], offset: usize| {
        if unit_is_dense {
            D::put_row(dst, &src[offset..offset + inner]);
        } else {
            copy_strided(dst, &dense_unit, src, &unit.clone().with_offset(offset));
        }
    };
    let fill_row = |row: &mut [D], base: usize| {
        let (lo, hi) = row.split_at_mut(before * inner);
        let (mid, tail) = hi.split_at_mut(d * inner);
        let dense_block = block.clone().with_offset(base);
        if dense_block.is_contiguous() {
            D::put_row(mid, &src[base..base + d * inner]);
        } else {
            copy_strided(mid, &Layout::contiguous(&in_shape[p..]), src, &dense_block);
        }
        let edges = lo.chunks_exact_mut(inner).enumerate().chain(tail.chunks_exact_mut(inner).enumerate().map(|(t, c)| (interior_end + t, c)));
        for (k, dst) in edges {
            match pad_source(k, before, d, mirror) {
                Some(m) => put_unit(dst, (base as isize + m as isize * sl.strides()[p]) as usize),
                None => dst.iter_mut().for_each(|o| o.put(fill)),
            }
        }
    };
    // Rows: every index of the output axes before p, in C order, split over the pool by axis 0.
    let outer = &out_shape[..p];
    let run = |chunk: &mut [D], first: usize| {
        let mut idx = vec![0usize; p];
        if p > 0 {
            idx[0] = first;
        }
        for row in chunk.chunks_exact_mut(row_len.max(1)) {
            // Source position of this row, or None when it lies in constant padding.
            let mut base = Some(sl.offset() as isize);
            for a in 0..p {
                base = match (base, pad_source(idx[a], pads[a].0, in_shape[a], mirror)) {
                    (Some(b), Some(m)) => Some(b + m as isize * sl.strides()[a]),
                    _ => None,
                };
            }
            match base {
                Some(b) => fill_row(row, b as usize),
                None => row.iter_mut().for_each(|o| o.put(fill)),
            }
            for a in (0..p).rev() {
                idx[a] += 1;
                if idx[a] < outer[a] || a == 0 {
                    break;
                }
                idx[a] = 0;
            }
        }
    };
    if row_len == 0 {
        return;
    }
    if p == 0 {
        run(out, 0);
    } else {
        par_slabs(out, outer[0], |chunk, first, _| run(chunk, first));
    }
}

/// Bytes of output `concat_into` fills from every part before moving on (fits in L2).
const BLOCK_BYTES: usize = 64 * 1024;

/// Writes `parts` (each a strided view of its own data) side by side along `axis` into the
/// contiguous `out` of `out_shape`; `parts[i]` has `out_shape` with `axis` replaced by its size.
pub fn concat_into<T: Copy + Send + Sync, D: Slot<T>>(out: &mut [D], out_shape: &[usize], axis: usize, parts: &[(&[T], &Layout)]) {
    // An empty output has nothing to fill (and its other axes may be huge).
    if out.is_empty() {
        return;
    }
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
            let slab: usize = oshape.shape()[1..].iter().product();
            // Every part writes into each slab: go through the output in blocks that stay in
            // cache while all the parts fill them (stacking many tensors on a last axis).
            let block_slabs = (BLOCK_BYTES / (slab * std::mem::size_of::<T>()).max(1)).max(1);
            par_slabs(out, oshape.shape()[0], |chunk, first, _count| {
                for (b, block) in chunk.chunks_mut(block_slabs * slab).enumerate() {
                    let (bfirst, bcount) = (first + b * block_slabs, block.len() / slab.max(1));
                    let mut cshape = oshape.shape().to_vec();
                    cshape[0] = bcount;
                    let block_layout = Layout::contiguous(&cshape);
                    for (((data, _), sl), &s) in parts.iter().zip(&srcs).zip(&starts) {
                        let d = sl.shape()[k];
                        copy_strided(block, &block_layout.slice_axis(k, s, d, 1), data, &sl.slice_axis(0, bfirst, bcount, 1));
                    }
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
        let n = 1100 * 257;
        let data: Vec<i64> = (0..n as i64).collect();
        let l = Layout::contiguous(&[1100, 257]).permute(&[1, 0]).unwrap();
        let got = par_gather_strided(&data, &l).unwrap();
        assert_eq!(got, gather_strided(&data, &l).unwrap());
        let mut want = Vec::new();
        l.for_each_offset(|o| want.push(data[o]));
        assert_eq!(got, want);
    }

    #[test]
    fn tiled_transpose_copies_match_the_plain_walk() {
        let data: Vec<f32> = (0..(3 * 70 * 45)).map(|v| v as f32).collect();
        for perm in [[0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let l = Layout::contiguous(&[3, 70, 45]).permute(&perm).unwrap();
            let mut want = Vec::new();
            l.for_each_offset(|o| want.push(data[o]));
            let mut got = vec![0f32; want.len()];
            copy_strided(&mut got, &Layout::contiguous(l.shape()), &data, &l);
            assert_eq!(got, want, "perm {perm:?}");
        }
        // A reversed, sliced transpose.
        let l = Layout::contiguous(&[70, 45]).slice_axis(0, 69, 70, -1).permute(&[1, 0]).unwrap();
        let mut want = Vec::new();
        l.for_each_offset(|o| want.push(data[o]));
        assert_eq!(par_gather_strided(&data, &l).unwrap(), want);
    }

    #[test]
    fn concat_along_inner_axis_in_parallel() {
        let (r, a, b) = (1700, 70, 90);
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
        let (r, c) = (3300, 80);
        let src: Vec<f64> = (0..(r * c)).map(|v| v as f64).collect();
        let mut out = vec![-1.0; (r + 3) * (c + 2)];
        copy_into_block(&mut out, &[r + 3, c + 2], &[2, 1], &src, &Layout::contiguous(&[r, c]));
        assert_eq!(out[0], -1.0);
        assert_eq!(out[2 * (c + 2) + 1], 0.0);
        assert_eq!(out[(r + 1) * (c + 2) + c], (r * c - 1) as f64);
        assert_eq!(out.iter().filter(|&&v| v == -1.0).count(), (r + 3) * (c + 2) - r * c);
    }

    /// pad_into against a per-element walk of pad_source on every axis.
    #[test]
    fn pad_matches_elementwise_definition() {
        let shape = [3usize, 4, 2, 5];
        let data: Vec<i32> = (0..120).collect();
        let views = [Layout::contiguous(&shape), Layout::contiguous(&[5, 2, 4, 3]).permute(&[3, 2, 1, 0]).unwrap()];
        for pads in [[(1, 2), (0, 0), (1, 1), (0, 0)], [(0, 0), (3, 2), (0, 0), (4, 4)], [(2, 0), (0, 0), (0, 0), (0, 0)]] {
            for mirror in 0..3u8 {
                for l in &views {
                    let out_shape: Vec<usize> = shape.iter().zip(&pads).map(|(&d, &(b, a))| d + b + a).collect();
                    let n: usize = out_shape.iter().product();
                    let mut got = vec![0i32; n];
                    pad_into(&mut got, &out_shape, &pads, &data, l, -1, mirror);
                    let mut want = Vec::with_capacity(n);
                    for flat in 0..n {
                        let mut rem = flat;
                        let mut off = Some(l.offset() as isize);
                        for a in (0..4).rev() {
                            let i = rem % out_shape[a];
                            rem /= out_shape[a];
                            off = match (off, pad_source(i, pads[a].0, shape[a], mirror)) {
                                (Some(o), Some(m)) => Some(o + m as isize * l.strides()[a]),
                                _ => None,
                            };
                        }
                        want.push(off.map_or(-1, |o| data[o as usize]));
                    }
                    assert_eq!(got, want, "pads {pads:?} mirror {mirror}");
                }
            }
        }
    }

    #[test]
    fn short_row_copies_match_the_plain_walk() {
        let data: Vec<i32> = (0..600).collect();
        // Broadcast last axis (a repeat), a transposed narrow matrix, a reversed one.
        let views = [
            Layout::contiguous(&[100, 6, 1]).broadcast_to(&[100, 6, 3], "t").unwrap(),
            Layout::contiguous(&[4, 150]).permute(&[1, 0]).unwrap(),
            Layout::contiguous(&[150, 4]).slice_axis(1, 3, 4, -1),
        ];
        for l in &views {
            let mut want = Vec::new();
            l.for_each_offset(|o| want.push(data[o]));
            let mut got = vec![0; want.len()];
            copy_strided(&mut got, &Layout::contiguous(l.shape()), &data, l);
            assert_eq!(got, want, "{l:?}");
        }
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
