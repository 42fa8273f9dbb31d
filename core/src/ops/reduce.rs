//! Reductions over any set of axes, with keepdims. Dtype rule: sum keeps the input dtype
//! (bool sums as int32); mean and the statistics compute in `float_of` the input dtype.

use crate::autograd::{needs_grad, record1};
use crate::cpu::reduce::reduce;
use crate::error::Result;
use crate::layout::normalize_axes;
use crate::ops::elementwise::cast_untracked;
use crate::ops::shape::{broadcast_to, reshape};
use crate::storage::BufferElement;
use crate::tensor::Tensor;
use crate::{dispatch_numeric, dtype::DType};

/// Output shape of a reduction over sorted `axes`.
pub fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| if axes.contains(&i) { keepdims.then_some(1) } else { Some(d) })
        .collect()
}

/// Broadcasts a reduced gradient back over the reduced axes to `shape`.
pub fn expand_reduced(g: &Tensor, shape: &[usize], axes: &[usize]) -> Result<Tensor> {
    let kept = reshape(g, &reduced_shape(shape, axes, true))?;
    broadcast_to(&kept, shape)
}

/// `sum(x, axis=None, keepdims=False)`.
pub fn sum(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let ax = normalize_axes(axes, x.rank(), "sum")?;
    let xc = if x.dtype() == DType::Bool { cast_untracked(x, DType::I32)? } else { x.detach() };
    let out = dispatch_numeric!(xc.cpu_buffer()?, T, v => {
        <T as BufferElement>::wrap(reduce(v, xc.layout(), &ax, <T as crate::dtype::Element>::zero(), |a: T, b: T| a + b, |a| a)?)
    }, bool => unreachable!("bool was cast to int32"));
    let out = Tensor::from_buffer(out, &reduced_shape(x.shape(), &ax, keepdims))?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    Ok(record1("sum", &[x], out, move |g, _| Ok(vec![Some(expand_reduced(g, &shape, &ax)?)])))
}
