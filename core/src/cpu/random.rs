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

/// Box-Muller in single precision from two 32-bit words (float32 outputs): about 1.5x faster
/// than the double-precision form.
#[inline]
fn box_muller_f32(a: u32, b: u32) -> (f32, f32) {
    let u1 = ((a >> 8) as f32 + 1.0) * (1.0 / (1u32 << 24) as f32);
    let u2 = (b >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f32::consts::TAU * u2).sin_cos();
    (r * c, r * s)
}

/// Blocks generated per batch. Their Philox rounds run interleaved: each round is a chain of
/// dependent multiplies, and interleaving independent counters hides that latency.
const LANES: usize = 16;

/// The words of blocks first..first + LANES in block order: out[4 * lane + word].
#[inline(always)]
fn philox_batch(s: &Stream, first: u64) -> [u32; 4 * LANES] {
    let mut c0 = [0u32; LANES];
    let mut c1 = [0u32; LANES];
    for l in 0..LANES {
        let b = first.wrapping_add(l as u64);
        c0[l] = b as u32;
        c1[l] = (b >> 32) as u32;
    }
    let mut c2 = [s.draw as u32; LANES];
    let mut c3 = [(s.draw >> 32) as u32; LANES];
    let [mut k0, mut k1] = s.key;
    for r in 0..10 {
        if r > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        for l in 0..LANES {
            let p0 = M0 as u64 * c0[l] as u64;
            let p1 = M1 as u64 * c2[l] as u64;
            let (n0, n2) = ((p1 >> 32) as u32 ^ c1[l] ^ k0, (p0 >> 32) as u32 ^ c3[l] ^ k1);
            c0[l] = n0;
            c1[l] = p1 as u32;
            c2[l] = n2;
            c3[l] = p0 as u32;
        }
    }
    let mut out = [0u32; 4 * LANES];
    for l in 0..LANES {
        out[4 * l] = c0[l];
        out[4 * l + 1] = c1[l];
        out[4 * l + 2] = c2[l];
        out[4 * l + 3] = c3[l];
    }
    out
}

/// Splits `out` into chunks of whole blocks (`per_block` values each) over the pool when it is
/// large, calling `run(first_block, chunk)`. Values depend only on block indices, so the
/// result is the same with any number of threads.
fn split_blocks<T: Send>(out: &mut [T], per_block: usize, run: impl Fn(u64, &mut [T]) + Sync) {
    if out.len() < PARALLEL_MIN_ELEMENTS {
        run(0, out);
        return;
    }
    let threads = rayon::current_num_threads().max(1);
    let blocks = out.len().div_ceil(per_block);
    let blocks_per_task = blocks.div_ceil(threads * 4).max(1);
    out.par_chunks_mut(blocks_per_task * per_block).enumerate().for_each(|(t, chunk)| run((t * blocks_per_task) as u64, chunk));
}

/// Fills `out` from the stream: each value takes `k` consecutive random words (k = 1, 2 or 4;
/// block b holds words 4b..4b+4) and `f(words, out)` converts a run of words to the values
/// they make (`words` holds k words per value, rounded up to a whole value group).
fn fill_words<T: Send>(out: &mut [T], k: usize, s: &Stream, f: impl Fn(&[u32], &mut [T]) + Sync) {
    let per_block = 4 / k;
    split_blocks(out, per_block, |first, chunk| {
        for (batch, values) in chunk.chunks_mut(per_block * LANES).enumerate() {
            let w = philox_batch(s, first + (batch * LANES) as u64);
            f(&w[..(values.len() * k).next_multiple_of(4).min(w.len())], values);
        }
    });
}

