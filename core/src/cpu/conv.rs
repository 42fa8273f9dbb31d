//! Convolution kernels on channels-last (NHWC) data with HWIO kernels: the patches under each
//! output pixel are packed into rows (im2col) and multiplied by the kernel with the engine's
//! GEMM. 1-D convolutions arrive here as 2-D ones with height 1.
//!
//! Rows of the patch matrix are output pixels (batch, y, x) in C order, so a block of rows is a
//! block of the output: blocks run in parallel, each packing into a reusable per-thread
//! scratch buffer. A 1x1 kernel with stride 1 and no padding needs no packing at all.

use std::cell::Cell;
use std::thread::LocalKey;

use rayon::prelude::*;

use crate::cpu::matmul::gemm;
use crate::cpu::num::Float;
use crate::error::{Error, Result};
use crate::storage::{try_vec, BufferElement};

/// Shape of one 2-D convolution: input (batch, in_h, in_w, in_c), kernel (k_h, k_w,
/// in_c / groups, out_c), output (batch, out_h, out_w, out_c); `pad_top`/`pad_left` are the
/// zero rows/columns before the input (those after follow from the output size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub out_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub groups: usize,
}

impl Conv2dGeometry {
    pub fn group_in(&self) -> usize {
        self.in_c / self.groups.max(1)
    }
    pub fn group_out(&self) -> usize {
        self.out_c / self.groups.max(1)
    }
    /// Length of one patch row: the GEMM's inner dimension.
    pub fn patch_len(&self) -> usize {
        self.k_h * self.k_w * self.group_in()
    }
    pub fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }
    pub fn out_rows(&self) -> usize {
        self.batch * self.out_plane()
    }
    pub fn in_image_len(&self) -> usize {
        self.in_h * self.in_w * self.in_c
    }
    pub fn input_len(&self) -> usize {
        self.batch * self.in_image_len()
    }
    pub fn output_len(&self) -> usize {
        self.out_rows() * self.out_c
    }
    pub fn kernel_len(&self) -> usize {
        self.patch_len() * self.out_c
    }
    /// A 1x1 kernel at stride 1 without padding over one group: the input rows are the patches.
    fn is_pointwise(&self) -> bool {
        self.k_h == 1
            && self.k_w == 1
            && self.stride_h == 1
            && self.stride_w == 1
            && self.pad_top == 0
            && self.pad_left == 0
            && self.groups == 1
            && self.out_h == self.in_h
            && self.out_w == self.in_w
    }
    /// Multiply-adds of one pass (forward or either gradient).
    fn work(&self) -> usize {
        self.out_rows().saturating_mul(self.patch_len()).saturating_mul(self.group_out())
    }
}

/// Element types the convolution kernels run on (f32, f64), each with a per-thread scratch
/// buffer that packing reuses from call to call.
pub trait ConvElem: Float + BufferElement {
    fn scratch() -> &'static LocalKey<Cell<Vec<Self>>>;
}

thread_local! {
    static SCRATCH_F32: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static SCRATCH_F64: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

impl ConvElem for f32 {
    fn scratch() -> &'static LocalKey<Cell<Vec<f32>>> {
        &SCRATCH_F32
    }
}

impl ConvElem for f64 {
    fn scratch() -> &'static LocalKey<Cell<Vec<f64>>> {
        &SCRATCH_F64
    }
}

/// Scratch buffers above this many bytes are freed after use instead of kept for the next call.
const MAX_KEPT_SCRATCH_BYTES: usize = 32 << 20;

/// Runs `f` on `len` elements of this thread's scratch buffer (stale contents: `f` must write
/// before it reads). The buffer is taken out of its cell while in use, so a nested call (rayon
/// may run another block on this thread inside a GEMM) gets a fresh one instead of a conflict.
fn with_scratch<T: ConvElem, R>(len: usize, f: impl FnOnce(&mut [T]) -> Result<R>) -> Result<R> {
    let key = T::scratch();
    let mut buf = key.with(|c| c.take());
    if buf.len() < len {
        buf.try_reserve_exact(len - buf.len()).map_err(|_| {
            Error::OutOfMemory(format!("convolution: could not allocate a {len}-element packing buffer"))
        })?;
        buf.resize(len, T::zero());
    }
    let r = f(&mut buf[..len]);
    if buf.len() * std::mem::size_of::<T>() <= MAX_KEPT_SCRATCH_BYTES {
        key.with(|c| {
            let other = c.take();
            c.set(if other.len() > buf.len() { other } else { buf });
        });
    }
    r
}

