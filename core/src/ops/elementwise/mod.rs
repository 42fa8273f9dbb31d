//! Elementwise ops: arithmetic with numpy broadcasting, math functions, activations,
//! comparisons, logical ops and casts. Each op's backward rule sits beside its forward; the
//! kernels live in `cpu::unary::kernels` / `cpu::binary::kernels`.
//!
//! Dtype rule (keras.ops / numpy, with the engine's `promote`):
//! - add, subtract, multiply, power, floor_divide, mod, minimum, maximum, clip: `promote` of the
//!   operands; bool operands compute as int32 (except minimum/maximum of two bools, which stay
//!   bool: logical and/or, as numpy).
//! - divide, and every float function (exp, expm1, log, log1p, sqrt, rsqrt, reciprocal, sin,
//!   cos, tanh, floor, ceil, sigmoid and the other activations): `float_of` that dtype (float
//!   stays, int and bool become float32).
//! - negative, abs, sign, square, relu, relu6, round: keep numeric dtypes (bool becomes int32).
//! - comparisons, logical ops, isnan/isfinite/isinf: bool (logical ops take any dtype's
//!   truthiness).
//! - where: `promote` of x1 and x2 (the condition's truthiness selects).
//! - bitwise ops: integer and bool operands only.
//!
//! Integer arithmetic wraps on overflow; integer floor_divide and mod by zero give 0 and
//! integer powers with negative exponents give the truncated value (0 unless the base is ±1).

use std::borrow::Cow;
use std::mem::MaybeUninit;

use crate::autograd::{needs_grad, record1};
use crate::cpu::binary::kernels::{FloatBinary, NumBinary};
use crate::cpu::binary::zip_layout;
use crate::cpu::num::{Float, Num};
use crate::cpu::simd::levels::Src;
use crate::cpu::unary::kernels::{FloatUnary, NumUnary};
use crate::cpu::unary::{map1, map_layout};
use crate::dtype::{float_of, promote, DType, Element};
use crate::error::Result;
use crate::layout::broadcast_shapes;
use crate::storage::{BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dispatch_float, dispatch_numeric, dtype_err};

mod activation;
mod arith;
mod compare;
mod math;

pub use activation::*;
pub use arith::*;
pub use compare::*;
pub use math::*;

// ---------------------------------------------------------------------------------------------
// Generic kernel traits (used by other op families)

/// A binary kernel generic over numeric element types.
pub trait BinaryKernel {
    const NAME: &'static str;
    fn apply<T: Num>(a: T, b: T) -> T;
}

/// A unary kernel generic over float element types.
pub trait FloatKernel {
    const NAME: &'static str;
    fn apply<T: Float>(x: T) -> T;
}

/// Runs a float kernel; int and bool inputs compute in float32.
pub fn unary_float<K: FloatKernel>(x: &Tensor) -> Result<Tensor> {
    let x = as_dtype(x, float_of(x.dtype()))?;
    let out = dispatch_float!(x.cpu_buffer()?, T, v => <T as BufferElement>::wrap(map1(v, x.layout(), K::apply::<T>)?),
        other => return Err(dtype_err!("{}: unsupported dtype {}", K::NAME, x.dtype())));
    Tensor::from_buffer(out, x.shape())
}

macro_rules! binary_kernel {
    ($k:ident, $name:expr, |$a:ident, $b:ident| $body:expr) => {
        pub struct $k;
        impl BinaryKernel for $k {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn apply<T: Num>($a: T, $b: T) -> T {
                $body
            }
        }
    };
}
binary_kernel!(AddK, "add", |a, b| a + b);
binary_kernel!(SubK, "subtract", |a, b| a - b);
binary_kernel!(MulK, "multiply", |a, b| a * b);
binary_kernel!(DivK, "divide", |a, b| a / b);

macro_rules! float_kernel {
    ($k:ident, $name:expr, |$x:ident| $body:expr) => {
        pub struct $k;
        impl FloatKernel for $k {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn apply<T: Float>($x: T) -> T {
                $body
            }
        }
    };
}
float_kernel!(ExpK, "exp", |x| x.exp());
float_kernel!(LogK, "log", |x| x.ln());

// ---------------------------------------------------------------------------------------------
// Dtypes and casts

