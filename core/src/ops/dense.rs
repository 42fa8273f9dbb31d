//! The Dense layer's op: `activation(x @ kernel + bias)` in one forward pass and one backward
//! rule, so a Dense layer costs one engine call and one graph node.
//!
//! Dtype rule: float32 or float64 operands of one dtype (the layer casts its inputs).

use crate::autograd::{needs_grad, record};
use crate::cpu::matmul::gemm;
use crate::error::{Error, Result};
use crate::ops::linalg::transpose_last2;
use crate::ops::reduce::sum;
use crate::ops::shape::reshape;
use crate::shape_err;
use crate::storage::{try_vec, BufferElement};
use crate::tensor::Tensor;
use crate::{dispatch_float, dtype_err};

/// The activations the fused op applies itself; others run as separate ops after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenseActivation {
    Linear,
    Relu,
    Sigmoid,
    Tanh,
}

impl DenseActivation {
    pub fn parse(name: &str) -> Result<DenseActivation> {
        Ok(match name {
            "linear" | "" => DenseActivation::Linear,
            "relu" => DenseActivation::Relu,
            "sigmoid" => DenseActivation::Sigmoid,
            "tanh" => DenseActivation::Tanh,
            other => return Err(Error::Value(format!("dense: activation '{other}' is not fused; apply it separately"))),
        })
    }
}

/// y = act(x2d @ w + b) for a row-major x2d [m, k] and w [k, n].
fn forward_typed<T: BufferElement + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T> + Float>(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    act: DenseActivation,
    m: usize,
    k: usize,
    n: usize,
) -> Result<Vec<T>> {
    let xs = x.as_slice::<T>()?;
    let ws = w.as_slice::<T>()?;
    let mut out: Vec<T> = try_vec(m * n, T::default())?;
    gemm(m, n, k, xs, k as isize, 1, ws, n as isize, 1, &mut out);
    let bias = b.map(|b| b.as_slice::<T>()).transpose()?;
    for row in out.chunks_mut(n.max(1)) {
        if let Some(bias) = bias {
            for (o, &bv) in row.iter_mut().zip(bias) {
                *o = *o + bv;
            }
        }
        match act {
            DenseActivation::Linear => {}
            DenseActivation::Relu => {
                for o in row.iter_mut() {
                    if !(*o > T::default()) && !o.is_nan_() {
                        *o = T::default();
                    }
                }
            }
            DenseActivation::Sigmoid => {
                for o in row.iter_mut() {
                    *o = o.sigmoid_();
                }
            }
            DenseActivation::Tanh => {
                for o in row.iter_mut() {
                    *o = o.tanh_();
                }
            }
        }
    }
    Ok(out)
}

/// Scalar helpers the fused kernels need, for f32 and f64.
pub trait Float: Copy + PartialOrd {
    fn is_nan_(self) -> bool;
    fn sigmoid_(self) -> Self;
    fn tanh_(self) -> Self;
    fn one_minus(self) -> Self;
}

macro_rules! float_impl {
    ($t:ty) => {
        impl Float for $t {
            #[inline(always)]
            fn is_nan_(self) -> bool {
                self.is_nan()
            }
            #[inline(always)]
            fn sigmoid_(self) -> Self {
                if self >= 0.0 {
                    1.0 / (1.0 + (-self).exp())
                } else {
                    let e = self.exp();
                    e / (1.0 + e)
                }
            }
            #[inline(always)]
            fn tanh_(self) -> Self {
                self.tanh()
            }
            #[inline(always)]
            fn one_minus(self) -> Self {
                1.0 - self
            }
        }
    };
}
float_impl!(f32);
float_impl!(f64);

