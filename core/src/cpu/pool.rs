//! Pooling kernels on channels-last (NHWC) data. Windows are clipped to the input: padded
//! cells never win a max and never count in an average (TensorFlow's "same" semantics).
//! Work splits over images; each image's channels are the contiguous inner loop.

use rayon::prelude::*;

use crate::cpu::conv::with_simd;
use crate::cpu::num::{Float, Num};
use crate::cpu::parallel::PARALLEL_MIN_ELEMENTS;
use crate::error::Result;
use crate::storage::try_vec;

/// Shape of one 2-D pooling: input (batch, in_h, in_w, channels) to (batch, out_h, out_w,
/// channels); `pad_top`/`pad_left` count the padded cells before the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dGeometry {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Pool2dGeometry {
    pub fn in_image_len(&self) -> usize {
        self.in_h * self.in_w * self.channels
    }
    pub fn out_image_len(&self) -> usize {
        self.out_h * self.out_w * self.channels
    }
    pub fn input_len(&self) -> usize {
        self.batch * self.in_image_len()
    }
    pub fn output_len(&self) -> usize {
        self.batch * self.out_image_len()
    }

    /// The input rows and columns under output pixel (oy, ox), clipped to the input.
    #[inline(always)]
    fn window(&self, oy: usize, ox: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let clip = |o: usize, s: usize, p: usize, k: usize, n: usize| {
            let start = (o * s) as isize - p as isize;
            let lo = start.max(0) as usize;
            let hi = ((start + k as isize).max(0) as usize).min(n);
            lo..hi.max(lo)
        };
        (clip(oy, self.stride_h, self.pad_top, self.k_h, self.in_h), clip(ox, self.stride_w, self.pad_left, self.k_w, self.in_w))
    }

    /// Whole images per parallel task (all of them when the work is small).
    fn images_per_task(&self) -> usize {
        if self.input_len() < PARALLEL_MIN_ELEMENTS {
            return self.batch.max(1);
        }
        let threads = rayon::current_num_threads().max(1);
        self.batch.div_ceil(threads * 4).max(1)
    }
}

/// Runs `f(first_image, block)` over blocks of whole images of `data` (`image_len` elements
/// each), in parallel when the pooling is big enough.
fn per_images<T: Send>(data: &mut [T], image_len: usize, g: &Pool2dGeometry, f: impl Fn(usize, &mut [T]) + Sync) {
    let per = g.images_per_task();
    if image_len == 0 || per >= g.batch {
        f(0, data);
    } else {
        data.par_chunks_mut(per * image_len).enumerate().for_each(|(i, block)| f(i * per, block));
    }
}

/// True when `v` should replace `best` in a max: larger, or the first NaN (NaN propagates).
#[inline(always)]
#[allow(clippy::eq_op)]
fn beats<T: Num>(v: T, best: T) -> bool {
    // Non-short-circuit `|`/`&` keep this branch-free, so the loops using it vectorize.
    (v > best) | ((v != v) & (best == best))
}

/// Channels per register-sized step of the max loops.
const LANES: usize = 16;

/// o = max(o, src) elementwise. Each step works on a local copy so the selects stay in
/// registers and vectorize (a select stored back to its own slot becomes a conditional store,
/// which baseline x86 cannot vectorize).
#[inline(always)]
fn max_into<T: Num>(o: &mut [T], src: &[T]) {
    let mut oc = o.chunks_exact_mut(LANES);
    let mut sc = src.chunks_exact(LANES);
    for (ob, sb) in (&mut oc).zip(&mut sc) {
        let mut acc = [T::zero(); LANES];
        for i in 0..LANES {
            acc[i] = if beats(sb[i], ob[i]) { sb[i] } else { ob[i] };
        }
        ob.copy_from_slice(&acc);
    }
    for (ov, &v) in oc.into_remainder().iter_mut().zip(sc.remainder()) {
        if beats(v, *ov) {
            *ov = v;
        }
    }
}

/// Max pooling: the maximum of each window's cells inside the input.
pub fn max_pool2d<T: Num>(x: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    per_images(&mut out, g.out_image_len(), g, |b0, out| max_pool_images_best(x, g, b0, out));
    Ok(out)
}

/// True when `v` is the window's maximum `m` (NaN matches NaN, as NaN wins the forward).
#[inline(always)]
#[allow(clippy::eq_op)]
fn is_max<T: Num>(v: T, m: T) -> bool {
    (v == m) | ((v != v) & (m != m))
}