/// The dtype binary arithmetic computes in.
pub fn arith_dtype(a: DType, b: DType) -> DType {
    match promote(a, b) {
        DType::Bool => DType::I32,
        d => d,
    }
}

/// `x` itself when it already has `dtype` (no copy, no allocation), else an untracked cast.
pub(crate) fn as_dtype(x: &Tensor, dtype: DType) -> Result<Cow<'_, Tensor>> {
    if x.dtype() == dtype {
        Ok(Cow::Borrowed(x))
    } else {
        Ok(Cow::Owned(cast_untracked(x, dtype)?))
    }
}

/// Converts to `dtype` without recording (internal use by kernels that promote operands).
/// Float to int truncates toward zero (saturating, NaN to 0); anything to bool is `!= 0`.
pub fn cast_untracked(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.detach());
    }
    if x.device().is_gpu() {
        return crate::wgpu::elementwise::cast(x, dtype);
    }
    fn conv<A: Element + Default + Send + Sync, O: BufferElement + Default + Send>(v: &[A], x: &Tensor) -> Result<CpuBuffer> {
        Ok(O::wrap(map1(v, x.layout(), |a: A| O::from_f64(a.to_f64()))?))
    }
    let out = crate::with_buffer!(x.cpu_buffer()?, v => match dtype {
        DType::Bool => conv::<_, u8>(v, x)?,
        DType::I32 => conv::<_, i32>(v, x)?,
        DType::I64 => conv::<_, i64>(v, x)?,
        DType::F32 => conv::<_, f32>(v, x)?,
        DType::F64 => conv::<_, f64>(v, x)?,
    });
    Tensor::from_buffer(out, x.shape())
}

/// `cast(x, dtype)`: the gradient flows back (cast to the input's dtype) between float dtypes.
pub fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    let out = cast_untracked(x, dtype)?;
    if !needs_grad(&[x]) || !dtype.is_float() || !x.dtype().is_float() {
        return Ok(out);
    }
    let src = x.dtype();
    Ok(record1("cast", &[x], out, move |g, _| Ok(vec![Some(cast_untracked(g, src)?)])))
}

// ---------------------------------------------------------------------------------------------
// Running kernels on tensors

/// Runs a binary run kernel on two host tensors with numpy broadcasting. Same-shape operands
/// use their layouts as they are (the common case costs no extra allocation).
pub(crate) fn zip_tensors<A, B, O>(
    op: &str,
    a: &Tensor,
    xa: &[A],
    b: &Tensor,
    xb: &[B],
    kernel: impl Fn(Src<A>, Src<B>, &mut [MaybeUninit<O>]) + Sync,
) -> Result<Tensor>
where
    A: Copy + Default + Send + Sync,
    B: Copy + Default + Send + Sync,
    O: BufferElement + Send,
{
    if a.shape() == b.shape() {
        let v = zip_layout(xa, a.layout(), xb, b.layout(), a.shape(), kernel)?;
        return Tensor::from_buffer(O::wrap(v), a.shape());
    }
    let shape = broadcast_shapes(a.shape(), b.shape(), op)?;
    let la = a.layout().broadcast_to(&shape, op)?;
    let lb = b.layout().broadcast_to(&shape, op)?;
    Tensor::from_buffer(O::wrap(zip_layout(xa, &la, xb, &lb, &shape, kernel)?), &shape)
}

/// A numeric binary op with both operands in `dtype` (not bool).
pub(crate) fn num_binary<K: NumBinary>(op: &str, k: &K, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[a, b]) {
        return crate::wgpu::elementwise::num_binary::<K>(op, a, b, dtype);
    }
    let (a, b) = (as_dtype(a, dtype)?, as_dtype(b, dtype)?);
    let bb = b.cpu_buffer()?;
    macro_rules! typed {
        ($t:ty, $v:expr, $run:expr) => {{
            let y = <$t as BufferElement>::slice(bb).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
            zip_tensors(op, &a, $v, &b, y, $run)
        }};
    }
    match a.cpu_buffer()? {
        CpuBuffer::F32(v) => typed!(f32, v, |x, y, o| k.run_f32(x, y, o)),
        CpuBuffer::F64(v) => typed!(f64, v, |x, y, o| crate::cpu::simd::levels::each2(x, y, o, &|p, q| k.num(p, q))),
        CpuBuffer::I32(v) => typed!(i32, v, |x, y, o| crate::cpu::simd::levels::each2(x, y, o, &|p, q| k.num(p, q))),
        CpuBuffer::I64(v) => typed!(i64, v, |x, y, o| crate::cpu::simd::levels::each2(x, y, o, &|p, q| k.num(p, q))),
        CpuBuffer::Bool(_) => Err(dtype_err!("{op}: bool operands must be cast first")),
    }
}

