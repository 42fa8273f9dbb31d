//! Neural-network kernels: softmax/log_softmax/logsumexp (`softmax`), the fused losses
//! (`loss`), layer and batch normalization (`norm`), and the vectorisable exp they share
//! (`exp`). Inputs are dense blocks laid out by `cpu::reduce::Plan`.

pub mod exp;
pub mod loss;
pub mod norm;
pub mod softmax;


use crate::cpu::parallel::PARALLEL_MIN_ELEMENTS;

pub use exp::Real;

/// Runs `f(first_slab, chunk)` over chunks of whole slabs of `out` (`slab` elements each), on
/// the pool when `out` is large. Kernels index their inputs from `first_slab`.
pub(crate) fn par_slabs<T: Send>(out: &mut [T], slab: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    par_slabs_weighted(out, slab, 1, f)
}

/// `par_slabs` where each output element costs `work` input elements (reductions).
pub(crate) fn par_slabs_weighted<T: Send>(out: &mut [T], slab: usize, work: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    if slab == 0 || out.is_empty() {
        return;
    }
    let m = out.len() / slab;
    let threads = crate::cpu::team::threads();
    if out.len().saturating_mul(work) < PARALLEL_MIN_ELEMENTS || threads < 2 || m < 2 {
        f(0, out);
        return;
    }
    let per = m.div_ceil(threads * 4).max(1);
    crate::cpu::team::chunks_mut(out, per * slab, |i, o| f(i * per, o));
}
