//! Elementwise ops: arithmetic with numpy broadcasting, math functions, activations,
//! comparisons, logical ops and casts. Each op's backward rule sits beside its forward.
//!
//! Dtype rule: binary arithmetic computes in `promote(a, b)` (bool operands count as int32);
//! `divide` and every transcendental function compute in `float_of` that dtype (ints become
//! float32); comparisons and logical ops return bool.

use crate::autograd::{needs_grad, record1};
use crate::cpu::binary::map2;
use crate::cpu::num::{Float, Num};
use crate::cpu::unary::map1;
use crate::dtype::{float_of, promote, DType, Element};
use crate::error::Result;
use crate::layout::broadcast_shapes;
use crate::ops::dispatch::sum_to_shape;
use crate::storage::{BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::{dispatch_float, dispatch_numeric, dtype_err};

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

/// Runs a numeric binary kernel with broadcasting on two tensors of the same dtype.
fn binary_same_dtype<K: BinaryKernel>(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let shape = broadcast_shapes(a.shape(), b.shape(), K::NAME)?;
    let la = a.layout().broadcast_to(&shape, K::NAME)?;
    let lb = b.layout().broadcast_to(&shape, K::NAME)?;
    let bb = b.cpu_buffer()?;
    let out = dispatch_numeric!(a.cpu_buffer()?, T, x => {
        let y = <T as BufferElement>::slice(bb).ok_or_else(|| dtype_err!("{}: dtype mismatch", K::NAME))?;
        <T as BufferElement>::wrap(map2(x, &la, y, &lb, &shape, K::apply::<T>)?)
    }, bool => return Err(dtype_err!("{}: bool operands must be cast first", K::NAME)));
    Tensor::from_buffer(out, &shape)
}

/// Casts both operands to `dtype` (untracked) and runs the kernel.
fn binary_in<K: BinaryKernel>(a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    binary_same_dtype::<K>(&cast_untracked(a, dtype)?, &cast_untracked(b, dtype)?)
}

/// The dtype binary arithmetic computes in.
pub fn arith_dtype(a: DType, b: DType) -> DType {
    match promote(a, b) {
        DType::Bool => DType::I32,
        d => d,
    }
}

/// Runs a float kernel; int and bool inputs compute in float32.
pub fn unary_float<K: FloatKernel>(x: &Tensor) -> Result<Tensor> {
    let x = cast_untracked(x, float_of(x.dtype()))?;
    let out = dispatch_float!(x.cpu_buffer()?, T, v => <T as BufferElement>::wrap(map1(v, x.layout(), K::apply::<T>)?),
        other => unreachable_dtype(K::NAME, x.dtype())?);
    Tensor::from_buffer(out, x.shape())
}

fn unreachable_dtype(op: &str, d: DType) -> Result<CpuBuffer> {
    Err(dtype_err!("{op}: unsupported dtype {d}"))
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
// Casts

/// Converts to `dtype` without recording (internal use by kernels that promote operands).
pub fn cast_untracked(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.detach());
    }
    fn conv<A: Element + Sync, O: BufferElement + Default + Send>(v: &[A], x: &Tensor) -> Result<CpuBuffer> {
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
// Arithmetic

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = binary_in::<AddK>(a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("add", &[a, b], out, move |g, _| Ok(vec![Some(sum_to_shape(g, &sa)?), Some(sum_to_shape(g, &sb)?)])))
}

pub fn subtract(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = binary_in::<SubK>(a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("subtract", &[a, b], out, move |g, _| {
        Ok(vec![Some(sum_to_shape(g, &sa)?), Some(negative(&sum_to_shape(g, &sb)?)?)])
    }))
}

pub fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = binary_in::<MulK>(a, b, arith_dtype(a.dtype(), b.dtype()))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("multiply", &[a, b], out, move |g, need| {
        Ok(vec![
            if need[0] { Some(sum_to_shape(&multiply(g, &bd)?, ad.shape())?) } else { None },
            if need[1] { Some(sum_to_shape(&multiply(g, &ad)?, bd.shape())?) } else { None },
        ])
    }))
}

/// True division: integer operands give float32.
pub fn divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = binary_in::<DivK>(a, b, float_of(arith_dtype(a.dtype(), b.dtype())))?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("divide", &[a, b], out, move |g, need| {
        let ga = divide(g, &bd)?;
        Ok(vec![
            if need[0] { Some(sum_to_shape(&ga, ad.shape())?) } else { None },
            // d(a/b)/db = -a/b^2 = -(g/b) * (a/b)
            if need[1] { Some(sum_to_shape(&negative(&multiply(&ga, &divide(&ad, &bd)?)?)?, bd.shape())?) } else { None },
        ])
    }))
}

pub fn negative(x: &Tensor) -> Result<Tensor> {
    let dt = arith_dtype(x.dtype(), x.dtype());
    let xc = cast_untracked(x, dt)?;
    let out = dispatch_numeric!(xc.cpu_buffer()?, T, v => <T as BufferElement>::wrap(map1(v, xc.layout(), |a: T| a.neg())?),
        bool => unreachable_dtype("negative", dt)?);
    let out = Tensor::from_buffer(out, x.shape())?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    Ok(record1("negative", &[x], out, |g, _| Ok(vec![Some(negative(g)?)])))
}

pub fn exp(x: &Tensor) -> Result<Tensor> {
    let out = unary_float::<ExpK>(x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let y = out.detach();
    Ok(record1("exp", &[x], out, move |g, _| Ok(vec![Some(multiply(g, &y)?)])))
}

pub fn log(x: &Tensor) -> Result<Tensor> {
    let out = unary_float::<LogK>(x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let xd = x.detach();
    Ok(record1("log", &[x], out, move |g, _| Ok(vec![Some(divide(g, &xd)?)])))
}
