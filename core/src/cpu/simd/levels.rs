//! The loops every elementwise kernel runs, compiled once per instruction-set level, and the
//! functions that pick the level at run time.
//!
//! - `map_f32` / `zip_f32`: float32 slices through a `MapF32` / `ZipF32` op written over `F32s`
//!   (explicit SIMD: 16, 8 or 1 lanes).
//! - `each` / `each2`: any element types through a closure; the loop is compiled inside the
//!   level's `#[target_feature]` function so LLVM vectorizes it with that instruction set.
//!
//! An operand is a slice or one value broadcast along the row (`Src::Scalar`): the
//! "row + scalar" case of broadcasting.

use std::mem::MaybeUninit;

use super::{level, F32s, Level};

/// A float32 unary op written once for every vector width.
pub trait MapF32: Sync {
    fn apply<V: F32s>(&self, x: V) -> V;
}

/// A float32 binary op written once for every vector width.
pub trait ZipF32: Sync {
    fn apply<V: F32s>(&self, a: V, b: V) -> V;
}

/// One operand of a binary loop: a slice as long as the output, or one broadcast value.
#[derive(Clone, Copy)]
pub enum Src<'a, T> {
    Slice(&'a [T]),
    Scalar(T),
}

#[inline(always)]
unsafe fn drive_map<V: F32s, K: MapF32>(k: &K, x: *const f32, o: *mut f32, n: usize) {
    let mut i = 0;
    while i + V::LANES <= n {
        k.apply(V::load(x.add(i))).store(o.add(i));
        i += V::LANES;
    }
    if i < n {
        k.apply(V::load_partial(x.add(i), n - i)).store_partial(o.add(i), n - i);
    }
}

/// `SA`/`SB`: the operand is one value (read from `a[0]` / `b[0]`) rather than a slice.
#[inline(always)]
unsafe fn drive_zip<V: F32s, K: ZipF32, const SA: bool, const SB: bool>(k: &K, a: *const f32, b: *const f32, o: *mut f32, n: usize) {
    let sa = if SA { V::splat(*a) } else { V::splat(0.0) };
    let sb = if SB { V::splat(*b) } else { V::splat(0.0) };
    let mut i = 0;
    while i + V::LANES <= n {
        let va = if SA { sa } else { V::load(a.add(i)) };
        let vb = if SB { sb } else { V::load(b.add(i)) };
        k.apply(va, vb).store(o.add(i));
        i += V::LANES;
    }
    if i < n {
        let va = if SA { sa } else { V::load_partial(a.add(i), n - i) };
        let vb = if SB { sb } else { V::load_partial(b.add(i), n - i) };
        k.apply(va, vb).store_partial(o.add(i), n - i);
    }
}

#[inline(always)]
fn drive_each<A: Copy, O>(x: &[A], o: &mut [MaybeUninit<O>], f: &impl Fn(A) -> O) {
    for (o, &v) in o.iter_mut().zip(x) {
        o.write(f(v));
    }
}

#[inline(always)]
fn drive_each2<A: Copy, B: Copy, O>(a: Src<A>, b: Src<B>, o: &mut [MaybeUninit<O>], f: &impl Fn(A, B) -> O) {
    match (a, b) {
        (Src::Slice(a), Src::Slice(b)) => {
            for ((o, &x), &y) in o.iter_mut().zip(a).zip(b) {
                o.write(f(x, y));
            }
        }
        (Src::Slice(a), Src::Scalar(y)) => {
            for (o, &x) in o.iter_mut().zip(a) {
                o.write(f(x, y));
            }
        }
        (Src::Scalar(x), Src::Slice(b)) => {
            for (o, &y) in o.iter_mut().zip(b) {
                o.write(f(x, y));
            }
        }
        (Src::Scalar(x), Src::Scalar(y)) => {
            for o in o.iter_mut() {
                o.write(f(x, y));
            }
        }
    }
}

