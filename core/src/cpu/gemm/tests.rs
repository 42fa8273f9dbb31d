//! Every kernel this machine can run against a naive triple loop, over edge sizes, strided and
//! transposed operands, accumulation and the bias/relu epilogue.

use super::*;

/// A deterministic pseudo-random value in [-1, 1) on a coarse grid, so f32 sums are exact
/// enough to compare tightly.
fn val(seed: usize) -> f64 {
    let x = (seed as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((x >> 40) % 64) as f64 / 32.0 - 1.0
}

struct Case {
    m: usize,
    n: usize,
    k: usize,
    a_trans: bool,
    b_trans: bool,
    accumulate: bool,
    bias: bool,
    relu: bool,
}

/// Runs one case with the given ISA in f32 or f64 and compares with a naive product.
fn check<T>(case: &Case, isa: Isa)
where
    T: GemmScalar + Into<f64> + From<i8> + std::fmt::Debug,
{
    let Case { m, n, k, a_trans, b_trans, accumulate, bias, relu } = *case;
    let conv = |v: f64| -> T { T::from((v * 32.0) as i8) * T::from(1) };
    // Values are multiples of 1/32 scaled by 32 into small ints: products and sums are exact.
    let a: Vec<T> = (0..m * k).map(|i| conv(val(i))).collect();
    let b: Vec<T> = (0..k * n).map(|i| conv(val(i + 7919))).collect();
    let bias_v: Vec<T> = (0..n).map(|i| conv(val(i + 31))).collect();
    let c0: Vec<T> = (0..m * n).map(|i| conv(val(i + 104729))).collect();
    // a_trans: A is stored k x m and read through swapped strides (a transposed view).
    let (rsa, csa) = if a_trans { (1, m as isize) } else { (k as isize, 1) };
    let (rsb, csb) = if b_trans { (1, k as isize) } else { (n as isize, 1) };
    let mut want = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s: f64 = if accumulate { c0[i * n + j].into() } else { 0.0 };
            for p in 0..k {
                let av: f64 = a[(i as isize * rsa + p as isize * csa) as usize].into();
                let bv: f64 = b[(p as isize * rsb + j as isize * csb) as usize].into();
                s += av * bv;
            }
            if bias {
                s += Into::<f64>::into(bias_v[j]);
            }
            if relu && s < 0.0 {
                s = 0.0;
            }
            want[i * n + j] = s;
        }
    }
    let mut c = c0.clone();
    let p = Problem {
        m,
        n,
        k,
        a: a.as_ptr(),
        rsa,
        csa,
        b: b.as_ptr(),
        rsb,
        csb,
        c: c.as_mut_ptr(),
        rsc: n as isize,
        csc: 1,
        accumulate,
        bias: if bias { bias_v.as_ptr() } else { std::ptr::null() },
        bias_rs: 0,
        bias_cs: 1,
        relu,
    };
    if m > 0 && n > 0 {
        run_with(&p, isa);
    }
    for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
        let g: f64 = got.into();
        assert!(g == w, "{isa:?} {}x{}x{} at {idx}: got {g}, want {w} (a_t {a_trans} b_t {b_trans} acc {accumulate} bias {bias} relu {relu})", m, n, k);
    }
}

trait RunWith: GemmScalar {
    fn run_isa(p: &Problem<Self>, isa: Isa);
}
impl RunWith for f32 {
    fn run_isa(p: &Problem<f32>, isa: Isa) {
        kernels::run_f32(p, isa)
    }
}
impl RunWith for f64 {
    fn run_isa(p: &Problem<f64>, isa: Isa) {
        kernels::run_f64(p, isa)
    }
}
fn run_with<T: GemmScalar>(p: &Problem<T>, isa: Isa) {
    // Dispatch through the concrete types (f32/f64) without a generic bound on the tests.
    let any = p as &dyn std::any::Any;
    if let Some(p) = any.downcast_ref::<Problem<f32>>() {
        f32::run_isa(p, isa)
    } else if let Some(p) = any.downcast_ref::<Problem<f64>>() {
        f64::run_isa(p, isa)
    } else {
        T::run(p)
    }
}

fn isas() -> Vec<Isa> {
    [Isa::Avx512, Isa::Avx2, Isa::Portable].into_iter().filter(|i| i.available()).collect()
}

