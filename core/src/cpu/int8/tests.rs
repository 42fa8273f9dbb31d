//! Every int8 path on this CPU against the plain integer product.

use super::pack::Packed;
use super::Isa;

fn reference(a: &[i8], w: &[i8], m: usize, k: usize, n: usize) -> Vec<i32> {
    let mut c = vec![0i32; m * n];
    for r in 0..m {
        for j in 0..n {
            c[r * n + j] = (0..k).map(|kk| a[r * k + kk] as i32 * w[kk * n + j] as i32).sum();
        }
    }
    c
}

#[test]
fn every_path_is_exact_on_odd_shapes_and_extremes() {
    let mut seed = 12345u32;
    let mut next = || {
        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
        (seed >> 24) as u8 as i8
    };
    for &(m, k, n) in &[(1, 1, 1), (5, 7, 3), (4, 64, 32), (9, 33, 49), (0, 8, 8), (3, 130, 17)] {
        let a: Vec<i8> = (0..m * k).map(|i| if i % 5 == 0 { -128 } else { next() }).collect();
        let w: Vec<i8> = (0..k * n).map(|i| if i % 7 == 0 { 127 } else if i % 7 == 1 { -128 } else { next() }).collect();
        let want = reference(&a, &w, m, k, n);
        for isa in Isa::available() {
            let mut got = vec![0i32; m * n];
            Packed::new(isa, &w, k, n).gemm(&a, m, k, n, &mut got);
            assert_eq!(got, want, "{} at m={m} k={k} n={n}", isa.name());
        }
    }
}
