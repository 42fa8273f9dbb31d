//! im2col and its adjoint: the patches of the input under each output pixel, packed into rows
//! of a matrix (or added back from them). Rows are output pixels (image, y, x) in C order; a
//! row holds the kernel taps in (ky, kx) order, each tap the group's input channels.

use super::{ConvElem, Conv2dGeometry};

/// The output pixel (image, y, x) of patch row `r`.
#[inline(always)]
pub(super) fn pixel_of(g: &Conv2dGeometry, r: usize) -> (usize, usize, usize) {
    let plane = g.out_plane();
    let (b, rem) = (r / plane, r % plane);
    (b, rem / g.out_w, rem % g.out_w)
}

/// Steps an output pixel to the next one in C order.
#[inline(always)]
pub(super) fn next_pixel(g: &Conv2dGeometry, (b, y, x): (usize, usize, usize)) -> (usize, usize, usize) {
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
#[inline(always)]
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

/// Writes the patch under output pixel (y, x) of one image (channels c0.. of the group) into
/// `row` (patch_len long), zeros where it lies in the padding.
#[inline(always)]
pub(super) fn fill_patch<T: ConvElem>(img: &[T], g: &Conv2dGeometry, c0: usize, y: usize, x: usize, row: &mut [T]) {
    for_each_tap(g, c0, y, x, |dst, src, len| {
        let d = &mut row[dst..dst + len];
        match src {
            Some(s) => copy_short(d, &img[s..s + len]),
            None => d.fill(T::zero()),
        }
    });
}

/// Packs patch rows `r0 .. r0 + rows` of group `grp` into `cols` (rows x patch_len).
#[inline(always)]
fn im2col_body<T: ConvElem>(x: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, cols: &mut [T]) {
    let kp = g.patch_len();
    let c0 = grp * g.group_in();
    let img_len = g.in_image_len();
    let mut px = pixel_of(g, r0);
    for row in cols.chunks_exact_mut(kp) {
        let (b, y, xo) = px;
        fill_patch(&x[b * img_len..(b + 1) * img_len], g, c0, y, xo, row);
        px = next_pixel(g, px);
    }
}

/// Adds patch rows `r0 ..` of group `grp` back onto the images they came from; `dx` holds the
/// images from `first_image` on.
#[inline(always)]
fn col2im_body<T: ConvElem>(cols: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, first_image: usize, dx: &mut [T]) {
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
#[allow(clippy::manual_memcpy)] // the point is to not call memcpy for a few elements
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    if dst.len() <= 8 {
        for i in 0..dst.len().min(src.len()) {
            dst[i] = src[i];
        }
    } else {
        dst.copy_from_slice(src);
    }
}

with_simd!(pub(super) fn im2col<T>(x: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, cols: &mut [T]) { im2col_body(x, g, grp, r0, cols) });
with_simd!(pub(super) fn col2im<T>(cols: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, first_image: usize, dx: &mut [T]) {
    col2im_body(cols, g, grp, r0, first_image, dx)
});

/// Patch rows `r0 .. r0 + rows` of group `grp`, patch-position-major: `cols[p * rows + i]` is
/// value p of row i. Rows are walked one output line segment at a time, so for each patch
/// position the segment's values are one strided run of the input (contiguous at stride 1
/// with one channel).
#[inline(always)]
fn im2col_kmajor_body<T: ConvElem>(x: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, rows: usize, cols: &mut [T]) {
    let (ig, img_len) = (g.group_in(), g.in_image_len());
    let c0 = grp * ig;
    let step = g.stride_w * g.in_c;
    let mut i = 0;
    let (mut b, mut y, mut x0) = pixel_of(g, r0);
    while i < rows {
        let run = (g.out_w - x0).min(rows - i);
        let img = &x[b * img_len..(b + 1) * img_len];
        for ky in 0..g.k_h {
            let iy = (y * g.stride_h + ky * g.dil_h) as isize - g.pad_top as isize;
            for kx in 0..g.k_w {
                // Output columns x0 + j whose input column lies inside the image: j in lo..hi.
                let first = (x0 * g.stride_w + kx * g.dil_w) as isize - g.pad_left as isize;
                let s = g.stride_w as isize;
                let lo = if first >= 0 { 0 } else { ((-first) + s - 1) / s };
                let hi = if first >= g.in_w as isize { 0 } else { ((g.in_w as isize - first) + s - 1) / s };
                let (lo, hi) = (lo.clamp(0, run as isize) as usize, hi.clamp(0, run as isize) as usize);
                for c in 0..ig {
                    let p = (ky * g.k_w + kx) * ig + c;
                    let dst = &mut cols[p * rows + i..p * rows + i + run];
                    if iy < 0 || iy as usize >= g.in_h || lo >= hi {
                        dst.fill(T::zero());
                        continue;
                    }
                    dst[..lo].fill(T::zero());
                    dst[hi..].fill(T::zero());
                    let start = (iy as usize * g.in_w) * g.in_c + (first + (lo as isize) * s) as usize * g.in_c + c0 + c;
                    let d = &mut dst[lo..hi];
                    if step == 1 {
                        d.copy_from_slice(&img[start..start + d.len()]);
                    } else {
                        for (j, v) in d.iter_mut().enumerate() {
                            *v = img[start + j * step];
                        }
                    }
                }
            }
        }
        i += run;
        // The next segment starts a new output line.
        x0 = 0;
        y += 1;
        if y == g.out_h {
            y = 0;
            b += 1;
        }
    }
}

with_simd!(pub(super) fn im2col_kmajor<T>(x: &[T], g: &Conv2dGeometry, grp: usize, r0: usize, rows: usize, cols: &mut [T]) {
    im2col_kmajor_body(x, g, grp, r0, rows, cols)
});
