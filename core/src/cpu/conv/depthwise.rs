//! Depthwise convolutions (several groups of one input channel each) computed directly: for
//! each output pixel and kernel tap, one multiply-add across the channels. No packing, no
//! GEMM: with one input channel per group, each group's GEMM would have the kernel's taps as
//! its inner dimension and the multiplier as its width.
//!
//! Kernel layout (k_h, k_w, 1, in_c * m): output channel c * m + j reads input channel c.
//! The loops are written so the compiler vectorizes them; the same code is also compiled for
//! AVX-512 and for AVX2, and the best the machine has is chosen at run time.

use rayon::prelude::*;

use super::patches::{next_pixel, pixel_of};
use super::{for_each_block, ConvElem, Conv2dGeometry, PARALLEL_MIN_WORK};
use crate::error::Result;
use crate::storage::try_vec;

/// Calls `f(tap, input_pixel)` for each kernel tap of output pixel (y, x) that lies inside the
/// input; `input_pixel` is iy * in_w + ix.
#[inline(always)]
fn for_each_valid_tap(g: &Conv2dGeometry, y: usize, x: usize, mut f: impl FnMut(usize, usize)) {
    let y0 = (y * g.stride_h) as isize - g.pad_top as isize;
    let x0 = (x * g.stride_w) as isize - g.pad_left as isize;
    for ky in 0..g.k_h {
        let iy = y0 + (ky * g.dil_h) as isize;
        if iy < 0 || iy as usize >= g.in_h {
            continue;
        }
        for kx in 0..g.k_w {
            let ix = x0 + (kx * g.dil_w) as isize;
            if ix >= 0 && (ix as usize) < g.in_w {
                f(ky * g.k_w + kx, iy as usize * g.in_w + ix as usize);
            }
        }
    }
}

/// o[c * m + j] += x[c] * w[c * m + j].
#[inline(always)]
fn madd_spread<T: ConvElem>(o: &mut [T], xs: &[T], ws: &[T], m: usize) {
    if m == 1 {
        for ((o, &xv), &wv) in o.iter_mut().zip(xs).zip(ws) {
            *o = *o + xv * wv;
        }
    } else {
        for ((os, &xv), wm) in o.chunks_exact_mut(m).zip(xs).zip(ws.chunks_exact(m)) {
            for (o, &wv) in os.iter_mut().zip(wm) {
                *o = *o + xv * wv;
            }
        }
    }
}

/// Output rows r0.. of the forward (as many as `out` holds).
#[inline(always)]
fn forward_rows<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry, r0: usize, out: &mut [T]) {
    let (c, oc, m) = (g.in_c, g.out_c, g.group_out());
    let mut px = pixel_of(g, r0);
    for o in out.chunks_exact_mut(oc) {
        let (b, y, xo) = px;
        let img = &x[b * g.in_image_len()..(b + 1) * g.in_image_len()];
        for_each_valid_tap(g, y, xo, |tap, ip| madd_spread(o, &img[ip * c..(ip + 1) * c], &w[tap * oc..(tap + 1) * oc], m));
        px = next_pixel(g, px);
    }
}

/// dx of images b0.. (as many as `dx` holds).
#[inline(always)]
fn input_grad_images<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry, b0: usize, dx: &mut [T]) {
    let (c, oc, m, plane) = (g.in_c, g.out_c, g.group_out(), g.out_plane());
    for (bi, img) in dx.chunks_exact_mut(g.in_image_len()).enumerate() {
        let r0 = (b0 + bi) * plane;
        for (p, dys) in dy[r0 * oc..(r0 + plane) * oc].chunks_exact(oc).enumerate() {
            let (y, xo) = (p / g.out_w, p % g.out_w);
            for_each_valid_tap(g, y, xo, |tap, ip| {
                let ws = &w[tap * oc..(tap + 1) * oc];
                let d = &mut img[ip * c..(ip + 1) * c];
                if m == 1 {
                    for ((d, &gv), &wv) in d.iter_mut().zip(dys).zip(ws) {
                        *d = *d + gv * wv;
                    }
                } else {
                    for ((d, gm), wm) in d.iter_mut().zip(dys.chunks_exact(m)).zip(ws.chunks_exact(m)) {
                        let mut s = *d;
                        for (&gv, &wv) in gm.iter().zip(wm) {
                            s = s + gv * wv;
                        }
                        *d = s;
                    }
                }
            });
        }
    }
}

/// Kernel gradient from output rows r0..r1, added into `acc` (taps x out_c).
#[inline(always)]
fn filter_grad_rows<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry, r0: usize, r1: usize, acc: &mut [T]) {
    let (c, oc, m) = (g.in_c, g.out_c, g.group_out());
    let mut px = pixel_of(g, r0);
    for dys in dy[r0 * oc..r1 * oc].chunks_exact(oc) {
        let (b, y, xo) = px;
        let img = &x[b * g.in_image_len()..(b + 1) * g.in_image_len()];
        for_each_valid_tap(g, y, xo, |tap, ip| madd_spread(&mut acc[tap * oc..(tap + 1) * oc], &img[ip * c..(ip + 1) * c], dys, m));
        px = next_pixel(g, px);
    }
}

with_simd!(fn forward_rows_best<T>(x: &[T], w: &[T], g: &Conv2dGeometry, r0: usize, out: &mut [T]) { forward_rows(x, w, g, r0, out) });
with_simd!(fn input_grad_best<T>(dy: &[T], w: &[T], g: &Conv2dGeometry, b0: usize, dx: &mut [T]) { input_grad_images(dy, w, g, b0, dx) });
with_simd!(fn filter_grad_best<T>(x: &[T], dy: &[T], g: &Conv2dGeometry, r0: usize, r1: usize, acc: &mut [T]) { filter_grad_rows(x, dy, g, r0, r1, acc) });

fn parallel(g: &Conv2dGeometry) -> bool {
    g.work() >= PARALLEL_MIN_WORK
}

pub(super) fn forward<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    if out.is_empty() {
        return Ok(out);
    }
    let threads = rayon::current_num_threads().max(1);
    let blk = g.out_rows().div_ceil(threads * 8).max(64);
    for_each_block(&mut out, blk * g.out_c, parallel(g), |bi, o| {
        forward_rows_best(x, w, g, bi * blk, o);
        Ok(())
    })?;
    Ok(out)
}

pub(super) fn input_grad<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    if dx.is_empty() || g.out_plane() == 0 {
        return Ok(dx);
    }
    let threads = rayon::current_num_threads().max(1);
    let per = if parallel(g) { g.batch.div_ceil(threads * 4).max(1) } else { g.batch };
    for_each_block(&mut dx, per * g.in_image_len(), parallel(g), |ti, d| {
        input_grad_best(dy, w, g, ti * per, d);
        Ok(())
    })?;
    Ok(dx)
}

pub(super) fn filter_grad<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    let mut dw = try_vec(g.kernel_len(), T::zero())?;
    let total = g.out_rows();
    if dw.is_empty() || total == 0 {
        return Ok(dw);
    }
    let parts = if parallel(g) { rayon::current_num_threads().max(1).min(total.div_ceil(256)) } else { 1 };
    let per = total.div_ceil(parts);
    let partials: Vec<Vec<T>> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let mut acc = try_vec(dw.len(), T::zero())?;
            filter_grad_best(x, dy, g, p * per, ((p + 1) * per).min(total), &mut acc);
            Ok(acc)
        })
        .collect::<Result<_>>()?;
    for part in &partials {
        for (d, &v) in dw.iter_mut().zip(part) {
            *d = *d + v;
        }
    }
    Ok(dw)
}