/// g * act'(.) expressed through the saved output y.
fn activation_grad_typed<T: BufferElement + Default + Float + std::ops::Mul<Output = T>>(g: &Tensor, y: &Tensor, act: DenseActivation) -> Result<Vec<T>> {
    let gs = g.as_slice::<T>()?;
    let ys = y.as_slice::<T>()?;
    Ok(match act {
        DenseActivation::Linear => gs.to_vec(),
        DenseActivation::Relu => gs.iter().zip(ys).map(|(&g, &y)| if y > T::default() { g } else { T::default() }).collect(),
        DenseActivation::Sigmoid => gs.iter().zip(ys).map(|(&g, &y)| g * y * y.one_minus()).collect(),
        DenseActivation::Tanh => gs.iter().zip(ys).map(|(&g, &y)| g * (y * y).one_minus()).collect(),
    })
}

/// `dense(x, kernel, bias, activation)`: x [..., k], kernel [k, n], bias [n] or None.
pub fn dense(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>, activation: DenseActivation) -> Result<Tensor> {
    if kernel.rank() != 2 {
        return Err(shape_err!("dense: kernel must have rank 2, got shape {:?}", kernel.shape()));
    }
    let (k, n) = (kernel.shape()[0], kernel.shape()[1]);
    if x.rank() == 0 || x.shape()[x.rank() - 1] != k {
        return Err(shape_err!("dense: inputs of shape {:?} do not match a kernel of shape {:?} (last axis must be {k})", x.shape(), kernel.shape()));
    }
    if let Some(b) = bias {
        if b.shape() != [n] {
            return Err(shape_err!("dense: bias of shape {:?} does not match {n} units", b.shape()));
        }
    }
    let dt = kernel.dtype();
    if !dt.is_float() || x.dtype() != dt || bias.is_some_and(|b| b.dtype() != dt) {
        return Err(dtype_err!(
            "dense: inputs ({}), kernel ({dt}) and bias must share one float dtype",
            x.dtype()
        ));
    }
    let m = x.numel() / k.max(1);
    let xc = x.contiguous()?;
    let wc = kernel.contiguous()?;
    let bc = bias.map(|b| b.contiguous()).transpose()?;
    let buf = dispatch_float!(wc.cpu_buffer()?, T, _v => <T as BufferElement>::wrap(forward_typed::<T>(&xc, &wc, bc.as_ref(), activation, m, k, n)?),
        other => return Err(dtype_err!("dense: unsupported dtype {dt}")));
    let mut out_shape = x.shape().to_vec();
    let last = out_shape.len() - 1;
    out_shape[last] = n;
    let out = Tensor::from_buffer(buf, &out_shape)?;
    let mut inputs: Vec<&Tensor> = vec![x, kernel];
    if let Some(b) = bias {
        inputs.push(b);
    }
    if !needs_grad(&inputs) {
        return Ok(out);
    }
    let (x2, w2, y2) = (reshape(&xc, &[m, k])?, wc.detach(), reshape(&out.detach(), &[m, n])?);
    let has_bias = bias.is_some();
    let x_shape = x.shape().to_vec();
    let mut v = record("dense", &inputs, vec![out], move |grads, need| {
        let g = reshape(&grads[0].contiguous()?, &[m, n])?;
        let buf = dispatch_float!(g.cpu_buffer()?, T, _v => <T as BufferElement>::wrap(activation_grad_typed::<T>(&g, &y2, activation)?),
            other => return Err(dtype_err!("dense backward: unsupported dtype")));
        let ga = Tensor::from_buffer(buf, &[m, n])?;
        let gx = if need[0] { Some(reshape(&crate::ops::matmul(&ga, &transpose_last2(&w2)?)?, &x_shape)?) } else { None };
        let gw = if need[1] { Some(crate::ops::matmul(&transpose_last2(&x2)?, &ga)?) } else { None };
        let mut out = vec![gx, gw];
        if has_bias {
            out.push(if need[2] { Some(sum(&ga, Some(&[0]), false)?) } else { None });
        }
        Ok(out)
    });
    let out = v.pop().ok_or_else(|| Error::Value("dense: no output".into()))?;
    Ok(out)
}

