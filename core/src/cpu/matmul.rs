//! Matrix multiply kernels over host buffers: `gemm` for one strided product (the entry point
//! other kernels, such as the convolutions, call) and `batched_matmul` for stacks of products
//! with broadcast batch axes. The arithmetic is the packed GEMM in `cpu::gemm`.

use rayon::prelude::*;

use super::gemm::{gemm_strided, Epilogue, GemmScalar, MatMut, MatRef, PARALLEL_MIN_MACS};
use crate::error::{Error, Result};
use crate::layout::Layout;

/// c[m x n] (contiguous, overwritten) = a[m x k] @ b[k x n], where element (i, j) of a is at
/// a[i * rsa + j * csa] (likewise b). Safe to call from several threads at once.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: GemmScalar>(m: usize, n: usize, k: usize, a: &[T], rsa: isize, csa: isize, b: &[T], rsb: isize, csb: isize, c: &mut [T]) {
    gemm_strided(m, n, k, MatRef::new(a, 0, rsa, csa), MatRef::new(b, 0, rsb, csb), MatMut::row_major(c, n), false, Epilogue::default());
}

/// c[m x n] (contiguous) += a[m x k] @ b[k x n], strides as in `gemm`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_acc<T: GemmScalar>(m: usize, n: usize, k: usize, a: &[T], rsa: isize, csa: isize, b: &[T], rsb: isize, csb: isize, c: &mut [T]) {
    gemm_strided(m, n, k, MatRef::new(a, 0, rsa, csa), MatRef::new(b, 0, rsb, csb), MatMut::row_major(c, n), true, Epilogue::default());
}

/// c[m x n] (contiguous, overwritten) = act(a @ b + bias), with bias one value per column
/// (a Dense layer's forward in one pass) and act relu when `relu`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_bias_act<T: GemmScalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    rsa: isize,
    csa: isize,
    b: &[T],
    rsb: isize,
    csb: isize,
    bias: Option<&[T]>,
    relu: bool,
    c: &mut [T],
) {
    gemm_strided(m, n, k, MatRef::new(a, 0, rsa, csa), MatRef::new(b, 0, rsb, csb), MatMut::row_major(c, n), false, Epilogue { bias, relu });
}

/// A zero-filled vector from the allocator's zeroed memory (fresh pages need no memset),
/// reporting failure instead of aborting.
pub fn zeroed_vec<T: GemmScalar>(n: usize) -> Result<Vec<T>> {
    if n == 0 || std::mem::size_of::<T>() == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<T>(n)
        .map_err(|_| Error::OutOfMemory(format!("a result of {n} elements is larger than memory can address")))?;
    // SAFETY: the layout is non-zero-sized; all-zero bytes are a valid value of every
    // GemmScalar (f32, f64, i32, i64); the Vec takes ownership with the same layout.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout) as *mut T;
        if p.is_null() {
            return Err(Error::OutOfMemory(format!("could not allocate {} bytes for a matmul result", layout.size())));
        }
        Ok(Vec::from_raw_parts(p, n, n))
    }
}

/// A vector of `n` elements for a GEMM result that the GEMM overwrites completely (it does
/// whenever it does not accumulate: every element of C is stored once, zeros when k == 0).
/// Skipping the zero fill saves a pass over the result (a few percent of a Dense layer's
/// training step).
pub fn gemm_output_vec<T: GemmScalar>(n: usize) -> Result<Vec<T>> {
    let mut out = crate::storage::try_with_capacity::<T>(n)?;
    // SAFETY: the capacity is n; f32, f64, i32 and i64 have no invalid bit patterns, and the
    // caller hands the vector to a non-accumulating GEMM, which writes every element before
    // anything reads it.
    unsafe { out.set_len(n) };
    Ok(out)
}

/// Storage offset of matrix `bi` (C order over `batch`) of a layout whose leading axes are the
/// (possibly broadcast, stride-0) batch axes and last two the matrix.
fn batch_offset(l: &Layout, batch: &[usize], mut bi: usize) -> usize {
    let mut off = l.offset() as isize;
    for d in (0..batch.len()).rev() {
        off += (bi % batch[d]) as isize * l.strides()[d];
        bi /= batch[d];
    }
    off as usize
}

/// out[b] = a[b] @ b[b] for every index b of `batch`, into a contiguous [batch..., m, n] result.
/// `la` and `lb` are already broadcast to [batch..., m, k] and [batch..., k, n] (stride 0 on
/// broadcast axes, so a shared weight is never copied). Many small products run in parallel
/// over the batch; large ones parallelise inside the GEMM.
#[allow(clippy::too_many_arguments)]
pub fn batched_matmul<T: GemmScalar>(a: &[T], la: &Layout, b: &[T], lb: &Layout, batch: &[usize], m: usize, n: usize, k: usize) -> Result<Vec<T>> {
    let nb: usize = batch.iter().product();
    let mut out = gemm_output_vec::<T>(crate::layout::checked_numel(&[nb, m, n], "matmul")?)?;
    if nb == 0 || m == 0 || n == 0 {
        return Ok(out);
    }
    let bl = batch.len();
    let (sa, sb) = (la.strides(), lb.strides());
    let one = |bi: usize, c: &mut [T]| {
        let (oa, ob) = (batch_offset(la, batch, bi), batch_offset(lb, batch, bi));
        gemm_strided(
            m,
            n,
            k,
            MatRef::new(a, oa, sa[bl], sa[bl + 1]),
            MatRef::new(b, ob, sb[bl], sb[bl + 1]),
            MatMut::row_major(c, n),
            false,
            Epilogue::default(),
        );
    };
    let per = m.saturating_mul(n).saturating_mul(k);
    if nb > 1 && per < PARALLEL_MIN_MACS && per.saturating_mul(nb) >= PARALLEL_MIN_MACS {
        out.par_chunks_mut(m * n).enumerate().for_each(|(bi, c)| one(bi, c));
    } else {
        for (bi, c) in out.chunks_mut(m * n).enumerate() {
            one(bi, c);
        }
    }
    Ok(out)
}

/// The gradient through relu given its output: g where y > 0, else 0 (the backward of the
/// fused Dense op).
pub fn relu_backward<T: GemmScalar>(g: &[T], y: &[T]) -> Result<Vec<T>> {
    let zero = T::default();
    let mut out = crate::storage::try_with_capacity(g.len())?;
    out.extend(g.iter().zip(y).map(|(&g, &y)| if y > zero { g } else { zero }));
    Ok(out)
}
