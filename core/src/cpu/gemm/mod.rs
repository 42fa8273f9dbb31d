//! The packed, register-blocked GEMM behind matmul, Dense layers and the convolutions.
//!
//! BLIS-style: C is computed in blocks; for each block the operands are copied ("packed") into
//! small contiguous panels that a register-blocked micro-kernel streams through. Packing reads
//! the operands through their strides, so transposed and broadcast views cost no extra copy.
//! The micro-kernel (AVX-512, AVX2/FMA or portable) is chosen once at run time; large products
//! split over the team's threads (`cpu/team.rs`), small ones stay on the calling thread. See docs/design/gemm.md.
//!
//! Entry point: [`gemm_strided`] computes `C = act(beta·C + A·B + bias)` with `beta` 0 or 1
//! (overwrite or accumulate), an optional bias row (one value per column of C) and an optional
//! relu, all in the pass that stores C.

mod driver;
mod gemv;
mod kernels;
mod pack;

use std::ops::{Add, Mul};

pub use driver::{set_blocking_override, Problem, PARALLEL_MIN_MACS};
pub use kernels::{kernel_name, Isa};

/// Element types the GEMM computes in. f32 and f64 have SIMD micro-kernels; the integer types
/// use the portable one.
pub trait GemmScalar: Copy + Send + Sync + Default + PartialOrd + 'static + Add<Output = Self> + Mul<Output = Self> {
    /// Runs a validated problem with the best kernel for this type on this machine.
    #[doc(hidden)]
    fn run(p: &Problem<Self>);

    /// self * b + c, fused where the type has a fused multiply-add. Only called from code
    /// compiled with FMA enabled (elsewhere a float `mul_add` would be a slow library call).
    #[doc(hidden)]
    #[inline(always)]
    fn fused_mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
}

impl GemmScalar for f32 {
    fn run(p: &Problem<f32>) {
        kernels::run_f32(p, kernels::selected())
    }
    #[inline(always)]
    fn fused_mul_add(self, b: f32, c: f32) -> f32 {
        self.mul_add(b, c)
    }
}
impl GemmScalar for f64 {
    fn run(p: &Problem<f64>) {
        kernels::run_f64(p, kernels::selected())
    }
    #[inline(always)]
    fn fused_mul_add(self, b: f64, c: f64) -> f64 {
        self.mul_add(b, c)
    }
}
impl GemmScalar for i32 {
    fn run(p: &Problem<i32>) {
        kernels::run_portable(p)
    }
}
impl GemmScalar for i64 {
    fn run(p: &Problem<i64>) {
        kernels::run_portable(p)
    }
}

/// A read-only strided matrix: element (i, j) is `data[offset + i*rs + j*cs]`. Strides may be
/// zero (broadcast) or negative (reversed views).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub offset: usize,
    pub rs: isize,
    pub cs: isize,
}

impl<'a, T> MatRef<'a, T> {
    pub fn new(data: &'a [T], offset: usize, rs: isize, cs: isize) -> Self {
        MatRef { data, offset, rs, cs }
    }
    /// A row-major matrix with `cols` columns starting at `data[0]`.
    pub fn row_major(data: &'a [T], cols: usize) -> Self {
        MatRef { data, offset: 0, rs: cols as isize, cs: 1 }
    }
}

/// A writable strided matrix (C). Its elements must not overlap: |rs|, |cs| chosen so that
/// distinct (i, j) are distinct slots, which `gemm_strided` checks for the usual layouts.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    pub data: &'a mut [T],
    pub offset: usize,
    pub rs: isize,
    pub cs: isize,
}

impl<'a, T> MatMut<'a, T> {
    pub fn new(data: &'a mut [T], offset: usize, rs: isize, cs: isize) -> Self {
        MatMut { data, offset, rs, cs }
    }
    pub fn row_major(data: &'a mut [T], cols: usize) -> Self {
        MatMut { data, offset: 0, rs: cols as isize, cs: 1 }
    }
}

/// What happens to each element of C after the product: `+ bias[j]` then relu.
#[derive(Clone, Copy, Debug)]
pub struct Epilogue<'a, T> {
    /// One value per column of C (length n), added to every row.
    pub bias: Option<&'a [T]>,
    pub relu: bool,
}

impl<T> Default for Epilogue<'_, T> {
    fn default() -> Self {
        Epilogue { bias: None, relu: false }
    }
}

/// True when every (i, j) with i < rows, j < cols maps into `len` elements starting at `offset`.
fn fits(len: usize, offset: usize, rows: usize, cols: usize, rs: isize, cs: isize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let (mut lo, mut hi) = (offset as i128, offset as i128);
    for (d, s) in [(rows, rs), (cols, cs)] {
        let ext = (d as i128 - 1) * s as i128;
        if ext < 0 {
            lo += ext
        } else {
            hi += ext
        }
    }
    lo >= 0 && hi < len as i128
}

/// C (m x n) = act(beta·C + A (m x k) · B (k x n) + bias), beta = 1 when `accumulate`, else C
/// is overwritten (its old values are never read, so it may hold garbage or NaN).
///
/// Panics if a view reaches outside its slice, C's strides make elements alias, or the bias
/// is shorter than n: these are programming errors of the caller, never user input.
#[allow(clippy::too_many_arguments)]
pub fn gemm_strided<T: GemmScalar>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
    accumulate: bool,
    epilogue: Epilogue<'_, T>,
) {
    assert!(fits(a.data.len(), a.offset, m, k, a.rs, a.cs), "gemm: A ({m} x {k}, strides {} {}) is out of bounds", a.rs, a.cs);
    assert!(fits(b.data.len(), b.offset, k, n, b.rs, b.cs), "gemm: B ({k} x {n}, strides {} {}) is out of bounds", b.rs, b.cs);
    assert!(fits(c.data.len(), c.offset, m, n, c.rs, c.cs), "gemm: C ({m} x {n}, strides {} {}) is out of bounds", c.rs, c.cs);
    // Distinct elements of C must be distinct slots (threads write disjoint tiles).
    let (ars, acs) = (c.rs.unsigned_abs(), c.cs.unsigned_abs());
    assert!(
        m <= 1 || n <= 1 || (acs >= 1 && ars >= acs * n) || (ars >= 1 && acs >= ars * m),
        "gemm: C's strides ({}, {}) make elements overlap",
        c.rs,
        c.cs
    );
    assert!(m <= 1 || c.rs != 0, "gemm: C has a zero row stride");
    assert!(n <= 1 || c.cs != 0, "gemm: C has a zero column stride");
    if let Some(bias) = epilogue.bias {
        assert!(bias.len() >= n, "gemm: bias has {} values for {n} columns", bias.len());
    }
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the offsets were just checked to lie within each slice, so every pointer formed
    // below from base + i*rs + j*cs (i < rows, j < cols) stays inside its allocation.
    let p = unsafe {
        Problem {
            m,
            n,
            k,
            a: a.data.as_ptr().add(if k == 0 { 0 } else { a.offset }),
            rsa: a.rs,
            csa: a.cs,
            b: b.data.as_ptr().add(if k == 0 { 0 } else { b.offset }),
            rsb: b.rs,
            csb: b.cs,
            c: c.data.as_mut_ptr().add(c.offset),
            rsc: c.rs,
            csc: c.cs,
            accumulate,
            bias: epilogue.bias.map_or(std::ptr::null(), |b| b.as_ptr()),
            bias_rs: 0,
            bias_cs: 1,
            relu: epilogue.relu,
        }
    };
    T::run(&p);
}

#[cfg(test)]
mod tests;