/// Packed patch rows per block: about `target_bytes` of patches, and at least four blocks per
/// thread when the problem is big enough to split.
fn rows_per_block(total_rows: usize, patch_len: usize, elem_bytes: usize, target_bytes: usize) -> usize {
    let by_cache = (target_bytes / (patch_len * elem_bytes).max(1)).clamp(16, 16384);
    let threads = rayon::current_num_threads().max(1);
    let by_balance = total_rows.div_ceil(threads * 4).max(16);
    by_cache.min(by_balance).max(1)
}

/// Below this many multiply-adds a pass stays on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 20;

const FORWARD_BLOCK_BYTES: usize = 256 << 10;
const FILTER_BLOCK_BYTES: usize = 2 << 20;

/// Calls `f(block_index, block)` for each `chunk`-long block of `data`, in parallel or not.
fn for_each_block<T: Send>(data: &mut [T], chunk: usize, parallel: bool, f: impl Fn(usize, &mut [T]) -> Result<()> + Sync) -> Result<()> {
    if parallel {
        data.par_chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c))
    } else {
        data.chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c))
    }
}

/// The output pixel (image, y, x) of patch row `r`.
#[inline]
fn pixel_of(g: &Conv2dGeometry, r: usize) -> (usize, usize, usize) {
    let plane = g.out_plane();
    let (b, rem) = (r / plane, r % plane);
    (b, rem / g.out_w, rem % g.out_w)
}

/// Steps an output pixel to the next one in C order.
#[inline]
fn next_pixel(g: &Conv2dGeometry, (b, y, x): (usize, usize, usize)) -> (usize, usize, usize) {
    if x + 1 < g.out_w {
        (b, y, x + 1)
    } else if y + 1 < g.out_h {
        (b, y + 1, 0)
    } else {
        (b + 1, 0, 0)
    }
}

/// Visits each kernel tap of the patch under output pixel (y, x): `f(tap_row_start, src)`
/// receives the offset of the tap's segment in the patch row and the offset of the matching
/// input pixel's group channels within the image, or None when the tap lies in the padding.
/// Taps along x that are adjacent in memory (dilation 1, one group) come as one run of
/// `k_w * in_c` elements, flagged by the third argument.
#[inline]
fn for_each_tap(g: &Conv2dGeometry, c0: usize, y: usize, x: usize, mut f: impl FnMut(usize, Option<usize>, usize)) {
    let ig = g.group_in();
    let run = g.k_w * ig;
    let y0 = (y * g.stride_h) as isize - g.pad_top as isize;
    let x0 = (x * g.stride_w) as isize - g.pad_left as isize;
    let whole_run = g.dil_w == 1 && ig == g.in_c && x0 >= 0 && x0 as usize + g.k_w <= g.in_w;
    for ky in 0..g.k_h {
        let iy = y0 + (ky * g.dil_h) as isize;
        let seg = ky * run;
        if iy < 0 || iy as usize >= g.in_h {
            f(seg, None, run);
            continue;
        }
        let line = iy as usize * g.in_w * g.in_c;
        if whole_run {
            f(seg, Some(line + x0 as usize * g.in_c), run);
            continue;
        }
        for kx in 0..g.k_w {
            let ix = x0 + (kx * g.dil_w) as isize;
            if ix < 0 || ix as usize >= g.in_w {
                f(seg + kx * ig, None, ig);
            } else {
                f(seg + kx * ig, Some(line + ix as usize * g.in_c + c0), ig);
            }
        }
    }
}

/// Packs patch rows `r0 .. r0 + rows` of group `grp` into `cols` (rows x patch_len).
fn im2col<T: ConvElem>(x: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, cols: &mut [T]) {
    let kp = g.patch_len();
    let c0 = grp * g.group_in();
    let img_len = g.in_image_len();
    let mut px = pixel_of(g, r0);
    for row in cols.chunks_exact_mut(kp) {
        let (b, y, xo) = px;
        let img = &x[b * img_len..(b + 1) * img_len];
        for_each_tap(g, c0, y, xo, |dst, src, len| {
            let d = &mut row[dst..dst + len];
            match src {
                Some(s) => copy_short(d, &img[s..s + len]),
                None => d.fill(T::zero()),
            }
        });
        px = next_pixel(g, px);
    }
}

