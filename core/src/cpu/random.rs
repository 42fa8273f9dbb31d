//! Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as
//! easy as 1, 2, 3", SC 2011). Every output block is a pure function of (key, draw counter,
//! block index), so a tensor's values depend only on the seed and the draw, never on the
//! machine, the thread count or how the work was split: threads fill disjoint runs of blocks.

use rayon::prelude::*;

use crate::dtype::{DType, Element};

use super::parallel::PARALLEL_MIN_ELEMENTS;

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// One Philox4x32 bijection with 10 rounds.
#[inline]
pub fn philox4x32_10(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    for r in 0..10 {
        if r > 0 {
            key[0] = key[0].wrapping_add(W0);
            key[1] = key[1].wrapping_add(W1);
        }
        let p0 = M0 as u64 * ctr[0] as u64;
        let p1 = M1 as u64 * ctr[2] as u64;
        ctr = [(p1 >> 32) as u32 ^ ctr[1] ^ key[0], p1 as u32, (p0 >> 32) as u32 ^ ctr[3] ^ key[1], p0 as u32];
    }
    ctr
}

/// SplitMix64's finaliser: spreads a user's small seed over all 64 key bits.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream of random blocks: one (seed, draw) pair. Block `b` is Philox of the counter
/// (b, draw) under the key derived from the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream {
    key: [u32; 2],
    draw: u64,
}

impl Stream {
    pub fn new(seed: u64, draw: u64) -> Stream {
        let k = mix64(seed);
        Stream { key: [k as u32, (k >> 32) as u32], draw }
    }

    #[inline]
    pub fn block(&self, b: u64) -> [u32; 4] {
        philox4x32_10([b as u32, (b >> 32) as u32, self.draw as u32, (self.draw >> 32) as u32], self.key)
    }

    /// Block `b`, attempt `t` (< 4096) of a rejection sampler: the attempt goes into the top
    /// bits of the block's high word, which stay zero below 2^52 blocks.
    #[inline]
    fn retry_block(&self, b: u64, t: u32) -> [u32; 4] {
        let hi = ((b >> 32) as u32 & 0x000F_FFFF) | (t << 20);
        philox4x32_10([b as u32, hi, self.draw as u32, (self.draw >> 32) as u32], self.key)
    }
}

const TWO_POW_32: f64 = 4_294_967_296.0;

/// A uniform f64 in (0, 1] from 32 random bits.
#[inline]
fn open_low(x: u32) -> f64 {
    (x as f64 + 1.0) / TWO_POW_32
}

/// A uniform f64 in [0, 1) from 32 random bits.
#[inline]
fn closed_low(x: u32) -> f64 {
    x as f64 / TWO_POW_32
}

