//! GPU arms of the elementwise family: unary and binary ops (with broadcasting and strided
//! operands), comparisons, logical ops, `where` and casts. The op codes match
//! `shaders/unary.wgsl` and `shaders/binary.wgsl`.

use crate::dtype::{promote, DType};
use crate::error::Result;
use crate::layout::{broadcast_shapes, Layout};
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, kind, operand, unsupported, with_common, wrap, Walk};

/// The kernel type's own name (`...::kernels::GeluErf` -> "GeluErf"), which tells apart the
/// variants of one op (gelu's two forms, clip's two halves).
fn kernel_name<K>() -> &'static str {
    let full = std::any::type_name::<K>();
    full.rsplit("::").next().unwrap_or(full)
}

fn unary_code(op: &str, k: &str) -> Option<u32> {
    Some(match (op, k) {
        ("negative", _) => 0,
        ("abs", _) => 1,
        ("sign", _) => 2,
        ("square", _) => 3,
        ("relu", _) => 4,
        ("relu6", _) => 5,
        ("exp", _) => 6,
        ("expm1", _) => 7,
        ("log", _) => 8,
        ("log1p", _) => 9,
        ("sqrt", _) => 10,
        ("rsqrt", _) => 11,
        ("sin", _) => 12,
        ("cos", _) => 13,
        ("tanh", _) => 14,
        ("floor", _) => 15,
        ("ceil", _) => 16,
        ("round", _) => 17,
        ("sigmoid", _) => 18,
        ("reciprocal", _) => 19,
        ("softplus", _) => 20,
        ("softsign", _) => 21,
        ("silu", _) => 22,
        ("gelu", "GeluTanh") => 23,
        ("gelu", "GeluErf") => 24,
        ("hard_sigmoid", _) => 25,
        ("hard_silu", _) => 26,
        ("selu", _) => 27,
        _ => return None,
    })
}

fn binary_code(op: &str, k: &str) -> Option<u32> {
    Some(match (op, k) {
        (_, "Add") => 0,
        (_, "Sub") => 1,
        (_, "Mul") => 2,
        (_, "Div") => 3,
        (_, "Power") => 4,
        (_, "FloorDivide") => 5,
        (_, "Mod") => 6,
        (_, "Maximum") => 7,
        (_, "Minimum") => 8,
        (_, "ReluGrad") => 20,
        (_, "Relu6Grad") => 21,
        (_, "SigmoidGrad") => 22,
        (_, "TanhGrad") => 23,
        (_, "SoftplusGrad") => 24,
        (_, "SiluGrad") => 25,
        (_, "GeluTanhGrad") => 26,
        (_, "GeluErfGrad") => 27,
        (_, "SoftsignGrad") => 28,
        (_, "HardSigmoidGrad") => 29,
        (_, "HardSiluGrad") => 30,
        (_, "SqrtGrad") => 31,
        (_, "RsqrtGrad") => 32,
        (_, "ReciprocalGrad") => 33,
        (_, "Expm1Grad") => 34,
        (_, "Log1pGrad") => 35,
        (_, "SinGrad") => 36,
        (_, "CosGrad") => 37,
        (_, "AbsGrad") => 38,
        (_, "SquareGrad") => 39,
        ("selu", "EluGrad") => 40,
        _ => return None,
    })
}

/// `x` on the gpu in `dtype` (an upload for 0-d cpu tensors, a cast kernel when needed).
fn prepared(op: &str, x: &Tensor, dtype: DType) -> Result<Tensor> {
    let x = operand(op, x)?;
    if x.dtype() == dtype {
        Ok(x.detach())
    } else {
        super::copy::cast(&x, dtype, op)
    }
}

