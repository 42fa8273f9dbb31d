//! GPU arms of the normalizations (`ops::nn::norm`): batch_normalization, batch_norm_train and
//! layer_normalization composed from engine ops that have gpu kernels (moments, elementwise
//! arithmetic, rsqrt, reshapes). Each step records its own backward rule, so the gradients
//! (including those of batch_norm_train's returned statistics) come from those ops' rules and
//! stay on the gpu.

use crate::dtype::{float_of, DType};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;

/// Checks that the operands are on the gpu (0-d cpu tensors aside: they are uploaded, as
/// scalars are), naming `op` in the error.
fn on_gpu(op: &str, ts: &[Option<&Tensor>]) -> Result<()> {
    match ts.iter().flatten().find(|t| !t.device().is_gpu() && t.rank() > 0) {
        Some(t) => Err(super::mixed(op, crate::device::Device::Gpu, t.device())),
        None => Ok(()),
    }
}

/// `x` in its float dtype (a tracked cast), refusing dtypes the gpu cannot compute in.
fn float_operand(x: &Tensor, op: &str) -> Result<Tensor> {
    let dt = float_of(x.dtype());
    super::kind(dt, op)?;
    ops::cast(x, dt)
}

/// A per-channel parameter (already shape-checked) cast to `dtype` and reshaped to `shape`
/// (the input's rank, 1 on the axes it does not span), so that it broadcasts against `x`.
fn broadcast_param(p: &Tensor, dtype: DType, shape: &[usize]) -> Result<Tensor> {
    ops::reshape(&ops::cast(p, dtype)?, shape)
}

/// (x - mean) * rsqrt(var + epsilon) * scale + offset, every operand broadcasting against x.
fn normalize(x: &Tensor, mean: &Tensor, var: &Tensor, scale: Option<&Tensor>, offset: Option<&Tensor>, epsilon: f64) -> Result<Tensor> {
    let eps = Tensor::full(&[], epsilon, var.dtype())?;
    let mut mul = ops::rsqrt(&ops::add(var, &eps)?)?;
    if let Some(s) = scale {
        mul = ops::multiply(&mul, s)?;
    }
    let y = ops::multiply(&ops::subtract(x, mean)?, &mul)?;
    match offset {
        Some(o) => ops::add(&y, o),
        None => Ok(y),
    }
}

/// The shape of `x` with every axis not in `keep` set to 1.
fn spanning(shape: &[usize], keep: &[usize]) -> Vec<usize> {
    shape.iter().enumerate().map(|(a, &d)| if keep.contains(&a) { d } else { 1 }).collect()
}

/// `batch_normalization` with the parameters' shapes checked by the caller: one value per
/// entry of axis `a` of `x`.
pub(crate) fn batch_normalization(
    x: &Tensor,
    mean: &Tensor,
    variance: &Tensor,
    a: usize,
    offset: Option<&Tensor>,
    scale: Option<&Tensor>,
    epsilon: f64,
) -> Result<Tensor> {
    const OP: &str = "batch_normalization";
    on_gpu(OP, &[Some(x), Some(mean), Some(variance), offset, scale])?;
    let xf = float_operand(x, OP)?;
    let dt = xf.dtype();
    let shape = spanning(x.shape(), &[a]);
    let mu = broadcast_param(mean, dt, &shape)?;
    let var = broadcast_param(variance, dt, &shape)?;
    let off = offset.map(|p| broadcast_param(p, dt, &shape)).transpose()?;
    let sc = scale.map(|p| broadcast_param(p, dt, &shape)).transpose()?;
    normalize(&xf, &mu, &var, sc.as_ref(), off.as_ref(), epsilon)
}

/// `batch_norm_train` over the (normalized, non-empty) reduction axes `ax`; the statistics come
/// back shaped like the channel axes `c_shape`. The parameters' shapes are checked by the caller.
pub(crate) fn batch_norm_train(
    x: &Tensor,
    gamma: Option<&Tensor>,
    beta: Option<&Tensor>,
    ax: &[usize],
    c_shape: &[usize],
    epsilon: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    const OP: &str = "batch_norm_train";
    on_gpu(OP, &[Some(x), gamma, beta])?;
    let xf = float_operand(x, OP)?;
    let dt = xf.dtype();
    let axes: Vec<isize> = ax.iter().map(|&a| a as isize).collect();
    // One moments op: its backward takes the gradients of both statistics.
    let (mean, var) = ops::moments(&xf, &axes, true)?;
    let channels: Vec<usize> = (0..x.rank()).filter(|a| !ax.contains(a)).collect();
    let kshape = spanning(x.shape(), &channels);
    let ga = gamma.map(|p| broadcast_param(p, dt, &kshape)).transpose()?;
    let be = beta.map(|p| broadcast_param(p, dt, &kshape)).transpose()?;
    let y = normalize(&xf, &mean, &var, ga.as_ref(), be.as_ref(), epsilon)?;
    Ok((y, ops::reshape(&mean, c_shape)?, ops::reshape(&var, c_shape)?))
}

