//! Pooling kernels on channels-last (NHWC) data. Windows are clipped to the input: padded
//! cells never win a max and never count in an average (TensorFlow's "same" semantics).
//! Work splits over images; each image's channels are the contiguous inner loop.

use rayon::prelude::*;

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
    #[inline]
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

/// Runs `f(first_image, a_block, b_block)` over matching blocks of whole images of two buffers.
fn per_images<A: Send, B: Send>(
    a: &mut [A],
    a_img: usize,
    b: &mut [B],
    b_img: usize,
    g: &Pool2dGeometry,
    f: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    let per = g.images_per_task();
    if a_img == 0 || per >= g.batch {
        f(0, a, b);
    } else if b_img == 0 {
        a.par_chunks_mut(per * a_img).enumerate().for_each(|(i, ab)| f(i * per, ab, &mut []));
    } else {
        a.par_chunks_mut(per * a_img).zip(b.par_chunks_mut(per * b_img)).enumerate().for_each(|(i, (ab, bb))| f(i * per, ab, bb));
    }
}

/// True when `v` should replace `best` in a max: larger, or the first NaN (NaN propagates).
#[inline(always)]
#[allow(clippy::eq_op)]
fn beats<T: Num>(v: T, best: T) -> bool {
    v > best || (v != v && best == best)
}

/// Max pooling. With `argmax`, also the flat input index of each output's first maximum
/// (for the gradient); otherwise that vector is empty.
pub fn max_pool2d<T: Num>(x: &[T], g: &Pool2dGeometry, argmax: bool) -> Result<(Vec<T>, Vec<i64>)> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    let mut arg = if argmax { try_vec(g.output_len(), 0i64)? } else { Vec::new() };
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    let arg_img = if argmax { out_img } else { 0 };
    per_images(&mut out, out_img, &mut arg, arg_img, g, |b0, out, arg| {
        for (bi, o_img) in out.chunks_exact_mut(out_img.max(1)).enumerate() {
            let b = b0 + bi;
            let x_img = &x[b * in_img..(b + 1) * in_img];
            for oy in 0..g.out_h {
                for ox in 0..g.out_w {
                    let at = (oy * g.out_w + ox) * c;
                    let o = &mut o_img[at..at + c];
                    let (rows, cols) = g.window(oy, ox);
                    let mut first = true;
                    for iy in rows {
                        for ix in cols.clone() {
                            let off = (iy * g.in_w + ix) * c;
                            let src = &x_img[off..off + c];
                            let base = (b * in_img + off) as i64;
                            if first {
                                o.copy_from_slice(src);
                                if argmax {
                                    for (ci, a) in arg[bi * out_img + at..][..c].iter_mut().enumerate() {
                                        *a = base + ci as i64;
                                    }
                                }
                                first = false;
                            } else if argmax {
                                let a = &mut arg[bi * out_img + at..][..c];
                                for ci in 0..c {
                                    if beats(src[ci], o[ci]) {
                                        o[ci] = src[ci];
                                        a[ci] = base + ci as i64;
                                    }
                                }
                            } else {
                                for (ov, &v) in o.iter_mut().zip(src) {
                                    if beats(v, *ov) {
                                        *ov = v;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    });
    Ok((out, arg))
}

/// Gradient of max pooling: each output gradient goes to its recorded maximum.
pub fn max_pool2d_backward<T: Num>(dy: &[T], argmax: &[i64], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    let (in_img, out_img) = (g.in_image_len(), g.out_image_len());
    let mut unused: Vec<u8> = Vec::new();
    per_images(&mut dx, in_img, &mut unused, 0, g, |b0, dx, _| {
        let base = b0 * in_img;
        let n_img = if in_img == 0 { 0 } else { dx.len() / in_img };
        let range = b0 * out_img..(b0 + n_img) * out_img;
        for (&gv, &a) in dy[range.clone()].iter().zip(&argmax[range]) {
            // Indices come from the forward over these same images.
            if let Some(d) = dx.get_mut(a as usize - base) {
                *d = *d + gv;
            }
        }
    });
    Ok(dx)
}

/// Average pooling over the cells of each window that lie inside the input.
pub fn avg_pool2d<T: Float>(x: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut out = try_vec(g.output_len(), T::zero())?;
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    let mut unused: Vec<u8> = Vec::new();
    per_images(&mut out, out_img, &mut unused, 0, g, |b0, out, _| {
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
    });
    Ok(out)
}

/// Gradient of average pooling: each output gradient spreads evenly over its window's cells.
pub fn avg_pool2d_backward<T: Float>(dy: &[T], g: &Pool2dGeometry) -> Result<Vec<T>> {
    let mut dx = try_vec(g.input_len(), T::zero())?;
    let (c, in_img, out_img) = (g.channels, g.in_image_len(), g.out_image_len());
    let mut unused: Vec<u8> = Vec::new();
    per_images(&mut dx, in_img, &mut unused, 0, g, |b0, dx, _| {
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
    });
    Ok(dx)
}

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
        let (y, arg) = max_pool2d(&[1.0f32, 3.0, 3.0, 2.0], &g, true).unwrap();
        assert_eq!(y, vec![3.0]);
        assert_eq!(arg, vec![1]);
        let dx = max_pool2d_backward(&[5.0f32], &arg, &g).unwrap();
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
        let (y, arg) = max_pool2d(&x, &g, true).unwrap();
        let (y2, _) = max_pool2d(&x, &g, false).unwrap();
        assert_eq!(y, y2);
        for (i, (&v, &a)) in y.iter().zip(&arg).enumerate() {
            assert_eq!(x[a as usize], v, "output {i}");
        }
        let dy = vec![1.0f32; g.output_len()];
        let dx = max_pool2d_backward(&dy, &arg, &g).unwrap();
        assert_eq!(dx.iter().sum::<f32>(), g.output_len() as f32);
    }
}