/// Runs the unary shader with `code` on `x` (already in the computing dtype).
fn run_unary(op: &str, code: u32, x: &Tensor, kind_code: u32, out_dtype: DType) -> Result<Tensor> {
    let n = x.numel();
    let w = Walk::new(x.shape(), &[x.layout()], op)?;
    let mut p = w.header(n, code, kind_code);
    w.operand(&mut p, 0);
    let out = GpuBuffer::alloc(out_dtype, n, false, op)?;
    let g = gpu()?;
    g.launch(with_common!("shaders/unary.wgsl"), "unary", &p.0, &[Arg::Read(buf(x)?.raw()), Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    wrap(out, x.shape())
}

/// Runs the binary shader with `code` on `a` and `b` (already in the computing dtype).
fn run_binary(op: &str, code: u32, a: &Tensor, b: &Tensor, kind_code: u32, out_dtype: DType) -> Result<Tensor> {
    let shape = broadcast_shapes(a.shape(), b.shape(), op)?;
    let la = a.layout().broadcast_to(&shape, op)?;
    let lb = b.layout().broadcast_to(&shape, op)?;
    let n: usize = shape.iter().product();
    let w = Walk::new(&shape, &[&la, &lb], op)?;
    let mut p = w.header(n, code, kind_code);
    w.operand(&mut p, 0);
    w.operand(&mut p, 1);
    let out = GpuBuffer::alloc(out_dtype, n, false, op)?;
    let g = gpu()?;
    g.launch(
        with_common!("shaders/binary.wgsl"),
        "binary",
        &p.0,
        &[Arg::Read(buf(a)?.raw()), Arg::Read(buf(b)?.raw()), Arg::Write(out.raw())],
        g.groups_1d(n, 256),
    )?;
    wrap(out, &shape)
}

/// Float unary ops (`float_unary`), `x` already in its float dtype.
#[cold]
#[inline(never)]
pub(crate) fn float_unary<K>(op: &str, x: &Tensor) -> Result<Tensor> {
    let code = unary_code(op, kernel_name::<K>()).ok_or_else(|| unsupported(op, "this activation"))?;
    let x = prepared(op, x, x.dtype())?;
    run_unary(op, code, &x, kind(x.dtype(), op)?, x.dtype())
}

/// The unary shader's activations with a parameter: forward values and derivatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AlphaUnary {
    LeakyRelu,
    Elu,
    LeakyReluDerivative,
    EluDerivative,
}

/// `kind` of float `x` with its parameter `alpha` (passed after the operand block, p[22]).
#[cold]
#[inline(never)]
pub(crate) fn alpha_unary(op: &str, kind_: AlphaUnary, x: &Tensor, alpha: f64) -> Result<Tensor> {
    let code = match kind_ {
        AlphaUnary::LeakyRelu => 28,
        AlphaUnary::Elu => 29,
        AlphaUnary::LeakyReluDerivative => 30,
        AlphaUnary::EluDerivative => 31,
    };
    let x = prepared(op, x, x.dtype())?;
    let k = kind(x.dtype(), op)?;
    if k != 0 {
        return Err(unsupported(op, &format!("a {} input", x.dtype())));
    }
    let n = x.numel();
    let w = Walk::new(x.shape(), &[x.layout()], op)?;
    let mut p = w.header(n, code, k);
    w.operand(&mut p, 0);
    p.f(alpha);
    let out = GpuBuffer::alloc(x.dtype(), n, false, op)?;
    let g = gpu()?;
    g.launch(with_common!("shaders/unary.wgsl"), "unary", &p.0, &[Arg::Read(buf(&x)?.raw()), Arg::Write(out.raw())], g.groups_1d(n, 256))?;
    wrap(out, x.shape())
}

/// Numeric unary ops (`num_unary`) in `dtype`.
#[cold]
#[inline(never)]
pub(crate) fn num_unary<K>(op: &str, x: &Tensor, dtype: DType) -> Result<Tensor> {
    let code = unary_code(op, kernel_name::<K>()).ok_or_else(|| unsupported(op, "this op"))?;
    let x = prepared(op, x, dtype)?;
    run_unary(op, code, &x, kind(dtype, op)?, dtype)
}

/// Numeric binary ops (`num_binary`) in `dtype`.
#[cold]
#[inline(never)]
pub(crate) fn num_binary<K>(op: &str, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    let code = binary_code(op, kernel_name::<K>()).ok_or_else(|| unsupported(op, "this op"))?;
    let k = kind(dtype, op)?;
    let (a, b) = (prepared(op, a, dtype)?, prepared(op, b, dtype)?);
    run_binary(op, code, &a, &b, k, dtype)
}

/// The fused float backward kernels (`float_binary`) in `dtype`.
#[cold]
#[inline(never)]
pub(crate) fn float_binary<K>(op: &str, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    num_binary::<K>(op, a, b, dtype)
}

/// Comparison codes of the binary shader by op name.
fn compare_code(op: &str) -> Option<u32> {
    Some(match op {
        "equal" => 9,
        "not_equal" => 10,
        "less" => 11,
        "less_equal" => 12,
        "greater" => 13,
        "greater_equal" => 14,
        "logical_and" => 15,
        "logical_or" => 16,
        "logical_xor" => 17,
        _ => return None,
    })
}

/// Comparisons (in `promote` of the dtypes) and logical ops (on truthiness); bool results.
#[cold]
#[inline(never)]
pub(crate) fn compare(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let code = compare_code(op).ok_or_else(|| unsupported(op, "this op"))?;
    let dt = if code >= 15 { DType::Bool } else { promote(a.dtype(), b.dtype()) };
    let k = kind(dt, op)?;
    let (a, b) = (prepared(op, a, dt)?, prepared(op, b, dt)?);
    run_binary(op, code, &a, &b, k, DType::Bool)
}

/// isnan / isinf / isfinite (float32) and logical_not; bool results.
#[cold]
#[inline(never)]
pub(crate) fn test(op: &str, x: &Tensor) -> Result<Tensor> {
    let (code, dt) = match op {
        "isnan" => (40, DType::F32),
        "isinf" => (41, DType::F32),
        "isfinite" => (42, DType::F32),
        "logical_not" => (43, DType::Bool),
        _ => return Err(unsupported(op, "this op")),
    };
    if op != "logical_not" && x.dtype() != DType::F32 {
        // integer and bool values are always finite numbers
        let v = if op == "isfinite" { 1.0 } else { 0.0 };
        return super::copy::full(x.shape(), v, DType::Bool);
    }
    let x = prepared(op, x, dt)?;
    run_unary(op, code, &x, 1, DType::Bool)
}

/// `where(cond, x1, x2)` in `dtype` (a 4-byte dtype).
#[cold]
#[inline(never)]
pub(crate) fn select(cond: &Tensor, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "where";
    kind(dtype, OP)?;
    let c = prepared(OP, cond, DType::Bool)?;
    let (a, b) = (prepared(OP, a, dtype)?, prepared(OP, b, dtype)?);
    let shape = broadcast_shapes(&broadcast_shapes(c.shape(), a.shape(), OP)?, b.shape(), OP)?;
    let (lc, la, lb) = (c.layout().broadcast_to(&shape, OP)?, a.layout().broadcast_to(&shape, OP)?, b.layout().broadcast_to(&shape, OP)?);
    let n: usize = shape.iter().product();
    let w = Walk::new(&shape, &[&lc, &la, &lb], OP)?;
    let mut p = w.header(n, 0, 0);
    for k in 0..3 {
        w.operand(&mut p, k);
    }
    let out = GpuBuffer::alloc(dtype, n, false, OP)?;
    let g = gpu()?;
    g.launch(
        with_common!("shaders/select.wgsl"),
        "select_words",
        &p.0,
        &[Arg::Read(buf(&c)?.raw()), Arg::Read(buf(&a)?.raw()), Arg::Read(buf(&b)?.raw()), Arg::Write(out.raw())],
        g.groups_1d(n, 256),
    )?;
    wrap(out, &shape)
}

/// `cast_untracked` on the gpu.
#[cold]
#[inline(never)]
pub(crate) fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let x = operand("cast", x)?;
    super::copy::cast(&x, dtype, "cast")
}