/// 64 random bits from two words.
#[inline]
fn wide(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// Box-Muller: two independent standard normals from u1 in (0, 1] and u2 in [0, 1).
#[inline]
fn box_muller(u1: f64, u2: f64) -> (f64, f64) {
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
    (r * c, r * s)
}

/// Fills `out` block by block: `f(block_index, piece)` writes the `per_block` values of one
/// block (the last piece may be shorter). Large outputs are split over the pool at block
/// boundaries, so the values are the same with any number of threads.
fn fill_blocks<T: Send>(out: &mut [T], per_block: usize, f: impl Fn(u64, &mut [T]) + Sync) {
    let run = |first_block: usize, chunk: &mut [T]| {
        for (i, piece) in chunk.chunks_mut(per_block).enumerate() {
            f((first_block + i) as u64, piece);
        }
    };
    if out.len() < PARALLEL_MIN_ELEMENTS {
        run(0, out);
        return;
    }
    let threads = rayon::current_num_threads().max(1);
    let blocks = out.len().div_ceil(per_block);
    let blocks_per_task = blocks.div_ceil(threads * 4).max(1);
    out.par_chunks_mut(blocks_per_task * per_block).enumerate().for_each(|(t, chunk)| run(t * blocks_per_task, chunk));
}

/// Uniform values in [lo, hi): 24-bit resolution for float32, 53-bit for float64.
pub fn fill_uniform<T: Element + Send>(out: &mut [T], s: &Stream, lo: f64, hi: f64) {
    if T::DTYPE == DType::F64 {
        fill_blocks(out, 2, |b, piece| {
            let w = s.block(b);
            let us = [wide(w[0], w[1]) >> 11, wide(w[2], w[3]) >> 11];
            for (o, u) in piece.iter_mut().zip(us) {
                *o = T::from_f64(lo + (hi - lo) * (u as f64 * (1.0 / (1u64 << 53) as f64)));
            }
        });
    } else {
        fill_blocks(out, 4, |b, piece| {
            let w = s.block(b);
            for (o, x) in piece.iter_mut().zip(w) {
                let u = (x >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
                let (l, h) = (lo as f32, hi as f32);
                *o = T::from_f64((l + (h - l) * u) as f64);
            }
        });
    }
}

/// Normal values with `mean` and `stddev` (Box-Muller; float32 uses 32-bit uniforms, four
/// values per block, float64 64-bit uniforms, two per block).
pub fn fill_normal<T: Element + Send>(out: &mut [T], s: &Stream, mean: f64, stddev: f64) {
    if T::DTYPE == DType::F64 {
        fill_blocks(out, 2, |b, piece| {
            let w = s.block(b);
            let u1 = ((wide(w[0], w[1]) >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64);
            let u2 = (wide(w[2], w[3]) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            let (z0, z1) = box_muller(u1, u2);
            for (o, z) in piece.iter_mut().zip([z0, z1]) {
                *o = T::from_f64(mean + stddev * z);
            }
        });
    } else {
        fill_blocks(out, 4, |b, piece| {
            let w = s.block(b);
            let (z0, z1) = box_muller(open_low(w[0]), closed_low(w[1]));
            let (z2, z3) = box_muller(open_low(w[2]), closed_low(w[3]));
            for (o, z) in piece.iter_mut().zip([z0, z1, z2, z3]) {
                *o = T::from_f64(mean + stddev * z);
            }
        });
    }
}

/// Normal values redrawn until they fall within two standard deviations of the mean (as Keras'
/// truncated_normal). Each element has its own sequence of attempts, so the result does not
/// depend on how the work is split.
pub fn fill_truncated_normal<T: Element + Send>(out: &mut [T], s: &Stream, mean: f64, stddev: f64) {
    fill_blocks(out, 1, |b, piece| {
        let mut z = 0.0;
        'attempts: for t in 0..4096u32 {
            let w = s.retry_block(b, t);
            for pair in [(w[0], w[1]), (w[2], w[3])] {
                let (z0, z1) = box_muller(open_low(pair.0), closed_low(pair.1));
                for c in [z0, z1] {
                    if c.abs() <= 2.0 {
                        z = c;
                        break 'attempts;
                    }
                }
            }
        }
        piece[0] = T::from_f64(mean + stddev * z);
    });
}

/// Uniform integers in [lo, hi) (hi > lo), by 64-bit multiply-shift (bias below 2^-32).
pub fn fill_randint<T: Element + Send>(out: &mut [T], s: &Stream, lo: i64, hi: i64, conv: impl Fn(i64) -> T + Sync) {
    let range = (hi as i128 - lo as i128) as u128;
    fill_blocks(out, 2, |b, piece| {
        let w = s.block(b);
        for (o, u) in piece.iter_mut().zip([wide(w[0], w[1]), wide(w[2], w[3])]) {
            let r = ((u as u128 * range) >> 64) as i128;
            *o = conv((lo as i128 + r) as i64);
        }
    });
}

/// Dropout scale factors: `scale` where a uniform draw is at least `rate`, else 0.
pub fn fill_keep_mask<T: Element + Send>(out: &mut [T], s: &Stream, rate: f64, scale: f64) {
    let (keep, drop) = (T::from_f64(scale), T::zero());
    fill_blocks(out, 4, |b, piece| {
        let w = s.block(b);
        for (o, x) in piece.iter_mut().zip(w) {
            *o = if closed_low(x) >= rate { keep } else { drop };
        }
    });
}

/// A uniformly random permutation of 0..n (Fisher-Yates; swap i draws from block i).
pub fn permutation(n: usize, s: &Stream) -> Vec<i64> {
    let mut p: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let w = s.block(i as u64);
        let j = ((wide(w[0], w[1]) as u128 * (i as u128 + 1)) >> 64) as usize;
        p.swap(i, j);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's tests/kat_vectors, the three "philox4x32 10" lines (counter, key, result).
    #[test]
    fn philox_known_answers() {
        assert_eq!(philox4x32_10([0; 4], [0; 2]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
        assert_eq!(philox4x32_10([u32::MAX; 4], [u32::MAX; 2]), [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
        assert_eq!(
            philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    /// The pooled fill gives exactly the values of a single-threaded fill.
    #[test]
    fn parallel_fill_equals_serial_fill() {
        let s = Stream::new(42, 7);
        let n = PARALLEL_MIN_ELEMENTS * 3 + 5;
        let mut par = vec![0f32; n];
        fill_normal(&mut par, &s, 0.0, 1.0);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let mut one = vec![0f32; n];
        pool.install(|| fill_normal(&mut one, &s, 0.0, 1.0));
        assert_eq!(par, one);
        // A prefix is the same as a shorter tensor of the same draw.
        let mut short = vec![0f32; 1001];
        fill_normal(&mut short, &s, 0.0, 1.0);
        assert_eq!(&par[..1001], &short[..]);
    }

    #[test]
    fn uniform_moments_and_range() {
        let mut v = vec![0f64; 200_000];
        fill_uniform(&mut v, &Stream::new(1, 0), -1.0, 3.0);
        assert!(v.iter().all(|&x| (-1.0..3.0).contains(&x)));
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn truncated_normal_stays_within_two_stddev() {
        let mut v = vec![0f32; 50_000];
        fill_truncated_normal(&mut v, &Stream::new(3, 1), 1.0, 0.5);
        assert!(v.iter().all(|&x| (0.0..=2.0).contains(&x)));
    }

    #[test]
    fn randint_covers_range_without_escaping() {
        let mut v = vec![0i32; 10_000];
        fill_randint(&mut v, &Stream::new(5, 0), -3, 4, |x| x as i32);
        assert!(v.iter().all(|&x| (-3..4).contains(&x)));
        for k in -3..4 {
            assert!(v.contains(&k));
        }
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = permutation(1000, &Stream::new(9, 2));
        assert_ne!(p, (0..1000).collect::<Vec<i64>>());
        p.sort_unstable();
        assert_eq!(p, (0..1000).collect::<Vec<i64>>());
    }
}
