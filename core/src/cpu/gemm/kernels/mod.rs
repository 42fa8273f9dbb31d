//! Micro-kernels and the run-time choice between them.
//!
//! A micro-kernel computes one MR x NR tile of C from a packed A panel (MR values per step of
//! k) and a packed B panel (NR values per step), keeping the whole tile in registers. The
//! blocking sizes (MC, KC, NC) travel with each kernel because they follow from its tile and
//! element size.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(target_arch = "x86_64")]
mod x86_pack;

use std::sync::OnceLock;

use super::driver::{self, Problem};
use super::gemv::try_gemv;
use super::GemmScalar;
pub(crate) use portable::Portable;

pub(crate) trait MicroKernel {
    type T: GemmScalar;
    /// Tile rows (one broadcast of A each per step of k).
    const MR: usize;
    /// Tile columns (whole vectors of B).
    const NR: usize;
    /// Rows of A packed at once (a multiple of MR; the A block stays in L2).
    const MC: usize;
    /// Inner-dimension slice (the B panel, KC x NR, stays in L1).
    const KC: usize;
    /// Columns of B packed at once (a multiple of NR).
    const NC: usize;

    /// tile = a_panel · b_panel over `k` steps; then `c[i*rsc + j] = act(tile + (load ? c : 0)
    /// + bias[j])`, with `bias` possibly null and act relu when `relu`. Step p of the B panel
    /// is the NR values at `b + p*ldb` (ldb = NR when packed; B's row stride when read in place).
    ///
    /// # Safety
    /// `a` holds k*MR elements, `b + p*ldb` NR elements for each p < k; the MR x NR tile of `c`
    /// (row stride `rsc`, columns contiguous) and, when not null, NR bias values are valid.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile(k: usize, a: *const Self::T, b: *const Self::T, ldb: isize, c: *mut Self::T, rsc: isize, load: bool, bias: *const Self::T, relu: bool);

    /// `pack_panels` with W = MR (rows of A).
    ///
    /// # Safety
    /// As `pack_panels`.
    unsafe fn pack_a(rows: usize, kc: usize, src: *const Self::T, rs: isize, cs: isize, dst: *mut Self::T);

    /// `pack_panels` with W = NR (columns of B, read as rows of Bᵀ).
    ///
    /// # Safety
    /// As `pack_panels`.
    unsafe fn pack_b(rows: usize, kc: usize, src: *const Self::T, rs: isize, cs: isize, dst: *mut Self::T);
}

/// The instruction sets the kernels are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Avx512,
    Avx2,
    Portable,
}

impl Isa {
    /// Whether this machine can run kernels for `self`.
    pub fn available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"),
            Isa::Portable => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Portable => "portable",
        }
    }
}

/// The best instruction set this machine has, chosen once. `LAMINA_GEMM_ISA=avx2|portable`
/// picks a lesser one (to measure or test the other kernels); a choice the machine cannot run
/// is ignored.
pub fn selected() -> Isa {
    static CHOICE: OnceLock<Isa> = OnceLock::new();
    *CHOICE.get_or_init(|| {
        let best = [Isa::Avx512, Isa::Avx2, Isa::Portable].into_iter().find(|i| i.available()).unwrap_or(Isa::Portable);
        match std::env::var("LAMINA_GEMM_ISA").ok().as_deref() {
            Some("avx2") if Isa::Avx2.available() && best == Isa::Avx512 => Isa::Avx2,
            Some("portable") => Isa::Portable,
            _ => best,
        }
    })
}

/// "avx512", "avx2" or "portable": the kernels float products use here.
pub fn kernel_name() -> &'static str {
    selected().name()
}

pub(crate) fn run_f32(p: &Problem<f32>, isa: Isa) {
    if try_gemv(p, isa) {
        return;
    }
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => driver::run::<x86::Avx512F32>(p),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => driver::run::<x86::Avx2F32>(p),
        _ => driver::run::<Portable<f32>>(p),
    }
}

pub(crate) fn run_f64(p: &Problem<f64>, isa: Isa) {
    if try_gemv(p, isa) {
        return;
    }
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => driver::run::<x86::Avx512F64>(p),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => driver::run::<x86::Avx2F64>(p),
        _ => driver::run::<Portable<f64>>(p),
    }
}

pub(crate) fn run_portable<T: GemmScalar>(p: &Problem<T>) {
    if !try_gemv(p, Isa::Portable) {
        driver::run::<Portable<T>>(p)
    }
}
