//! Comparisons, logical and bitwise ops, NaN/Inf tests and `where`. None of these is
//! differentiable except `where`, whose gradient is routed to the selected operand.

use std::mem::MaybeUninit;

use crate::autograd::{needs_grad, record1};
use crate::cpu::simd::levels::{each, each2};
use crate::cpu::unary::map_layout;
use crate::cpu::unary::Rows;
use crate::dtype::{promote, DType};
use crate::error::Result;
use crate::layout::broadcast_shapes;
use crate::ops::dispatch::sum_to_shape;
use crate::storage::{try_with_capacity, BufferElement, CpuBuffer};
use crate::tensor::Tensor;
use crate::dtype_err;

use super::{as_dtype, cast_untracked, scalar_like, zip_tensors};

/// A comparison generic over element types.
trait Compare: Sync {
    fn test<T: PartialOrd>(a: T, b: T) -> bool;
}

macro_rules! comparison {
    ($k:ident, $name:ident, $doc:literal, |$a:ident, $b:ident| $body:expr) => {
        struct $k;
        impl Compare for $k {
            #[inline(always)]
            fn test<T: PartialOrd>($a: T, $b: T) -> bool {
                $body
            }
        }
        #[doc = $doc]
        pub fn $name(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            compare::<$k>(stringify!($name), a, b)
        }
    };
}

comparison!(Eq, equal, "`equal(x1, x2)`: x1 == x2 (false where either is NaN).", |a, b| a == b);
comparison!(Ne, not_equal, "`not_equal(x1, x2)`: x1 != x2 (true where either is NaN).", |a, b| a != b);
comparison!(Lt, less, "`less(x1, x2)`: x1 < x2.", |a, b| a < b);
comparison!(Le, less_equal, "`less_equal(x1, x2)`: x1 <= x2.", |a, b| a <= b);
comparison!(Gt, greater, "`greater(x1, x2)`: x1 > x2.", |a, b| a > b);
comparison!(Ge, greater_equal, "`greater_equal(x1, x2)`: x1 >= x2.", |a, b| a >= b);

/// Compares in `promote` of the two dtypes; the result is bool.
fn compare<C: Compare>(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[a, b]) {
        return crate::wgpu::elementwise::compare(op, a, b);
    }
    let dt = promote(a.dtype(), b.dtype());
    let (a, b) = (as_dtype(a, dt)?, as_dtype(b, dt)?);
    let bb = b.cpu_buffer()?;
    crate::with_buffer!(a.cpu_buffer()?, x => compare_typed::<C, _>(op, &a, x, &b, bb))
}

fn compare_typed<C: Compare, T>(op: &str, a: &Tensor, x: &[T], b: &Tensor, bb: &CpuBuffer) -> Result<Tensor>
where
    T: BufferElement + Default + Send + Sync,
{
    let y = T::slice(bb).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
    zip_tensors(op, a, x, b, y, |p, q, o: &mut [MaybeUninit<u8>]| each2(p, q, o, &|u: T, v: T| C::test(u, v) as u8))
}

// ---------------------------------------------------------------------------------------------
// Logical ops: any dtype, by truthiness (nonzero, NaN included, is true)

fn truth(x: &Tensor) -> Result<std::borrow::Cow<'_, Tensor>> {
    as_dtype(x, DType::Bool)
}

fn logical(op: &str, a: &Tensor, b: &Tensor, f: impl Fn(u8, u8) -> u8 + Sync) -> Result<Tensor> {
    if crate::wgpu::any_gpu(&[a, b]) {
        return crate::wgpu::elementwise::compare(op, a, b);
    }
    let (a, b) = (truth(a)?, truth(b)?);
    let (x, y) = (bools(&a, op)?, bools(&b, op)?);
    zip_tensors(op, &a, x, &b, y, |p, q, o: &mut [MaybeUninit<u8>]| each2(p, q, o, &f))
}

fn bools<'a>(t: &'a Tensor, op: &str) -> Result<&'a [u8]> {
    u8::slice(t.cpu_buffer()?).ok_or_else(|| dtype_err!("{op}: expected bool values"))
}

/// `logical_and(x1, x2)`.
pub fn logical_and(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    logical("logical_and", a, b, |p, q| p & q)
}

/// `logical_or(x1, x2)`.
pub fn logical_or(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    logical("logical_or", a, b, |p, q| p | q)
}

/// `logical_xor(x1, x2)`.
pub fn logical_xor(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    logical("logical_xor", a, b, |p, q| p ^ q)
}

/// `logical_not(x)`.
pub fn logical_not(x: &Tensor) -> Result<Tensor> {
    if x.device().is_gpu() {
        return crate::wgpu::elementwise::test("logical_not", x);
    }
    let t = truth(x)?;
    let v = bools(&t, "logical_not")?;
    Tensor::from_vec(map_layout(v, t.layout(), |s, o| each(s, o, &|p: u8| p ^ 1))?, x.shape())
}