/// Adds patch rows `r0 ..` of group `grp` back onto the images they came from; `dx` holds the
/// images from `first_image` on.
fn col2im<T: ConvElem>(cols: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, first_image: usize, dx: &mut [T]) {
    let kp = g.patch_len();
    let c0 = grp * g.group_in();
    let img_len = g.in_image_len();
    let mut px = pixel_of(g, r0);
    for row in cols.chunks_exact(kp) {
        let (b, y, xo) = px;
        let img = &mut dx[(b - first_image) * img_len..(b - first_image + 1) * img_len];
        for_each_tap(g, c0, y, xo, |src, dst, len| {
            if let Some(d) = dst {
                for (o, &v) in img[d..d + len].iter_mut().zip(&row[src..src + len]) {
                    *o = *o + v;
                }
            }
        });
        px = next_pixel(g, px);
    }
}

/// `dst.copy_from_slice(src)` without a memcpy call for the few-element runs of thin inputs.
#[inline(always)]
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    if dst.len() <= 8 {
        for i in 0..dst.len().min(src.len()) {
            dst[i] = src[i];
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// The forward convolution: `x` (NHWC) with `w` (HWIO) into a new NHWC output.
pub fn conv2d_forward<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    if out.is_empty() || g.patch_len() == 0 {
        return Ok(out);
    }
    let (o, kp) = (g.out_c, g.patch_len());
    let blk = rows_per_block(g.out_rows(), kp, std::mem::size_of::<T>(), FORWARD_BLOCK_BYTES);
    let parallel = g.work() >= PARALLEL_MIN_WORK;
    for_each_block(&mut out, blk * o, parallel, |bi, out_blk| forward_block(x, w, g, bi * blk, out_blk))?;
    Ok(out)
}

/// Output rows `r0 ..` (as many as `out` holds).
fn forward_block<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry, r0: usize, out: &mut [T]) -> Result<()> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    let rows = out.len() / o;
    if g.is_pointwise() {
        gemm(rows, o, kp, &x[r0 * kp..], kp as isize, 1, w, o as isize, 1, out);
        return Ok(());
    }
    let tmp_len = if g.groups == 1 { 0 } else { rows * og };
    with_scratch(rows * kp + tmp_len, |s: &mut [T]| {
        let (cols, tmp) = s.split_at_mut(rows * kp);
        for grp in 0..g.groups {
            im2col(x, g, grp, r0, cols);
            let wg = &w[grp * og..];
            if g.groups == 1 {
                gemm(rows, o, kp, cols, kp as isize, 1, wg, o as isize, 1, out);
            } else {
                gemm(rows, og, kp, cols, kp as isize, 1, wg, o as isize, 1, tmp);
                for (orow, trow) in out.chunks_exact_mut(o).zip(tmp.chunks_exact(og)) {
                    orow[grp * og..(grp + 1) * og].copy_from_slice(trow);
                }
            }
        }
        Ok(())
    })
}

/// The gradient with respect to the input: each output gradient row times the transposed
/// kernel gives a patch of input gradient, added back where the patch came from.
pub fn conv2d_input_grad<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    if dx.is_empty() || g.out_plane() == 0 || g.out_c == 0 || g.patch_len() == 0 {
        return Ok(dx);
    }
    let (kp, plane, img_len) = (g.patch_len(), g.out_plane(), g.in_image_len());
    let blk = rows_per_block(g.out_rows(), kp, std::mem::size_of::<T>(), FORWARD_BLOCK_BYTES);
    let parallel = g.work() >= PARALLEL_MIN_WORK;
    // Tasks own whole images, so their scatters never overlap.
    let threads = rayon::current_num_threads().max(1);
    let images_per_task = if parallel { g.batch.div_ceil(threads * 4).max(1) } else { g.batch };
    for_each_block(&mut dx, images_per_task * img_len, parallel, |ti, dx_task| {
        let b0 = ti * images_per_task;
        let (start, end) = (b0 * plane, (b0 + dx_task.len() / img_len) * plane);
        let mut r = start;
        while r < end {
            let rows = blk.min(end - r);
            input_grad_block(dy, w, g, r, rows, b0, dx_task)?;
            r += rows;
        }
        Ok(())
    })?;
    Ok(dx)
}

