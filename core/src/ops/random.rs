//! Random tensors and dropout, from the counter-based generator in cpu/random.rs.
//!
//! A draw is named by a `Seed` (a seed value and a draw counter): the same `Seed` gives the
//! same tensor on every run, machine and thread count. A `SeedGenerator` hands out seeds with
//! increasing counters; with no seed, ops draw from the process-wide generator, which
//! `set_global_seed` resets (lamina.utils.set_random_seed).
//!
//! Dtype rule: uniform, normal and truncated_normal produce float32 unless asked for float64;
//! randint produces int32 unless asked for int64; shuffle and dropout keep the input dtype.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::cpu::random::{fill_keep_mask, fill_normal, fill_randint, fill_truncated_normal, fill_uniform, permutation, Stream};
use crate::dtype::DType;
use crate::error::Result;
use crate::layout::checked_numel;
use crate::ops::elementwise::multiply;
use crate::ops::index::take;
use crate::storage::{try_vec, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dtype_err, value_err};

/// One draw: the seed value and which draw of that seed's stream this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Seed {
    pub seed: u64,
    pub counter: u64,
}

impl Seed {
    pub fn new(seed: u64, counter: u64) -> Seed {
        Seed { seed, counter }
    }

    fn stream(self) -> Stream {
        Stream::new(self.seed, self.counter)
    }
}

/// Hands out seeds of one stream: (seed, 0), (seed, 1), ... Thread safe.
#[derive(Debug)]
pub struct SeedGenerator {
    seed: u64,
    counter: AtomicU64,
}

impl SeedGenerator {
    pub fn new(seed: u64) -> SeedGenerator {
        SeedGenerator { seed, counter: AtomicU64::new(0) }
    }

    /// The seed value this generator was made with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many seeds have been handed out.
    pub fn counter(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }

    /// The next seed of the stream.
    pub fn next_seed(&self) -> Seed {
        Seed::new(self.seed, self.counter.fetch_add(1, Ordering::Relaxed))
    }
}

/// The process-wide generator behind `seed=None`. Unseeded, it starts from the clock and the
/// process id, so runs differ until `set_global_seed` is called.
static GLOBAL: Mutex<Option<(u64, u64)>> = Mutex::new(None);

fn entropy() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    h.finish()
}

/// Resets the global generator to `seed` (its next draw is (seed, 0)).
pub fn set_global_seed(seed: u64) {
    let mut g = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    *g = Some((seed, 0));
}

/// The next seed of the global generator.
pub fn next_global_seed() -> Seed {
    let mut g = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let (seed, counter) = g.get_or_insert_with(|| (entropy(), 0));
    let out = Seed::new(*seed, *counter);
    *counter += 1;
    out
}

fn float_dtype(op: &str, dtype: Option<DType>) -> Result<DType> {
    match dtype.unwrap_or(DType::F32) {
        d @ (DType::F32 | DType::F64) => Ok(d),
        d => Err(dtype_err!("{op}: dtype must be float32 or float64, got {d}")),
    }
}

/// A float tensor of `shape` filled by `fill` (given the typed output).
fn float_tensor(
    op: &str,
    shape: &[usize],
    dtype: DType,
    f32_fill: impl FnOnce(&mut [f32]),
    f64_fill: impl FnOnce(&mut [f64]),
) -> Result<Tensor> {
    let n = checked_numel(shape, op)?;
    let buf = if dtype == DType::F64 {
        let mut v = try_vec(n, 0f64)?;
        f64_fill(&mut v);
        CpuBuffer::F64(v)
    } else {
        let mut v = try_vec(n, 0f32)?;
        f32_fill(&mut v);
        CpuBuffer::F32(v)
    };
    Tensor::from_buffer(buf, shape)
}

/// `uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)`: values uniform in
/// [minval, maxval).
pub fn random_uniform(shape: &[usize], minval: f64, maxval: f64, dtype: Option<DType>, seed: Seed) -> Result<Tensor> {
    let dt = float_dtype("uniform", dtype)?;
    if !(minval.is_finite() && maxval.is_finite()) || maxval < minval {
        return Err(value_err!("uniform: need finite minval <= maxval, got minval={minval}, maxval={maxval}"));
    }
    let s = seed.stream();
    float_tensor("uniform", shape, dt, |v| fill_uniform(v, &s, minval, maxval), |v| fill_uniform(v, &s, minval, maxval))
}

/// `normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)`: normally distributed values.
pub fn random_normal(shape: &[usize], mean: f64, stddev: f64, dtype: Option<DType>, seed: Seed) -> Result<Tensor> {
    let dt = float_dtype("normal", dtype)?;
    let s = seed.stream();
    float_tensor("normal", shape, dt, |v| fill_normal(v, &s, mean, stddev), |v| fill_normal(v, &s, mean, stddev))
}

