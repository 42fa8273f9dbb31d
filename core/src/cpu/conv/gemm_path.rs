//! Convolution through the GEMM: im2col blocks of output rows times the kernel (forward), the
//! output gradient times the transposed kernel then col2im (input gradient), and patches^T
//! times the output gradient (kernel gradient).

use rayon::prelude::*;

use super::patches::{col2im, im2col, im2col_kmajor};
use super::{for_each_block, rows_per_block, with_scratch, ConvElem, Conv2dGeometry, FILTER_BLOCK_BYTES, FORWARD_BLOCK_BYTES, PARALLEL_MIN_WORK};
use crate::cpu::gemm::{gemm_strided, Epilogue, MatMut, MatRef};
use crate::cpu::matmul::{gemm, zeroed_vec};
use crate::error::Result;

/// The forward convolution: `x` (NHWC) with `w` (HWIO) into a new NHWC output.
pub(super) fn forward<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut out = zeroed_vec(g.output_len())?;
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
    // Short patches are packed patch-position-major: the GEMM copies such a matrix straight
    // into its panels, where pixel-major rows shorter than its transpose width cost a scalar
    // transpose (and the pixels of one output line are one strided run of the input).
    let kmajor = kp < KMAJOR_MAX_PATCH;
    with_scratch(rows * kp, |cols: &mut [T]| {
        for grp in 0..g.groups {
            let patches = if kmajor {
                im2col_kmajor(x, g, grp, r0, rows, cols);
                MatRef::new(&*cols, 0, 1, rows as isize)
            } else {
                im2col(x, g, grp, r0, cols);
                MatRef::row_major(&*cols, kp)
            };
            let wg = MatRef::new(w, grp * og, o as isize, 1);
            // The group's output channels: a column block of the output rows.
            let c = MatMut::new(&mut *out, grp * og, o as isize, 1);
            gemm_strided(rows, og, kp, patches, wg, c, false, Epilogue::default());
        }
        Ok(())
    })
}

/// Patches shorter than this are packed patch-position-major.
const KMAJOR_MAX_PATCH: usize = 16;

/// The gradient with respect to the input: each output gradient row times the transposed
/// kernel gives a patch of input gradient, added back where the patch came from.
pub(super) fn input_grad<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dx = zeroed_vec(g.input_len())?;
    if dx.is_empty() || g.out_plane() == 0 || g.out_c == 0 || g.patch_len() == 0 {
        return Ok(dx);
    }
    let (kp, plane, img_len) = (g.patch_len(), g.out_plane(), g.in_image_len());
    let wt = transposed_kernel(w, g)?;
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
            input_grad_block(dy, &wt, g, r, rows, b0, dx_task)?;
            r += rows;
        }
        Ok(())
    })?;
    Ok(dx)
}

/// Each group's kernel transposed, (out_c / groups) x patch_len row-major, groups one after
/// another: the input gradient multiplies by it, and the GEMM packs a row-major operand with
/// plain copies (it would transpose the strided view again for every block).
fn transposed_kernel<T: ConvElem>(w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    let mut wt = zeroed_vec(o * kp)?;
    for (p, wrow) in w.chunks_exact(o).enumerate() {
        for (c, &v) in wrow.iter().enumerate() {
            let (grp, j) = (c / og, c % og);
            wt[(grp * og + j) * kp + p] = v;
        }
    }
    Ok(wt)
}

/// Input gradient of output rows `r0 .. r0 + rows` into the images from `b0` that `dx` holds;
/// `wt` is `transposed_kernel`.
fn input_grad_block<T: ConvElem>(dy: &[T], wt: &[T], g: &Conv2dGeometry, r0: usize, rows: usize, b0: usize, dx: &mut [T]) -> Result<()> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    if g.is_pointwise() {
        let at = (r0 - b0 * g.out_plane()) * kp;
        gemm(rows, kp, o, &dy[r0 * o..], o as isize, 1, wt, kp as isize, 1, &mut dx[at..at + rows * kp]);
        return Ok(());
    }
    with_scratch(rows * kp, |cols: &mut [T]| {
        for grp in 0..g.groups {
            // (rows x og) @ (og x kp): patches of input gradient, added back where they came from.
            gemm(rows, kp, og, &dy[r0 * o + grp * og..], o as isize, 1, &wt[grp * og * kp..], kp as isize, 1, cols);
            col2im(cols, g, grp, r0, b0, dx);
        }
        Ok(())
    })
}

/// The gradient with respect to the kernel: patches^T @ output gradient over the whole batch,
/// split into one contiguous range of rows per thread whose partial sums are added at the end.
pub(super) fn filter_grad<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dw = zeroed_vec(g.kernel_len())?;
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

/// Kernel gradient contributed by patch rows `r0 .. r1`: patches^T @ dy, accumulated block by
/// block (each block one GEMM whose inner dimension is the block's rows).
fn filter_grad_rows<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry, r0: usize, r1: usize) -> Result<Vec<T>> {
    let (o, og, kp) = (g.out_c, g.group_out(), g.patch_len());
    let mut acc = zeroed_vec(kp * o)?;
    let blk = (FILTER_BLOCK_BYTES / (kp * std::mem::size_of::<T>()).max(1)).clamp(64, 65536).min(r1 - r0);
    let cols_len = if g.is_pointwise() { 0 } else { blk * kp };
    with_scratch(cols_len, |cols: &mut [T]| {
        let mut r = r0;
        while r < r1 {
            let rows = blk.min(r1 - r);
            for grp in 0..g.groups {
                // Patches transposed: element (p, i) of the (kp x rows) operand is row i's p-th.
                let patches = if g.is_pointwise() {
                    MatRef::new(x, r * kp, 1, kp as isize)
                } else if kp < KMAJOR_MAX_PATCH {
                    im2col_kmajor(x, g, grp, r, rows, &mut cols[..rows * kp]);
                    MatRef::new(&*cols, 0, rows as isize, 1)
                } else {
                    im2col(x, g, grp, r, &mut cols[..rows * kp]);
                    MatRef::new(&*cols, 0, 1, kp as isize)
                };
                let dyg = MatRef::new(dy, r * o + grp * og, o as isize, 1);
                let c = MatMut::new(&mut acc, grp * og, o as isize, 1);
                gemm_strided(kp, og, rows, patches, dyg, c, true, Epilogue::default());
            }
            r += rows;
        }
        Ok(())
    })?;
    Ok(acc)
}
