//! Bridging tensors and the `[m, k, n]` kernels of `cpu::reduce` / `cpu::nn`: finding (or
//! making, with one copy) a dense layout for a tensor and its reduced axes, reading it as a
//! typed slice, and wrapping kernel output back into a tensor.

use crate::cpu::reduce::Plan;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::storage::{BufferElement, CpuBuffer};
use crate::tensor::Tensor;

/// What the kernel needs from the layout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// A reduction: the outputs `[m, n]` must come out in C order of the kept axes.
    Reduce,
    /// A same-shape op (softmax): any dense order; the output takes the same order.
    SameShape,
    /// Rows (`n == 1`), kept axes in order and reduced axes in order (so the `k` index is the
    /// C-order index over the reduced axes, matching per-class or per-feature parameters).
    Rows,
    /// Any dense order with the reduced axes in order (per-channel parameters of a batch norm,
    /// whose "reduced" axes here are the channel axes).
    Block,
}

/// A tensor with the values of the input, stored densely in `plan`'s order.
pub(crate) struct Dense {
    pub t: Tensor,
    pub plan: Plan,
}

fn in_order(order: &[usize], pick: impl Fn(usize) -> bool) -> bool {
    let v: Vec<usize> = order.iter().copied().filter(|&a| pick(a)).collect();
    v.windows(2).all(|w| w[0] < w[1])
}

fn acceptable(plan: &Plan, axes: &[usize], walk: Walk) -> bool {
    match walk {
        Walk::Reduce | Walk::SameShape => true,
        Walk::Rows => plan.n == 1 && in_order(&plan.order, |a| axes.contains(&a)),
        Walk::Block => in_order(&plan.order, |a| axes.contains(&a)),
    }
}

/// `t` laid out densely in the order of `perm` (a copy), shown with its original axes.
fn copy_permuted(t: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let c = t.with_layout(t.layout().permute(perm)?)?.contiguous()?;
    let mut strides = vec![0isize; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        strides[p] = c.layout().strides()[i];
    }
    c.with_layout(Layout::new(t.shape().to_vec(), strides, c.layout().offset()))
}

/// A dense view (or copy) of non-empty `x` with a plan reducing `axes` (sorted).
pub(crate) fn dense(x: &Tensor, axes: &[usize], walk: Walk) -> Result<Dense> {
    let keep_order = matches!(walk, Walk::Reduce | Walk::Rows);
    if let Some(plan) = Plan::new(x.layout(), axes, keep_order) {
        if acceptable(&plan, axes, walk) {
            return Ok(Dense { t: x.detach(), plan });
        }
    }
    let perm = match walk {
        Walk::Rows => {
            let mut p: Vec<usize> = (0..x.rank()).filter(|a| !axes.contains(a)).collect();
            p.extend_from_slice(axes);
            p
        }
        _ => Plan::copy_order(x.shape(), axes),
    };
    let t = copy_permuted(x, &perm)?;
    let plan = Plan::new(t.layout(), axes, keep_order)
        .filter(|p| acceptable(p, axes, walk))
        .ok_or_else(|| Error::Value(format!("internal: no dense plan for shape {:?} over axes {axes:?}", x.shape())))?;
    Ok(Dense { t, plan })
}

/// `t` (same shape as the planned tensor) stored densely in `plan`'s order: itself when it
/// already is, else a copy. Second operands (gradients, targets) go through this.
pub(crate) fn arrange(t: &Tensor, plan: &Plan) -> Result<Tensor> {
    if plan.matches(t.layout()) {
        return Ok(t.detach());
    }
    copy_permuted(t, &plan.permutation(t.rank()))
}

/// The elements of a dense tensor (any axis order) as a typed slice, in memory order.
pub(crate) fn slice<T: BufferElement>(t: &Tensor) -> Result<&[T]> {
    let data = T::slice(t.cpu_buffer()?)
        .ok_or_else(|| Error::DType(format!("internal: expected a {} tensor, got {}", T::DTYPE, t.dtype())))?;
    let lo = t.layout().offset();
    data.get(lo..lo + t.numel())
        .ok_or_else(|| Error::Value(format!("internal: tensor of shape {:?} is not dense", t.shape())))
}

/// A tensor of `shape` over `buf`, written in `plan`'s order (same-shape op outputs).
pub(crate) fn from_plan(buf: CpuBuffer, shape: &[usize], plan: &Plan) -> Result<Tensor> {
    let n = buf.len();
    Tensor::from_buffer(buf, &[n])?.with_layout(plan.layout_of(shape))
}