fn cases() -> Vec<Case> {
    let mut v = vec![];
    let sizes = [(1, 1, 1), (3, 5, 7), (12, 32, 16), (13, 33, 17), (25, 70, 300), (70, 10, 40), (128, 10, 256), (5, 200, 3), (40, 40, 0), (0, 4, 4), (200, 150, 520), (128, 256, 300), (200, 512, 40), (1, 300, 70), (1, 700, 1200), (90, 1, 33), (1, 1, 9), (1, 40, 0), (8, 100, 300), (12, 64, 20), (5, 33, 700), (10, 700, 200), (396, 128, 50), (130, 260, 784)];
    for (idx, &(m, n, k)) in sizes.iter().enumerate() {
        for flags in 0..4u32 {
            v.push(Case {
                m,
                n,
                k,
                a_trans: flags & 1 != 0,
                b_trans: flags & 2 != 0,
                accumulate: (idx + flags as usize).is_multiple_of(2),
                bias: (idx + flags as usize).is_multiple_of(3),
                relu: (idx + flags as usize) % 3 != 2,
            });
        }
    }
    v
}

#[test]
fn every_kernel_matches_naive_f32() {
    for isa in isas() {
        for c in cases() {
            check::<f32>(&c, isa);
        }
    }
}

#[test]
fn every_kernel_matches_naive_f64() {
    for isa in isas() {
        for c in cases() {
            check::<f64>(&c, isa);
        }
    }
}

#[test]
fn integers_use_the_portable_kernel() {
    let (m, n, k) = (7, 9, 11);
    let a: Vec<i64> = (0..m * k).map(|i| i as i64 - 30).collect();
    let b: Vec<i64> = (0..k * n).map(|i| (i as i64 * 7) % 13 - 6).collect();
    let mut c = vec![0i64; m * n];
    crate::cpu::matmul::gemm(m, n, k, &a, k as isize, 1, &b, n as isize, 1, &mut c);
    for i in 0..m {
        for j in 0..n {
            let want: i64 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            assert_eq!(c[i * n + j], want);
        }
    }
}

#[test]
fn broadcast_and_reversed_views() {
    // A's rows all alias one row (stride 0); B is read with a negative row stride.
    let (m, n, k) = (5, 6, 4);
    let arow: Vec<f32> = (0..k).map(|i| i as f32 + 1.0).collect();
    let b: Vec<f32> = (0..k * n).map(|i| i as f32 * 0.5).collect();
    let mut c = vec![f32::NAN; m * n];
    gemm_strided(
        m,
        n,
        k,
        MatRef::new(&arow, 0, 0, 1),
        MatRef::new(&b, (k - 1) * n, -(n as isize), 1),
        MatMut::row_major(&mut c, n),
        false,
        Epilogue::default(),
    );
    for i in 0..m {
        for j in 0..n {
            let want: f32 = (0..k).map(|p| arow[p] * b[(k - 1 - p) * n + j]).sum();
            assert_eq!(c[i * n + j], want);
        }
    }
}

#[test]
fn relu_keeps_nan() {
    let a = [f32::NAN, 1.0];
    let b = [1.0f32, -1.0];
    let mut c = [0f32; 1];
    gemm_strided(1, 1, 2, MatRef::row_major(&a, 2), MatRef::row_major(&b, 1), MatMut::row_major(&mut c, 1), false, Epilogue { bias: None, relu: true });
    assert!(c[0].is_nan());
}

#[test]
#[should_panic(expected = "out of bounds")]
fn out_of_bounds_views_are_refused() {
    let a = [0f32; 3];
    let mut c = [0f32; 4];
    crate::cpu::matmul::gemm(2, 2, 2, &a, 2, 1, &a, 2, 1, &mut c);
}

#[test]
fn concurrent_calls_from_rayon_tasks() {
    // The convolution helper calls gemm from inside a parallel loop: nested splits and the
    // per-thread packing buffers must not interfere.
    use rayon::prelude::*;
    let (m, n, k) = (70, 90, 300);
    let a: Vec<f64> = (0..m * k).map(|i| val(i) * 32.0).collect();
    let b: Vec<f64> = (0..k * n).map(|i| val(i + 5) * 32.0).collect();
    let mut want = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            want[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
        }
    }
    let outs: Vec<Vec<f64>> = (0..16)
        .into_par_iter()
        .map(|_| {
            let mut c = vec![0f64; m * n];
            crate::cpu::matmul::gemm(m, n, k, &a, k as isize, 1, &b, n as isize, 1, &mut c);
            c
        })
        .collect();
    for c in outs {
        assert_eq!(c, want);
    }
}
