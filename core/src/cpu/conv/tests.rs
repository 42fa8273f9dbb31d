//! Kernel tests: every path against direct loops, and the gradients as adjoints.

use super::*;

/// Direct-loop reference convolution.
fn reference(x: &[f64], w: &[f64], g: &Conv2dGeometry) -> Vec<f64> {
    let (ig, og) = (g.group_in(), g.group_out());
    let mut out = vec![0.0; g.output_len()];
    for b in 0..g.batch {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                for oc in 0..g.out_c {
                    let grp = oc / og;
                    let mut s = 0.0;
                    for ky in 0..g.k_h {
                        for kx in 0..g.k_w {
                            let iy = (oy * g.stride_h + ky * g.dil_h) as isize - g.pad_top as isize;
                            let ix = (ox * g.stride_w + kx * g.dil_w) as isize - g.pad_left as isize;
                            if iy < 0 || ix < 0 || iy as usize >= g.in_h || ix as usize >= g.in_w {
                                continue;
                            }
                            for i in 0..ig {
                                let xv = x[((b * g.in_h + iy as usize) * g.in_w + ix as usize) * g.in_c + grp * ig + i];
                                s += xv * w[((ky * g.k_w + kx) * ig + i) * g.out_c + oc];
                            }
                        }
                    }
                    out[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = s;
                }
            }
        }
    }
    out
}

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn geometries() -> Vec<Conv2dGeometry> {
    let base = Conv2dGeometry {
        batch: 2, in_h: 7, in_w: 6, in_c: 4, out_h: 0, out_w: 0, out_c: 6, k_h: 3, k_w: 2,
        stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad_top: 0, pad_left: 0, groups: 1,
    };
    let mut v = vec![];
    for (sh, sw, dh, dw, pt, pl, groups) in
        [(1, 1, 1, 1, 0, 0, 1), (2, 1, 1, 2, 1, 1, 1), (1, 2, 2, 1, 2, 0, 2), (2, 2, 1, 1, 1, 0, 4), (1, 1, 1, 1, 1, 1, 1)]
    {
        let mut g = Conv2dGeometry { stride_h: sh, stride_w: sw, dil_h: dh, dil_w: dw, pad_top: pt, pad_left: pl, groups, ..base };
        g.out_c = 2 * groups;
        g.out_h = (g.in_h + 2 * pt - ((g.k_h - 1) * dh + 1)) / sh + 1;
        g.out_w = (g.in_w + 2 * pl - ((g.k_w - 1) * dw + 1)) / sw + 1;
        v.push(g);
    }
    // A pointwise (1x1) convolution takes the no-packing path.
    v.push(Conv2dGeometry { k_h: 1, k_w: 1, out_h: 7, out_w: 6, ..base });
    // A one-channel input (one GEMM), and depthwise with multiplier 1 and padding (the direct
    // path; the groups = 4 cases above have multiplier 2).
    v.push(Conv2dGeometry { in_c: 1, out_c: 5, out_h: 5, out_w: 5, ..base });
    v.push(Conv2dGeometry { groups: 4, out_c: 4, pad_top: 1, pad_left: 1, out_h: 7, out_w: 7, ..base });
    v
}

/// The three passes of one way of computing a convolution.
struct Path {
    name: &'static str,
    forward: fn(&[f64], &[f64], &Conv2dGeometry) -> Result<Vec<f64>>,
    input_grad: fn(&[f64], &[f64], &Conv2dGeometry) -> Result<Vec<f64>>,
    filter_grad: fn(&[f64], &[f64], &Conv2dGeometry) -> Result<Vec<f64>>,
}

/// Every path that can compute `g` (not only the one the dispatch picks), and the dispatch.
fn paths(g: &Conv2dGeometry) -> Vec<Path> {
    let mut v = vec![
        Path { name: "dispatch", forward: conv2d_forward, input_grad: conv2d_input_grad, filter_grad: conv2d_filter_grad },
        Path { name: "gemm", forward: gemm_path::forward, input_grad: gemm_path::input_grad, filter_grad: gemm_path::filter_grad },
    ];
    if g.group_in() == 1 {
        v.push(Path { name: "direct", forward: depthwise::forward, input_grad: depthwise::input_grad, filter_grad: depthwise::filter_grad });
    }
    v
}

#[test]
fn forward_matches_direct_loops() {
    for g in geometries() {
        let x = values(g.input_len(), 1);
        let w = values(g.kernel_len(), 2);
        let want = reference(&x, &w, &g);
        for p in paths(&g) {
            let got = (p.forward)(&x, &w, &g).unwrap();
            assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{} {g:?}: {a} vs {b}", p.name);
            }
        }
    }
}

/// The gradients are adjoints of the forward map: <dy, conv(x, w)> = <input_grad(dy, w), x>
/// = <filter_grad(x, dy), w>.
fn check_adjoint(g: &Conv2dGeometry) {
    let x = values(g.input_len(), 3);
    let w = values(g.kernel_len(), 4);
    let dy = values(g.output_len(), 5);
    let lhs = dot(&dy, &reference(&x, &w, g));
    assert!(lhs.abs() > 1e-3, "{g:?}: a degenerate check");
    for p in paths(g) {
        let dx = (p.input_grad)(&dy, &w, g).unwrap();
        let dw = (p.filter_grad)(&x, &dy, g).unwrap();
        assert!((lhs - dot(&dx, &x)).abs() < 1e-9, "{} {g:?}", p.name);
        assert!((lhs - dot(&dw, &w)).abs() < 1e-9, "{} {g:?}", p.name);
    }
}

#[test]
fn gradients_are_adjoint_to_forward() {
    for g in geometries() {
        check_adjoint(&g);
    }
}

/// Big enough to split over threads and blocks (and, for the GEMM, over its own threads).
#[test]
fn large_batch_splits_the_same_as_one_block() {
    for (in_c, groups) in [(8, 1), (1, 1), (16, 16)] {
        let g = Conv2dGeometry {
            batch: 64, in_h: 13, in_w: 13, in_c, out_h: 11, out_w: 11, out_c: 16, k_h: 3, k_w: 3,
            stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad_top: 0, pad_left: 0, groups,
        };
        let x = values(g.input_len(), 6);
        let w = values(g.kernel_len(), 7);
        let want = reference(&x, &w, &g);
        for p in paths(&g) {
            let got = (p.forward)(&x, &w, &g).unwrap();
            assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12), "{} {g:?}", p.name);
        }
        check_adjoint(&g);
    }
}