fn input_grad_block<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry, r0: usize, rows: usize, b0: usize, dx: &mut [T]) -> Result<()> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    if g.is_pointwise() {
        let at = (r0 - b0 * g.out_plane()) * kp;
        gemm(rows, kp, o, &dy[r0 * o..], o as isize, 1, w, 1, o as isize, &mut dx[at..at + rows * kp]);
        return Ok(());
    }
    with_scratch(rows * kp, |cols: &mut [T]| {
        for grp in 0..g.groups {
            // (rows x og) @ (og x kp): the kernel read transposed.
            gemm(rows, kp, og, &dy[r0 * o + grp * og..], o as isize, 1, &w[grp * og..], 1, o as isize, cols);
            col2im(cols, g, grp, r0, b0, dx);
        }
        Ok(())
    })
}

/// The gradient with respect to the kernel: patches^T @ output gradient over the whole batch,
/// split into one contiguous range of rows per thread whose partial sums are added at the end.
pub fn conv2d_filter_grad<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dw = try_vec(g.kernel_len(), T::zero())?;
    let total = g.out_rows();
    if dw.is_empty() || total == 0 {
        return Ok(dw);
    }
    let threads = rayon::current_num_threads().max(1);
    let parts = if g.work() >= PARALLEL_MIN_WORK { threads.min(total.div_ceil(256)).max(1) } else { 1 };
    let per = total.div_ceil(parts);
    let partials: Vec<Vec<T>> = if parts == 1 {
        vec![filter_grad_rows(x, dy, g, 0, total)?]
    } else {
        (0..parts).into_par_iter().map(|p| filter_grad_rows(x, dy, g, p * per, ((p + 1) * per).min(total))).collect::<Result<_>>()?
    };
    for part in &partials {
        for (d, &v) in dw.iter_mut().zip(part) {
            *d = *d + v;
        }
    }
    Ok(dw)
}

