//! Backward kernels of the reductions whose gradient depends on the values: max/min (split
//! evenly between the tied extrema, as TensorFlow does) and prod (the product of the other
//! elements, formed from prefix and suffix products so zeros need no division).
//! Inputs are dense `[m, k, n]` blocks; `y` and `g` are the `[m, n]` outputs and their gradient.

use crate::cpu::num::Num;
use crate::cpu::nn::par_slabs;

/// dx = g / (number of ties) where x equals the reduced value y, else 0.
pub fn extremum_grad<T: Num>(x: &[T], y: &[T], g: &[T], k: usize, n: usize, dx: &mut [T]) {
    let slab = k * n;
    par_slabs(dx, slab, |first, out| {
        let mut count = vec![0usize; n];
        for (s, o) in out.chunks_exact_mut(slab).enumerate() {
            let i = first + s;
            let xs = &x[i * slab..(i + 1) * slab];
            let (ys, gs) = (&y[i * n..(i + 1) * n], &g[i * n..(i + 1) * n]);
            count.iter_mut().for_each(|c| *c = 0);
            for row in xs.chunks_exact(n) {
                for ((c, &v), &yv) in count.iter_mut().zip(row).zip(ys) {
                    *c += (v == yv) as usize;
                }
            }
            let share: Vec<T> = gs.iter().zip(&count).map(|(&gv, &c)| if c > 0 { gv / T::from_f64(c as f64) } else { T::zero() }).collect();
            for (row, orow) in xs.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
                for (((o, &v), &yv), &sh) in orow.iter_mut().zip(row).zip(ys).zip(&share) {
                    *o = if v == yv { sh } else { T::zero() };
                }
            }
        }
    });
}

/// dx_r = g * prod_{r' != r} x_r' along the reduced axis.
pub fn prod_grad<T: Num>(x: &[T], g: &[T], k: usize, n: usize, dx: &mut [T]) {
    let slab = k * n;
    par_slabs(dx, slab, |first, out| {
        let mut run = vec![T::zero(); n];
        for (s, o) in out.chunks_exact_mut(slab).enumerate() {
            let i = first + s;
            let xs = &x[i * slab..(i + 1) * slab];
            // Exclusive prefix products, top to bottom...
            run.copy_from_slice(&g[i * n..(i + 1) * n]);
            for (row, orow) in xs.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
                for ((o, &v), r) in orow.iter_mut().zip(row).zip(run.iter_mut()) {
                    *o = *r;
                    *r = *r * v;
                }
            }
            // ...times exclusive suffix products, bottom to top.
            run.iter_mut().for_each(|r| *r = T::one());
            for (row, orow) in xs.chunks_exact(n).zip(o.chunks_exact_mut(n)).rev() {
                for ((o, &v), r) in orow.iter_mut().zip(row).zip(run.iter_mut()) {
                    *o = *o * *r;
                    *r = *r * v;
                }
            }
        }
    });
}
