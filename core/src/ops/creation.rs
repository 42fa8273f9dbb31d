//! Tensor creation: zeros / ones / full (and their `_like` forms), arange, eye. None of these
//! is differentiable: the result depends on no tensor's values.
//!
//! Dtype rule (Keras): zeros, ones, full and eye default to float32 (Keras' floatx, whatever
//! the fill value); the `_like` forms keep the dtype of `x`; arange is int32 when start,
//! stop and step are all integers and float32 otherwise.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::layout::checked_numel;
use crate::storage::{try_vec, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{value_err, with_buffer};

/// `zeros(shape, dtype=None)`.
pub fn zeros(shape: &[usize], dtype: Option<DType>) -> Result<Tensor> {
    filled("zeros", shape, 0.0, dtype.unwrap_or(DType::F32))
}

/// `ones(shape, dtype=None)`.
pub fn ones(shape: &[usize], dtype: Option<DType>) -> Result<Tensor> {
    filled("ones", shape, 1.0, dtype.unwrap_or(DType::F32))
}

/// `full(shape, fill_value, dtype)`: every element `fill_value` converted to `dtype`.
pub fn full(shape: &[usize], fill_value: f64, dtype: DType) -> Result<Tensor> {
    filled("full", shape, fill_value, dtype)
}

/// A new tensor of `shape` holding `value`; errors (too large a shape, a failed allocation)
/// name `op`.
fn filled(op: &str, shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let n = checked_numel(shape, op)?;
    Tensor::from_buffer(CpuBuffer::full(dtype, n, value).map_err(|e| e.in_op(op))?, shape)
}

/// `zeros_like(x, dtype=None)`.
pub fn zeros_like(x: &Tensor, dtype: Option<DType>) -> Result<Tensor> {
    Tensor::zeros(x.shape(), dtype.unwrap_or(x.dtype()))?.to(x.device())
}

/// `ones_like(x, dtype=None)`.
pub fn ones_like(x: &Tensor, dtype: Option<DType>) -> Result<Tensor> {
    Tensor::full(x.shape(), 1.0, dtype.unwrap_or(x.dtype()))?.to(x.device())
}

/// `full_like(x, fill_value, dtype=None)`.
pub fn full_like(x: &Tensor, fill_value: f64, dtype: Option<DType>) -> Result<Tensor> {
    Tensor::full(x.shape(), fill_value, dtype.unwrap_or(x.dtype()))?.to(x.device())
}

/// Number of elements of arange(start, stop, step): ceil((stop - start) / step), at least 0.
fn arange_len(start: f64, stop: f64, step: f64) -> Result<usize> {
    if step == 0.0 {
        return Err(value_err!("arange: step must not be zero"));
    }
    if !(start.is_finite() && stop.is_finite() && step.is_finite()) {
        return Err(value_err!("arange: start ({start}), stop ({stop}) and step ({step}) must be finite"));
    }
    let n = ((stop - start) / step).ceil();
    Ok(if n > 0.0 { n as usize } else { 0 })
}

/// `arange(start, stop, step, dtype)`: start, start + step, ... up to (excluding) stop. Values
/// are computed as start + i * step in float64 (exact integers for int dtypes).
pub fn arange(start: f64, stop: f64, step: f64, dtype: DType) -> Result<Tensor> {
    let n = arange_len(start, stop, step)?;
    checked_numel(&[n], "arange")?;
    if dtype == DType::Bool {
        return Err(value_err!("arange: dtype bool is not supported"));
    }
    let buf = arange_buffer(n, start, step, dtype).map_err(|e| e.in_op("arange"))?;
    Tensor::from_buffer(buf, &[n])
}

fn arange_buffer(n: usize, start: f64, step: f64, dtype: DType) -> Result<CpuBuffer> {
    fn fill<T: BufferElement>(n: usize, f: impl Fn(usize) -> T) -> Result<CpuBuffer> {
        let mut v: Vec<T> = try_vec(n, T::zero())?;
        for (i, o) in v.iter_mut().enumerate() {
            *o = f(i);
        }
        Ok(T::wrap(v))
    }
    Ok(match dtype {
        DType::I32 | DType::I64 if start.fract() == 0.0 && step.fract() == 0.0 => {
            let (s, st) = (start as i64, step as i64);
            if dtype == DType::I32 {
                fill(n, |i| (s + i as i64 * st) as i32)?
            } else {
                fill(n, |i| s + i as i64 * st)?
            }
        }
        _ => {
            let b = CpuBuffer::zeros(dtype, n)?;
            with_buffer!(b, v => {
                let mut v = v;
                for (i, o) in v.iter_mut().enumerate() {
                    *o = Element::from_f64(start + i as f64 * step);
                }
                BufferElement::wrap(v)
            })
        }
    })
}

/// `eye(N, M=None, k=0, dtype=None)`: an N x M matrix with ones on diagonal `k` (above the main
/// diagonal for k > 0) and zeros elsewhere.
pub fn eye(n: usize, m: Option<usize>, k: i64, dtype: Option<DType>) -> Result<Tensor> {
    let m = m.unwrap_or(n);
    let dtype = dtype.unwrap_or(DType::F32);
    let mut buf = CpuBuffer::zeros(dtype, checked_numel(&[n, m], "eye")?).map_err(|e| e.in_op("eye"))?;
    // Only the rows that meet the diagonal are visited: work is bounded by the output size,
    // whatever N and k are (eye(2**40, M=0) is empty and returns at once).
    fn set<T: Element>(v: &mut [T], n: usize, m: usize, k: i64) {
        let first_row = if k < 0 { k.unsigned_abs() } else { 0 };
        let first_col = if k > 0 { k.unsigned_abs() } else { 0 };
        let len = (n as u64).saturating_sub(first_row).min((m as u64).saturating_sub(first_col));
        for d in 0..len as usize {
            v[(first_row as usize + d) * m + first_col as usize + d] = T::one();
        }
    }
    with_buffer!(&mut buf, v => set(v, n, m, k));
    Tensor::from_buffer(buf, &[n, m])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arange_lengths_follow_numpy() {
        assert_eq!(arange(0.0, 5.0, 1.0, DType::I32).unwrap().to_vec::<i32>().unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(arange(5.0, 0.0, -2.0, DType::I64).unwrap().to_vec::<i64>().unwrap(), vec![5, 3, 1]);
        assert_eq!(arange(0.0, 1.0, 0.3, DType::F64).unwrap().numel(), 4);
        assert_eq!(arange(3.0, 1.0, 1.0, DType::F32).unwrap().numel(), 0);
        assert!(arange(0.0, 1.0, 0.0, DType::F32).is_err());
    }

    #[test]
    fn eye_work_is_bounded_by_the_output() {
        // Each of these would loop over 2**40 rows if eye walked every row.
        assert_eq!(eye(1 << 40, Some(0), 0, None).unwrap().shape(), &[1 << 40, 0]);
        assert_eq!(eye(0, Some(1 << 40), 0, None).unwrap().shape(), &[0, 1 << 40]);
        assert_eq!(eye(3, Some(3), i64::MIN, Some(DType::I32)).unwrap().to_vec::<i32>().unwrap(), vec![0; 9]);
        assert_eq!(eye(3, Some(3), i64::MAX, Some(DType::I32)).unwrap().to_vec::<i32>().unwrap(), vec![0; 9]);
        assert_eq!(eye(3, Some(2), -1, Some(DType::I32)).unwrap().to_vec::<i32>().unwrap(), vec![0, 0, 1, 0, 0, 1]);
    }

    #[test]
    fn eye_offsets() {
        let e = eye(2, Some(3), 1, Some(DType::I32)).unwrap();
        assert_eq!(e.to_vec::<i32>().unwrap(), vec![0, 1, 0, 0, 0, 1]);
    }
}