/// Gradient of max pooling, recomputed from the forward's input `x` and output `y` (as
/// TensorFlow does): each output gradient goes to the first cell of its window, in row-major
/// order, that holds the maximum. Per group of channels the undelivered gradient `rest` stays
/// in registers while the window's cells are scanned; everything is a branch-free select.
pub fn max_pool2d_backward<T: Num>(x: &[T], y: &[T], dy: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    per_images(&mut dx, g.in_image_len(), g, |b0, dx| max_pool_grad_images_best(x, y, dy, g, b0, dx));
    Ok(dx)
}

/// Average pooling over the cells of each window that lie inside the input.
pub fn avg_pool2d<T: Float>(x: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    per_images(&mut out, g.out_image_len(), g, |b0, out| avg_pool_images_best(x, g, b0, out));
    Ok(out)
}

/// Gradient of average pooling: each output gradient spreads evenly over its window's cells.
pub fn avg_pool2d_backward<T: Float>(dy: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    per_images(&mut dx, g.in_image_len(), g, |b0, dx| avg_pool_grad_images_best(dy, g, b0, dx));
    Ok(dx)
}

/// `max_pool2d` over the images from `b0` that `out` holds.
#[inline(always)]
fn max_pool_images<T: Num>(x: &[T], g: &Pool2dGeometry, b0: usize, out: &mut [T]) {
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    for (bi, o_img) in out.chunks_exact_mut(out_img.max(1)).enumerate() {
        let x_img = &x[(b0 + bi) * in_img..(b0 + bi + 1) * in_img];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let at = (oy * g.out_w + ox) * c;
                let o = &mut o_img[at..at + c];
                let (rows, cols) = g.window(oy, ox);
                let mut first = true;
                for iy in rows {
                    for ix in cols.clone() {
                        let off = (iy * g.in_w + ix) * c;
                        if first {
                            o.copy_from_slice(&x_img[off..off + c]);
                            first = false;
                        } else {
                            max_into(o, &x_img[off..off + c]);
                        }
                    }
                }
            }
        }
    }
}

with_simd!(fn max_pool_images_best<T: Num>(x: &[T], g: &Pool2dGeometry, b0: usize, out: &mut [T]) { max_pool_images(x, g, b0, out) });

/// `max_pool2d_backward` over the images from `b0` that `dx` holds.
#[inline(always)]
fn max_pool_grad_images<T: Num>(x: &[T], y: &[T], dy: &[T], g: &Pool2dGeometry, b0: usize, dx: &mut [T]) {
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    for (bi, d_img) in dx.chunks_exact_mut(in_img.max(1)).enumerate() {
        let x_img = &x[(b0 + bi) * in_img..(b0 + bi + 1) * in_img];
        let base = (b0 + bi) * out_img;
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let at = base + (oy * g.out_w + ox) * c;
                let (ys, gs) = (&y[at..at + c], &dy[at..at + c]);
                let (rows, cols) = g.window(oy, ox);
                let mut c0 = 0;
                while c0 < c {
                    let lanes = LANES.min(c - c0);
                    let mut rest = [T::zero(); LANES];
                    let mut m = [T::zero(); LANES];
                    rest[..lanes].copy_from_slice(&gs[c0..c0 + lanes]);
                    m[..lanes].copy_from_slice(&ys[c0..c0 + lanes]);
                    for iy in rows.clone() {
                        for ix in cols.clone() {
                            let off = (iy * g.in_w + ix) * c + c0;
                            let xs = &x_img[off..off + lanes];
                            let ds = &mut d_img[off..off + lanes];
                            if lanes == LANES {
                                let mut acc = [T::zero(); LANES];
                                for i in 0..LANES {
                                    let hit = is_max(xs[i], m[i]);
                                    acc[i] = ds[i] + if hit { rest[i] } else { T::zero() };
                                    rest[i] = if hit { T::zero() } else { rest[i] };
                                }
                                ds.copy_from_slice(&acc);
                            } else {
                                for i in 0..lanes {
                                    if is_max(xs[i], m[i]) {
                                        ds[i] = ds[i] + rest[i];
                                        rest[i] = T::zero();
                                    }
                                }
                            }
                        }
                    }
                    c0 += lanes;
                }
            }
        }
    }
}

with_simd!(fn max_pool_grad_images_best<T: Num>(x: &[T], y: &[T], dy: &[T], g: &Pool2dGeometry, b0: usize, dx: &mut [T]) { max_pool_grad_images(x, y, dy, g, b0, dx) });