/// Uniform values in [lo, hi): 24-bit resolution for float32, 53-bit for float64.
pub fn fill_uniform<T: Element + Send>(out: &mut [T], s: &Stream, lo: f64, hi: f64) {
    if T::DTYPE == DType::F64 {
        fill_words(out, 2, s, |w, out| {
            for (o, p) in out.iter_mut().zip(w.chunks_exact(2)) {
                let u = (wide(p[0], p[1]) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                *o = T::from_f64(lo + (hi - lo) * u);
            }
        });
    } else {
        let (l, h) = (lo as f32, hi as f32);
        fill_words(out, 1, s, |w, out| {
            for (o, &x) in out.iter_mut().zip(w) {
                let u = (x >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
                *o = T::from_f64((l + (h - l) * u) as f64);
            }
        });
    }
}

/// Normal values with `mean` and `stddev` (Box-Muller). float32 computes in single precision
/// from 24-bit uniforms, four values per block (the tail ends at 5.8 standard deviations, as
/// float32 generators typically do); float64 uses 53-bit uniforms, two values per block.
pub fn fill_normal<T: Element + Send>(out: &mut [T], s: &Stream, mean: f64, stddev: f64) {
    if T::DTYPE == DType::F64 {
        fill_words(out, 2, s, |w, out| {
            for (o, p) in out.chunks_mut(2).zip(w.chunks_exact(4)) {
                let u1 = ((wide(p[0], p[1]) >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64);
                let u2 = (wide(p[2], p[3]) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                let (z0, z1) = box_muller(u1, u2);
                for (o, z) in o.iter_mut().zip([z0, z1]) {
                    *o = T::from_f64(mean + stddev * z);
                }
            }
        });
    } else {
        fill_words(out, 1, s, |w, out| {
            for (o, p) in out.chunks_mut(2).zip(w.chunks_exact(2)) {
                let (z0, z1) = box_muller_f32(p[0], p[1]);
                for (o, z) in o.iter_mut().zip([z0, z1]) {
                    *o = T::from_f64((mean as f32 + stddev as f32 * z) as f64);
                }
            }
        });
    }
}

/// Normal values redrawn until they fall within two standard deviations of the mean (as Keras'
/// truncated_normal). Each element has its own sequence of attempts, so the result does not
/// depend on how the work is split.
pub fn fill_truncated_normal<T: Element + Send>(out: &mut [T], s: &Stream, mean: f64, stddev: f64) {
    split_blocks(out, 1, |first, chunk| {
        for (i, o) in chunk.iter_mut().enumerate() {
            *o = T::from_f64(mean + stddev * truncated_draw(s, first + i as u64));
        }
    });
}

/// One standard normal within [-2, 2] for element `b`: its own sequence of attempts.
fn truncated_draw(s: &Stream, b: u64) -> f64 {
    // Each attempt gives four candidates; all four fail with probability 4e-6, so running out
    // of attempts never happens in practice (0 is returned then).
    for t in 0..4096u32 {
        let w = s.retry_block(b, t);
        for (a, c) in [(w[0], w[1]), (w[2], w[3])] {
            let (z0, z1) = box_muller(open_low(a), closed_low(c));
            for z in [z0, z1] {
                if z.abs() <= 2.0 {
                    return z;
                }
            }
        }
    }
    0.0
}

/// Uniform integers in [lo, hi) (hi > lo), by 64-bit multiply-shift (bias below 2^-32).
pub fn fill_randint<T: Element + Send>(out: &mut [T], s: &Stream, lo: i64, hi: i64, conv: impl Fn(i64) -> T + Sync) {
    let range = (hi as i128 - lo as i128) as u128;
    fill_words(out, 2, s, |w, out| {
        for (o, p) in out.iter_mut().zip(w.chunks_exact(2)) {
            let r = ((wide(p[0], p[1]) as u128 * range) >> 64) as i128;
            *o = conv((lo as i128 + r) as i64);
        }
    });
}

/// Dropout scale factors: `scale` where a uniform draw is at least `rate`, else 0.
pub fn fill_keep_mask<T: Element + Send>(out: &mut [T], s: &Stream, rate: f64, scale: f64) {
    let (keep, drop) = (T::from_f64(scale), T::zero());
    fill_words(out, 1, s, |w, out| {
        for (o, &x) in out.iter_mut().zip(w) {
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

    /// The batched (SIMD) generator gives exactly the scalar Philox blocks.
    #[test]
    fn batched_blocks_equal_scalar_blocks() {
        let s = Stream::new(0xDEAD_BEEF, (1 << 40) + 3);
        let first = (1u64 << 32) - 5; // crosses into the high counter word
        let w = philox_batch(&s, first);
        for l in 0..LANES {
            assert_eq!(w[4 * l..4 * l + 4], s.block(first + l as u64));
        }
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
