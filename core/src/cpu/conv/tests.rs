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
    // One input channel per group takes the direct path: a one-channel input, and depthwise
    // with multiplier 1 and padding.
    v.push(Conv2dGeometry { in_c: 1, out_c: 5, out_h: 5, out_w: 5, ..base });
    v.push(Conv2dGeometry { groups: 4, out_c: 4, pad_top: 1, pad_left: 1, out_h: 7, out_w: 7, ..base });
    v
}

#[test]
fn forward_matches_direct_loops() {
    for g in geometries() {
        let x = values(g.input_len(), 1);
        let w = values(g.kernel_len(), 2);
        let got = conv2d_forward(&x, &w, &g).unwrap();
        let want = reference(&x, &w, &g);
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12, "{g:?}: {a} vs {b}");
        }
    }
}

/// The gradients are adjoints of the forward map: <dy, conv(x, w)> = <input_grad(dy, w), x>
/// = <filter_grad(x, dy), w>.
#[test]
fn gradients_are_adjoint_to_forward() {
    for g in geometries() {
        let x = values(g.input_len(), 3);
        let w = values(g.kernel_len(), 4);
        let dy = values(g.output_len(), 5);
        let y = conv2d_forward(&x, &w, &g).unwrap();
        let dx = conv2d_input_grad(&dy, &w, &g).unwrap();
        let dw = conv2d_filter_grad(&x, &dy, &g).unwrap();
        let lhs = dot(&dy, &y);
        assert!((lhs - dot(&dx, &x)).abs() < 1e-10, "{g:?}");
        assert!((lhs - dot(&dw, &w)).abs() < 1e-10, "{g:?}");
        assert!(lhs.abs() > 1e-3, "{g:?}: a degenerate check");
    }
}

#[test]
fn large_batch_splits_the_same_as_one_block() {
    for in_c in [8, 1] {
        large_batch_case(in_c);
    }
}

fn large_batch_case(in_c: usize) {
    let g = Conv2dGeometry {
        batch: if in_c == 1 { 64 } else { 16 }, in_h: 13, in_w: 13, in_c, out_h: 11, out_w: 11, out_c: 16, k_h: 3, k_w: 3,
        stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad_top: 0, pad_left: 0, groups: 1,
    };
    let x = values(g.input_len(), 6);
    let w = values(g.kernel_len(), 7);
    let got = conv2d_forward(&x, &w, &g).unwrap();
    let want = reference(&x, &w, &g);
    assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12));
    let dy = values(g.output_len(), 8);
    let dw = conv2d_filter_grad(&x, &dy, &g).unwrap();
    let dx = conv2d_input_grad(&dy, &w, &g).unwrap();
    let lhs = dot(&dy, &got);
    assert!((lhs - dot(&dw, &w)).abs() < 1e-9);
    assert!((lhs - dot(&dx, &x)).abs() < 1e-9);
}