/// `layer_normalization` over the (normalized, non-empty) axes `ax` of non-empty `x`; the
/// parameters' shapes are checked by the caller.
pub(crate) fn layer_normalization(x: &Tensor, gamma: Option<&Tensor>, beta: Option<&Tensor>, ax: &[usize], epsilon: f64) -> Result<Tensor> {
    const OP: &str = "layer_normalization";
    on_gpu(OP, &[Some(x), gamma, beta])?;
    let xf = float_operand(x, OP)?;
    let dt = xf.dtype();
    let axes: Vec<isize> = ax.iter().map(|&a| a as isize).collect();
    let (mean, var) = ops::moments(&xf, &axes, true)?;
    let pshape = spanning(x.shape(), ax);
    let ga = gamma.map(|p| broadcast_param(p, dt, &pshape)).transpose()?;
    let be = beta.map(|p| broadcast_param(p, dt, &pshape)).transpose()?;
    normalize(&xf, &mean, &var, ga.as_ref(), be.as_ref(), epsilon)
}

#[cfg(test)]
mod tests {
    use crate::autograd::{gradient, track_leaf, RecordingGuard};
    use crate::device::Device;
    use crate::ops;
    use crate::tensor::Tensor;

    fn seq(n: usize, scale: f32, shift: usize) -> Tensor {
        Tensor::from_vec((0..n).map(|i| (((i + shift) * 37 % 101) as f32 - 50.0) * scale).collect::<Vec<f32>>(), &[n]).unwrap()
    }

    /// batch_norm_train on the gpu: the output, the statistics and the gradients (with
    /// cotangents on all three outputs) match the fused cpu op.
    #[test]
    fn batch_norm_train_matches_the_cpu_op() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        let _rec = RecordingGuard::start();
        let x = track_leaf(&ops::reshape(&seq(4 * 3 * 5, 0.05, 0), &[4, 3, 5]).unwrap());
        let gamma = track_leaf(&seq(3, 0.02, 1));
        let beta = track_leaf(&seq(3, 0.01, 2));
        let run = |x: &Tensor, g: &Tensor, b: &Tensor| {
            let (y, m, v) = ops::batch_norm_train(x, Some(g), Some(b), &[0, 2], 1e-3).unwrap();
            let w = ops::reshape(&seq(4 * 3 * 5, 0.1, 3), &[4, 3, 5]).unwrap().to(x.device()).unwrap();
            let loss = ops::add(&ops::sum(&ops::multiply(&y, &w).unwrap(), None, false).unwrap(), &ops::sum(&ops::add(&m, &ops::square(&v).unwrap()).unwrap(), None, false).unwrap()).unwrap();
            let gs = gradient(&[loss], None, &[x.clone(), g.clone(), b.clone()], false).unwrap();
            (vec![y, m, v], gs)
        };
        let (oc, gc) = run(&x, &gamma, &beta);
        let gl: Vec<Tensor> = [&x, &gamma, &beta].iter().map(|t| track_leaf(&t.to(Device::Gpu).unwrap())).collect();
        let (og, gg) = run(&gl[0], &gl[1], &gl[2]);
        let pairs = og.iter().zip(&oc).map(|(a, b)| (a.clone(), b.clone(), 1e-5)).chain(gg.iter().zip(&gc).map(|(a, b)| (a.clone().unwrap(), b.clone().unwrap(), 1e-4)));
        for (k, (g, c, tol)) in pairs.enumerate() {
            assert_eq!(g.device(), Device::Gpu);
            let (a, b) = (g.to_vec::<f32>().unwrap(), c.to_vec::<f32>().unwrap());
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                assert!((p - q).abs() <= tol * (1.0 + q.abs()), "result {k} element {i}: gpu {p} vs cpu {q}");
            }
        }
    }
}