// ---------------------------------------------------------------------------------------------
// NaN / Inf tests

/// Integers and bools are never NaN or infinite: their answer is the constant `int_answer`.
fn float_test(op: &str, x: &Tensor, f32_test: fn(f32) -> bool, f64_test: fn(f64) -> bool, int_answer: bool) -> Result<Tensor> {
    if x.device().is_gpu() {
        return crate::wgpu::elementwise::test(op, x);
    }
    let out = match x.cpu_buffer()? {
        CpuBuffer::F32(v) => map_layout(v, x.layout(), |s, o| each(s, o, &|p: f32| f32_test(p) as u8))?,
        CpuBuffer::F64(v) => map_layout(v, x.layout(), |s, o| each(s, o, &|p: f64| f64_test(p) as u8))?,
        _ => return Tensor::full(x.shape(), int_answer as u8 as f64, DType::Bool),
    };
    Tensor::from_vec(out, x.shape())
}

/// `isnan(x)`: true where x is NaN (never for integers).
pub fn isnan(x: &Tensor) -> Result<Tensor> {
    float_test("isnan", x, f32::is_nan, f64::is_nan, false)
}

/// `isinf(x)`: true where x is +inf or -inf (never for integers).
pub fn isinf(x: &Tensor) -> Result<Tensor> {
    float_test("isinf", x, f32::is_infinite, f64::is_infinite, false)
}

/// `isfinite(x)`: true where x is neither NaN nor infinite (always for integers).
pub fn isfinite(x: &Tensor) -> Result<Tensor> {
    float_test("isfinite", x, f32::is_finite, f64::is_finite, true)
}

// ---------------------------------------------------------------------------------------------
// where