/// `avg_pool2d` over the images from `b0` that `out` holds.
#[inline(always)]
fn avg_pool_images<T: Float>(x: &[T], g: &Pool2dGeometry, b0: usize, out: &mut [T]) {
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    for (bi, o_img) in out.chunks_exact_mut(out_img.max(1)).enumerate() {
        let x_img = &x[(b0 + bi) * in_img..(b0 + bi + 1) * in_img];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let at = (oy * g.out_w + ox) * c;
                let o = &mut o_img[at..at + c];
                let (rows, cols) = g.window(oy, ox);
                let count = rows.len() * cols.len();
                for iy in rows {
                    for ix in cols.clone() {
                        let off = (iy * g.in_w + ix) * c;
                        for (ov, &v) in o.iter_mut().zip(&x_img[off..off + c]) {
                            *ov = *ov + v;
                        }
                    }
                }
                if count > 0 {
                    let inv = T::one() / T::from_f64(count as f64);
                    for ov in o.iter_mut() {
                        *ov = *ov * inv;
                    }
                }
            }
        }
    }
}

with_simd!(fn avg_pool_images_best<T: Float>(x: &[T], g: &Pool2dGeometry, b0: usize, out: &mut [T]) { avg_pool_images(x, g, b0, out) });

/// `avg_pool2d_backward` over the images from `b0` that `dx` holds.
#[inline(always)]
fn avg_pool_grad_images<T: Float>(dy: &[T], g: &Pool2dGeometry, b0: usize, dx: &mut [T]) {
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    for (bi, d_img) in dx.chunks_exact_mut(in_img.max(1)).enumerate() {
        let g_img = &dy[(b0 + bi) * out_img..(b0 + bi + 1) * out_img];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let at = (oy * g.out_w + ox) * c;
                let (rows, cols) = g.window(oy, ox);
                let count = rows.len() * cols.len();
                if count == 0 {
                    continue;
                }
                let inv = T::one() / T::from_f64(count as f64);
                let gv = &g_img[at..at + c];
                for iy in rows {
                    for ix in cols.clone() {
                        let off = (iy * g.in_w + ix) * c;
                        for (d, &v) in d_img[off..off + c].iter_mut().zip(gv) {
                            *d = *d + v * inv;
                        }
                    }
                }
            }
        }
    }
}

with_simd!(fn avg_pool_grad_images_best<T: Float>(dy: &[T], g: &Pool2dGeometry, b0: usize, dx: &mut [T]) { avg_pool_grad_images(dy, g, b0, dx) });

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(batch: usize, h: usize, w: usize, c: usize, k: usize, s: usize, pad: usize, out: usize) -> Pool2dGeometry {
        Pool2dGeometry {
            batch, in_h: h, in_w: w, channels: c, out_h: out, out_w: out, k_h: k, k_w: k,
            stride_h: s, stride_w: s, pad_top: pad, pad_left: pad,
        }
    }

    #[test]
    fn max_and_argmax_pick_the_first_maximum() {
        // One 2x2 image, one channel, a 2x2 window with a tie: the first (row-major) wins.
        let g = geom(1, 2, 2, 1, 2, 2, 0, 1);
        let x = [1.0f32, 3.0, 3.0, 2.0];
        let y = max_pool2d(&x, &g).unwrap();
        assert_eq!(y, vec![3.0]);
        let dx = max_pool2d_backward(&x, &y, &[5.0f32], &g).unwrap();
        assert_eq!(dx, vec![0.0, 5.0, 0.0, 0.0]);
    }

    #[test]
    fn average_ignores_padding() {
        // 3x3 input, 2x2 window, stride 2, "same": out 2x2 with padding after only.
        let g = geom(1, 3, 3, 1, 2, 2, 0, 2);
        let x: Vec<f64> = (1..=9).map(|v| v as f64).collect();
        let y = avg_pool2d(&x, &g).unwrap();
        assert_eq!(y, vec![3.0, 4.5, 7.5, 9.0]);
        let dx = avg_pool2d_backward(&[4.0, 2.0, 2.0, 1.0], &g).unwrap();
        assert_eq!(dx, vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn parallel_split_matches_serial() {
        // Large enough to split over images.
        let g = geom(32, 26, 26, 32, 2, 2, 0, 13);
        let x: Vec<f32> = (0..g.input_len()).map(|i| ((i * 7919) % 1000) as f32).collect();
        let y = max_pool2d(&x, &g).unwrap();
        let dy = vec![1.0f32; g.output_len()];
        let dx = max_pool2d_backward(&x, &y, &dy, &g).unwrap();
        assert_eq!(dx.iter().sum::<f32>(), g.output_len() as f32);
        // Every routed cell holds its window's maximum.
        let mut hits = 0;
        for (i, &d) in dx.iter().enumerate() {
            if d != 0.0 {
                let (b, rem) = (i / g.in_image_len(), i % g.in_image_len());
                let (iy, ix, ch) = (rem / (26 * 32), (rem / 32) % 26, rem % 32);
                let o = ((b * 13 + iy / 2) * 13 + ix / 2) * 32 + ch;
                assert_eq!(x[i], y[o]);
                hits += 1;
            }
        }
        assert_eq!(hits, g.output_len());
    }
}