/// Kernel gradient contributed by patch rows `r0 .. r1`.
fn filter_grad_rows<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry, r0: usize, r1: usize) -> Result<Vec<T>> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    let mut acc = try_vec(kp * o, T::zero())?;
    let blk = (FILTER_BLOCK_BYTES / (kp * std::mem::size_of::<T>()).max(1)).clamp(64, 65536).min(r1 - r0);
    let cols_len = if g.is_pointwise() { 0 } else { blk * kp };
    with_scratch(cols_len + kp * og, |s: &mut [T]| {
        let (cols, tmp) = s.split_at_mut(cols_len);
        let mut r = r0;
        while r < r1 {
            let rows = blk.min(r1 - r);
            for grp in 0..g.groups {
                let dyg = &dy[r * o + grp * og..];
                if g.is_pointwise() {
                    gemm(kp, og, rows, &x[r * kp..], 1, kp as isize, dyg, o as isize, 1, tmp);
                } else {
                    let cols = &mut cols[..rows * kp];
                    im2col(x, g, grp, r, cols);
                    gemm(kp, og, rows, cols, 1, kp as isize, dyg, o as isize, 1, tmp);
                }
                if g.groups == 1 {
                    for (a, &v) in acc.iter_mut().zip(tmp.iter()) {
                        *a = *a + v;
                    }
                } else {
                    for (arow, trow) in acc.chunks_exact_mut(o).zip(tmp.chunks_exact(og)) {
                        for (a, &v) in arow[grp * og..(grp + 1) * og].iter_mut().zip(trow) {
                            *a = *a + v;
                        }
                    }
                }
            }
            r += rows;
        }
        Ok(())
    })?;
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct-loop reference convolution.
    fn reference(x: &[f64], w: &[f64], g: &Conv2dGeometry) -> Vec<f64> {
        let (ig, og) = (g.group_in(), g.group_out());
        let mut out = vec![0.0; g.output_len()];
        for b in 0..g.batch {
            for oy in 0..g.out_h {
                for ox in 0..g.out_w {
                    for oc in 0..g.out_c {
                        let grp = oc / og;
                        let mut s = 0.0;
                        for ky in 0..g.k_h {
                            for kx in 0..g.k_w {
                                let iy = (oy * g.stride_h + ky * g.dil_h) as isize - g.pad_top as isize;
                                let ix = (ox * g.stride_w + kx * g.dil_w) as isize - g.pad_left as isize;
                                if iy < 0 || ix < 0 || iy as usize >= g.in_h || ix as usize >= g.in_w {
                                    continue;
                                }
                                for i in 0..ig {
                                    let xv = x[((b * g.in_h + iy as usize) * g.in_w + ix as usize) * g.in_c + grp * ig + i];
                                    s += xv * w[((ky * g.k_w + kx) * ig + i) * g.out_c + oc];
                                }
                            }
                        }
                        out[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = s;
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
            })
            .collect()
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn geometries() -> Vec<Conv2dGeometry> {
        let base = Conv2dGeometry {
            batch: 2, in_h: 7, in_w: 6, in_c: 4, out_h: 0, out_w: 0, out_c: 6, k_h: 3, k_w: 2,
            stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad_top: 0, pad_left: 0, groups: 1,
        };
        let mut v = vec![];
        for (sh, sw, dh, dw, pt, pl, groups) in
            [(1, 1, 1, 1, 0, 0, 1), (2, 1, 1, 2, 1, 1, 1), (1, 2, 2, 1, 2, 0, 2), (2, 2, 1, 1, 1, 0, 4), (1, 1, 1, 1, 1, 1, 1)]
        {
            let mut g = Conv2dGeometry { stride_h: sh, stride_w: sw, dil_h: dh, dil_w: dw, pad_top: pt, pad_left: pl, groups, ..base };
            g.out_c = 2 * groups;
            g.out_h = (g.in_h + 2 * pt - ((g.k_h - 1) * dh + 1)) / sh + 1;
            g.out_w = (g.in_w + 2 * pl - ((g.k_w - 1) * dw + 1)) / sw + 1;
            v.push(g);
        }
        // A pointwise (1x1) convolution takes the no-packing path.
        v.push(Conv2dGeometry { k_h: 1, k_w: 1, out_h: 7, out_w: 6, ..base });
        v
    }

    #[test]
    fn forward_matches_direct_loops() {
        for g in geometries() {
            let x = values(g.input_len(), 1);
            let w = values(g.kernel_len(), 2);
            let got = conv2d_forward(&x, &w, &g).unwrap();
            let want = reference(&x, &w, &g);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{g:?}: {a} vs {b}");
            }
        }
    }

    /// The gradients are adjoints of the forward map: <dy, conv(x, w)> = <input_grad(dy, w), x>
    /// = <filter_grad(x, dy), w>.
    #[test]
    fn gradients_are_adjoint_to_forward() {
        for g in geometries() {
            let x = values(g.input_len(), 3);
            let w = values(g.kernel_len(), 4);
            let dy = values(g.output_len(), 5);
            let y = conv2d_forward(&x, &w, &g).unwrap();
            let dx = conv2d_input_grad(&dy, &w, &g).unwrap();
            let dw = conv2d_filter_grad(&x, &dy, &g).unwrap();
            let lhs = dot(&dy, &y);
            assert!((lhs - dot(&dx, &x)).abs() < 1e-10, "{g:?}");
            assert!((lhs - dot(&dw, &w)).abs() < 1e-10, "{g:?}");
        }
    }

    #[test]
    fn large_batch_splits_the_same_as_one_block() {
        let g = Conv2dGeometry {
            batch: 16, in_h: 13, in_w: 13, in_c: 8, out_h: 11, out_w: 11, out_c: 16, k_h: 3, k_w: 3,
            stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad_top: 0, pad_left: 0, groups: 1,
        };
        let x = values(g.input_len(), 6);
        let w = values(g.kernel_len(), 7);
        let got = conv2d_forward(&x, &w, &g).unwrap();
        let want = reference(&x, &w, &g);
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12));
        let dy = values(g.output_len(), 8);
        let dw = conv2d_filter_grad(&x, &dy, &g).unwrap();
        let dx = conv2d_input_grad(&dy, &w, &g).unwrap();
        let lhs = dot(&dy, &got);
        assert!((lhs - dot(&dw, &w)).abs() < 1e-9);
        assert!((lhs - dot(&dx, &x)).abs() < 1e-9);
    }
}