/// A float binary op (fused backward kernels): both operands in float_of(promote(a, b)).
pub(crate) fn float_binary<K: FloatBinary>(op: &str, k: &K, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let dt = float_of(arith_dtype(a.dtype(), b.dtype()));
    if crate::wgpu::any_gpu(&[a, b]) {
        return crate::wgpu::elementwise::float_binary::<K>(op, a, b, dt);
    }
    let (a, b) = (as_dtype(a, dt)?, as_dtype(b, dt)?);
    match (a.cpu_buffer()?, b.cpu_buffer()?) {
        (CpuBuffer::F32(x), CpuBuffer::F32(y)) => {
            zip_tensors(op, &a, x, &b, y, |p, q, o| crate::cpu::binary::kernels::run_f32(k, p, q, o))
        }
        (CpuBuffer::F64(x), CpuBuffer::F64(y)) => {
            zip_tensors(op, &a, x, &b, y, |p, q, o| crate::cpu::binary::kernels::run_f64(k, p, q, o))
        }
        _ => Err(dtype_err!("{op}: expected float operands")),
    }
}

/// A float unary op; int and bool inputs compute in float32.
pub(crate) fn float_unary<K: FloatUnary>(op: &str, k: &K, x: &Tensor) -> Result<Tensor> {
    let x = as_dtype(x, float_of(x.dtype()))?;
    if x.device().is_gpu() {
        return crate::wgpu::elementwise::float_unary::<K>(op, &x);
    }
    let out = match x.cpu_buffer()? {
        CpuBuffer::F32(v) => CpuBuffer::F32(map_layout(v, x.layout(), |s, o| crate::cpu::unary::kernels::run_f32(k, s, o))?),
        CpuBuffer::F64(v) => CpuBuffer::F64(map_layout(v, x.layout(), |s, o| crate::cpu::unary::kernels::run_f64(k, s, o))?),
        _ => return Err(dtype_err!("{op}: expected a float tensor, got {}", x.dtype())),
    };
    Tensor::from_buffer(out, x.shape())
}

/// A numeric unary op in `arith_dtype(x)` (bool computes as int32).
pub(crate) fn num_unary<K: NumUnary>(op: &str, k: &K, x: &Tensor) -> Result<Tensor> {
    let dt = arith_dtype(x.dtype(), x.dtype());
    if x.device().is_gpu() {
        return crate::wgpu::elementwise::num_unary::<K>(op, x, dt);
    }
    let x = as_dtype(x, dt)?;
    let out = dispatch_numeric!(x.cpu_buffer()?, T, v => {
        <T as BufferElement>::wrap(map_layout(v, x.layout(), |s: &[T], o| run_num_unary(k, s, o))?)
    }, bool => return Err(dtype_err!("{op}: bool operands must be cast first")));
    Tensor::from_buffer(out, x.shape())
}

/// Dispatches float32 runs to the op's SIMD loop and other types to the generic one.
#[inline]
fn run_num_unary<K: NumUnary, T: Num>(k: &K, s: &[T], o: &mut [MaybeUninit<T>]) {
    // float32 is the one type with an explicit SIMD loop; the casts are no-ops for it.
    if T::DTYPE == DType::F32 {
        // SAFETY: T is f32 here (checked through its DTYPE), so the slices reinterpret exactly.
        let s32 = unsafe { std::slice::from_raw_parts(s.as_ptr() as *const f32, s.len()) };
        let o32 = unsafe { std::slice::from_raw_parts_mut(o.as_mut_ptr() as *mut MaybeUninit<f32>, o.len()) };
        k.run_f32(s32, o32);
    } else {
        crate::cpu::simd::levels::each(s, o, &|v| k.num(v));
    }
}

/// A 0-d tensor holding `v` in `dtype`.
pub(crate) fn scalar_like(v: f64, dtype: DType) -> Result<Tensor> {
    Tensor::full(&[], v, dtype)
}
