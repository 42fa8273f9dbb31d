//! Convolution kernels on channels-last (NHWC) data with HWIO kernels; 1-D convolutions arrive
//! here as 2-D ones with height 1. Each pass (forward, input gradient, kernel gradient) is
//! computed one of two ways:
//!
//! - `gemm_path`: the patches under each output pixel are packed into a matrix (im2col, see
//!   `patches`) and multiplied by the kernel with the engine's GEMM. Blocks of output rows run
//!   in parallel, each packing into a reusable per-thread scratch buffer; a 1x1 kernel at
//!   stride 1 needs no packing at all.
//! - `depthwise`: with several groups of one input channel each, direct loops across the
//!   channels (one GEMM per group would have only the kernel's taps as its inner dimension).
//!
//! `with_simd!` compiles the loops that are not the GEMM's for AVX-512, AVX2 and the baseline,
//! and picks one at run time.

use std::cell::Cell;
use std::thread::LocalKey;

use rayon::prelude::*;

/// Declares `$name`, which runs `$body` compiled for AVX-512 or AVX2 when the machine has
/// them and for the baseline target otherwise (the body is generic code the compiler
/// vectorizes for whichever is enabled).
macro_rules! with_simd {
    ($vis:vis fn $name:ident<$T:ident>($($arg:ident: $ty:ty),*) $body:block) => {
        with_simd!($vis fn $name<$T: ConvElem>($($arg: $ty),*) $body);
    };
    ($vis:vis fn $name:ident<$T:ident: $bound:path>($($arg:ident: $ty:ty),*) $body:block) => {
        $vis fn $name<$T: $bound>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512<$T: $bound>($($arg: $ty),*) $body
                #[target_feature(enable = "avx2")]
                unsafe fn avx2<$T: $bound>($($arg: $ty),*) $body
                match $crate::cpu::conv::simd_level() {
                    // SAFETY: the CPU supports the enabled features (checked at run time).
                    $crate::cpu::conv::SimdLevel::Avx512 => return unsafe { avx512::<$T>($($arg),*) },
                    $crate::cpu::conv::SimdLevel::Avx2 => return unsafe { avx2::<$T>($($arg),*) },
                    $crate::cpu::conv::SimdLevel::Baseline => {}
                }
            }
            $body
        }
    };
}
pub(crate) use with_simd;

mod depthwise;
mod gemm_path;
mod patches;
#[cfg(test)]
mod tests;

use crate::cpu::gemm::GemmScalar;
use crate::cpu::num::Float;
use crate::error::{Error, Result};
use crate::storage::BufferElement;

/// Shape of one 2-D convolution: input (batch, in_h, in_w, in_c), kernel (k_h, k_w,
/// in_c / groups, out_c), output (batch, out_h, out_w, out_c); `pad_top`/`pad_left` are the
/// zero rows/columns before the input (those after follow from the output size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    pub batch: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub out_c: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub groups: usize,
}

impl Conv2dGeometry {
    pub fn group_in(&self) -> usize {
        self.in_c / self.groups.max(1)
    }
    pub fn group_out(&self) -> usize {
        self.out_c / self.groups.max(1)
    }
    /// Length of one patch row: the GEMM's inner dimension.
    pub fn patch_len(&self) -> usize {
        self.k_h * self.k_w * self.group_in()
    }
    pub fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }
    pub fn out_rows(&self) -> usize {
        self.batch * self.out_plane()
    }
    pub fn in_image_len(&self) -> usize {
        self.in_h * self.in_w * self.in_c
    }
    pub fn input_len(&self) -> usize {
        self.batch * self.in_image_len()
    }
    pub fn output_len(&self) -> usize {
        self.out_rows() * self.out_c
    }
    pub fn kernel_len(&self) -> usize {
        self.patch_len() * self.out_c
    }
    /// A 1x1 kernel at stride 1 without padding over one group: the input rows are the patches.
    fn is_pointwise(&self) -> bool {
        self.k_h == 1
            && self.k_w == 1
            && self.stride_h == 1
            && self.stride_w == 1
            && self.pad_top == 0
            && self.pad_left == 0
            && self.groups == 1
            && self.out_h == self.in_h
            && self.out_w == self.in_w
    }
    /// Several groups of one input channel each (depthwise): the direct kernels beat one
    /// small GEMM per group whose inner dimension is only the kernel's taps. (A one-channel
    /// input with one group is a single GEMM with a wide output and goes through the GEMM.)
    fn is_depthwise(&self) -> bool {
        self.group_in() == 1 && self.groups > 1
    }
    /// Multiply-adds of one pass (forward or either gradient): each output element is a dot
    /// product of one patch.
    fn work(&self) -> usize {
        self.out_rows().saturating_mul(self.patch_len()).saturating_mul(self.out_c)
    }
}