// ---------------------------------------------------------------------------------------------
// Bitwise ops: 32-bit words through the unary/binary shaders (codes 50..=52); an int64 tensor
// is viewed as pairs of words (a trailing axis of 2), so no 64-bit arithmetic is needed.

/// `l` (of an int64 tensor) as a layout over its 32-bit words: each element becomes 2 words.
fn word_layout(l: &Layout) -> Layout {
    let mut shape = l.shape().to_vec();
    shape.push(2);
    let mut strides: Vec<isize> = l.strides().iter().map(|&s| 2 * s).collect();
    strides.push(1);
    Layout::new(shape, strides, 2 * l.offset())
}

/// Runs bitwise `code` over the words of `xs` (layouts already broadcast to `shape`) into a
/// new `dtype` tensor of `shape`.
fn run_words(op: &str, code: u32, xs: &[&Tensor], layouts: &[Layout], shape: &[usize], dtype: DType) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let wide = dtype == DType::I64;
    let (wshape, wl): (Vec<usize>, Vec<Layout>) = if wide {
        let mut s = shape.to_vec();
        s.push(2);
        (s, layouts.iter().map(word_layout).collect())
    } else {
        (shape.to_vec(), layouts.to_vec())
    };
    let refs: Vec<&Layout> = wl.iter().collect();
    let words = n * if wide { 2 } else { 1 };
    let w = Walk::new(&wshape, &refs, op)?;
    let mut p = w.header(words, code, 1);
    for k in 0..xs.len() {
        w.operand(&mut p, k);
    }
    let out = GpuBuffer::alloc(dtype, n, false, op)?;
    let g = gpu()?;
    let mut args: Vec<Arg<'_>> = xs.iter().map(|t| buf(t).map(|b| Arg::Read(b.raw()))).collect::<Result<_>>()?;
    args.push(Arg::Write(out.raw()));
    let (src, entry) = if xs.len() == 1 { (with_common!("shaders/unary.wgsl"), "unary") } else { (with_common!("shaders/binary.wgsl"), "binary") };
    g.launch(src, entry, &p.0, &args, g.groups_1d(words, 256))?;
    wrap(out, shape)
}

/// bitwise_and / bitwise_or / bitwise_xor of integer or bool operands in `dtype` (their
/// promoted dtype: bool, int32 or int64).
#[cold]
#[inline(never)]
pub(crate) fn bitwise(op: &str, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    let code = match op {
        "bitwise_and" => 50,
        "bitwise_or" => 51,
        "bitwise_xor" => 52,
        _ => return Err(unsupported(op, "this op")),
    };
    let (a, b) = (prepared(op, a, dtype)?, prepared(op, b, dtype)?);
    let shape = broadcast_shapes(a.shape(), b.shape(), op)?;
    let ls = [a.layout().broadcast_to(&shape, op)?, b.layout().broadcast_to(&shape, op)?];
    run_words(op, code, &[&a, &b], &ls, &shape, dtype)
}

/// bitwise_invert of an int32 or int64 gpu tensor (bools are logical_not).
#[cold]
#[inline(never)]
pub(crate) fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "bitwise_invert";
    let x = operand(OP, x)?;
    run_words(OP, 50, &[&x], &[x.layout().clone()], x.shape(), x.dtype())
}