/// `truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)`: normal values,
/// redrawn when more than two standard deviations from the mean.
pub fn truncated_normal(shape: &[usize], mean: f64, stddev: f64, dtype: Option<DType>, seed: Seed) -> Result<Tensor> {
    let dt = float_dtype("truncated_normal", dtype)?;
    let s = seed.stream();
    float_tensor("truncated_normal", shape, dt, |v| fill_truncated_normal(v, &s, mean, stddev), |v| fill_truncated_normal(v, &s, mean, stddev))
}

/// `randint(shape, minval, maxval, dtype="int32", seed=None)`: integers uniform in
/// [minval, maxval).
pub fn randint(shape: &[usize], minval: i64, maxval: i64, dtype: Option<DType>, seed: Seed) -> Result<Tensor> {
    if maxval <= minval {
        return Err(value_err!("randint: maxval ({maxval}) must be greater than minval ({minval})"));
    }
    let n = checked_numel(shape, "randint")?;
    let s = seed.stream();
    let buf = match dtype.unwrap_or(DType::I32) {
        DType::I32 => {
            if minval < i32::MIN as i64 || maxval > i32::MAX as i64 + 1 {
                return Err(value_err!("randint: [{minval}, {maxval}) does not fit in int32"));
            }
            let mut v = try_vec(n, 0i32)?;
            fill_randint(&mut v, &s, minval, maxval, |x| x as i32);
            CpuBuffer::I32(v)
        }
        DType::I64 => {
            let mut v = try_vec(n, 0i64)?;
            fill_randint(&mut v, &s, minval, maxval, |x| x);
            CpuBuffer::I64(v)
        }
        d => return Err(dtype_err!("randint: dtype must be int32 or int64, got {d}")),
    };
    Tensor::from_buffer(buf, shape)
}

/// `shuffle(x, axis=0, seed=None)`: `x` with its slices along `axis` in a random order
/// (differentiable: a take with a random permutation).
pub fn shuffle(x: &Tensor, axis: isize, seed: Seed) -> Result<Tensor> {
    let ax = crate::layout::normalize_axis(axis, x.rank(), "shuffle")?;
    let n = x.shape()[ax];
    let perm = Tensor::from_vec(permutation(n, &seed.stream()), &[n])?;
    take(x, &perm, Some(ax as isize))
}

/// `dropout(inputs, rate, noise_shape=None, seed=None)`: each element (or each slice, with a
/// `noise_shape` that broadcasts to the input's) kept with probability 1 - rate and scaled by
/// 1 / (1 - rate), else zeroed. The gradient uses the same mask.
pub fn dropout(x: &Tensor, rate: f64, noise_shape: Option<&[usize]>, seed: Seed) -> Result<Tensor> {
    if !(0.0..1.0).contains(&rate) {
        return Err(value_err!("dropout: rate must be in [0, 1), got {rate}"));
    }
    if !x.dtype().is_float() {
        return Err(dtype_err!("dropout: inputs must be float32 or float64, got {}", x.dtype()));
    }
    if rate == 0.0 {
        return Ok(x.clone());
    }
    let shape = noise_shape.unwrap_or(x.shape());
    if crate::layout::broadcast_shapes(shape, x.shape(), "dropout").ok().as_deref() != Some(x.shape()) {
        return Err(crate::shape_err!("dropout: noise_shape {shape:?} does not broadcast to the input shape {:?}", x.shape()));
    }
    let s = seed.stream();
    let scale = 1.0 / (1.0 - rate);
    let mask = float_tensor("dropout", shape, x.dtype(), |v| fill_keep_mask(v, &s, rate, scale), |v| fill_keep_mask(v, &s, rate, scale))?;
    // The mask is drawn on the host and moved to the input's device.
    multiply(x, &mask.to(x.device())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values_and_counter_advances() {
        let a = random_normal(&[100], 0.0, 1.0, None, Seed::new(3, 0)).unwrap().to_vec::<f32>().unwrap();
        let b = random_normal(&[100], 0.0, 1.0, None, Seed::new(3, 0)).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(a, b);
        let g = SeedGenerator::new(3);
        assert_eq!(g.next_seed(), Seed::new(3, 0));
        let c = random_normal(&[100], 0.0, 1.0, None, g.next_seed()).unwrap().to_vec::<f32>().unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn global_seed_resets() {
        set_global_seed(11);
        let a = next_global_seed();
        let b = next_global_seed();
        set_global_seed(11);
        assert_eq!(next_global_seed(), a);
        assert_ne!(a, b);
    }
}