/// `where(condition, x1, x2)`: x1 where the condition is true (nonzero), else x2, with the three
/// broadcast together; the result has `promote(x1, x2)`. The gradient goes to the operand that
/// was selected.
pub fn r#where(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let dt = promote(a.dtype(), b.dtype());
    let shape = broadcast_shapes(&broadcast_shapes(cond.shape(), a.shape(), "where")?, b.shape(), "where")?;
    let (c, ac, bc) = (truth(cond)?, as_dtype(a, dt)?, as_dtype(b, dt)?);
    let out = if crate::wgpu::any_gpu(&[&c, &ac, &bc]) {
        crate::wgpu::elementwise::select(&c, &ac, &bc, dt)?
    } else {
        let cv = bools(&c, "where")?;
        let bb = bc.cpu_buffer()?;
        let out = crate::with_buffer!(ac.cpu_buffer()?, x => select_typed(&shape, &c, cv, &ac, x, &bc, bb)?);
        Tensor::from_buffer(out, &shape)?
    };
    if !needs_grad(&[a, b]) || !dt.is_float() {
        return Ok(out);
    }
    let (cd, sa, sb) = (c.into_owned().detach(), a.shape().to_vec(), b.shape().to_vec());
    Ok(record1("where", &[a, b], out, move |g, need| {
        let zero = scalar_like(0.0, g.dtype())?;
        Ok(vec![
            if need[0] { Some(sum_to_shape(&r#where(&cd, g, &zero)?, &sa)?) } else { None },
            if need[1] { Some(sum_to_shape(&r#where(&cd, &zero, g)?, &sb)?) } else { None },
        ])
    }))
}

fn select_typed<T: BufferElement>(shape: &[usize], c: &Tensor, cv: &[u8], a: &Tensor, x: &[T], b: &Tensor, bb: &CpuBuffer) -> Result<CpuBuffer> {
    let y = T::slice(bb).ok_or_else(|| dtype_err!("where: dtype mismatch"))?;
    let n: usize = shape.iter().product();
    let lc = c.layout().broadcast_to(shape, "where")?;
    let la = a.layout().broadcast_to(shape, "where")?;
    let lb = b.layout().broadcast_to(shape, "where")?;
    let mut out: Vec<T> = try_with_capacity(n)?;
    if let (Some(oc), Some(oa), Some(ob)) = (lc.contiguous_offset(), la.contiguous_offset(), lb.contiguous_offset()) {
        let (cv, x, y) = (&cv[oc..oc + n], &x[oa..oa + n], &y[ob..ob + n]);
        out.extend(cv.iter().zip(x).zip(y).map(|((&k, &p), &q)| if k != 0 { p } else { q }));
        return Ok(T::wrap(out));
    }
    let rows = Rows::new(shape, [lc.strides(), la.strides(), lb.strides()], [lc.offset(), la.offset(), lb.offset()]);
    let [sc, sa, sb] = rows.strides;
    rows.walk(0, rows.count, |_, [bc, ba, bb]| {
        let (mut ic, mut ia, mut ib) = (bc, ba, bb);
        for _ in 0..rows.len {
            out.push(if cv[ic as usize] != 0 { x[ia as usize] } else { y[ib as usize] });
            ic += sc;
            ia += sa;
            ib += sb;
        }
    });
    Ok(T::wrap(out))
}

/// `where(condition)` with no x1/x2: the indices of the true elements, one int64 tensor per
/// axis (numpy's nonzero).
pub fn where_indices(cond: &Tensor) -> Result<Vec<Tensor>> {
    let c = cast_untracked(cond, DType::Bool)?.contiguous()?;
    let v = bools(&c, "where")?;
    let shape = cond.shape();
    let count = v.iter().filter(|&&k| k != 0).count();
    let mut axes: Vec<Vec<i64>> = (0..shape.len()).map(|_| Vec::with_capacity(count)).collect();
    let mut idx = vec![0usize; shape.len()];
    for &k in v {
        if k != 0 {
            for (a, &i) in axes.iter_mut().zip(&idx) {
                a.push(i as i64);
            }
        }
        for ax in (0..shape.len()).rev() {
            idx[ax] += 1;
            if idx[ax] < shape[ax] {
                break;
            }
            idx[ax] = 0;
        }
    }
    if shape.is_empty() {
        // numpy treats a 0-d condition as 1-d
        return Ok(vec![Tensor::from_vec(if count > 0 { vec![0i64] } else { vec![] }, &[count])?]);
    }
    axes.into_iter().map(|a| {
        let n = a.len();
        Tensor::from_vec(a, &[n])
    }).collect()
}

// ---------------------------------------------------------------------------------------------
// Bitwise ops (integers and bools)

trait Bits: BufferElement + Default + Send + Sync + std::ops::BitAnd<Output = Self> + std::ops::BitOr<Output = Self> + std::ops::BitXor<Output = Self> {}
impl Bits for u8 {}
impl Bits for i32 {}
impl Bits for i64 {}

#[derive(Clone, Copy)]
enum BitOp {
    And,
    Or,
    Xor,
}

fn bitwise(op: &str, a: &Tensor, b: &Tensor, which: BitOp) -> Result<Tensor> {
    let dt = promote(a.dtype(), b.dtype());
    if dt.is_float() {
        return Err(dtype_err!("{op}: expected integer or bool operands, got {} and {}", a.dtype(), b.dtype()));
    }
    if crate::wgpu::any_gpu(&[a, b]) {
        return crate::wgpu::elementwise::bitwise(op, a, b, dt);
    }
    let (a, b) = (as_dtype(a, dt)?, as_dtype(b, dt)?);
    fn typed<T: Bits>(op: &str, a: &Tensor, b: &Tensor, which: BitOp) -> Result<Tensor> {
        let x = T::slice(a.cpu_buffer()?).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
        let y = T::slice(b.cpu_buffer()?).ok_or_else(|| dtype_err!("{op}: dtype mismatch"))?;
        match which {
            BitOp::And => zip_tensors(op, a, x, b, y, |p, q, o: &mut [MaybeUninit<T>]| each2(p, q, o, &|u: T, v: T| u & v)),
            BitOp::Or => zip_tensors(op, a, x, b, y, |p, q, o: &mut [MaybeUninit<T>]| each2(p, q, o, &|u: T, v: T| u | v)),
            BitOp::Xor => zip_tensors(op, a, x, b, y, |p, q, o: &mut [MaybeUninit<T>]| each2(p, q, o, &|u: T, v: T| u ^ v)),
        }
    }
    match dt {
        DType::Bool => typed::<u8>(op, &a, &b, which),
        DType::I32 => typed::<i32>(op, &a, &b, which),
        _ => typed::<i64>(op, &a, &b, which),
    }
}

/// `bitwise_and(x, y)`: integers bit by bit; bools as logical and.
pub fn bitwise_and(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bitwise("bitwise_and", a, b, BitOp::And)
}

/// `bitwise_or(x, y)`: integers bit by bit; bools as logical or.
pub fn bitwise_or(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bitwise("bitwise_or", a, b, BitOp::Or)
}

/// `bitwise_xor(x, y)`: integers bit by bit; bools as logical xor.
pub fn bitwise_xor(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bitwise("bitwise_xor", a, b, BitOp::Xor)
}

/// `bitwise_invert(x)`: ~x for integers, logical not for bools.
pub fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
    if x.device().is_gpu() {
        return match x.dtype() {
            DType::Bool => logical_not(x),
            DType::I32 | DType::I64 => crate::wgpu::elementwise::bitwise_invert(x),
            d => Err(dtype_err!("bitwise_invert: expected an integer or bool tensor, got {d}")),
        };
    }
    match x.cpu_buffer()? {
        CpuBuffer::Bool(_) => logical_not(x),
        CpuBuffer::I32(v) => Tensor::from_vec(map_layout(v, x.layout(), |s, o| each(s, o, &|p: i32| !p))?, x.shape()),
        CpuBuffer::I64(v) => Tensor::from_vec(map_layout(v, x.layout(), |s, o| each(s, o, &|p: i64| !p))?, x.shape()),
        _ => Err(dtype_err!("bitwise_invert: expected an integer or bool tensor, got {}", x.dtype())),
    }
}
