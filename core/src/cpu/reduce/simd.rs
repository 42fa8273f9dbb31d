//! Run-time SIMD selection for the reduction and neural-network kernels.
//!
//! The kernels are written as plain Rust over small fixed-size lane arrays, a shape LLVM
//! turns into vector code. `multiversion!` compiles one such kernel three times — for
//! AVX-512, for AVX2/FMA and for the baseline target — and picks one at run time from the CPU
//! features detected once. Nothing is built with `-C target-cpu=native`.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// The instruction sets a kernel can be compiled for, widest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Base = 1,
    Avx2 = 2,
    Avx512 = 3,
}

static DETECTED: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// Tests pin a level on their own thread to compare the paths.
    static FORCED: Cell<Option<Level>> = const { Cell::new(None) };
}

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            return Level::Avx2;
        }
    }
    Level::Base
}

/// The widest level this CPU supports (detected once), unless a test pinned another.
#[inline]
pub fn level() -> Level {
    if let Some(l) = FORCED.with(|f| f.get()) {
        return l;
    }
    match DETECTED.load(Ordering::Relaxed) {
        1 => Level::Base,
        2 => Level::Avx2,
        3 => Level::Avx512,
        _ => {
            let l = detect();
            DETECTED.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

/// Runs `f` with the kernels on this thread pinned to `l` (capped at what the CPU has).
pub fn with_level<R>(l: Level, f: impl FnOnce() -> R) -> R {
    let cap = {
        let prev = FORCED.with(|c| c.replace(None));
        let d = level();
        FORCED.with(|c| c.set(prev));
        d
    };
    let prev = FORCED.with(|c| c.replace(Some(l.min(cap))));
    let r = f();
    FORCED.with(|c| c.set(prev));
    r
}

/// Declares `fn name<generics>(args) -> ret` that calls the `#[inline(always)]` function `imp`
/// compiled for the widest instruction set the CPU has:
///
/// ```ignore
/// multiversion!(pub fn row_sums[T: Num](x: &[T], k: usize, out: &mut [T]) => row_sums_impl);
/// ```
#[macro_export]
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident [$($gen:tt)*] ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $imp:path) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn wide<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
                    $imp($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn mid<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
                    $imp($($arg),*)
                }
                match $crate::cpu::reduce::simd::level() {
                    // SAFETY: `level()` reports only features the running CPU has.
                    $crate::cpu::reduce::simd::Level::Avx512 => return unsafe { wide($($arg),*) },
                    $crate::cpu::reduce::simd::Level::Avx2 => return unsafe { mid($($arg),*) },
                    $crate::cpu::reduce::simd::Level::Base => {}
                }
            }
            $imp($($arg),*)
        }
    };
}