macro_rules! level_entry_points {
    ($(#[$attr:meta])* mod $m:ident, $V:ty) => {
        pub(crate) mod $m {
            use super::*;

            $(#[$attr])*
            pub unsafe fn map<K: MapF32>(k: &K, x: *const f32, o: *mut f32, n: usize) {
                drive_map::<$V, K>(k, x, o, n)
            }

            $(#[$attr])*
            pub unsafe fn zip<K: ZipF32, const SA: bool, const SB: bool>(k: &K, a: *const f32, b: *const f32, o: *mut f32, n: usize) {
                drive_zip::<$V, K, SA, SB>(k, a, b, o, n)
            }

            $(#[$attr])*
            pub unsafe fn each<A: Copy, O>(x: &[A], o: &mut [MaybeUninit<O>], f: &impl Fn(A) -> O) {
                drive_each(x, o, f)
            }

            $(#[$attr])*
            pub unsafe fn each2<A: Copy, B: Copy, O>(a: Src<A>, b: Src<B>, o: &mut [MaybeUninit<O>], f: &impl Fn(A, B) -> O) {
                drive_each2(a, b, o, f)
            }

            $(#[$attr])*
            pub unsafe fn run<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
        }
    };
}

level_entry_points!(mod portable_level, super::super::portable::F32x1);
#[cfg(target_arch = "x86_64")]
level_entry_points!(#[target_feature(enable = "avx2,fma")] mod avx2_level, super::super::x86_avx2::F32x8);
#[cfg(target_arch = "x86_64")]
level_entry_points!(#[target_feature(enable = "avx512f,avx2,fma")] mod avx512_level, super::super::x86_avx512::F32x16);

/// o[i] = k(x[i]) at the detected level.
#[inline]
pub fn map_f32<K: MapF32>(k: &K, x: &[f32], o: &mut [MaybeUninit<f32>]) {
    // SAFETY: level() only reports levels the CPU supports.
    unsafe { map_f32_unchecked(level(), k, x, o) }
}

/// # Safety
/// The CPU must support `lv`.
#[inline]
pub(crate) unsafe fn map_f32_unchecked<K: MapF32>(lv: Level, k: &K, x: &[f32], o: &mut [MaybeUninit<f32>]) {
    let n = x.len().min(o.len());
    let (xp, op) = (x.as_ptr(), o.as_mut_ptr() as *mut f32);
    match lv {
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => avx512_level::map(k, xp, op, n),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => avx2_level::map(k, xp, op, n),
        _ => portable_level::map(k, xp, op, n),
    }
}

/// o[i] = k(a[i], b[i]) at the detected level; a `Src::Scalar` operand is broadcast.
#[inline]
pub fn zip_f32<K: ZipF32>(k: &K, a: Src<f32>, b: Src<f32>, o: &mut [MaybeUninit<f32>]) {
    // SAFETY: level() only reports levels the CPU supports.
    unsafe { zip_f32_unchecked(level(), k, a, b, o) }
}

/// # Safety
/// The CPU must support `lv`.
#[inline]
pub(crate) unsafe fn zip_f32_unchecked<K: ZipF32>(lv: Level, k: &K, a: Src<f32>, b: Src<f32>, o: &mut [MaybeUninit<f32>]) {
    let mut n = o.len();
    let op = o.as_mut_ptr() as *mut f32;
    // Scalars live on this stack frame for the duration of the call.
    let (va, vb);
    let (pa, sa) = match a {
        Src::Slice(s) => {
            n = n.min(s.len());
            (s.as_ptr(), false)
        }
        Src::Scalar(v) => {
            va = v;
            (&va as *const f32, true)
        }
    };
    let (pb, sb) = match b {
        Src::Slice(s) => {
            n = n.min(s.len());
            (s.as_ptr(), false)
        }
        Src::Scalar(v) => {
            vb = v;
            (&vb as *const f32, true)
        }
    };
    macro_rules! run {
        ($m:ident) => {
            match (sa, sb) {
                (false, false) => $m::zip::<K, false, false>(k, pa, pb, op, n),
                (false, true) => $m::zip::<K, false, true>(k, pa, pb, op, n),
                (true, false) => $m::zip::<K, true, false>(k, pa, pb, op, n),
                (true, true) => $m::zip::<K, true, true>(k, pa, pb, op, n),
            }
        };
    }
    match lv {
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => run!(avx512_level),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => run!(avx2_level),
        _ => run!(portable_level),
    }
}

/// o[i] = f(x[i]) for any element types, vectorized by the compiler at the detected level.
#[inline]
pub fn each<A: Copy, O>(x: &[A], o: &mut [MaybeUninit<O>], f: &impl Fn(A) -> O) {
    // SAFETY: level() only reports levels the CPU supports.
    unsafe {
        match level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => avx512_level::each(x, o, f),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => avx2_level::each(x, o, f),
            _ => portable_level::each(x, o, f),
        }
    }
}

/// o[i] = f(a[i], b[i]) for any element types (a `Src::Scalar` operand is broadcast).
#[inline]
pub fn each2<A: Copy, B: Copy, O>(a: Src<A>, b: Src<B>, o: &mut [MaybeUninit<O>], f: &impl Fn(A, B) -> O) {
    // SAFETY: level() only reports levels the CPU supports.
    unsafe {
        match level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => avx512_level::each2(a, b, o, f),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => avx2_level::each2(a, b, o, f),
            _ => portable_level::each2(a, b, o, f),
        }
    }
}

/// Runs `f` compiled in the detected level's feature context: plain loops inside `f` (inlined
/// here) are vectorized with AVX-512 or AVX2 where the machine has them. For kernels whose
/// loops are not elementwise maps (e.g. the fused optimizer updates, several arrays at once).
#[inline]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: level() only reports levels the CPU supports.
    unsafe {
        match level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => avx512_level::run(f),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => avx2_level::run(f),
            _ => portable_level::run(f),
        }
    }
}