/// Element types the convolution kernels run on (f32, f64), each with a per-thread scratch
/// buffer that packing reuses from call to call.
pub trait ConvElem: Float + BufferElement + GemmScalar {
    fn scratch() -> &'static LocalKey<Cell<Vec<Self>>>;
}

thread_local! {
    static SCRATCH_F32: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static SCRATCH_F64: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

impl ConvElem for f32 {
    fn scratch() -> &'static LocalKey<Cell<Vec<f32>>> {
        &SCRATCH_F32
    }
}

impl ConvElem for f64 {
    fn scratch() -> &'static LocalKey<Cell<Vec<f64>>> {
        &SCRATCH_F64
    }
}

/// Scratch buffers above this many bytes are freed after use instead of kept for the next call.
const MAX_KEPT_SCRATCH_BYTES: usize = 32 << 20;

/// Runs `f` on `len` elements of this thread's scratch buffer (stale contents: `f` must write
/// before it reads). The buffer is taken out of its cell while in use, so a nested call (rayon
/// may run another block on this thread inside a GEMM) gets a fresh one instead of a conflict.
fn with_scratch<T: ConvElem, R>(len: usize, f: impl FnOnce(&mut [T]) -> Result<R>) -> Result<R> {
    let key = T::scratch();
    let mut buf = key.with(|c| c.take());
    if buf.len() < len {
        buf.try_reserve_exact(len - buf.len()).map_err(|_| {
            Error::OutOfMemory(format!("convolution: could not allocate a {len}-element packing buffer"))
        })?;
        buf.resize(len, T::zero());
    }
    let r = f(&mut buf[..len]);
    if buf.len() * std::mem::size_of::<T>() <= MAX_KEPT_SCRATCH_BYTES {
        key.with(|c| {
            let other = c.take();
            c.set(if other.len() > buf.len() { other } else { buf });
        });
    }
    r
}

/// Packed patch rows per block: about `target_bytes` of patches, and at least four blocks per
/// thread when the problem is big enough to split.
fn rows_per_block(total_rows: usize, patch_len: usize, elem_bytes: usize, target_bytes: usize) -> usize {
    let by_cache = (target_bytes / (patch_len * elem_bytes).max(1)).clamp(16, 16384);
    let threads = rayon::current_num_threads().max(1);
    let by_balance = total_rows.div_ceil(threads * 4).max(16);
    by_cache.min(by_balance).max(1)
}

/// Below this many multiply-adds a pass stays on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 20;

const FORWARD_BLOCK_BYTES: usize = 512 << 10;
const FILTER_BLOCK_BYTES: usize = 512 << 10;

/// Calls `f(block_index, block)` for each `chunk`-long block of `data`, in parallel or not.
fn for_each_block<T: Send>(data: &mut [T], chunk: usize, parallel: bool, f: impl Fn(usize, &mut [T]) -> Result<()> + Sync) -> Result<()> {
    if parallel {
        data.par_chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c))
    } else {
        data.chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c))
    }
}

/// The widest SIMD the CPU offers, for kernels compiled several times.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SimdLevel {
    Avx512,
    Avx2,
    Baseline,
}

/// Detected once (std caches the CPUID queries).
pub(crate) fn simd_level() -> SimdLevel {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return SimdLevel::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return SimdLevel::Avx2;
        }
    }
    SimdLevel::Baseline
}

/// The forward convolution: `x` (NHWC) with `w` (HWIO) into a new NHWC output.
pub fn conv2d_forward<T: ConvElem>(x: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    if g.is_depthwise() {
        depthwise::forward(x, w, g)
    } else {
        gemm_path::forward(x, w, g)
    }
}

/// The gradient with respect to the input, from the output gradient `dy`.
pub fn conv2d_input_grad<T: ConvElem>(dy: &[T], w: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    if g.is_depthwise() {
        depthwise::input_grad(dy, w, g)
    } else {
        gemm_path::input_grad(dy, w, g)
    }
}

/// The gradient with respect to the kernel, from the input and the output gradient.
pub fn conv2d_filter_grad<T: ConvElem>(x: &[T], dy: &[T], g: &Conv2dGeometry) -> Result<Vec<T>> {
    if g.is_depthwise() {
        depthwise::filter_grad(x, dy, g)
    } else {
        gemm_path::filter_grad(x, dy, g)
    }
}
